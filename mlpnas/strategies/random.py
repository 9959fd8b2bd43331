"""Random search: every valid architecture equally likely (the strongest simple baseline)."""

from __future__ import annotations


import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace
from mlpnas.strategies.base import Strategy


class RandomStrategy(Strategy):
    """Uniform over the valid sequences of the space (not merely uniform per step).

    Each next token is drawn with probability proportional to the number of valid
    completions through it, so every complete sequence is equally likely; except at the
    space's `uniform_steps` (e.g. a depth), where each valid token is equally likely.
    """

    name = "random"
    pareto_aware = True  # rewards are never read: its front is the non-dominated of its draws

    def __init__(self, space: SearchSpace, seed: int = C.SEED) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)
        self._memo: dict = {}

    def completions(self, prefix: tuple) -> int:
        """Number of complete valid sequences that start with `prefix` (memoised by state)."""
        key = self.space.state_key(prefix)
        if key not in self._memo:
            if self.space.is_complete(prefix):
                self._memo[key] = 1
            else:
                toks = np.flatnonzero(self.space.valid_next(prefix))
                self._memo[key] = sum(self.completions(prefix + (int(t),)) for t in toks)
        return self._memo[key]

    def sample_one(self) -> list[int]:
        """One uniformly drawn valid sequence."""
        prefix: tuple = ()
        while not self.space.is_complete(prefix):
            toks = np.flatnonzero(self.space.valid_next(prefix))
            if len(toks) == 0:
                raise NasError(f"search space {self.space.name} has a dead end at {list(prefix)}")
            weights = (np.ones(len(toks)) if len(prefix) in self.space.uniform_steps else
                       np.array([self.completions(prefix + (int(t),)) for t in toks], float))
            prefix += (int(self.rng.choice(toks, p=weights / weights.sum())),)
        return list(prefix)

    def ask(self, m: int) -> list[list[int]]:
        return [self.sample_one() for _ in range(m)]

    def get_state(self) -> dict:
        return {"rng": self.rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
