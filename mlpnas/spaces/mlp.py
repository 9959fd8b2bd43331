"""The MLPNAS vocabulary: dense layers (units x activation), dropout, the output layer. No TF."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace, output_layer


class MLPSpace(SearchSpace):
    """The MLPNAS vocabulary, reproduced id for id so that MLPNAS logs decode identically.

    ids 1..len(units)*len(activations): a dense layer, id = len(acts)*i + j + 1 for
    units[i] and activations[j]; next id: dropout; last id: the softmax output layer.
    A sequence has at least one dense layer, ends with the output layer, is at most
    `max_length` tokens long, and never has dropout first or twice in a row.
    """

    name = "mlp"
    even_depths = True  # the output token stops a sequence: spread depths evenly

    def __init__(
        self,
        max_length: int = C.MAX_ARCHITECTURE_LENGTH,
        units: Sequence[int] = C.MLP_UNITS,
        activations: Sequence[str] = C.MLP_ACTIVATIONS,
        dropout: float = C.MLP_DROPOUT,
    ) -> None:
        if max_length < 2:
            raise NasError(f"max architecture length must be at least 2, got {max_length}")
        self.max_length = int(max_length)
        self.units = tuple(int(u) for u in units)
        self.activations = tuple(activations)
        self.dropout = float(dropout)
        self.n_dense = len(self.units) * len(self.activations)
        self.dropout_id = self.n_dense + 1
        self.output_id = self.n_dense + 2
        self.vocab_size = self.output_id

    def dense(self, token: int) -> tuple[int, str]:
        """(units, activation) of a dense-layer token."""
        i, j = divmod(int(token) - 1, len(self.activations))
        return self.units[i], self.activations[j]

    def encode_dense(self, units: int, activation: str) -> int:
        """Token id of a dense layer."""
        i, j = self.units.index(units), self.activations.index(activation)
        return len(self.activations) * i + j + 1

    def is_dense(self, token: int) -> bool:
        """True for a hidden dense-layer token."""
        return 1 <= int(token) <= self.n_dense

    def depth_increment(self, token: int) -> int:
        """Each dense layer adds one to the depth."""
        return int(self.is_dense(token))

    def depth_neighbours(self, seq: Sequence[int]) -> list[list[int]]:
        """A copy of the last dense layer added before the output, or that layer removed."""
        seq = list(map(int, seq))
        dense = [i for i, t in enumerate(seq) if self.is_dense(t)]
        out = [seq[:-1] + [seq[dense[-1]], seq[-1]]]
        if len(dense) > 1:
            last = dense[-1]
            tail = seq[last + 1:]
            out.append(seq[:last] + (tail[1:] if tail[0] == self.dropout_id else tail))
        return [s for s in out if self.is_valid(s)]

    def state_key(self, prefix: Sequence[int]) -> Any:
        """Completions depend only on the length and on the last token's kind."""
        last = int(prefix[-1]) if len(prefix) else 0
        return (len(prefix), last == self.dropout_id, last == self.output_id)

    def valid_next(self, prefix: Sequence[int]) -> np.ndarray:
        mask = np.zeros(self.vocab_size + 1, dtype=bool)
        n = len(prefix)
        last = int(prefix[-1]) if n else 0
        if n >= self.max_length or last == self.output_id:
            return mask
        if n == self.max_length - 1:  # the last slot is the output layer
            mask[self.output_id] = True
            return mask
        mask[1 : self.n_dense + 1] = True
        if n:  # the first layer is a dense layer, so a dense layer precedes the output
            mask[self.output_id] = True
            mask[self.dropout_id] = last != self.dropout_id
        return mask

    def is_complete(self, seq: Sequence[int]) -> bool:
        return len(seq) > 0 and int(seq[-1]) == self.output_id

    def decode(self, seq: Sequence[int], n_classes: int | None = None) -> list:
        layers: list = []
        for tok in seq:
            tok = int(tok)
            if self.is_dense(tok):
                layers.append(self.dense(tok))
            elif tok == self.dropout_id:
                layers.append("dropout")
            elif tok == self.output_id:
                layers.append(output_layer(n_classes))
            else:
                raise NasError(f"token {tok} is not in the {self.name} vocabulary "
                               f"(1..{self.vocab_size})")
        return layers

    def token_label(self, position: int, token: int) -> str:
        return str(self.decode([token])[0])

    def param_count(self, seq: Sequence[int], input_shape: Sequence[int],
                    n_classes: int) -> int:
        """Weights and biases of the dense layers and the output layer."""
        widths = [int(np.prod(input_shape))] + [self.dense(t)[0] for t in seq
                                                if self.is_dense(t)] + [int(n_classes)]
        return sum(a * b + b for a, b in zip(widths, widths[1:]))

    def choices(self, seq: Sequence[int]) -> list[tuple[str, Any]]:
        """Units and activation of each dense layer, the depth, and the dropout count."""
        dense = [self.dense(t) for t in seq if self.is_dense(t)]
        return ([("depth", len(dense)),
                 ("dropout layers", sum(int(t) == self.dropout_id for t in seq))]
                + [("units", u) for u, _ in dense] + [("activation", a) for _, a in dense])
