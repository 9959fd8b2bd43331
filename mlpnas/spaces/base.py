"""Search spaces: token vocabularies, validity rules, encode/decode. No TensorFlow here.

A search space says, for any prefix of a token sequence, which next tokens are valid
(`valid_next`). The controller masks its softmax with that, so sampling never rejects.
Token ids run from 1 to `vocab_size`; id 0 is reserved (the controller's start token).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Sequence

import numpy as np

from mlpnas.errors import NasError


def output_layer(n_classes: int | None) -> tuple | str:
    """The decoded output layer: a softmax over the classes, or one linear unit (n_classes
    1: a regression target)."""
    if n_classes == 1:
        return (1, "linear")
    return (n_classes, "softmax") if n_classes else "softmax"


class SearchSpace(ABC):
    """Abstract token search space."""

    name: str = "abstract"
    vocab_size: int
    max_length: int
    # Steps a uniform sampler draws uniformly among the valid tokens instead of in
    # proportion to their completions (e.g. a depth choice, so depths are explored equally).
    uniform_steps: tuple = ()
    # True where sequences end with a stop token, so that deep sequences far outnumber
    # shallow ones: samplers then draw a depth uniformly first (mlpnas.spaces.counting).
    even_depths: bool = False

    @abstractmethod
    def valid_next(self, prefix: Sequence[int]) -> np.ndarray:
        """Boolean mask of shape (vocab_size + 1,): which tokens may follow `prefix`."""

    @abstractmethod
    def is_complete(self, seq: Sequence[int]) -> bool:
        """True when `seq` is a whole architecture (no more tokens may follow)."""

    @abstractmethod
    def decode(self, seq: Sequence[int], n_classes: int | None = None) -> list:
        """Human-readable layers for a sequence."""

    def depth_increment(self, token: int) -> int:
        """1 when `token` adds a layer to the depth samplers spread evenly, else 0."""
        return 0

    def depth_neighbours(self, seq: Sequence[int]) -> list[list[int]]:
        """Valid sequences one layer deeper or shallower than `seq` (for mutations).

        Empty for spaces of fixed depth; a one-token change cannot change a depth in a
        space whose depth also fixes the sequence's length, so those spaces list these.
        """
        return []

    def state_key(self, prefix: Sequence[int]) -> Any:
        """What of a prefix decides its valid completions (for memoised counting)."""
        return tuple(prefix)

    def describe(self, seq: Sequence[int], n_classes: int | None = None) -> str:
        """One-line description of a sequence."""
        return str(self.decode(seq, n_classes))

    def skip_anchors(self) -> dict[int, int]:
        """Positions of pairwise skip decisions -> the earlier step they attend to.

        Empty for spaces without them; see mlpnas.spaces.cnn and the controller.
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

    def training_options(self, seq: Sequence[int]) -> dict[str, Any]:
        """Trainer keyword arguments that `seq` chooses itself (learning rate, epochs...).

        Empty for spaces whose children all train with the search's settings.
        """
        return {}

    def param_count(self, seq: Sequence[int], input_shape: Sequence[int],
                    n_classes: int) -> int | None:
        """Parameters of the network of `seq` (what Keras' count_params says), computed
        without building it; None where this space has no such count."""
        return None

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


class FixedLengthSpace(SearchSpace):
    """A space of exactly `max_length` tokens, one per decision, in a fixed order."""

    def state_key(self, prefix: Sequence[int]) -> Any:
        return len(prefix)

    def is_complete(self, seq: Sequence[int]) -> bool:
        return len(seq) == self.max_length
