"""Tiny arrays and dense Keras models for the trainer tests (imports TensorFlow)."""

from __future__ import annotations

import numpy as np

from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()


def toy_arrays(n: int = 90, d: int = 4, seed: int = 0):
    """Train and validation arrays of a separable 3-class problem: x, y, x_val, y_val."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, d)) + y[:, None]).astype("float32")
    return x[:60], y[:60], x[60:], y[60:]


def toy_mlp(widths, activations, dropout: float = 0.0, seed: int = 0, d: int = 4,
            outputs: int = 3):
    """A seeded dense stack with a 3-way softmax head (outputs 1: one linear unit)."""
    keras.utils.set_random_seed(seed)
    x = inputs = keras.Input((d,))
    for width, act in zip(widths, activations):
        x = keras.layers.Dense(width, activation=act)(x)
        if dropout:
            x = keras.layers.Dropout(dropout)(x)
    head = keras.layers.Dense(outputs, activation="linear" if outputs == 1 else "softmax")
    return keras.Model(inputs, head(x))
