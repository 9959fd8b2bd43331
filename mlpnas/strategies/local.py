"""Local search (White, Nolen, Savani & Xu 2021, "Exploring the loss landscape in neural
architecture search"): hill climbing over one-token changes, restarting at random."""

from __future__ import annotations

from typing import Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.spaces.base import SearchSpace
from mlpnas.strategies.base import Strategy
from mlpnas.analysis.pareto import dominates, nsga_ranks
from mlpnas.strategies.evolution import neighbours, plain_reward
from mlpnas.strategies.objectives import score_of
from mlpnas.strategies.random import RandomStrategy


def best_of(rewards: Sequence) -> int:
    """Index of the best reward: the largest number; for (score, cost) pairs the first
    front's member with the largest crowding distance (an end of the front)."""
    if isinstance(rewards[0], (tuple, list)):
        ranks = nsga_ranks([tuple(r) for r in rewards])
        return min(range(len(rewards)), key=lambda i: (ranks[i], i))
    return int(np.argmax(rewards))


def improves(new, centre) -> bool:
    """True when `new` beats the centre: larger, or for pairs, Pareto-dominates it."""
    if isinstance(new, (tuple, list)):
        return dominates(tuple(new), tuple(centre))
    return new > centre


class LocalSearchStrategy(Strategy):
    """Hill climbing with random restarts, batched for ask / tell.

    The first batch is uniformly random; its best becomes the centre. `ask` then proposes
    the centre's neighbours (every valid one-token change) in a seeded random order,
    skipping any already evaluated. As soon as a told sequence beats the centre's reward
    it becomes the centre (first improvement, batch by batch). When every neighbour of the
    centre has been evaluated without improvement (a local optimum), the search restarts
    from uniformly random sequences, and the best of them is the next centre.

    With (score, cost) rewards "beats" is Pareto dominance, and "the best" of several is
    the first front's member with the largest crowding distance (`best_of`).
    """

    name = "local"
    pareto_aware = True

    def __init__(self, space: SearchSpace, seed: int = C.SEED) -> None:
        self.space = space
        self.random = RandomStrategy(space, seed)
        self.rng = np.random.default_rng([seed, 2])  # the order neighbours are tried in
        self.centre: tuple[list[int], float] | None = None
        self.queue: list[list[int]] = []  # the centre's neighbours not yet proposed
        self.seen: dict[tuple, float] = {}  # every evaluated sequence -> its reward

    def ask(self, m: int) -> list[list[int]]:
        seqs: list[list[int]] = []
        while len(seqs) < m:
            while self.queue and tuple(self.queue[-1]) in self.seen:
                self.queue.pop()
            if self.queue:
                seqs.append(self.queue.pop())
            else:
                self.centre = None  # local optimum (or no centre yet): restart at random
                seqs += self.random.ask(m - len(seqs))
        return seqs

    def tell(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float],
             observed: tuple | None = None) -> dict:
        for seq, reward in zip(seqs, rewards):
            self.seen[tuple(map(int, seq))] = plain_reward(reward)
        better = [i for i in range(len(rewards))
                  if self.centre is None or improves(rewards[i], self.centre[1])]
        if better:
            best = better[best_of([rewards[i] for i in better])]
            self.move_to(list(map(int, seqs[best])), plain_reward(rewards[best]))
        stats = super().tell(seqs, rewards)
        stats.update({"centre_reward": score_of(self.centre[1]),
                      "distinct": float(len(self.seen))})
        return stats

    def move_to(self, seq: list[int], reward: float | tuple) -> None:
        """Make `seq` the centre: its unevaluated neighbours, shuffled, are proposed next."""
        self.centre = (seq, reward)
        queue = [n for n in neighbours(self.space, seq) if tuple(n) not in self.seen]
        self.queue = [queue[i] for i in self.rng.permutation(len(queue))]

    def get_state(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "random": self.random.get_state(),
                "centre": None if self.centre is None else [self.centre[0], self.centre[1]],
                "queue": [list(s) for s in self.queue],
                "seen": [[list(s), r] for s, r in self.seen.items()]}

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.random.set_state(state["random"])
        centre = state["centre"]
        self.centre = None if centre is None else (list(centre[0]), plain_reward(centre[1]))
        self.queue = [list(s) for s in state["queue"]]
        self.seen = {tuple(s): plain_reward(r) for s, r in state["seen"]}
