"""What a search optimises: the validation score alone, or the score against one cost (a
Pareto search), and hard limits on cost. No TensorFlow.

`--objective accuracy` ranks by the score (LogEntry.val_accuracy: larger is better).
`--objective accuracy,latency` and `accuracy,params` search for the front of the score
against the child's CPU latency at batch 1 or its parameter count. `--max-params`,
`--max-latency-ms` and `--max-macs` are hard limits: a child over one is measured but never
trained; it is logged as failed with the reason and `over_limit` in its meta, and gets the
worst reward. `--max-macs auto` (the image spaces' default) is resolved from the input size
by `resolve_max_macs` before the search starts.

What each strategy is told (docs/cost.md explains the choices):
  - strategies with `pareto_aware` (random, evolution, local) get (score, cost) pairs and
    compare them by Pareto dominance;
  - the others (the controller) get one number, MnasNet's reward (Tan et al. 2019)
    score * (cost / target) ** w, w = MNASNET_COST_WEIGHT; the target is the hard limit of
    that cost when one is given, else 1 (with the same w on both sides of the target it
    only rescales every reward by the same factor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import CONSTANTS as C
from mlpnas.errors import NasError


@dataclass(frozen=True)
class Objective:
    """The cost a search weighs the score against (None: the score alone) and its limits."""

    cost: str | None = None
    max_params: int | None = None
    max_latency_ms: float | None = None
    max_macs: int | None = None

    @property
    def cost_key(self) -> str | None:
        """The LogEntry.meta key of the cost (None: the score alone)."""
        return None if self.cost is None else C.COST_KEYS[self.cost]

    @property
    def target(self) -> float:
        """MnasNet's target cost: the hard limit of the objective's cost, else 1."""
        limit = {"params": self.max_params, "latency": self.max_latency_ms}.get(self.cost)
        return float(limit) if limit else 1.0


def parse_objective(text: str) -> str | None:
    """The cost named by an --objective value (None for accuracy alone); one-line errors."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if parts == ["accuracy"]:
        return None
    if len(parts) == 2 and parts[0] == "accuracy" and parts[1] in C.COST_KEYS:
        return parts[1]
    raise NasError(f"unknown objective {text!r}; choose one of: {', '.join(C.OBJECTIVES)}")


def objective_of(config: Any) -> Objective:
    """The Objective of a search configuration, its values checked."""
    cost = parse_objective(getattr(config, "objective", C.DEFAULT_OBJECTIVE))
    max_params = getattr(config, "max_params", None)
    max_latency = getattr(config, "max_latency_ms", None)
    max_macs = getattr(config, "max_macs", None)
    if max_macs == C.MAX_MACS_AUTO:  # not resolved yet (no input size): no limit so far
        max_macs = None
    if max_macs is not None and (isinstance(max_macs, str) or max_macs < 1):
        raise NasError(f"--max-macs must be a positive number of multiply-adds, 'auto' or "
                       f"'none', got {max_macs}")
    if max_params is not None and max_params < 1:
        raise NasError(f"--max-params must be a positive number of parameters, got {max_params}")
    if max_latency is not None and not max_latency > 0:
        raise NasError(f"--max-latency-ms must be a positive number of milliseconds, "
                       f"got {max_latency}")
    if cost is not None and getattr(config, "screen", 1) > 1:
        raise NasError("--screen ranks candidates by predicted accuracy alone; it does not "
                       f"combine with --objective {config.objective}")
    return Objective(cost, max_params, max_latency, max_macs)


def limit_reason(cost: dict, objective: Objective) -> str | None:
    """Why a child's measured cost is over a hard limit (None: within every limit)."""
    params, latency = cost.get("params"), cost.get("latency_ms")
    if objective.max_params is not None and params is not None and params > objective.max_params:
        return f"over the limit: {params} parameters > --max-params {objective.max_params}"
    if (objective.max_latency_ms is not None and latency is not None
            and latency > objective.max_latency_ms):
        return (f"over the limit: {latency:.3f} ms at batch 1 > --max-latency-ms "
                f"{objective.max_latency_ms:g}")
    macs = cost.get("macs")
    if objective.max_macs is not None and macs is not None and macs > objective.max_macs:
        return (f"over the limit: {macs:,} multiply-adds per input > --max-macs "
                f"{objective.max_macs:,}")
    return None


