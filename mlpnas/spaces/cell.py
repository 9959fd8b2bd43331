"""The NAS-Bench-201 cell space: one operation per edge of a 4-node cell. No TensorFlow."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mlpnas.errors import NasError
from mlpnas.spaces.base import FixedLengthSpace


class CellSpace(FixedLengthSpace):
    """A NAS-Bench-201 cell: 4 nodes, 6 edges, one operation per edge (one token each).

    Tokens come in NAS-Bench-201's own order, edge (to <- from):
    1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2, as in |op~0|+|op~0|op~1|+|op~0|op~1|op~2|.
    Token id k (1..5) is operation OPS[k-1]. Every combination is valid (a cell of only
    'none' edges is a real, if useless, NAS-Bench-201 architecture).
    """

    name = "cell"
    OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))

    def __init__(self, **_ignored: Any) -> None:
        self.vocab_size = len(self.OPS)
        self.max_length = len(self.EDGES)

    def valid_next(self, prefix: Sequence[int]) -> np.ndarray:
        mask = np.zeros(self.vocab_size + 1, dtype=bool)
        mask[1:] = len(prefix) < self.max_length
        return mask

    def ops(self, seq: Sequence[int]) -> list[str]:
        """Operation name of each edge."""
        for tok in seq:
            if not 1 <= int(tok) <= self.vocab_size:
                raise NasError(f"token {int(tok)} is not in the cell vocabulary "
                               f"(1..{self.vocab_size})")
        return [self.OPS[int(t) - 1] for t in seq]

    def token_label(self, position: int, token: int) -> str:
        return self.ops([token])[0]

    def choices(self, seq: Sequence[int]) -> list[tuple[str, Any]]:
        """The operation on each edge, and each operation the cell uses anywhere."""
        ops = self.ops(seq)
        return ([(f"edge {dst}<-{src}", op) for op, (dst, src) in zip(ops, self.EDGES)]
                + [("uses op", op) for op in ops])

    def decode(self, seq: Sequence[int], n_classes: int | None = None) -> list:
        return [f"{op}~{src}" for op, (_, src) in zip(self.ops(seq), self.EDGES)]

    def arch_string(self, seq: Sequence[int]) -> str:
        """The NAS-Bench-201 architecture string, e.g. |nor_conv_3x3~0|+|none~0|...|."""
        ops = self.decode(seq)
        return f"|{ops[0]}|+|{ops[1]}|{ops[2]}|+|{ops[3]}|{ops[4]}|{ops[5]}|"

    def encode_string(self, arch: str) -> list[int]:
        """Tokens of a NAS-Bench-201 architecture string (inverse of arch_string)."""
        parts = [p for node in arch.strip("|").split("|+|") for p in node.split("|")]
        if len(parts) != self.max_length:
            raise NasError(f"not a NAS-Bench-201 cell string: {arch!r}")
        tokens = []
        for part, (_, src) in zip(parts, self.EDGES):
            op, _, frm = part.partition("~")
            if op not in self.OPS or frm != str(src):
                raise NasError(f"not a NAS-Bench-201 cell string: {arch!r}")
            tokens.append(self.OPS.index(op) + 1)
        return tokens

    def describe(self, seq: Sequence[int], n_classes: int | None = None) -> str:
        return self.arch_string(seq)
