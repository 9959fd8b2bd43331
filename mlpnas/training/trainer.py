"""Train and score one child: the whole epoch loop runs inside compiled graph code.

Same semantics as `model.fit(..., validation_data=...)`: mini-batches of `batch_size`,
a fresh shuffle every epoch, the optimizer's update per batch, dropout on while training
and off while evaluating, validation after every epoch. Keras' per-batch Python overhead
is what dominates tiny networks, so all epochs of a child run in one `tf.function` call.
Chains of Dense/Dropout layers (every MLP child) take a faster path that is traced once
per search instead of once per child (`mlpnas.training.densefit`); any other model is trained
through its Keras layers and optimizer, one trace per child.

The score is the validation accuracy after the LAST epoch (not the best epoch: picking
the best of several noisy epochs would bias the reward upwards).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

import CONSTANTS as C
from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

from mlpnas.training.densefit import dense_stack, train_dense_stack  # noqa: E402


class ChildTrainingError(RuntimeError):
    """Training produced a non-finite loss or otherwise could not finish."""


@dataclass
class TrainResult:
    """What training one child produced."""

    val_accuracy: float
    seconds: float
    history: dict = field(default_factory=dict)


def make_optimizer(name: str, learning_rate: float):
    """A Keras optimizer by name."""
    return {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
            "rmsprop": keras.optimizers.RMSprop}[name](learning_rate)


def accuracy(model, x: np.ndarray, y: np.ndarray, batch_size: int = 4096) -> float:
    """Accuracy of `model` on (x, y), inference mode."""
    correct = 0
    for start in range(0, len(y), batch_size):
        probs = model(x[start:start + batch_size], training=False)
        correct += int(np.sum(np.argmax(np.asarray(probs), axis=1) == y[start:start + batch_size]))
    return correct / max(1, len(y))


def epoch_permutations(n: int, epochs: int, seed: int) -> np.ndarray:
    """The shuffle of every epoch, drawn up front from the child's own RNG: (epochs, n)."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)]).reshape(epochs, n)


def fit_evaluate(model, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                 y_val: np.ndarray, epochs: int = C.ARCHITECTURE_TRAINING_EPOCHS,
                 batch_size: int = C.MLP_BATCH_SIZE, learning_rate: float = C.MLP_LEARNING_RATE,
                 optimizer: str = C.MLP_OPTIMIZER, seed: int = C.SEED) -> TrainResult:
    """Train `model` for `epochs` and return its final validation accuracy."""
    start = time.perf_counter()
    if epochs < 1:
        return TrainResult(accuracy(model, x_val, y_val), time.perf_counter() - start,
                           {"loss": [], "val_accuracy": []})
    perms = epoch_permutations(len(y_train), epochs, seed)
    stack = dense_stack(model)
    if stack is not None:
        losses, accs = train_dense_stack(stack, x_train, y_train, x_val, y_val, perms,
                                         batch_size, learning_rate, optimizer, seed)
    else:
        losses, accs = _fit_keras(model, x_train, y_train, x_val, y_val, perms, batch_size,
                                  learning_rate, optimizer)
    bad = [loss for loss in losses if not math.isfinite(loss)]
    if bad:
        raise ChildTrainingError(f"non-finite training loss ({bad[0]})")
    history = {"loss": losses, "val_accuracy": accs}
    return TrainResult(accs[-1], time.perf_counter() - start, history)


def _fit_keras(model, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
               y_val: np.ndarray, perms: np.ndarray, batch_size: int, learning_rate: float,
               optimizer: str) -> tuple[list, list]:
    """Any Keras model: all epochs in one `tf.function` (one trace per child)."""
    opt = make_optimizer(optimizer, learning_rate)
    variables = model.trainable_variables
    opt.build(variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    n = len(y_train)
    n_batches = math.ceil(n / batch_size)
    x_all, y_all = tf.constant(x_train), tf.constant(y_train)
    xv, yv = tf.constant(x_val), tf.constant(y_val)

    @tf.function
    def train(perms):
        losses = tf.TensorArray(tf.float32, size=len(perms))
        accs = tf.TensorArray(tf.float32, size=len(perms))
        for epoch in tf.range(len(perms)):
            xs, ys = tf.gather(x_all, perms[epoch]), tf.gather(y_all, perms[epoch])
            total = tf.constant(0.0)
            for b in tf.range(n_batches):
                xb = xs[b * batch_size:(b + 1) * batch_size]
                yb = ys[b * batch_size:(b + 1) * batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(yb, model(xb, training=True))
                opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
                total += loss * tf.cast(tf.shape(yb)[0], tf.float32)
            probs = model(xv, training=False)
            correct = tf.equal(tf.argmax(probs, axis=1, output_type=yv.dtype), yv)
            losses = losses.write(epoch, total / n)
            accs = accs.write(epoch, tf.reduce_mean(tf.cast(correct, tf.float32)))
        return losses.stack(), accs.stack()

    losses, accs = train(tf.constant(perms))
    return losses.numpy().tolist(), accs.numpy().tolist()
