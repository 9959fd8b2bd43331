"""Simulated screened epochs: the mean doubly robust reward each drawn sequence receives."""

from __future__ import annotations

from typing import Any

from mlpnas.strategies.screening import plan_epoch


def mean_rewards(strategy: Any, config: Any, truth: dict, epochs: int) -> tuple[dict, dict, dict]:
    """Over `epochs` screened epochs: each drawn sequence's mean reward, how often it was
    drawn, and the smallest selection probability it was given."""
    sums: dict = {}
    counts: dict = {}
    lowest: dict = {}
    for epoch in range(epochs):
        plan = plan_epoch(strategy, config, epoch, known={})
        fb = plan.feedback([truth[tuple(plan.candidates[i])] for i in plan.train])
        for i, (s, r) in enumerate(zip(fb["seqs"], fb["rewards"])):
            key = tuple(s)
            sums[key] = sums.get(key, 0.0) + r
            counts[key] = counts.get(key, 0) + 1
            lowest[key] = min(lowest.get(key, 1.0), float(plan.selection_prob[i]))
    return {k: sums[k] / counts[k] for k in sums}, counts, lowest
