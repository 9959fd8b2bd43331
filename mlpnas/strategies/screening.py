"""Which sampled sequences to train in a controller epoch: plain sampling or screening.

Plain (screen factor 1): the m sampled sequences are all trained, as MLPNAS did, except
with one-shot weight transfer: there a sequence already in the log (or earlier in the same
batch) is not trained again but reuses its logged accuracy (counted as reused / repeats in
the epoch's statistics). Retraining it would start from its own trained weights and train
them further, so its reward would grow with how often it was sampled instead of belonging
to the architecture.

Screening (factor K > 1, after the warm-up epochs): the policy pi samples N = K*m
candidates, the predictor scores them, and only the m distinct candidates with the highest
predicted accuracy that are not in the log yet are trained. A candidate already in the
log is not trained again: its logged accuracy is reused (and counted); so are copies of
a sequence trained in the same epoch. During the warm-up epochs of a screened search the
m samples are trained, with the same reuse.

The policy gradient stays unbiased with a doubly robust reward (Dudik et al. 2011,
"Doubly Robust Policy Evaluation and Learning"). Every one of the N candidates x_i is an
independent draw from pi, and REINFORCE over all of them uses the reward

    R^(x) = f(x) + 1[x trained] / p(x) * (R(x) - f(x))

where f is the prediction made before training and p(x) = P(x is trained | x is a
candidate), the probability over the other N-1 draws. Since E[1[trained] / p | x] = 1,
E[R^(x) | x] = R(x): the estimator has the same expectation as REINFORCE on N trained
children, so the gradient of E_pi[R] is estimated without bias. Untrained candidates
contribute their prediction (the control variate); trained ones correct it. A sequence
whose accuracy is already logged gets that accuracy itself (p = 1, known exactly).

p(x) has no closed form (the others are ranked, deduplicated and checked against the
log), so it is estimated by Monte Carlo: draw a fresh pool of sequences from pi, predict
them, and replay the selection rule on simulated sets of N-1 others. The estimate is
floored at SCREEN_MIN_SELECTION_PROB to bound the weight 1/p (a small, bounded bias).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError

Seq = tuple[int, ...]


@dataclass
class EpochPlan:
    """The candidates of one controller epoch and which of them to train."""

    candidates: list[list[int]]
    predicted: list[float] | None
    train: list[int]  # indices into candidates, in training order
    reused: dict[int, float] = field(default_factory=dict)  # index -> logged accuracy
    selection_prob: np.ndarray | None = None  # P(trained | candidate): screened epochs only
    screened: bool = False
    dedupe: bool = False  # reuse of logged accuracies is on (a screened search)

    def prediction(self, i: int) -> float | None:
        """Predicted accuracy of candidate i (None without a predictor)."""
        return None if self.predicted is None else self.predicted[i]

    def feedback(self, accuracies: Sequence[float]) -> dict[str, Any]:
        """Keyword arguments for `strategy.tell`, given the accuracies of `train` in order."""
        trained = {tuple(self.candidates[i]): float(a) for i, a in zip(self.train, accuracies)}
        if not self.dedupe:  # plain sampling: every candidate trained, MLPNAS's update
            return {"seqs": self.candidates, "rewards": [float(a) for a in accuracies]}
        rewards = [self._reward(i, trained) for i in range(len(self.candidates))]
        observed = ([self.candidates[i] for i in self.train], [float(a) for a in accuracies])
        return {"seqs": self.candidates, "rewards": rewards, "observed": observed}

    def _reward(self, i: int, trained: dict[Seq, float]) -> float:
        """The doubly robust reward of candidate i (the true one where it is known)."""
        if i in self.reused:
            return self.reused[i]
        seq = tuple(self.candidates[i])
        if not self.screened:
            return trained[seq]
        f = float(self.predicted[i])
        if seq not in trained:
            return f
        return f + (trained[seq] - f) / float(self.selection_prob[i])

    def stats(self) -> dict[str, float]:
        """Counts for the epoch's status line."""
        trained = {tuple(self.candidates[i]) for i in self.train}
        repeats = sum(1 for i, s in enumerate(self.candidates)
                      if tuple(s) in trained and i not in self.train)
        out = {"candidates": float(len(self.candidates)), "trained": float(len(self.train)),
               "reused": float(len(self.reused)), "repeats": float(repeats)}
        if self.screened and self.train:
            out["mean_selection_prob"] = float(np.mean(self.selection_prob[self.train]))
        return out


def plan_state(plan: EpochPlan) -> dict:
    """A plan as plain values (for the checkpoint, read back by the restricted unpickler)."""
    return {"candidates": [list(map(int, c)) for c in plan.candidates],
            "predicted": None if plan.predicted is None else [float(p) for p in plan.predicted],
            "train": [int(i) for i in plan.train],
            "reused": {int(k): float(v) for k, v in plan.reused.items()},
            "selection_prob": None if plan.selection_prob is None
            else np.asarray(plan.selection_prob, dtype="float64"),
            "screened": bool(plan.screened), "dedupe": bool(plan.dedupe)}


