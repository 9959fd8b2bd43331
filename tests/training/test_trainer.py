"""fit_evaluate: seeded, per-epoch history, validation score, failures raised."""

from __future__ import annotations

import numpy as np
import pytest

from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

from mlpnas.training import trainer  # noqa: E402
from tests.helpers.dense import toy_arrays, toy_mlp  # noqa: E402


def test_same_seed_same_result_and_one_history_entry_per_epoch():
    x, y, xv, yv = toy_arrays()
    runs = [trainer.fit_evaluate(toy_mlp([8], ["relu"], dropout=0.2), x, y, xv, yv, epochs=3,
                                 batch_size=16, seed=5) for _ in range(2)]
    assert runs[0].history == runs[1].history
    assert len(runs[0].history["loss"]) == 3
    assert runs[0].val_accuracy == runs[0].history["val_accuracy"][-1]


def test_permutations_are_seeded_and_differ_between_epochs():
    perms = trainer.epoch_permutations(50, 2, seed=1)
    np.testing.assert_array_equal(perms, trainer.epoch_permutations(50, 2, seed=1))
    assert sorted(perms[0]) == list(range(50)) and not np.array_equal(perms[0], perms[1])


def test_models_outside_the_fast_path_train_through_keras():
    x, y, xv, yv = toy_arrays()
    inputs = keras.Input((4,))
    hidden = keras.layers.BatchNormalization()(keras.layers.Dense(8, activation="relu")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    before = [w.copy() for w in model.get_weights()]
    result = trainer.fit_evaluate(model, x, y, xv, yv, epochs=2, batch_size=16)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    assert result.val_accuracy == pytest.approx(trainer.accuracy(model, xv, yv))


def test_non_finite_loss_raises():
    x, y, xv, yv = toy_arrays()
    x[0, 0] = np.nan
    with pytest.raises(trainer.ChildTrainingError):
        trainer.fit_evaluate(toy_mlp([8], ["relu"]), x, y, xv, yv, epochs=1, batch_size=16)


def test_a_cnn_trained_by_nas_matches_model_fit_on_the_same_batches():
    """The compiled loop is model.fit's arithmetic: same batches, same weights after."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 6, 6, 1)).astype("float32")
    y = rng.integers(0, 3, 48)

    def cnn():
        keras.utils.set_random_seed(3)
        return keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                                 keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                                 keras.layers.Dense(3, activation="softmax")])

    fitted, ours = cnn(), cnn()
    fitted.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy")
    fitted.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    identity = np.tile(np.arange(len(y)), (2, 1))
    trainer._fit_keras(ours, x, y, x, y, identity, 16, 0.001, "adam")
    for a, b in zip(fitted.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
