"""Fast path of the trainer for chains of Dense and Dropout layers (every MLP child).

Tracing a `tf.function` around a Keras model costs about a second per child, as much as
the training itself. Here training is a pure function of tensors: the weights go in as
arguments (shapes left open), the activations as small integer codes and the dropout
rates as numbers, so ONE trace per (number of dense layers, optimizer) serves every child
of a search; the whole epoch loop, validation included, runs inside it.

Semantics are those of `model.fit` with the Keras optimizer of the same name and its
default settings (Adam: beta 0.9/0.999, epsilon 1e-7; RMSprop: rho 0.9; SGD: plain),
a softmax output trained on its logits (as Keras does), dropout scaled by 1/(1-rate)
in training and off in evaluation, validation after every epoch. Optionally, as Keras
does with `weight_decay` and a `CosineDecay` learning rate: decoupled weight decay and a
cosine schedule; and early stopping on validation accuracy with the best epoch restored.

A stack whose output is one linear unit regresses a (standardized) float target: mean
squared error is the loss and validation R^2 takes the place of validation accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

# Activation codes; the index is what the compiled graph switches on.
ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "elu")
_ACT_FNS = (tf.identity, tf.sigmoid, tf.tanh, tf.nn.relu, tf.nn.elu)
OPTIMIZERS = ("adam", "sgd", "rmsprop")
_BETA_1, _BETA_2, _RHO, _EPSILON = 0.9, 0.999, 0.9, 1e-7
_N_SLOTS = {"sgd": 0, "rmsprop": 1, "adam": 2}  # optimizer state tensors per weight


@dataclass
class DenseStack:
    """A model seen as dense layers, each with the dropout rate applied to its input."""

    layers: list  # keras Dense layers, in order; the last one is the softmax output
    activations: list  # activation code of each hidden dense layer
    input_rates: list  # dropout rate in front of each dense layer (0.0: none)
    regression: bool = False  # the output is one linear unit



def _activation_name(layer) -> str:
    return getattr(layer.activation, "__name__", "")


def dense_stack(model) -> DenseStack | None:
    """`model` as a DenseStack, or None when it is anything else (then Keras trains it)."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return None
    dense, acts, rates, keep = [], [], [], 1.0
    previous = model.inputs[0]
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if layer.input is not previous:
            return None  # not a plain chain
        previous = layer.output
        if isinstance(layer, keras.layers.Dropout) and layer.noise_shape is None:
            keep *= 1.0 - float(layer.rate)  # consecutive dropouts compose
        elif isinstance(layer, keras.layers.Dense) and _plain_dense(layer):
            if dense:
                acts.append(ACTIVATIONS.index(_activation_name(dense[-1])))
            dense.append(layer)
            rates.append(1.0 - keep)
            keep = 1.0
        else:
            return None
    if not dense or keep != 1.0:
        return None
    regression = _activation_name(dense[-1]) == "linear" and dense[-1].units == 1
    if _activation_name(dense[-1]) != "softmax" and not regression:
        return None
    if any(_activation_name(layer) not in ACTIVATIONS for layer in dense[:-1]):
        return None
    return DenseStack(dense, acts, rates, regression)


def _plain_dense(layer) -> bool:
    return (layer.use_bias and layer.kernel_regularizer is None and layer.bias_regularizer is None
            and layer.activity_regularizer is None and layer.kernel_constraint is None
            and layer.bias_constraint is None and not getattr(layer, "lora_enabled", False)
            and _activation_name(layer) in ACTIVATIONS + ("softmax",))


def _logits(params, acts, rates, x, training: bool, seed):
    """Forward pass to the output layer's logits (dropout only when training)."""
    n_dense = len(params) // 2
    for i in range(n_dense):
        if training:
            noise = tf.random.stateless_uniform(tf.shape(x), seed=seed + i)
            x = tf.where(noise >= rates[i], x / (1.0 - rates[i]), tf.zeros_like(x))
        x = tf.matmul(x, params[2 * i]) + params[2 * i + 1]
        if i < n_dense - 1:
            x = tf.switch_case(acts[i], [lambda f=f, x=x: f(x) for f in _ACT_FNS])
    return x


SCHEDULES = ("constant", "cosine")  # learning-rate schedules; the index is the graph's code


def scheduled_rate(lr, schedule, step, total_steps):
    """The learning rate at 0-based `step`: constant, or Keras' CosineDecay to zero."""
    done = tf.minimum(tf.cast(step, tf.float32), tf.cast(total_steps, tf.float32))
    cosine = 0.5 * (1.0 + tf.cos(np.pi * done / tf.cast(tf.maximum(total_steps, 1), tf.float32)))
    return tf.where(tf.equal(schedule, 1), lr * cosine, lr)


def _update(optimizer: str, params, grads, slots, step, lr, weight_decay):
    """One optimizer step in Keras' arithmetic (decoupled weight decay first)."""
    params = [p - p * weight_decay * lr for p in params]
    if optimizer == "sgd":
        return [p - lr * g for p, g in zip(params, grads)], slots
    if optimizer == "rmsprop":
        vel = [_RHO * v + (1.0 - _RHO) * tf.square(g) for v, g in zip(slots[0], grads)]
        return [p - lr * g / tf.sqrt(v + _EPSILON) for p, g, v in zip(params, grads, vel)], [vel]
    t = tf.cast(step, tf.float32)
    alpha = lr * tf.sqrt(1.0 - _BETA_2 ** t) / (1.0 - _BETA_1 ** t)
    m = [m + (g - m) * (1.0 - _BETA_1) for m, g in zip(slots[0], grads)]
    v = [v + (tf.square(g) - v) * (1.0 - _BETA_2) for v, g in zip(slots[1], grads)]
    return [p - alpha * mm / (tf.sqrt(vv) + _EPSILON) for p, mm, vv in zip(params, m, v)], [m, v]


