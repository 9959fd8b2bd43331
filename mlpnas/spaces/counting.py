"""Counting a space's sequences, and the next-token weights of a uniform sampler. No TF.

Uniform over all valid sequences is the natural "random architecture", but in a space
whose sequences end with a stop token (the MLPNAS vocabulary) the deep sequences vastly
outnumber the shallow ones, so a uniform draw is almost always of the maximum depth. A
space that sets `even_depths` is sampled in two stages instead: a depth uniformly among
the reachable depths, then a sequence uniformly among those of that depth. A space with
`uniform_steps` (a depth token first, as in the tabular space) gets the same effect by
drawing those steps uniformly. `next_weights` is that distribution one token at a time;
the random strategy samples from it and the controller starts from it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace


class SequenceCounter:
    """Memoised counts of a space's complete sequences, by the depth they add."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self._memo: dict = {}
        self._by_depth: np.ndarray | None = None

    def histogram(self, prefix: tuple) -> np.ndarray:
        """h[k] = how many complete sequences extend `prefix` by k depth-adding tokens."""
        key = self.space.state_key(prefix)
        if key not in self._memo:
            if self.space.is_complete(prefix):
                self._memo[key] = np.ones(1)
            else:
                hist = np.zeros(1)
                for tok in np.flatnonzero(self.space.valid_next(prefix)):
                    sub = self.histogram(prefix + (int(tok),))
                    shift = self.space.depth_increment(int(tok))
                    hist = _add(hist, np.concatenate([np.zeros(shift), sub]))
                self._memo[key] = hist
        return self._memo[key]

    def completions(self, prefix: tuple) -> int:
        """Number of complete valid sequences that start with `prefix`."""
        return int(round(self.histogram(prefix).sum()))

    def per_depth(self) -> np.ndarray:
        """N[d] = how many complete sequences have depth d (the space's whole count)."""
        if self._by_depth is None:
            self._by_depth = self.histogram(())
        return self._by_depth

    def depth(self, prefix: Sequence[int]) -> int:
        """How many depth-adding tokens `prefix` holds."""
        return sum(self.space.depth_increment(int(t)) for t in prefix)

    def next_weights(self, prefix: tuple, toks: Sequence[int]) -> np.ndarray:
        """Unnormalised probabilities of each of `toks` following `prefix`."""
        if not len(toks):
            raise NasError(f"search space {self.space.name} has a dead end at {list(prefix)}")
        if len(prefix) in self.space.uniform_steps:
            return np.ones(len(toks))
        if not self.space.even_depths:
            return np.array([self.histogram(prefix + (int(t),)).sum() for t in toks])
        # P(sequence) = 1 / (reachable depths * N[its depth]): sum that over each completion.
        n_depth = self.per_depth()
        inv = np.divide(1.0, n_depth, out=np.zeros_like(n_depth), where=n_depth > 0)
        base = self.depth(prefix)
        weights = []
        for tok in toks:
            start = base + self.space.depth_increment(int(tok))
            hist = self.histogram(prefix + (int(tok),))
            weights.append(float(hist @ inv[start:start + len(hist)]))
        return np.array(weights)


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise sum of two histograms of different lengths."""
    if len(a) < len(b):
        a, b = b, a
    out = a.copy()
    out[:len(b)] += b
    return out