def resolve_max_macs(config: Any, input_shape: Sequence[int], image: bool) -> Any:
    """`config` with `--max-macs auto` made a number: IMAGE_MACS_PER_PIXEL times the input's
    pixels for image data, no limit for tabular data."""
    if getattr(config, "max_macs", None) != C.MAX_MACS_AUTO:
        return config
    limit = None
    if image:
        limit = int(C.IMAGE_MACS_PER_PIXEL * math.prod(int(s) for s in input_shape[:2]))
    return config.with_changes(max_macs=limit)


def parse_max_macs(text: Any) -> int | str | None:
    """A --max-macs value: a count (20000000, 2e7, 20M, 500k, 1.5G), 'auto' or 'none'."""
    value = str(text).strip().lower()
    if value in (C.MAX_MACS_AUTO, "none"):
        return None if value == "none" else C.MAX_MACS_AUTO
    scale = {"k": 1e3, "m": 1e6, "g": 1e9}.get(value[-1:], 1)
    try:
        number = float(value[:-1] if scale != 1 else value) * scale
    except ValueError:
        number = math.nan
    if not number >= 1 or math.isinf(number):
        raise NasError(f"--max-macs must be a positive number of multiply-adds (e.g. 20M), "
                       f"'auto' or 'none', got {text!r}")
    return int(number)


def over_limit_meta(cost: dict, config: Any) -> dict | None:
    """The meta of a child that is not trained because it is over a limit (None: train it)."""
    reason = limit_reason(cost, objective_of(config))
    if reason is None:
        return None
    return {**cost, "failed": True, "error": reason, "over_limit": reason}


def entry_cost(meta: dict, key: str) -> float:
    """A logged child's cost (infinity when not measured or over a limit)."""
    value = meta.get(key)
    if value is None or meta.get("over_limit") or meta.get("failed"):
        return math.inf
    return float(value)


def mnasnet_reward(score: float, cost: float, target: float,
                   weight: float = C.MNASNET_COST_WEIGHT) -> float:
    """score * (cost / target) ** weight; a negative score is divided by the factor instead,
    so a larger cost always lowers the reward."""
    factor = (max(cost, 1e-12) / target) ** weight
    return score * factor if score >= 0 else score / max(factor, 1e-12)


def strategy_rewards(objective: Objective, pareto_aware: bool, seqs: Sequence[Sequence[int]],
                     scores: Sequence[float], costs: dict) -> list:
    """What a strategy is told for each sequence: the score; the (score, cost) pair; or the
    MnasNet reward. `costs`: tokens -> logged cost (unknown: infinity)."""
    if objective.cost is None:
        return [float(s) for s in scores]
    pairs = [(float(s), float(costs.get(tuple(map(int, q)), math.inf)))
             for q, s in zip(seqs, scores)]
    if pareto_aware:
        return pairs
    return [mnasnet_reward(s, c, objective.target) for s, c in pairs]


def feedback(told: dict, objective: Objective, strategy: Any, entries: Sequence[Any]) -> dict:
    """`strategy.tell`'s keyword arguments with the rewards made for the objective."""
    if objective.cost is None:
        return told
    costs = {}
    for entry in entries:
        costs.setdefault(tuple(entry.tokens), entry_cost(entry.meta, objective.cost_key))
    rewards = strategy_rewards(objective, getattr(strategy, "pareto_aware", False),
                               told["seqs"], told["rewards"], costs)
    return {**told, "rewards": rewards}


def score_of(reward: Any) -> float:
    """The score part of a reward (a number, or a (score, cost) pair)."""
    return float(reward[0]) if isinstance(reward, (tuple, list)) else float(reward)
