"""Fakes that tests share: child tasks that crash, fail on cue, or score without training.

A child task has the signature of `mlpnas.training.child.train_child`:
`task(space, seq, index, dataset, config, store) -> ChildOutcome`; `MLPNAS(task=...)` and
the executors take one. A test task is `test_task(space, tokens, dataset, weights)`.
Nothing here imports TensorFlow until a fake child returns its outcome.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np


def fake_train_child(space, seq, index: int, dataset, config, store, start=None):
    """A deterministic outcome from the sequence, the index and the weight store's content.

    No training: the accuracy is a fixed function of its inputs, so a store that was not
    restored exactly (after a resume) changes the rewards and everything after them.
    With a `start` (a successive-halving rung) the score grows with the epochs trained
    in all: the previous total is carried in the weights it continues from.
    """
    from mlpnas.training.child import ChildOutcome

    store_sum = sum(float(w[0].sum()) for w in store.weights.values()) if store else 0.0
    acc = (sum(seq) * 7 % 11) / 11 * 0.5 + (store_sum % 5) / 10 + index / 1000
    stored = {("dense", int(seq[0])): [np.full(2, float(index), "float32")]}
    if start is None:
        return ChildOutcome(float(acc), {"params": 1}, [np.array([index], "float32")], stored)
    before = float(start["weights"][1][0]) if start.get("weights") else 0.0
    total = before + int(start["epochs"])
    acc = (sum(seq) * 7 % 11) / 11 * 0.5 + total / 100 + (index % 100_000) / 1000
    return ChildOutcome(float(acc), {"params": 1, "epochs": int(start["epochs"])},
                        [np.array([index], "float32"), np.array([total], "float32")], {})


def fake_costed_child(space, seq, index: int, dataset, config, store):
    """`fake_train_child` with cost measures that follow from the sequence (no TensorFlow
    timing): params = 100 * (1 + sum(seq) % 13), latency_ms = params / 1000; the search's
    hard limits apply as in the real child task."""
    from mlpnas.strategies.objectives import over_limit_meta
    from mlpnas.training.child import ChildOutcome

    params = 100 * (1 + sum(map(int, seq)) % 13)
    cost = {"params": params, "latency_ms": params / 1000, "size_bytes": 4 * params}
    skipped = over_limit_meta(cost, config)
    if skipped is not None:
        return ChildOutcome(0.0, skipped)
    outcome = fake_train_child(space, seq, index, dataset, config, store)
    outcome.meta.update(cost)
    return outcome


def no_test_score(space, tokens, dataset, weights) -> None:
    """A test task for fake children, whose weights fit no model: no test accuracy."""
    return None


class ScriptedTask:
    """Wraps a child task: counts calls, and raises `raises[n]` on the n-th call (from 1).

    `hook(n)`, when set, runs before each call (a test sends a signal from it).
    """

    def __init__(self, task: Callable = fake_train_child, raises: dict | None = None,
                 hook: Callable[[int], object] | None = None) -> None:
        self.task, self.raises, self.hook = task, dict(raises or {}), hook
        self.calls = 0

    def __call__(self, space, seq, index, dataset, config, store, **start):
        self.calls += 1
        if self.hook is not None:
            self.hook(self.calls)
        if self.calls in self.raises:
            raise self.raises[self.calls]
        return self.task(space, seq, index, dataset, config, store, **start)


class CrashingTask:
    """A child task that kills its own worker process the first `times` times it trains
    child `index` (marker files remember): for tests of the retry path."""

    def __init__(self, crashes: dict[int, int], marker_dir: str,
                 task: Callable | None = None) -> None:
        self.crashes, self.marker_dir, self.task = dict(crashes), str(marker_dir), task

    def __call__(self, space, seq, index, dataset, config, store, **start):
        from mlpnas.training.executors import default_task

        for k in range(self.crashes.get(index, 0)):
            marker = Path(self.marker_dir) / f"crashed-{index}-{k}"
            if not marker.exists():
                marker.touch()
                os._exit(17)
        return (self.task or default_task())(space, seq, index, dataset, config, store, **start)
