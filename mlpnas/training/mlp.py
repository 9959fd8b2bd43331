"""Build the Keras MLP of a token sequence in the MLPNAS vocabulary."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from mlpnas.spaces.mlp import MLPSpace
from mlpnas.training.tf_setup import import_tf
from mlpnas.training.weights import Child

tf, keras = import_tf()


def build_mlp(space: MLPSpace, seq: Sequence[int], input_shape: int | Sequence[int],
              n_classes: int, augment: bool = False) -> Child:
    """The MLP for `seq`: dense layers, dropout, and a softmax output over the classes
    (one linear output unit when `n_classes` is 1: a regression target).

    Two classes get a 2-unit softmax too (same loss and accuracy code for every case).
    Inputs of any shape are read flat; `augment` does not apply to tabular data.
    """
    space.validate(seq)
    input_dim = int(np.prod(input_shape))
    inputs = keras.Input((input_dim,), name="features")
    x, width, keys = inputs, input_dim, {}
    reads: tuple = ("input",)  # what the next dense layer reads (see dense_key)
    for position, tok in enumerate(seq):
        tok = int(tok)
        if space.is_dense(tok):
            units, activation = space.dense(tok)
            name = f"dense_{position}"
            x = keras.layers.Dense(units, activation=activation, name=name)(x)
            keys[name] = dense_key(reads, width, units, activation)
            width, reads = units, ("dense", units, activation)
        elif tok == space.dropout_id:
            x = keras.layers.Dropout(space.dropout, name=f"dropout_{position}")(x)
            reads = reads + ("dropout",)
        else:
            name = "output"
            activation = output_activation(n_classes)
            x = keras.layers.Dense(n_classes, activation=activation, name=name)(x)
            keys[name] = dense_key(reads, width, n_classes, activation)
    return Child(keras.Model(inputs, x), keys)


def output_activation(n_classes: int) -> str:
    """Softmax over the classes; linear for one output unit (a regression target)."""
    return "linear" if n_classes == 1 else "softmax"


def dense_key(reads: tuple, in_width: int, units: int, activation: str) -> tuple:
    """Weight-store key of a dense layer: its shape and activation, and what it reads.

    `reads` is ("input",) or the previous dense layer's ("dense", units, activation),
    followed by "dropout" when a dropout sits in between: an inherited kernel then always
    meets the kind of features it was trained on, not merely an input of the same width.
    """
    return ("dense", reads, int(in_width), int(units), activation)
