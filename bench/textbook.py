"""The textbook Keras CNN that the image benchmarks compare nas against, and its plain
`model.fit` training (imported by bench/cnn_parity.py and bench/fashion_cnn.py).

conv3x3/32 ReLU, 2x2 max-pool, conv3x3/64 ReLU, 2x2 max-pool, dense 128 ReLU, softmax
('same' padding); Adam 1e-3, batch 64, the Keras tutorials' CNN.
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np

TEXTBOOK_LAYERS = [dict(kernel=3, filters=32, stride=1, pool=2),
                   dict(kernel=3, filters=64, stride=1, pool=2)]
TEXTBOOK_TRAINING = dict(learning_rate=0.001, batch_size=64, weight_decay=0.0,
                         augment="none", head="dense")


def textbook_cnn(input_shape: Sequence[int], n_classes: int, seed: int):
    """The textbook CNN as a Keras Sequential model, initialised from `seed`."""
    from mlpnas.training.tf_setup import import_tf, seed_everything

    _, keras = import_tf()
    seed_everything(seed)
    layers = keras.layers
    return keras.Sequential([
        keras.Input(tuple(input_shape)),
        layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(128, activation="relu"),
        layers.Dense(n_classes, activation="softmax")])


def keras_fit(model, x: np.ndarray, y: np.ndarray, epochs: int,
              validation: tuple | None = None) -> float:
    """Train `model` with plain `model.fit` (Adam 1e-3, batch 64, shuffled); seconds taken."""
    from mlpnas.training.tf_setup import import_tf

    _, keras = import_tf()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, batch_size=64, epochs=epochs, verbose=0, validation_data=validation)
    return time.perf_counter() - start
