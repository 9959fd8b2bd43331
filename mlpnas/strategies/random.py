"""Random search: every valid architecture equally likely (the strongest simple baseline)."""

from __future__ import annotations


import numpy as np

import CONSTANTS as C
from mlpnas.spaces.base import SearchSpace
from mlpnas.spaces.counting import SequenceCounter
from mlpnas.strategies.base import Strategy


class RandomStrategy(Strategy):
    """Uniform over the valid sequences of the space (not merely uniform per step).

    Each next token is drawn with probability proportional to the number of valid
    completions through it, so every complete sequence is equally likely; except at the
    space's `uniform_steps` (e.g. a depth), where each valid token is equally likely, and
    in spaces with `even_depths`, where a depth is uniform first and a sequence of that
    depth uniform next (mlpnas.spaces.counting).
    """

    name = "random"
    pareto_aware = True  # rewards are never read: its front is the non-dominated of its draws

    def __init__(self, space: SearchSpace, seed: int = C.SEED) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.counter = SequenceCounter(space)

    def completions(self, prefix: tuple) -> int:
        """Number of complete valid sequences that start with `prefix` (memoised by state)."""
        return self.counter.completions(prefix)

    def sample_one(self) -> list[int]:
        """One uniformly drawn valid sequence."""
        prefix: tuple = ()
        while not self.space.is_complete(prefix):
            toks = np.flatnonzero(self.space.valid_next(prefix))
            weights = self.counter.next_weights(prefix, toks)
            prefix += (int(self.rng.choice(toks, p=weights / weights.sum())),)
        return list(prefix)

    def ask(self, m: int) -> list[list[int]]:
        return [self.sample_one() for _ in range(m)]

    def get_state(self) -> dict:
        return {"rng": self.rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
