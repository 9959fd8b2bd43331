"""Search spaces: token vocabularies, validity rules, encode/decode. No TensorFlow here.

A search space says, for any prefix of a token sequence, which next tokens are valid
(`valid_next`). The controller masks its softmax with that, so sampling never rejects.
Token ids run from 1 to `vocab_size`; id 0 is reserved (the controller's start token).
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError


class SearchSpace(ABC):
    """Abstract token search space."""

    name: str = "abstract"
    vocab_size: int
    max_length: int

    @abstractmethod
    def valid_next(self, prefix: Sequence[int]) -> np.ndarray:
        """Boolean mask of shape (vocab_size + 1,): which tokens may follow `prefix`."""

    @abstractmethod
    def is_complete(self, seq: Sequence[int]) -> bool:
        """True when `seq` is a whole architecture (no more tokens may follow)."""

    @abstractmethod
    def decode(self, seq: Sequence[int], n_classes: int | None = None) -> list:
        """Human-readable layers for a sequence."""

    def state_key(self, prefix: Sequence[int]) -> Any:
        """What of a prefix decides its valid completions (for memoised counting)."""
        return tuple(prefix)

    def describe(self, seq: Sequence[int], n_classes: int | None = None) -> str:
        """One-line description of a sequence."""
        return str(self.decode(seq, n_classes))

    def skip_anchors(self) -> dict[int, int]:
        """Positions of pairwise skip decisions -> the earlier step they attend to.

        Empty for spaces without them; see mlpnas.cnn_space and the controller.
        """
        return {}

    def layer_strings(self, seq: Sequence[int], n_classes: int | None = None) -> list[str]:
        """Each decoded layer as a string (what logs and JSON output store)."""
        return [str(layer) for layer in self.decode(seq, n_classes)]

    def token_label(self, position: int, token: int) -> str:
        """Readable name of `token` at 0-based `position` (for frequency tables)."""
        return str(int(token))

    def choices(self, seq: Sequence[int]) -> list[tuple[str, Any]]:
        """The (choice, value) features of a sequence that analysis relates to accuracy.

        A child "uses" each listed value; repeats are allowed (analysis counts a child once
        per value). Spaces override this with their own choices (units, ops, kernels...);
        the default is the token at each position.
        """
        return [(f"token {i + 1}", self.token_label(i, t)) for i, t in enumerate(seq)]

    def is_valid(self, seq: Sequence[int]) -> bool:
        """True when every token of `seq` was allowed and `seq` is complete."""
        for t in range(len(seq)):
            tok = int(seq[t])
            if not (0 < tok <= self.vocab_size) or not self.valid_next(seq[:t])[tok]:
                return False
        return self.is_complete(seq)

    def validate(self, seq: Sequence[int]) -> None:
        """Raise NasError when `seq` is not a valid architecture of this space."""
        if not self.is_valid(seq):
            raise NasError(f"not a valid {self.name} architecture: {list(map(int, seq))}")


class MLPSpace(SearchSpace):
    """The MLPNAS vocabulary, reproduced id for id so that MLPNAS logs decode identically.

    ids 1..len(units)*len(activations): a dense layer, id = len(acts)*i + j + 1 for
    units[i] and activations[j]; next id: dropout; last id: the softmax output layer.
    A sequence has at least one dense layer, ends with the output layer, is at most
    `max_length` tokens long, and never has dropout first or twice in a row.
    """

    name = "mlp"

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
                layers.append((n_classes, "softmax") if n_classes else "softmax")
            else:
                raise NasError(f"token {tok} is not in the {self.name} vocabulary "
                               f"(1..{self.vocab_size})")
        return layers

    def token_label(self, position: int, token: int) -> str:
        return str(self.decode([token])[0])

    def choices(self, seq: Sequence[int]) -> list[tuple[str, Any]]:
        """Units and activation of each dense layer, the depth, and the dropout count."""
        dense = [self.dense(t) for t in seq if self.is_dense(t)]
        return ([("depth", len(dense)),
                 ("dropout layers", sum(int(t) == self.dropout_id for t in seq))]
                + [("units", u) for u, _ in dense] + [("activation", a) for _, a in dense])


class FixedLengthSpace(SearchSpace):
    """A space of exactly `max_length` tokens, one per decision, in a fixed order."""

    def state_key(self, prefix: Sequence[int]) -> Any:
        return len(prefix)

    def is_complete(self, seq: Sequence[int]) -> bool:
        return len(seq) == self.max_length


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


def make_space(name: str, **kwargs: Any) -> SearchSpace:
    """The search space called `name` ('mlp', 'cell', 'cnn').

    Each space gets only the keyword arguments its constructor names (so a caller can
    pass e.g. `input_shape` whatever the space).
    """
    from mlpnas.cnn_space import CNNSpace

    spaces = {"mlp": MLPSpace, "cell": CellSpace, "cnn": CNNSpace}
    if name not in spaces:
        raise NasError(f"unknown search space {name!r}; choose one of {sorted(spaces)}")
    params = inspect.signature(spaces[name].__init__).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return spaces[name](**kwargs)
