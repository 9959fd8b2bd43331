"""The compiled dense-stack trainer: same arithmetic as Keras, one trace per depth."""

from __future__ import annotations

import numpy as np
import pytest

from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

from mlpnas.training import densefit  # noqa: E402
from tests.helpers.dense import toy_arrays, toy_mlp  # noqa: E402

from mlpnas.training import trainer


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_fast_path_matches_model_fit(optimizer):
    """Same batches in the same order: the same weights and scores as Keras' own fit."""
    x, y, xv, yv = toy_arrays()
    fast, slow = toy_mlp([8, 5], ["relu", "tanh"]), toy_mlp([8, 5], ["relu", "tanh"])
    order = np.tile(np.arange(len(y)), (2, 1))  # no shuffle, as fit(shuffle=False)
    _, fast_acc = densefit.train_dense_stack(densefit.dense_stack(fast), x, y, xv, yv, order,
                                             16, 0.01, optimizer, 0)
    slow.compile(trainer.make_optimizer(optimizer, 0.01), "sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    history = slow.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0,
                       validation_data=(xv, yv)).history
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    assert fast_acc == pytest.approx(history["val_accuracy"])


@pytest.mark.slow
def test_keras_path_matches_the_fast_path():
    x, y, xv, yv = toy_arrays()
    perms = trainer.epoch_permutations(len(y), 2, seed=3)
    fast, slow = toy_mlp([8, 5], ["relu", "tanh"]), toy_mlp([8, 5], ["relu", "tanh"])
    _, fast_acc = densefit.train_dense_stack(densefit.dense_stack(fast), x, y, xv, yv, perms,
                                             16, 0.01, "adam", 0)
    _, slow_acc = trainer._fit_keras(slow, x, y, xv, yv, perms, 16, 0.01, "adam")
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    assert fast_acc == pytest.approx(slow_acc)


@pytest.mark.slow
def test_regression_trains_alike_on_both_paths_and_scores_r2():
    """One linear output on a float target: squared error, R^2 per epoch, on both paths."""
    x, labels, xv, labels_v = toy_arrays()
    y, yv = labels.astype("float32") - 1, labels_v.astype("float32") - 1
    perms = trainer.epoch_permutations(len(y), 3, seed=3)
    fast, slow = (toy_mlp([8], ["tanh"], outputs=1) for _ in range(2))
    stack = densefit.dense_stack(fast)
    assert stack.regression
    losses, fast_r2 = densefit.train_dense_stack(stack, x, y, xv, yv, perms, 16, 0.01, "adam", 0)
    _, slow_r2 = trainer._fit_keras(slow, x, y, xv, yv, perms, 16, 0.01, "adam")
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    assert fast_r2 == pytest.approx(slow_r2, abs=1e-4)
    assert losses[-1] < losses[0] and fast_r2[-1] > fast_r2[0]
    assert trainer.score(fast, xv, yv) == pytest.approx(fast_r2[-1], abs=1e-4)


def test_dense_stack_reads_chains_and_rejects_the_rest():
    stack = densefit.dense_stack(toy_mlp([8, 4], ["elu", "sigmoid"], dropout=0.5))
    assert [layer.units for layer in stack.layers] == [8, 4, 3]
    assert stack.activations == [densefit.ACTIVATIONS.index("elu"),
                                 densefit.ACTIVATIONS.index("sigmoid")]
    assert stack.input_rates == [0.0, 0.5, 0.5]
    inputs = keras.Input((4,))
    branch = keras.layers.Dense(3, activation="softmax")
    two_paths = keras.Model(inputs, keras.layers.Add()([branch(inputs), inputs[:, :3]]))
    assert densefit.dense_stack(two_paths) is None
    assert densefit.dense_stack(toy_mlp([8], ["gelu"])) is None  # no code for this activation
    plain_output = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    assert densefit.dense_stack(plain_output) is None


@pytest.mark.slow
def test_one_trace_serves_every_child_of_a_depth():
    x, y, xv, yv = toy_arrays()
    fn = densefit.compiled_train("adam", 3)
    before = fn.experimental_get_tracing_count()
    for widths, acts in [([8, 5], ["relu", "tanh"]), ([16, 2], ["sigmoid", "elu"])]:
        keras.backend.clear_session()  # as between the children of a search
        trainer.fit_evaluate(toy_mlp(widths, acts, dropout=0.2), x, y, xv, yv, epochs=1,
                             batch_size=16)
    assert fn.experimental_get_tracing_count() - before <= 1


def test_dropout_trains_on_and_evaluates_off():
    x, y, xv, yv = toy_arrays()
    plain, dropped = toy_mlp([16], ["relu"]), toy_mlp([16], ["relu"], dropout=0.8)
    perms = trainer.epoch_permutations(len(y), 1, seed=0)
    loss_plain, _ = densefit.train_dense_stack(densefit.dense_stack(plain), x, y, xv, yv,
                                               perms, 60, 0.0, "sgd", 0)
    loss_drop, acc = densefit.train_dense_stack(densefit.dense_stack(dropped), x, y, xv, yv,
                                                perms, 60, 0.0, "sgd", 0)
    assert loss_drop != pytest.approx(loss_plain)  # same weights (lr 0): only dropout differs
    assert acc[-1] == pytest.approx(trainer.accuracy(dropped, xv, yv))  # inference: no dropout
