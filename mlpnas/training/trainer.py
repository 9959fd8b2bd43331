"""Train and score one child: the whole epoch loop runs inside compiled graph code.

Same semantics as `model.fit(..., validation_data=...)`: mini-batches of `batch_size`,
a fresh shuffle every epoch, the optimizer's update per batch, dropout on while training
and off while evaluating, validation after every epoch. Keras' per-batch Python overhead
is what dominates tiny networks, so all epochs of a child run in one `tf.function` call.
Chains of Dense/Dropout layers (every MLP child) take a faster path that is traced once
per search instead of once per child (`mlpnas.training.densefit`); any other model is trained
through its Keras layers and optimizer, one trace per child.

The score is the validation accuracy after the LAST epoch (not the best epoch: picking
the best of several noisy epochs would bias the reward upwards), unless the child trains
with `patience`: then it trains until validation accuracy stops improving, the best
epoch's weights are restored, and that epoch's accuracy is the score. Weight decay and
a cosine learning-rate schedule follow Keras' optimizer arithmetic on both paths.

Float targets are a regression (a model with one linear output unit): the loss is the
mean squared error and validation R^2 (unclipped) takes the place of validation accuracy,
for early stopping and as the score; the history keeps the key "val_accuracy" for it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

import CONSTANTS as C
from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

from mlpnas.training.densefit import (dense_stack, loss_and_score,  # noqa: E402
                                     train_dense_stack)


class ChildTrainingError(RuntimeError):
    """Training produced a non-finite loss or otherwise could not finish."""


@dataclass
class TrainResult:
    """What training one child produced."""

    val_accuracy: float
    seconds: float
    history: dict = field(default_factory=dict)
    best_epoch: int = 0  # 1-based epoch whose weights the model ends with

    @property
    def epochs_run(self) -> int:
        """How many epochs were trained (fewer than asked when early stopping stopped)."""
        return len(self.history.get("val_accuracy", []))


def make_optimizer(name: str, learning_rate, weight_decay: float = 0.0):
    """A Keras optimizer by name (`learning_rate` may be a schedule)."""
    return {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
            "rmsprop": keras.optimizers.RMSprop}[name](
                learning_rate, weight_decay=weight_decay or None)


def accuracy(model, x: np.ndarray, y: np.ndarray, batch_size: int = 4096) -> float:
    """Accuracy of `model` on (x, y), inference mode."""
    correct = 0
    for start in range(0, len(y), batch_size):
        probs = model(x[start:start + batch_size], training=False)
        correct += int(np.sum(np.argmax(np.asarray(probs), axis=1) == y[start:start + batch_size]))
    return correct / max(1, len(y))


def predict(model, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """The model's outputs for x, inference mode."""
    return np.concatenate([np.asarray(model(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)] or [np.zeros((0, 1))])


def is_regression(y: np.ndarray) -> bool:
    """True for a float target (a regression); class indices are integers."""
    return np.issubdtype(np.asarray(y).dtype, np.floating)


def score(model, x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy on class indices; R^2 on a float (regression) target."""
    if not is_regression(y):
        return accuracy(model, x, y)
    from mlpnas.data.target import metrics

    return metrics(predict(model, x), y)["r2"]


def epoch_permutations(n: int, epochs: int, seed: int) -> np.ndarray:
    """The shuffle of every epoch, drawn up front from the child's own RNG: (epochs, n)."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)]).reshape(epochs, n)


def fit_evaluate(model, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                 y_val: np.ndarray, epochs: int = C.ARCHITECTURE_TRAINING_EPOCHS,
                 batch_size: int = C.MLP_BATCH_SIZE, learning_rate: float = C.MLP_LEARNING_RATE,
                 optimizer: str = C.MLP_OPTIMIZER, seed: int = C.SEED,
                 weight_decay: float = 0.0, schedule: str = "constant",
                 patience: int = 0) -> TrainResult:
    """Train `model` and return its validation accuracy.

    `epochs` is a cap when `patience` > 0: training stops once validation accuracy has
    not improved for `patience` epochs and the best epoch is restored and scored.
    Otherwise every epoch trains and the last one is scored.
    """
    start = time.perf_counter()
    if epochs < 1:
        return TrainResult(score(model, x_val, y_val), time.perf_counter() - start,
                           {"loss": [], "val_accuracy": []})
    perms = epoch_permutations(len(y_train), epochs, seed)
    stack = dense_stack(model)
    options = {"weight_decay": weight_decay, "schedule": schedule, "patience": patience}
    if stack is not None:
        losses, accs = train_dense_stack(stack, x_train, y_train, x_val, y_val, perms,
                                         batch_size, learning_rate, optimizer, seed, **options)
    else:
        losses, accs = _fit_keras(model, x_train, y_train, x_val, y_val, perms, batch_size,
                                  learning_rate, optimizer, **options)
    bad = [loss for loss in losses if not math.isfinite(loss)]
    if bad:
        raise ChildTrainingError(f"non-finite training loss ({bad[0]})")
    history = {"loss": losses, "val_accuracy": accs}
    best = int(np.argmax(accs)) if patience > 0 else len(accs) - 1
    return TrainResult(accs[best], time.perf_counter() - start, history, best + 1)


def _fit_keras(model, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
               y_val: np.ndarray, perms: np.ndarray, batch_size: int, learning_rate: float,
               optimizer: str, weight_decay: float = 0.0, schedule: str = "constant",
               patience: int = 0) -> tuple[list, list]:
    """Any Keras model: all epochs in one `tf.function` (one trace per child)."""
    n = len(y_train)
    n_batches = math.ceil(n / batch_size)
    rate = learning_rate
    if schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(learning_rate, len(perms) * n_batches)
    opt = make_optimizer(optimizer, rate, weight_decay)
    variables = model.trainable_variables
    opt.build(variables)
    regression = is_regression(y_train)
    squared_error, score_fn = loss_and_score(regression)  # the score reads outputs or logits
    loss_fn = squared_error if regression else keras.losses.SparseCategoricalCrossentropy()
    x_all, y_all = tf.constant(x_train), tf.constant(y_train)
    xv, yv = tf.constant(x_val), tf.constant(y_val)
    best = [tf.Variable(w, trainable=False) for w in model.weights] if patience > 0 else []
    limit = patience if patience > 0 else len(perms)

    @tf.function
    def train(perms):
        losses = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        accs = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        best_acc, best_epoch = tf.constant(-1.0), tf.constant(0)
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
            acc = score_fn(yv, model(xv, training=False))
            losses = losses.write(epoch, total / n)
            accs = accs.write(epoch, acc)
            if acc > best_acc:
                best_acc, best_epoch = acc, epoch
                for kept, weight in zip(best, model.weights):
                    kept.assign(weight)
            if epoch - best_epoch >= limit:
                break
        return losses.stack(), accs.stack()

    losses, accs = train(tf.constant(perms))
    for kept, weight in zip(best, model.weights):
        weight.assign(kept)
    return losses.numpy().tolist(), accs.numpy().tolist()
