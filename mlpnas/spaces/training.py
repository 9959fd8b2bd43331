"""How an image child trains, as tokens: a block of choices that the cnn and cell spaces
add to their architecture tokens. No TensorFlow.

Each choice (learning rate, batch size, weight decay, augmentation, classifier head) is
one step of the sequence with its own slice of the space's vocabulary, so every strategy
samples it and analysis measures its effect like any layer choice. The block knows its
tokens only relative to `first_id`, the first id the owning space gives it.
"""

from __future__ import annotations

from typing import Any, Sequence

import CONSTANTS as C
from mlpnas.errors import NasError

# The choices in sequence order: name -> values.
IMAGE_TRAINING: dict[str, tuple] = {
    "learning rate": C.IMAGE_LEARNING_RATES,
    "batch size": C.IMAGE_BATCH_SIZES,
    "weight decay": C.IMAGE_WEIGHT_DECAYS,
    "augment": C.IMAGE_AUGMENTS,
    "head": C.IMAGE_HEADS,
}
# What a child trains with where its space has no token for a choice.
IMAGE_TRAINING_DEFAULTS: dict[str, Any] = {"learning rate": 0.001, "batch size": 64,
                                           "weight decay": 0.0, "augment": "none",
                                           "head": "gap"}


class TrainingChoices:
    """An ordered block of training choices whose tokens start at `first_id`."""

    def __init__(self, first_id: int, choices: dict[str, Sequence[Any]] | None = None) -> None:
        self.values = {k: tuple(v) for k, v in (IMAGE_TRAINING if choices is None
                                                 else choices).items()}
        unknown = set(self.values) - set(IMAGE_TRAINING)
        if unknown or any(not v for v in self.values.values()):
            raise NasError(f"image training choices are some of {list(IMAGE_TRAINING)}, each "
                           f"with at least one value; got {list(self.values)}")
        self.kinds = list(self.values)
        self.first: dict[str, int] = {}
        next_id = int(first_id)
        for kind in self.kinds:
            self.first[kind] = next_id
            next_id += len(self.values[kind])
        self.end = next_id  # one past the block's last id

    def __len__(self) -> int:
        return len(self.kinds)

    def kind_of(self, token: int) -> str | None:
        """The choice a token id belongs to (None: not one of this block's ids)."""
        for kind in self.kinds:
            if self.first[kind] <= int(token) < self.first[kind] + len(self.values[kind]):
                return kind
        return None

    def token(self, kind: str, value: Any) -> int:
        """The token of `value` as a choice of `kind`."""
        if value not in self.values.get(kind, ()):
            raise NasError(f"{value!r} is not a {kind} choice ("
                           f"{', '.join(map(str, self.values.get(kind, ())))})")
        return self.first[kind] + self.values[kind].index(value)

    def value(self, token: int) -> Any:
        """The value a token of this block stands for."""
        kind = self.kind_of(token)
        if kind is None:
            raise NasError(f"token {int(token)} is not a training choice")
        return self.values[kind][int(token) - self.first[kind]]

    def ids(self, kind: str) -> range:
        """The token ids of `kind`."""
        return range(self.first[kind], self.first[kind] + len(self.values[kind]))

    def encode(self, **given: Any) -> list[int]:
        """Tokens of the block; values named with _ (learning_rate=...), defaults else."""
        return [self.token(k, given.get(k.replace(" ", "_"), IMAGE_TRAINING_DEFAULTS[k]))
                for k in self.kinds]

    def parse(self, tokens: Sequence[int]) -> dict[str, Any]:
        """Every choice's value (the defaults for choices the block does not search)."""
        if len(tokens) != len(self.kinds):
            raise NasError(f"expected {len(self.kinds)} training tokens, got {len(tokens)}")
        chosen = {}
        for kind, tok in zip(self.kinds, tokens):
            if self.kind_of(tok) != kind:
                raise NasError(f"token {int(tok)} is not a {kind} choice")
            chosen[kind] = self.value(tok)
        return {**IMAGE_TRAINING_DEFAULTS, **chosen}

    def label(self, token: int) -> str:
        """e.g. 'learning rate 0.003', 'head dense'."""
        return f"{self.kind_of(token)} {self.value(token)}"

    def describe(self, tokens: Sequence[int]) -> str:
        """e.g. 'lr 0.001, batch 64, wd 0, augment shift, head gap'."""
        t = self.parse(tokens)
        return (f"lr {t['learning rate']:g}, batch {t['batch size']}, wd {t['weight decay']:g}, "
                f"augment {t['augment']}, head {t['head']}")

    def trainer_options(self, tokens: Sequence[int]) -> dict[str, Any]:
        """The trainer's keyword arguments (early stopping with IMAGE_PATIENCE)."""
        t = self.parse(tokens)
        return {"learning_rate": float(t["learning rate"]), "batch_size": int(t["batch size"]),
                "weight_decay": float(t["weight decay"]), "patience": C.IMAGE_PATIENCE}
