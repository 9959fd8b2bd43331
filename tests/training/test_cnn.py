"""CNN generators: skip-connection shapes, the cell network, conv weight transfer, augment."""

from __future__ import annotations

import numpy as np
import pytest

from mlpnas.spaces.cnn import CNNSpace
from mlpnas.spaces.cell import CellSpace
from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

from mlpnas.training.cnn import Augment, build_cell_network, build_cnn, conv_key, match_size  # noqa: E402
from mlpnas.training.weights import WeightStore  # noqa: E402


def spec(kernel=3, filters=16, stride=1, pool=1, inputs=()):
    return dict(kernel=kernel, filters=filters, stride=stride, pool=pool, inputs=inputs)


def conv_input_shape(child, name):
    return tuple(child.model.get_layer(name).input.shape[1:])


def test_skip_inputs_are_pooled_to_the_previous_layers_size_and_concatenated():
    space = CNNSpace(max_length=3, input_shape=(9, 9, 1))
    # layer 0: 9x9/16; layer 1: stride 2 -> 5x5/24, pool -> 2x2; layer 2 reads 0 and 1
    seq = space.encode([spec(filters=16), spec(filters=24, stride=2, pool=2),
                        spec(filters=32, inputs=[0, 1])])
    child = build_cnn(space, seq, (9, 9, 1), 4)
    assert conv_input_shape(child, "layer2.conv") == (2, 2, 16 + 24)
    assert child.keys["layer2.conv"] == conv_key("layer2", 40, 3, 32, "conv")
    assert child.model.output.shape[-1] == 4


def test_unconsumed_layers_are_concatenated_into_the_classifier():
    space = CNNSpace(max_length=3, input_shape=(8, 8, 1))
    seq = space.encode([spec(filters=16), spec(filters=24), spec(filters=32, inputs=[0])])
    child = build_cnn(space, seq, (8, 8, 1), 3)
    # layers 1 (24) and 2 (32) are read by nobody: the classifier sees 56 features
    assert child.keys["output"] == ("dense", 56, 3, "softmax")


@pytest.mark.parametrize("size,target", [((7, 7), (3, 3)), ((8, 8), (1, 1)), ((28, 28), (4, 4)),
                                         ((5, 9), (2, 3))])
def test_match_size_reaches_the_target_exactly(size, target):
    x = keras.Input(size + (2,))
    assert tuple(match_size(x, target).shape[1:]) == target + (2,)


@pytest.mark.slow
def test_cell_network_builds_and_prunes_dead_edges():
    space = CellSpace()
    full = space.encode_string("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|"
                               "+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_1x1~2|")
    child = build_cell_network(space, full, (8, 8, 1), 10, cells=1, width=4)
    assert child.model.output.shape[-1] == 10
    assert child.keys["cell0.0.edge0.conv"] == conv_key("cell0.0.edge0", 4, 3, 4, "nor_conv_3x3")
    assert child.keys["reduce2.b.conv"] == conv_key("reduce2.b", 16, 3, 16, "reduce")
    # node 3 reads only 'none' edges: nodes 1 and 2 are dead, their convs are not keyed
    dead = space.encode_string("|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|"
                               "+|none~0|none~1|none~2|")
    child = build_cell_network(space, dead, (8, 8, 1), 10, cells=1, width=4)
    assert not any(name.startswith("cell") for name in child.keys)
    names = {layer.name for layer in child.model.layers}
    assert set(child.keys) <= names


def test_conv_weights_transfer_between_children_with_the_same_key():
    space = CNNSpace(max_length=2, input_shape=(8, 8, 1))
    first = build_cnn(space, space.encode([spec(3, 16), spec(5, 24)]), (8, 8, 1), 3)
    for layer in first.model.layers:
        layer.set_weights([np.random.default_rng(0).normal(size=w.shape) for w in
                           layer.get_weights()])
    store = WeightStore()
    store.save_from(first)
    # same layer 0 (and BN); layer 1 has another kernel; same classifier width
    second = build_cnn(space, space.encode([spec(3, 16), spec(3, 24)]), (8, 8, 1), 3)
    assert store.load_into(second) == 3  # layer0.conv, layer0.bn, output
    for name in ("layer0.conv", "layer0.bn"):
        for a, b in zip(first.model.get_layer(name).get_weights(),
                        second.model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.model.get_layer("layer1.conv").get_weights()[0][1:4, 1:4],
                              second.model.get_layer("layer1.conv").get_weights()[0])
    # a layer 0 with other filters shares nothing at that position
    third = build_cnn(space, space.encode([spec(3, 32), spec(5, 24)]), (8, 8, 1), 3)
    assert store.load_into(third) == 1  # only the classifier (24 -> 3)


def test_augment_is_identity_at_inference_and_keeps_the_shape_in_training():
    x = tf.constant(np.random.default_rng(0).random((16, 10, 10, 1)), dtype=tf.float32)
    layer = Augment(max_shift=0.2)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x.numpy())
    tf.random.set_seed(0)
    out = layer(x, training=True).numpy()
    assert out.shape == x.shape and not np.array_equal(out, x.numpy())
    assert layer.weights == []  # nothing for the weight store to carry


def test_the_dense_head_is_the_textbook_cnns_and_gap_is_global_pooling():
    space = CNNSpace(max_length=2, input_shape=(28, 28, 1))
    layers = [spec(filters=32, pool=2), spec(filters=64, pool=2)]
    dense = build_cnn(space, space.encode(layers, head="dense"), (28, 28, 1), 10)
    # 7x7x64 flattened into 128 ReLU units, as the textbook CNN does
    assert dense.keys["head.dense"] == ("dense", 7 * 7 * 64, 128, "relu")
    assert dense.keys["output"] == ("dense", 128, 10, "softmax")
    gap = build_cnn(space, space.encode(layers, head="gap"), (28, 28, 1), 10)
    assert gap.keys["output"] == ("dense", 64, 10, "softmax") and "head.dense" not in gap.keys
    # a larger final map is max-pooled down to 7x7 before it is flattened
    wide = build_cnn(space, space.encode([spec(filters=16)], head="dense"), (28, 28, 1), 10)
    assert wide.keys["head.dense"][1] == 7 * 7 * 16
    digits = CNNSpace(max_length=1, input_shape=(8, 8, 1))
    small = build_cnn(digits, digits.encode([spec(filters=16)], head="dense"), (8, 8, 1), 10)
    assert small.keys["head.dense"][1] == 4 * 4 * 16  # 8x8 halved, not padded to 7x7


def test_the_augment_choice_puts_shifts_or_flips_in_front():
    space = CNNSpace(max_length=1, input_shape=(8, 8, 1))
    for choice, flip in (("shift", False), ("flip+shift", True)):
        child = build_cnn(space, space.encode([spec()], augment=choice), (8, 8, 1), 3)
        assert child.model.get_layer("augment").flip is flip
    plain = build_cnn(space, space.encode([spec()]), (8, 8, 1), 3).model
    assert "augment" not in [lay.name for lay in plain.layers]
    forced = build_cnn(space, space.encode([spec()]), (8, 8, 1), 3, augment=True).model
    assert forced.get_layer("augment").flip  # --augment: flips and shifts whatever the tokens
