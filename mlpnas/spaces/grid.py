"""A grid of hyperparameters as a token space: one token per parameter. No TensorFlow.

The tabulated benchmarks (HPOLib FCNet, HPOBench MLP) are searched in this space.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mlpnas.errors import NasError
from mlpnas.spaces.base import FixedLengthSpace


class GridSpace(FixedLengthSpace):
    """One token per hyperparameter of a grid, in order; every combination is valid.

    Position i takes the ids offset_i + 1 .. offset_i + n_i (its own slice of the
    vocabulary, so the controller embeds "batch size 64" and "64 units" differently).
    """

    name = "grid"

    def __init__(self, choices: dict[str, Sequence[Any]]) -> None:
        if not choices or any(len(v) == 0 for v in choices.values()):
            raise NasError("a grid space needs at least one parameter, each with choices")
        self.params = tuple(choices)
        self.values = tuple(tuple(v) for v in choices.values())
        sizes = [len(v) for v in self.values]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
        self.vocab_size = int(sum(sizes))
        self.max_length = len(sizes)

    def valid_next(self, prefix: Sequence[int]) -> np.ndarray:
        mask = np.zeros(self.vocab_size + 1, dtype=bool)
        t = len(prefix)
        if t < self.max_length:
            start = self.offsets[t] + 1
            mask[start:start + len(self.values[t])] = True
        return mask

    def choice_indices(self, seq: Sequence[int]) -> list[int]:
        """Index of each token's value among its parameter's choices."""
        if not self.is_valid(seq):
            raise NasError(f"not a valid {self.name} configuration: {list(map(int, seq))}")
        return [int(tok) - 1 - int(off) for tok, off in zip(seq, self.offsets)]

    def decode(self, seq: Sequence[int], n_classes: int | None = None) -> list:
        idx = self.choice_indices(seq)
        return [f"{p}={c[i]}" for p, c, i in zip(self.params, self.values, idx)]

    def token_label(self, position: int, token: int) -> str:
        """e.g. 'batch_size=64' (the parameter of `position` and the value of `token`)."""
        index = int(token) - 1 - int(self.offsets[position])
        if not 0 <= index < len(self.values[position]):
            raise NasError(f"token {int(token)} is not a choice of {self.params[position]}")
        return f"{self.params[position]}={self.values[position][index]}"

    def choices(self, seq: Sequence[int]) -> list[tuple[str, Any]]:
        """Each parameter with its value."""
        idx = self.choice_indices(seq)
        return [(p, c[i]) for p, c, i in zip(self.params, self.values, idx)]

    def describe(self, seq: Sequence[int], n_classes: int | None = None) -> str:
        return " ".join(self.decode(seq))
