"""The NAS-Bench-201 cell space: one operation per edge of a 4-node cell. No TensorFlow."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mlpnas.errors import NasError
from mlpnas.spaces.base import FixedLengthSpace
from mlpnas.spaces.training import TrainingChoices


class CellSpace(FixedLengthSpace):
    """A NAS-Bench-201 cell: 4 nodes, 6 edges, one operation per edge (one token each).

    Tokens come in NAS-Bench-201's own order, edge (to <- from):
    1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2, as in |op~0|+|op~0|op~1|+|op~0|op~1|op~2|.
    Token id k (1..5) is operation OPS[k-1]. Every combination is valid (a cell of only
    'none' edges is a real, if useless, NAS-Bench-201 architecture). The training choices
    of mlpnas.spaces.training follow the six edges (ids from 6 on), unless the space is
    made with `training={}` (the plain cell of the NAS-Bench-201 tables).
    """

    name = "cell"
    OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))

    def __init__(self, training: dict[str, Sequence[Any]] | None = None,
                 **_ignored: Any) -> None:
        self.training = TrainingChoices(len(self.OPS) + 1, training)
        self.vocab_size = self.training.end - 1
        self.max_length = len(self.EDGES) + len(self.training)

    def valid_next(self, prefix: Sequence[int]) -> np.ndarray:
        mask = np.zeros(self.vocab_size + 1, dtype=bool)
        n = len(prefix)
        if n < len(self.EDGES):
            mask[1:len(self.OPS) + 1] = True
        elif n < self.max_length:
            mask[list(self.training.ids(self.training.kinds[n - len(self.EDGES)]))] = True
        return mask

    def ops(self, seq: Sequence[int]) -> list[str]:
        """Operation name of each edge (the tokens after the six edges are not read)."""
        seq = list(seq)[:len(self.EDGES)]
        for tok in seq:
            if not 1 <= int(tok) <= self.vocab_size:
                raise NasError(f"token {int(tok)} is not in the cell vocabulary "
                               f"(1..{self.vocab_size})")
        return [self.OPS[int(t) - 1] for t in seq]

    def token_label(self, position: int, token: int) -> str:
        if self.training.kind_of(token):
            return self.training.label(token)
        return self.ops([token])[0]

    def training_choices(self, seq: Sequence[int]) -> dict[str, Any]:
        """How `seq` trains: learning rate, batch size, weight decay, augment, head."""
        return self.training.parse(list(seq)[len(self.EDGES):])

    def training_options(self, seq: Sequence[int]) -> dict[str, Any]:
        """The trainer's keyword arguments (none when the space searches no training)."""
        if not len(self.training):
            return {}
        return self.training.trainer_options(list(seq)[len(self.EDGES):])

    def choices(self, seq: Sequence[int]) -> list[tuple[str, Any]]:
        """The operation on each edge, each operation the cell uses anywhere, and the
        training choices."""
        ops = self.ops(seq)
        kinds = self.training.kinds if len(seq) > len(self.EDGES) else []  # logged without
        training = self.training_choices(seq) if kinds else {}
        return ([(f"edge {dst}<-{src}", op) for op, (dst, src) in zip(ops, self.EDGES)]
                + [("uses op", op) for op in ops] + [(kind, training[kind]) for kind in kinds])

    def decode(self, seq: Sequence[int], n_classes: int | None = None) -> list:
        return [f"{op}~{src}" for op, (_, src) in zip(self.ops(seq), self.EDGES)]

    def arch_string(self, seq: Sequence[int]) -> str:
        """The NAS-Bench-201 architecture string, e.g. |nor_conv_3x3~0|+|none~0|...|."""
        ops = self.decode(seq)
        return f"|{ops[0]}|+|{ops[1]}|{ops[2]}|+|{ops[3]}|{ops[4]}|{ops[5]}|"

    def encode_string(self, arch: str, **training: Any) -> list[int]:
        """Tokens of a NAS-Bench-201 architecture string (inverse of arch_string) and of
        the training choices (named with _; defaults for the rest)."""
        parts = [p for node in arch.strip("|").split("|+|") for p in node.split("|")]
        if len(parts) != len(self.EDGES):
            raise NasError(f"not a NAS-Bench-201 cell string: {arch!r}")
        tokens = []
        for part, (_, src) in zip(parts, self.EDGES):
            op, _, frm = part.partition("~")
            if op not in self.OPS or frm != str(src):
                raise NasError(f"not a NAS-Bench-201 cell string: {arch!r}")
            tokens.append(self.OPS.index(op) + 1)
        return tokens + self.training.encode(**training)

    def describe(self, seq: Sequence[int], n_classes: int | None = None) -> str:
        text = self.arch_string(seq)
        if len(seq) > len(self.EDGES):
            text += " | " + self.training.describe(list(seq)[len(self.EDGES):])
        return text
