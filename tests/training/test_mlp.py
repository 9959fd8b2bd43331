"""Building MLP children and one-shot weight transfer between them."""

import numpy as np
import pytest

from mlpnas.errors import NasError
from mlpnas.training.mlp import build_mlp
from mlpnas.training.weights import WeightStore
from mlpnas.spaces.mlp import MLPSpace


def test_builds_layers_of_the_sequence():
    space = MLPSpace()
    child = build_mlp(space, [19, 29, 10, 30], input_shape=7, n_classes=2)
    dense = [layer for layer in child.model.layers if layer.__class__.__name__ == "Dense"]
    assert [(d.units, d.activation.__name__) for d in dense] == [(128, "relu"), (32, "tanh"),
                                                                 (2, "softmax")]
    assert child.model.output_shape == (None, 2)
    assert child.keys == {  # dropout sits between the first and second dense layer
        "dense_0": ("dense", ("input",), 7, 128, "relu"),
        "dense_2": ("dense", ("dense", 128, "relu", "dropout"), 128, 32, "tanh"),
        "output": ("dense", ("dense", 32, "tanh"), 32, 2, "softmax")}
    with pytest.raises(NasError):
        build_mlp(space, [29, 30], 7, 2)


def test_weight_transfer_by_key_with_shape_check():
    space = MLPSpace()
    store = WeightStore()
    first = build_mlp(space, [19, 10, 30], input_shape=7, n_classes=3)
    assert store.load_into(first) == 0
    store.save_from(first)
    # Same first layer (input 7 -> 128 relu); different second layer; output differs in width.
    second = build_mlp(space, [19, 14, 30], input_shape=7, n_classes=3)
    assert store.load_into(second) == 1
    for a, b in zip(first.model.get_layer("dense_0").get_weights(),
                    second.model.get_layer("dense_0").get_weights()):
        np.testing.assert_array_equal(a, b)
    # Same layer config but a different input width: a different key, nothing inherited.
    third = build_mlp(space, [19, 10, 30], input_shape=5, n_classes=3)
    assert store.load_into(third) == 2  # (128->32 tanh) and (32->3 softmax) still match
    assert not np.array_equal(third.model.get_layer("dense_0").get_weights()[0][:5],
                              first.model.get_layer("dense_0").get_weights()[0][:5])


def test_corrupt_store_entry_is_not_loaded():
    space = MLPSpace()
    store = WeightStore()
    child = build_mlp(space, [19, 30], input_shape=4, n_classes=3)
    store.weights[child.keys["dense_0"]] = [np.zeros((3, 128)), np.zeros(128)]
    store.weights[child.keys["output"]] = [np.ones((128, 3)), np.ones(3)]
    assert store.load_into(child) == 1  # only the output layer; the bad shape is skipped
    assert child.model.get_layer("output").get_weights()[1].tolist() == [1, 1, 1]
    assert child.model.get_layer("dense_0").get_weights()[0].shape == (4, 128)
