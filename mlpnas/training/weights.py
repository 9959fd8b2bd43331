"""One-shot weight transfer: carry trained layer weights from child to child.

One-shot weight transfer (ENAS-style sharing, as MLPNAS did): after a child trains, each
layer's weights are stored under a key made of what makes them shape-compatible and
meaningful: for a dense layer ("dense", input width, units, activation). A later child
with a layer of the same key starts from those weights instead of a fresh initialisation
(shapes are checked again before loading). Each log entry records how many layers were
inherited.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()


@dataclass
class Child:
    """A built model and the weight-store key of each layer that has weights."""

    model: "keras.Model"
    keys: dict  # layer name -> key tuple


class WeightStore:
    """Shared layer weights keyed by layer identity (one-shot transfer)."""

    def __init__(self) -> None:
        self.weights: dict[tuple, list[np.ndarray]] = {}

    def load_into(self, child: Child) -> int:
        """Copy stored weights into matching layers; return how many layers inherited."""
        inherited = 0
        for name, key in child.keys.items():
            stored = self.weights.get(key)
            layer = child.model.get_layer(name)
            if stored is None or [w.shape for w in stored] != [tuple(w.shape) for w in layer.weights]:
                continue
            layer.set_weights(stored)
            inherited += 1
        return inherited

    @staticmethod
    def extract(child: Child) -> dict:
        """key -> trained weights of every keyed layer of a child (later layers win a tie)."""
        return {key: [np.array(w) for w in child.model.get_layer(name).get_weights()]
                for name, key in child.keys.items()}

    def merge(self, stored: dict) -> None:
        """Take in weights from `extract` (a later merge overwrites an earlier one)."""
        self.weights.update(stored)

    def save_from(self, child: Child) -> None:
        """Store the trained weights of every keyed layer of a child."""
        self.merge(self.extract(child))

    def get_state(self) -> dict:
        """Plain copy of the store."""
        return {"weights": {k: [w.copy() for w in v] for k, v in self.weights.items()}}

    def shared_state(self) -> dict:
        """The state without copying the arrays: a layer's list of arrays is replaced, never
        changed in place, so this stays a true picture of the store as it is now."""
        return {"weights": dict(self.weights)}

    def set_state(self, state: dict) -> None:
        """Restore what get_state returned."""
        self.weights = {tuple(k): list(v) for k, v in state["weights"].items()}