def plan_from_state(state: dict) -> EpochPlan:
    """Inverse of plan_state."""
    return EpochPlan(**state)


def check_screening(config: Any) -> None:
    """Screening needs predictions: refuse a configuration that cannot make them."""
    if config.screen < 1:
        raise NasError(f"--screen must be at least 1, got {config.screen}")
    if config.screen > 1 and not config.use_predictor:
        raise NasError("--screen needs the accuracy predictor: add --predictor")
    if config.screen > 1 and config.strategy != "rl":
        raise NasError(f"--screen needs the rl strategy's predictor, not {config.strategy!r}")


def is_screened(config: Any, epoch: int) -> bool:
    """True when this controller epoch picks its children by predicted accuracy."""
    return config.screen > 1 and epoch >= config.screen_warmup


def _distinct_new(seqs: Sequence[Sequence[int]], known: dict[Seq, float]
                  ) -> tuple[list[int], dict[int, float]]:
    """First index of each distinct sequence not in `known`; logged or repeated ones reused.

    Repeats of a new sequence are not in either result: they share its trained accuracy.
    """
    first: dict[Seq, int] = {}
    reused: dict[int, float] = {}
    for i, seq in enumerate(seqs):
        key = tuple(seq)
        if key in known:
            reused[i] = known[key]
        elif key not in first:
            first[key] = i
    return list(first.values()), reused


def top_predicted(new: list[int], predicted: Sequence[float], m: int) -> list[int]:
    """The m indices of `new` with the highest prediction (ties: earlier first)."""
    return sorted(new, key=lambda i: (-predicted[i], i))[:m]


def selection_probabilities(preds: np.ndarray, is_new: np.ndarray, pool_preds: np.ndarray,
                            pool_ids: np.ndarray, pool_new: np.ndarray, m: int,
                            simulations: int, rng: np.random.Generator,
                            floor: float = C.SCREEN_MIN_SELECTION_PROB) -> np.ndarray:
    """Monte Carlo P(candidate is trained): it is new and fewer than m distinct new
    sequences among N-1 other draws from the policy (the pool) are predicted higher.
    """
    n = len(preds)
    draws = rng.integers(0, len(pool_preds), size=(simulations, max(n - 1, 0)))
    others, ids, new = pool_preds[draws], pool_ids[draws], pool_new[draws]
    probs = np.ones(n)
    for i in range(n):
        if not is_new[i]:
            probs[i] = 1.0
            continue
        beat = np.sort(np.where(new & (others > preds[i]), ids, -1), axis=1)
        fresh = (beat >= 0) & np.concatenate(
            [np.ones((simulations, 1), bool), np.diff(beat, axis=1) != 0], axis=1)
        probs[i] = np.mean(fresh.sum(axis=1) < m)
    return np.maximum(probs, floor)


def _screen_probs(strategy: Any, candidates: list[list[int]], predicted: list[float],
                  known: dict[Seq, float], m: int, config: Any, epoch: int) -> np.ndarray:
    """Estimated selection probability of every candidate (fresh pool from the policy)."""
    pool = strategy.ask(C.SCREEN_POOL_FACTOR * len(candidates))
    pool_preds = np.asarray(strategy.predict(pool), dtype=float)
    index: dict[Seq, int] = {}
    pool_ids = np.asarray([index.setdefault(tuple(s), len(index)) for s in pool])
    pool_new = np.asarray([tuple(s) not in known for s in pool])
    is_new = np.asarray([tuple(s) not in known for s in candidates])
    rng = np.random.default_rng([config.seed, epoch, 4])  # own seeded RNG, resume-safe
    return selection_probabilities(np.asarray(predicted, dtype=float), is_new, pool_preds,
                                   pool_ids, pool_new, m, C.SCREEN_SIMULATIONS, rng)


def plan_epoch(strategy: Any, config: Any, epoch: int, known: dict[Seq, float]) -> EpochPlan:
    """Sample this epoch's candidates and decide which to train (see the module doc)."""
    m = config.samples_per_epoch
    screened = is_screened(config, epoch)
    candidates = strategy.ask(m * config.screen if screened else m)
    predicted = strategy.predict(candidates)
    warm = getattr(config, "warm_start", None) and not getattr(config, "warm_start_retrain", 0)
    if config.screen <= 1 and not getattr(config, "one_shot", False) and not warm:
        return EpochPlan(candidates, predicted, list(range(len(candidates))))
    new, reused = _distinct_new(candidates, known)
    if not screened:
        return EpochPlan(candidates, predicted, new, reused, dedupe=True)
    if predicted is None:
        raise NasError(f"--screen needs a strategy with a predictor ({strategy.name} has none)")
    train = top_predicted(new, predicted, m)
    probs = _screen_probs(strategy, candidates, predicted, known, m, config, epoch)
    return EpochPlan(candidates, predicted, train, reused, probs, screened=True, dedupe=True)
