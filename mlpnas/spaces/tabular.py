"""Tabular networks with their training choices: depth first, then each layer, then how to
train. No TensorFlow.

A sequence reads

    depth, (units, dropout) x depth, batch norm, residual, learning rate, batch size,
    weight decay, patience, schedule

Depth comes first, so a strategy that draws each step in turn explores every depth
equally (the random strategy is told so through `uniform_steps`). The training choices are
tokens like the layers: every strategy samples them, and analysis measures their effects.
Each choice has its own slice of the vocabulary (so "batch size 128" and "128 units" are
different tokens to the controller).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace, output_layer

# The choices after the layers, in sequence order: name -> values.
TRAINING_CHOICES: dict[str, tuple] = {
    "batch norm": C.TABULAR_BATCH_NORM,
    "residual": C.TABULAR_RESIDUAL,
    "learning rate": C.TABULAR_LEARNING_RATES,
    "batch size": C.TABULAR_BATCH_SIZES,
    "weight decay": C.TABULAR_WEIGHT_DECAYS,
    "patience": C.TABULAR_PATIENCES,
    "schedule": C.TABULAR_SCHEDULES,
}


def _on_off(value: Any) -> str:
    return "on" if value is True else "off" if value is False else str(value)


class TabularSpace(SearchSpace):
    """MLPs for tables: depth, per-layer width and dropout, and the training choices."""

    name = "tabular"

    def __init__(self, depths: Sequence[int] = C.TABULAR_DEPTHS,
                 units: Sequence[int] = C.TABULAR_UNITS,
                 dropouts: Sequence[float] = C.TABULAR_DROPOUTS,
                 training: dict[str, Sequence[Any]] | None = None) -> None:
        self.depths = tuple(int(d) for d in depths)
        if not self.depths or min(self.depths) < 1:
            raise NasError(f"tabular depths must be positive, got {list(self.depths)}")
        self.units = tuple(int(u) for u in units)
        self.dropouts = tuple(float(r) for r in dropouts)
        self.training = {k: tuple(v) for k, v in (training or TRAINING_CHOICES).items()}
        if set(self.training) != set(TRAINING_CHOICES):
            raise NasError(f"tabular training choices must be {list(TRAINING_CHOICES)}")
        kinds = [("depth", self.depths), ("units", self.units), ("dropout", self.dropouts)]
        kinds += list(self.training.items())
        self.kinds = [name for name, _ in kinds]
        self.values = {name: values for name, values in kinds}
        sizes = [len(values) for _, values in kinds]
        if min(sizes) < 1:
            raise NasError("every tabular choice needs at least one value")
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
        self.offsets = dict(zip(self.kinds, map(int, offsets)))
        self.vocab_size = int(sum(sizes))
        self.max_length = self.length(max(self.depths))
        self.uniform_steps = (0,)

    # --- layout -------------------------------------------------------------------------------

    def length(self, depth: int) -> int:
        """Number of tokens of a sequence with `depth` hidden layers."""
        return 1 + 2 * depth + len(self.training)

    def kind_at(self, prefix: Sequence[int]) -> str | None:
        """Which choice the next token of `prefix` makes (None: the sequence is complete)."""
        n = len(prefix)
        if n == 0:
            return "depth"
        depth = self.value("depth", prefix[0])
        if n < 1 + 2 * depth:
            return "units" if (n - 1) % 2 == 0 else "dropout"
        t = n - 1 - 2 * depth
        return self.kinds[3 + t] if t < len(self.training) else None

    def value(self, kind: str, token: int) -> Any:
        """The value a token stands for, as a choice of `kind`."""
        i = int(token) - 1 - self.offsets[kind]
        values = self.values[kind]
        if not 0 <= i < len(values):
            raise NasError(f"token {int(token)} is not a {kind} choice of the {self.name} space")
        return values[i]

    def token(self, kind: str, value: Any) -> int:
        """The token of a value of `kind`."""
        if value not in self.values[kind]:
            raise NasError(f"{value!r} is not a {kind} choice of the {self.name} space "
                           f"({', '.join(map(str, self.values[kind]))})")
        return self.offsets[kind] + self.values[kind].index(value) + 1

    def encode(self, layers: Sequence[tuple[int, float]], **training: Any) -> list[int]:
        """Tokens for (units, dropout) layers and the training choices (named with _)."""
        seq = [self.token("depth", len(layers))]
        for units, rate in layers:
            seq += [self.token("units", units), self.token("dropout", rate)]
        seq += [self.token(k, training[k.replace(" ", "_")]) for k in self.training]
        return seq

    # --- the SearchSpace interface ---------------------------------------------------------

    def state_key(self, prefix: Sequence[int]) -> Any:
        """Completions depend only on the depth and how far the sequence is."""
        return (self.value("depth", prefix[0]) if prefix else None, len(prefix))

    def valid_next(self, prefix: Sequence[int]) -> np.ndarray:
        mask = np.zeros(self.vocab_size + 1, dtype=bool)
        kind = self.kind_at(prefix) if self._prefix_ok(prefix) else None
        if kind is not None:
            start = self.offsets[kind] + 1
            mask[start:start + len(self.values[kind])] = True
        return mask

    def _prefix_ok(self, prefix: Sequence[int]) -> bool:
        try:
            return not prefix or self.value("depth", prefix[0]) is not None
        except NasError:
            return False

    def is_complete(self, seq: Sequence[int]) -> bool:
        return bool(seq) and self._prefix_ok(seq) and len(seq) == self.length(
            self.value("depth", seq[0]))

    def parse(self, seq: Sequence[int]) -> tuple[list[tuple[int, float]], dict[str, Any]]:
        """(units, dropout) of each layer and the training choices of a valid sequence."""
        self.validate(seq)
        depth = self.value("depth", seq[0])
        layers = [(self.value("units", seq[1 + 2 * i]), self.value("dropout", seq[2 + 2 * i]))
                  for i in range(depth)]
        tail = seq[1 + 2 * depth:]
        return layers, {k: self.value(k, t) for k, t in zip(self.training, tail)}

    def decode(self, seq: Sequence[int], n_classes: int | None = None) -> list:
        """The layers, the output last: (units, "relu, batch norm, dropout 0.1, residual").

        How the network trains (learning rate, batch size...) is in `describe`.
        """
        layers, training = self.parse(seq)
        out: list = []
        width = None
        for units, rate in layers:
            parts = ["relu"] + ["batch norm"] * bool(training["batch norm"])
            parts += [f"dropout {rate:g}"] * bool(rate)
            parts += ["residual"] * bool(training["residual"] and width == units)
            out.append((units, ", ".join(parts)))
            width = units
        out.append(output_layer(n_classes))
        return out

    def describe(self, seq: Sequence[int], n_classes: int | None = None) -> str:
        layers, t = self.parse(seq)
        body = " > ".join(f"{u}" + (f" (dropout {r:g})" if r else "") for u, r in layers)
        extras = [name for name in ("batch norm", "residual") if t[name]]
        return (f"[{body}] {'+'.join(extras) or 'plain'}, lr {t['learning rate']:g}, "
                f"batch {t['batch size']}, wd {t['weight decay']:g}, "
                f"patience {t['patience']}, {t['schedule']}")

    def token_label(self, position: int, token: int) -> str:
        for kind in self.kinds:
            start = self.offsets[kind] + 1
            if start <= int(token) < start + len(self.values[kind]):
                return f"{kind} {_on_off(self.value(kind, token))}"
        return str(int(token))

    def choices(self, seq: Sequence[int]) -> list[tuple[str, Any]]:
        """Depth, each layer's units and dropout, and every training choice."""
        layers, training = self.parse(seq)
        return ([("depth", len(layers))] + [("units", u) for u, _ in layers]
                + [("dropout", r) for _, r in layers] + list(training.items()))

    def param_count(self, seq: Sequence[int], input_shape: Sequence[int],
                    n_classes: int) -> int:
        """Dense weights and biases, four batch-norm vectors per layer where it is on, and
        the output layer (residual sums and dropout have none)."""
        depth = self.value("depth", seq[0])  # read directly: a count must be cheap
        units = [self.value("units", seq[1 + 2 * i]) for i in range(depth)]
        widths = [int(np.prod(input_shape))] + units + [int(n_classes)]
        norm = 4 * sum(units) if self.value("batch norm", seq[1 + 2 * depth]) else 0
        return sum(a * b + b for a, b in zip(widths, widths[1:])) + norm

    def depth_neighbours(self, seq: Sequence[int]) -> list[list[int]]:
        """One depth up (repeating the last layer) and one down (dropping the last layer)."""
        layers, training = self.parse(seq)
        named = {k.replace(" ", "_"): v for k, v in training.items()}
        depths = sorted(self.depths)
        at = depths.index(len(layers))
        out = []
        if at + 1 < len(depths):
            out.append(self.encode(layers + [layers[-1]] * (depths[at + 1] - len(layers)), **named))
        if at > 0:
            out.append(self.encode(layers[:depths[at - 1]], **named))
        return out

    def training_options(self, seq: Sequence[int]) -> dict[str, Any]:
        """How a child of `seq` is trained (the trainer's keyword arguments; the epoch cap
        is the search's --child-epochs)."""
        _, t = self.parse(seq)
        return {"learning_rate": float(t["learning rate"]), "batch_size": int(t["batch size"]),
                "weight_decay": float(t["weight decay"]), "patience": int(t["patience"]),
                "schedule": str(t["schedule"])}
