"""Which sampled sequences to train in a controller epoch: plain sampling or screening.

Plain (screen factor 1): the m sampled sequences are all trained, as MLPNAS did, except
with one-shot weight transfer: there a sequence already in the log (or earlier in the same
batch) is not trained again but reuses its logged accuracy (counted as reused / repeats in
the epoch's statistics). Retraining it would start from its own trained weights and train
them further, so its reward would grow with how often it was sampled instead of belonging
to the architecture.

Screening (factor K > 1, after the warm-up epochs): the policy pi draws N = K*m
sequences; from each draw a steepest-ascent climb over one-token changes (at most
`screen_climb` moves, on the ranking score) scores its neighbours, and the m distinct
sequences with the highest ranking score among the draws and everything their climbs
scored, and not in the log yet, are trained (as BANANAS optimises its acquisition by
mutation, White et al. 2021). A draw already in the log is not trained again: its logged
accuracy is reused (and counted); so are copies of a sequence trained in the same epoch.
During the warm-up epochs of a screened search the m draws are trained, with the same reuse.

The ranking score is the strategy's `rank` (its `predict` where it has none). The rl
strategy with a cost feature (the parameter count, known before training) ranks by that
cost until its predictor has ranked the children it had not been fitted on better than
the cost does (mlpnas.strategies.controller); the predictor also reads the cost.

The policy is updated on its N draws only, with a doubly robust reward (Dudik et al.
2011, "Doubly Robust Policy Evaluation and Learning"). Every draw x_i is an independent
draw from pi, and REINFORCE over them uses

    R^(x) = f(x) + 1[x trained] / p(x) * (R(x) - f(x))

where f is the predicted accuracy made before training and p(x) = P(x is trained | x is
drawn), the probability over the other N-1 draws and the climbs from all N. Since
E[1[trained] / p | x] = 1, E[R^(x) | x] = R(x): the estimator has the same expectation
as REINFORCE on N trained children, so the gradient of E_pi[R] is estimated without bias
whatever the ranking and the climbing do. A draw whose accuracy is already logged gets that
accuracy itself (p = 1, known exactly). What climbing changes: the trained children are
mostly not draws but sequences found from them, so a draw is rarely trained itself and
its reward is mostly the prediction f. The policy then learns mainly through the
predictor, which is fitted on every trained child; only draws that are trained get the
measured correction. The climbed children inform the policy only through f.

p(x) has no closed form (the others are ranked, climbed, deduplicated and checked against
the log), so it is estimated by Monte Carlo: draw a fresh pool of sequences from pi,
climb from each the same way, and replay the selection rule on simulated sets of N-1
others (only each pool member's m best new sequences can be among a union's m best). The
estimate is floored at SCREEN_MIN_SELECTION_PROB to bound the weight 1/p (a small,
bounded bias). Equal ranking scores (a cost proxy has many) are ordered by a seeded
tie-break, the same for the selection and its replay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
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
    draws: int | None = None  # candidates[:draws] are the policy's draws (None: all)

    @property
    def drawn(self) -> list[list[int]]:
        """The candidates the policy drew (the rest were found by climbing from them)."""
        return self.candidates if self.draws is None else self.candidates[:self.draws]

    def prediction(self, i: int) -> float | None:
        """Predicted accuracy of candidate i (None without a predictor)."""
        return None if self.predicted is None else self.predicted[i]

    def feedback(self, accuracies: Sequence[float]) -> dict[str, Any]:
        """Keyword arguments for `strategy.tell`, given the accuracies of `train` in order."""
        trained = {tuple(self.candidates[i]): float(a) for i, a in zip(self.train, accuracies)}
        if not self.dedupe:  # plain sampling: every candidate trained, MLPNAS's update
            return {"seqs": self.candidates, "rewards": [float(a) for a in accuracies]}
        rewards = [self._reward(i, trained) for i in range(len(self.drawn))]
        observed = ([self.candidates[i] for i in self.train], [float(a) for a in accuracies])
        return {"seqs": self.drawn, "rewards": rewards, "observed": observed}

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
        out = {"candidates": float(len(self.drawn)), "trained": float(len(self.train)),
               "reused": float(len(self.reused)), "repeats": float(repeats)}
        if self.screened:  # children found by climbing; P(trained) averaged over the draws
            out["climbed"] = float(sum(i >= len(self.drawn) for i in self.train))
            out["mean_selection_prob"] = float(np.mean(self.selection_prob))
        return out


def plan_state(plan: EpochPlan) -> dict:
    """A plan as plain values (for the checkpoint, read back by the restricted unpickler)."""
    return {"candidates": [list(map(int, c)) for c in plan.candidates],
            "predicted": None if plan.predicted is None else [float(p) for p in plan.predicted],
            "train": [int(i) for i in plan.train],
            "reused": {int(k): float(v) for k, v in plan.reused.items()},
            "selection_prob": None if plan.selection_prob is None
            else np.asarray(plan.selection_prob, dtype="float64"),
            "screened": bool(plan.screened), "dedupe": bool(plan.dedupe),
            "draws": None if plan.draws is None else int(plan.draws)}


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


def give_cost_feature(strategy: Any, config: Any, space: Any, dataset: Any) -> None:
    """Give a predictor that can read it the parameter count of each sequence, counted
    before training (mlpnas.training.cost.ParamCounter)."""
    if not config.use_predictor or not hasattr(strategy, "set_cost_feature"):
        return
    from mlpnas.spaces import space_info
    from mlpnas.training.cost import ParamCounter

    counter = ParamCounter(space, space_info(config.space).build_function(),
                           dataset.input_shape, dataset.n_classes)
    strategy.set_cost_feature(counter, cheap=counter.analytic)


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


class Scorer:
    """Ranking scores of sequences, each computed once per epoch, plus a tiny seeded
    tie-break (so that a cost proxy's equal values are ordered at random, the same way
    for the epoch's selection and for its Monte Carlo replay)."""

    TIE_BREAK = 1e-9

    def __init__(self, score: Any, rng: np.random.Generator) -> None:
        self.score, self.rng, self.cache = score, rng, {}

    def __call__(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        missing = list(dict.fromkeys(k for k in map(tuple, seqs) if k not in self.cache))
        if missing:
            values = np.asarray(self.score([list(k) for k in missing]), dtype="float64")
            values = values + self.TIE_BREAK * self.rng.random(len(missing))
            self.cache.update(zip(missing, values.tolist()))
        return np.asarray([self.cache[tuple(s)] for s in seqs], dtype="float64")


@lru_cache(maxsize=C.SCREEN_NEIGHBOUR_CACHE)
def _neighbours(space: Any, seq: Seq) -> tuple[Seq, ...]:
    """The valid one-token changes of `seq` and its deeper / shallower neighbours (as in
    mlpnas.strategies.evolution), memoised; only the tokens after a change are re-checked."""
    out = []
    for t in range(len(seq)):
        for tok in np.flatnonzero(space.valid_next(seq[:t])):
            cand = seq[:t] + (int(tok),) + seq[t + 1:]
            if int(tok) != seq[t] and space.is_complete(cand) and all(
                    space.valid_next(cand[:k])[cand[k]] for k in range(t + 1, len(cand))):
                out.append(cand)
    return tuple(out) + tuple(tuple(n) for n in space.depth_neighbours(seq))


def climb_sets(space: Any, starts: Sequence[Sequence[int]], score: Scorer,
               steps: int) -> list[list[Seq]]:
    """For each start, every sequence a steepest-ascent climb from it scores: the start,
    then the one-token neighbours of each point it moves to, for at most `steps` moves."""
    sets = [[tuple(map(int, s))] for s in starts]
    current = [s[0] for s in sets]
    live = list(range(len(starts)))
    for _ in range(steps):
        score([x for i in live for x in (current[i], *_neighbours(space, current[i]))])
        moved = []
        for i in live:
            options = _neighbours(space, current[i])
            if not options:
                continue
            sets[i].extend(options)
            values = score(options)
            best = int(np.argmax(values))
            if values[best] > score([current[i]])[0]:
                current[i] = options[best]
                moved.append(i)
        live = moved
    return sets


def selection_probabilities(preds: np.ndarray, is_new: np.ndarray, pool_preds: np.ndarray,
                            pool_ids: np.ndarray, pool_new: np.ndarray, m: int,
                            simulations: int, rng: np.random.Generator,
                            floor: float = C.SCREEN_MIN_SELECTION_PROB,
                            own: Sequence[Sequence[int]] | None = None) -> np.ndarray:
    """Monte Carlo P(candidate i is trained): it is new and fewer than m distinct new
    sequences score higher among what N-1 other draws from the policy (the pool) bring
    and what its own climb found above it (`own[i]`, ids).

    Pool member j brings the sequences pool_ids[j] (one per column; -1 pads), scored
    pool_preds[j]; a 1-D pool brings one sequence each (no climbing). Only each member's
    m best new sequences can be among a union's m best, so the arrays may be cut there.
    """
    ids, scores, new = (np.asarray(a) for a in (pool_ids, pool_preds, pool_new))
    if ids.ndim == 1:
        ids, scores, new = ids[:, None], scores[:, None], new[:, None]
    valid = new & (ids >= 0)
    n = len(preds)
    draws = rng.integers(0, len(ids), size=(simulations, max(n - 1, 0)))
    top_s, top_id = _top_distinct(np.where(valid, ids, -1)[draws].reshape(simulations, -1),
                                  np.where(valid, scores, -np.inf)[draws].reshape(simulations, -1),
                                  m)
    probs = np.ones(n)
    for i in range(n):
        if not is_new[i]:
            continue
        count = np.sum(top_s > preds[i], axis=1)
        for e in (own[i] if own is not None else ()):
            count += ~np.any(top_id == e, axis=1)
        probs[i] = np.mean(count < m)
    return np.maximum(probs, floor)


def _top_distinct(ids: np.ndarray, scores: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the scores and ids of the m best-scored distinct ids (-1: none; pads are
    -inf and -2)."""
    rows = np.arange(len(ids))[:, None]
    order = np.lexsort((ids, -scores), axis=-1)
    ids, scores = ids[rows, order], scores[rows, order]
    fresh = (ids >= 0) & np.concatenate(
        [np.ones((len(ids), 1), bool), ids[:, 1:] != ids[:, :-1]], axis=1)
    rank = np.cumsum(fresh, axis=1) - 1
    keep = fresh & (rank < m)
    top_s, top_id = np.full((len(ids), m), -np.inf), np.full((len(ids), m), -2)
    top_s[np.nonzero(keep)[0], rank[keep]] = scores[keep]
    top_id[np.nonzero(keep)[0], rank[keep]] = ids[keep]
    return top_s, top_id


def _ranking(strategy: Any) -> Any:
    """The strategy's ranking score (a cost proxy before its predictor is trusted)."""
    return getattr(strategy, "rank", None) or strategy.predict


def _climbs(strategy: Any, starts: list[list[int]], score: Scorer, config: Any
            ) -> list[list[Seq]]:
    """Climb sets of the starts; just the starts when climbing is off or impossible."""
    steps = getattr(config, "screen_climb", C.SCREEN_CLIMB_STEPS)
    space = getattr(strategy, "space", None)
    if steps and space is not None and getattr(strategy, "climbs", True):
        return climb_sets(space, starts, score, steps)
    return [[tuple(map(int, s))] for s in starts]


def _top_new(found: Sequence[Seq], score: Scorer, known: dict[Seq, float], m: int) -> list[Seq]:
    """The m best-scored distinct sequences of `found` that are not in `known`."""
    fresh = [s for s in dict.fromkeys(found) if s not in known]
    order = np.argsort(-score(fresh), kind="stable")[:m] if fresh else []
    return [fresh[k] for k in order]


def _screen_probs(strategy: Any, draws: list[list[int]], sets: list[list[Seq]],
                  score: Scorer, known: dict[Seq, float], m: int, config: Any,
                  epoch: int) -> np.ndarray:
    """Estimated selection probability of every draw (fresh pool from the policy,
    climbed the same way)."""
    pool = strategy.ask(C.SCREEN_POOL_FACTOR * len(draws))
    index: dict[Seq, int] = {}
    ids = np.full((len(pool), m), -1)
    values = np.full((len(pool), m), -np.inf)
    for j, found in enumerate(_climbs(strategy, pool, score, config)):
        top = _top_new(found, score, known, m)
        ids[j, :len(top)] = [index.setdefault(s, len(index)) for s in top]
        values[j, :len(top)] = score(top)
    keys = [tuple(map(int, s)) for s in draws]
    mine = score(keys)
    own = []
    for i, found in enumerate(sets):
        fresh = [s for s in dict.fromkeys(found) if s not in known]
        above = [s for s, v in zip(fresh, score(fresh)) if v > mine[i]]
        own.append([index.setdefault(s, len(index)) for s in above])
    is_new = np.asarray([k not in known for k in keys])
    rng = np.random.default_rng([config.seed, epoch, 4])  # own seeded RNG, resume-safe
    return selection_probabilities(mine, is_new, values, ids, ids >= 0, m,
                                   C.SCREEN_SIMULATIONS, rng, own=own)


def plan_epoch(strategy: Any, config: Any, epoch: int, known: dict[Seq, float]) -> EpochPlan:
    """Sample this epoch's candidates and decide which to train (see the module doc)."""
    m = config.samples_per_epoch
    screened = is_screened(config, epoch)
    candidates = strategy.ask(m * config.screen if screened else m)
    if not screened:
        predicted = strategy.predict(candidates)
        warm = getattr(config, "warm_start", None) and not getattr(config, "warm_start_retrain", 0)
        if config.screen <= 1 and not getattr(config, "one_shot", False) and not warm:
            return EpochPlan(candidates, predicted, list(range(len(candidates))))
        new, reused = _distinct_new(candidates, known)
        return EpochPlan(candidates, predicted, new, reused, dedupe=True)
    if strategy.predict(candidates[:1]) is None:
        raise NasError(f"--screen needs a strategy with a predictor ({strategy.name} has none)")
    score = Scorer(_ranking(strategy), np.random.default_rng([config.seed, epoch, 5]))
    sets = _climbs(strategy, candidates, score, config)
    draws = len(candidates)
    chosen = _top_new([s for found in sets for s in found], score, known, m)
    drawn = {tuple(map(int, c)) for c in candidates}
    candidates = candidates + [list(s) for s in chosen if s not in drawn]
    new, reused = _distinct_new(candidates, known)
    first = {tuple(candidates[i]): i for i in new}
    train = [first[s] for s in chosen]
    reused = {i: v for i, v in reused.items() if i < draws}
    probs = _screen_probs(strategy, candidates[:draws], sets, score, known, m, config, epoch)
    return EpochPlan(candidates, strategy.predict(candidates), train, reused, probs,
                     screened=True, dedupe=True, draws=draws)
