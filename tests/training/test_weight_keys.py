"""One-shot weight keys: a dense layer's key says what it reads, not only its shape."""

from __future__ import annotations

import pytest

pytest.importorskip("tensorflow")

from mlpnas.spaces.mlp import MLPSpace  # noqa: E402
from mlpnas.training.mlp import build_mlp  # noqa: E402


def test_input_layer_and_hidden_layer_of_the_same_width_get_different_keys():
    space = MLPSpace(max_length=4)
    d64 = space.encode_dense(64, "relu")
    # 64 features and a 64-unit hidden layer: both next layers read a width of 64
    keys = build_mlp(space, [d64, d64, space.output_id], 64, 3).keys
    first, second = keys["dense_0"], keys["dense_1"]
    assert first[2:] == second[2:]  # same shape and activation ...
    assert first != second  # ... but one reads the input, the other a relu layer
    assert first[1] == ("input",) and second[1] == ("dense", 64, "relu")


def test_a_dropout_in_between_changes_the_key_and_same_context_shares_it():
    space = MLPSpace(max_length=4)
    d32, d16 = space.encode_dense(32, "tanh"), space.encode_dense(16, "relu")
    plain = build_mlp(space, [d32, d16, space.output_id], 10, 2).keys
    dropped = build_mlp(space, [d32, space.dropout_id, d16, space.output_id], 10, 2).keys
    assert plain["dense_0"] == dropped["dense_0"]  # same layer reading the same input
    assert plain["dense_1"] != dropped["dense_2"]
    assert dropped["dense_2"][1] == ("dense", 32, "tanh", "dropout")