def loss_and_score(regression: bool):
    """(training loss of logits, validation score of logits): cross-entropy and accuracy,
    or mean squared error and R^2 for one linear output on a float target."""
    if regression:
        def loss(y, logits):
            return tf.reduce_mean(tf.square(logits[:, 0] - y))

        def score(y, logits):
            spread = tf.reduce_sum(tf.square(y - tf.reduce_mean(y)))
            return 1.0 - tf.reduce_sum(tf.square(logits[:, 0] - y)) / tf.maximum(spread, 1e-12)
    else:
        def loss(y, logits):
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))

        def score(y, logits):
            predicted = tf.argmax(logits, axis=1, output_type=y.dtype)
            return tf.reduce_mean(tf.cast(tf.equal(predicted, y), tf.float32))
    return loss, score


def _make_train(optimizer: str, regression: bool = False):
    """The training loop for one optimizer; each new weight count traces it once.

    With `patience` > 0 the loop stops once validation accuracy has not improved for that
    many epochs and returns the best epoch's weights; with 0 it runs every epoch and
    returns the last epoch's weights.
    """
    loss_fn, score_fn = loss_and_score(regression)

    def train(params, acts, rates, x, y, xv, yv, perms, batch_size, lr, seed, weight_decay,
              schedule, patience):
        n = tf.shape(y)[0]
        n_batches = (n + batch_size - 1) // batch_size
        epochs = tf.shape(perms)[0]
        total_steps = epochs * n_batches
        slots = [[tf.zeros_like(p) for p in params]] * _N_SLOTS[optimizer]
        losses = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        accs = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        step = tf.constant(0, tf.int64)
        best, best_acc, best_epoch = list(params), tf.constant(-1.0), tf.constant(0)
        limit = tf.where(patience > 0, patience, epochs)
        for epoch in tf.range(epochs):
            xs, ys = tf.gather(x, perms[epoch]), tf.gather(y, perms[epoch])
            total = tf.constant(0.0)
            for b in tf.range(n_batches):
                xb = xs[b * batch_size:(b + 1) * batch_size]
                yb = ys[b * batch_size:(b + 1) * batch_size]
                rate = scheduled_rate(lr, schedule, step, total_steps)
                step += 1
                with tf.GradientTape() as tape:
                    tape.watch(params)
                    logits = _logits(params, acts, rates, xb, True, tf.stack([seed, step * 1024]))
                    loss = loss_fn(yb, logits)
                grads = tape.gradient(loss, params)
                params, slots = _update(optimizer, params, grads, slots, step, rate,
                                        weight_decay)
                total += loss * tf.cast(tf.shape(yb)[0], tf.float32)
            acc = score_fn(yv, _logits(params, acts, rates, xv, False, None))
            losses = losses.write(epoch, total / tf.cast(n, tf.float32))
            accs = accs.write(epoch, acc)
            improved = acc > best_acc
            keep = tf.logical_or(improved, patience <= 0)
            best = tf.cond(keep, lambda: list(params), lambda: list(best))
            best_epoch = tf.where(improved, epoch, best_epoch)
            best_acc = tf.maximum(acc, best_acc)
            if epoch - best_epoch >= limit:
                break
        return best, losses.stack(), accs.stack()

    return train


_COMPILED: dict = {}


def compiled_train(optimizer: str, n_dense: int, regression: bool = False):
    """The traced training function for `n_dense` dense layers (built once per process)."""
    key = (optimizer, n_dense, regression)
    if key not in _COMPILED:
        matrix, vector = tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([None], tf.float32)
        target = tf.TensorSpec([None], tf.float32 if regression else tf.int32)
        signature = [[matrix, vector] * n_dense, tf.TensorSpec([None], tf.int32),
                     tf.TensorSpec([None], tf.float32), matrix, target,
                     matrix, target, tf.TensorSpec([None, None], tf.int32),
                     tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32),
                     tf.TensorSpec([], tf.int64), tf.TensorSpec([], tf.float32),
                     tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)]
        _COMPILED[key] = tf.function(_make_train(optimizer, regression),
                                     input_signature=signature)
    return _COMPILED[key]


def train_dense_stack(stack: DenseStack, x_train, y_train, x_val, y_val, perms: np.ndarray,
                      batch_size: int, learning_rate: float, optimizer: str, seed: int,
                      weight_decay: float = 0.0, schedule: str = "constant",
                      patience: int = 0):
    """Train the stack's layers in place; returns (loss per epoch, val accuracy per epoch).

    With `patience` > 0 training stops once validation accuracy has not improved for that
    many epochs (fewer epochs are returned) and the layers end with the best epoch's weights.
    """
    params = [w for layer in stack.layers for w in (layer.kernel, layer.bias)]
    fn = compiled_train(optimizer, len(stack.layers), stack.regression)
    target = np.float32 if stack.regression else np.int32
    trained, losses, accs = fn(
        [tf.convert_to_tensor(p) for p in params], tf.constant(stack.activations, tf.int32),
        tf.constant(stack.input_rates, tf.float32), tf.constant(x_train, tf.float32),
        tf.constant(np.asarray(y_train, target)), tf.constant(x_val, tf.float32),
        tf.constant(np.asarray(y_val, target)), tf.constant(np.asarray(perms, np.int32)),
        tf.constant(batch_size, tf.int32), tf.constant(learning_rate, tf.float32),
        tf.constant(seed, tf.int64), tf.constant(weight_decay, tf.float32),
        tf.constant(SCHEDULES.index(schedule), tf.int32), tf.constant(patience, tf.int32))
    for var, value in zip(params, trained):
        var.assign(value)
    return losses.numpy().tolist(), accs.numpy().tolist()
