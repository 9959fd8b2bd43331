"""Build the Keras model of a sequence in the tabular space (mlpnas.spaces.tabular)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.spaces.tabular import TabularSpace
from mlpnas.training.mlp import output_activation
from mlpnas.training.tf_setup import import_tf
from mlpnas.training.weights import Child

tf, keras = import_tf()


def build_tabular(space: TabularSpace, seq: Sequence[int], input_shape: int | Sequence[int],
                  n_classes: int, augment: bool = False) -> Child:
    """Dense ReLU layers (batch norm before the ReLU, dropout after it, a residual sum
    around each layer whose previous dense layer has its width) and a softmax output
    (one linear unit when `n_classes` is 1: a regression target).

    Children of this space train long and from scratch, so no layer takes part in
    one-shot weight transfer (the Child has no weight-store keys): the score of a child
    is the score of the architecture that `nas export` retrains.
    """
    layers, training = space.parse(seq)
    inputs = keras.Input((int(np.prod(input_shape)),), name="features")
    x, width = inputs, None  # residual sums join dense layers, never the raw inputs
    for i, (units, rate) in enumerate(layers):
        batch_norm = bool(training["batch norm"])
        h = keras.layers.Dense(units, activation=None if batch_norm else "relu",
                               name=f"dense_{i}")(x)
        if batch_norm:
            h = keras.layers.BatchNormalization(momentum=C.TABULAR_BN_MOMENTUM,
                                                name=f"batch_norm_{i}")(h)
            h = keras.layers.Activation("relu", name=f"relu_{i}")(h)
        if rate:
            h = keras.layers.Dropout(rate, name=f"dropout_{i}")(h)
        if training["residual"] and width == units:
            h = keras.layers.Add(name=f"residual_{i}")([x, h])
        x, width = h, units
    outputs = keras.layers.Dense(n_classes, activation=output_activation(n_classes),
                                 name="output")(x)
    return Child(keras.Model(inputs, outputs), {})
