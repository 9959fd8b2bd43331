"""The cnn and cell token encodings: round trips, masking, skip anchors. No TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

import CONSTANTS as C

from mlpnas.spaces.cnn import CNNLayer, CNNSpace
from mlpnas.errors import NasError
from mlpnas.spaces import make_space
from mlpnas.spaces.cell import CellSpace
from mlpnas.strategies.random import RandomStrategy


def plain(**kwargs) -> CNNSpace:
    """The layer encoding alone (no training choices ahead of the layers)."""
    return CNNSpace(training={}, **kwargs)


def spec(kernel=3, filters=16, stride=1, pool=1, inputs=()):
    return dict(kernel=kernel, filters=filters, stride=stride, pool=pool, inputs=inputs)


def test_make_space_passes_each_space_only_its_arguments():
    space = make_space("cnn", max_length=3, input_shape=(8, 8, 1), dropout=0.2)
    assert isinstance(space, CNNSpace) and space.max_layers == 3
    assert space.image_size == (8, 8)
    assert make_space("mlp", max_length=3, input_shape=(8, 8, 1)).max_length == 3


def test_layout_and_length():
    space = plain(max_length=3)
    # 4 tokens per layer, i skip tokens for layer i, one end token
    assert space.max_length == 4 * 3 + (0 + 1 + 2) + 1
    kinds = [kind for kind, _, _ in space.layout]
    assert kinds[:9] == ["kernel", "filters", "stride", "pool"] * 2 + ["skip"]
    assert kinds[-1] == "end"


def test_encode_decode_round_trip_and_description():
    space = plain(max_length=4, input_shape=(32, 32, 3))
    layers = [spec(3, 32), spec(5, 32, 1, 2, inputs=[0]), spec(5, 48, 2, 1, inputs=[0, 1]),
              spec(7, 64)]
    seq = space.encode(layers)
    assert space.is_valid(seq)
    decoded = space.decode(seq)
    assert [layer.sources for layer in decoded] == [(), (0,), (0, 1), (2,)]
    assert space.encode(decoded) == seq
    assert space.describe(seq) == ("conv3x3/32 s1; conv5x5/32 s1 pool2; "
                                   "conv5x5/48 s2 <- [0, 1]; conv7x7/64 s1")
    assert str(CNNLayer(3, 5, 32, 1, 2, (0, 2))) == "conv5x5/32 s1 pool2 <- [0, 2]"


def test_every_choice_is_its_own_token_of_its_kind():
    space = plain(max_length=2)
    for kind in ("kernel", "filters", "stride", "pool", "skip"):
        for value in space.options[kind]:
            tok = space.token(kind, value)
            assert space.kind_of(tok) == kind and space.value(tok) == value
    assert space.kind_of(space.end_id) == "end" and space.vocab_size == space.end_id
    with pytest.raises(NasError):
        space.token("kernel", 9)


def test_step_masks_allow_only_that_steps_kind():
    space = plain(max_length=3)
    seq = space.encode([spec(), spec(), spec()])
    for t in range(len(seq)):
        allowed = {space.kind_of(tok) for tok in np.flatnonzero(space.valid_next(seq[:t]))}
        expected = {space.layout[t][0]}
        if space.layout[t][0] == "kernel" and space.layout[t][1] > 0:
            expected.add("end")  # a network may end before a new layer
        assert allowed == expected
    assert not space.valid_next(seq).any()


def test_end_only_after_a_layer_and_forced_after_max_layers():
    space = plain(max_length=2)
    assert not space.valid_next([])[space.end_id]
    two = space.encode([spec(), spec()])[:-1]
    assert np.flatnonzero(space.valid_next(two)).tolist() == [space.end_id]
    assert space.is_valid(space.encode([spec()]))
    assert not space.is_valid(two)  # no end token: incomplete


def test_strides_and_pools_that_would_shrink_below_1x1_are_masked():
    space = plain(max_length=4, input_shape=(4, 4, 1))
    s2, p2 = space.token("stride", 2), space.token("pool", 2)
    # layer 0: stride 2 (4 -> 2), then the pool (2 -> 1) is still allowed
    prefix = [space.token("kernel", 3), space.token("filters", 16), s2]
    assert space.valid_next(prefix)[p2]
    prefix += [p2]  # the map is 1x1 now
    layer1 = prefix + [space.token("kernel", 3), space.token("filters", 16)]
    assert not space.valid_next(layer1)[s2] and space.valid_next(layer1)[space.token("stride", 1)]
    assert not space.valid_next(layer1 + [space.token("stride", 1)])[p2]
    assert not space.is_valid(space.encode([spec(stride=2, pool=2), spec(stride=2)]))
    # without an image size nothing is masked (the read path decodes without it)
    assert plain(max_length=4).valid_next(layer1)[s2]


def test_non_square_images_are_masked_on_the_smaller_side():
    space = plain(max_length=2, input_shape=(2, 8, 1))
    assert not space.is_valid(space.encode([spec(stride=2, pool=2)]))
    assert space.is_valid(space.encode([spec(stride=2)]))


def test_random_sequences_are_valid_and_never_shrink_below_1x1():
    space = plain(max_length=4, input_shape=(8, 8, 1))
    strategy = RandomStrategy(space, seed=3)
    for seq in strategy.ask(40):
        assert space.is_valid(seq)
        assert min(space._size(seq)) >= 1
        assert space.encode(space.decode(seq)) == seq


def test_skip_anchors_point_at_the_step_after_the_earlier_layers_pool_token():
    space = plain(max_length=3)
    anchors = space.skip_anchors()
    skip_steps = [t for t, (kind, _, _) in enumerate(space.layout) if kind == "skip"]
    assert sorted(anchors) == skip_steps
    for t, anchor in anchors.items():
        _, _, j = space.layout[t]
        assert space.layout[anchor - 1] == ("pool", j, -1)
        assert anchor <= t  # causal: the anchor's hidden state exists at step t


def test_decode_rejects_tokens_of_the_wrong_kind():
    space = plain(max_length=2)
    seq = space.encode([spec()])
    bad = [seq[1]] + seq[1:]  # a filters token where a kernel token belongs
    with pytest.raises(NasError, match="expects a kernel token"):
        space.decode(bad)
    with pytest.raises(NasError, match="not in the cnn vocabulary"):
        space.decode([99])


def test_unconsumed_layers_feed_the_classifier():
    space = plain(max_length=3)
    layers = space.decode(space.encode([spec(), spec(), spec(inputs=[0])]))
    assert CNNSpace.unconsumed(layers) == [1, 2]  # layer 1 is read by nobody


def test_cell_space_round_trips_nas_bench_201_strings():
    space = CellSpace()
    arch = "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"
    seq = space.encode_string(arch, head="dense", learning_rate=0.003)
    assert space.arch_string(seq) == arch and space.describe(seq).startswith(arch + " | lr 0.003")
    assert space.is_valid(seq) and len(seq) == 6 + len(space.training)
    assert space.training_choices(seq)["head"] == "dense"
    assert not space.is_valid(seq[:6]) and CellSpace(training={}).is_valid(seq[:6])
    assert space.describe(seq[:6]) == arch  # logged without training choices: still read
    with pytest.raises(NasError):
        space.encode_string("|conv~0|+|none~0|")


def test_training_choices_come_first_and_set_how_the_child_trains():
    space = CNNSpace(max_length=2, input_shape=(8, 8, 1))
    seq = space.encode([spec(filters=32)], learning_rate=0.003, batch_size=128,
                       weight_decay=0.05, augment="shift", head="dense")
    n = len(space.training)
    assert [space.layout[t][0] for t in range(n)] == space.training.kinds
    for t in range(n):  # each step allows exactly the values of its own choice
        allowed = np.flatnonzero(space.valid_next(seq[:t])).tolist()
        assert allowed == list(space.training.ids(space.training.kinds[t]))
    assert space.is_valid(seq) and space.decode(seq) == plain().decode(seq[n:])
    assert space.training_options(seq) == {"learning_rate": 0.003, "batch_size": 128,
                                           "weight_decay": 0.05, "patience": C.IMAGE_PATIENCE}
    assert space.training_choices(seq)["augment"] == "shift"
    assert space.describe(seq).endswith("| lr 0.003, batch 128, wd 0.05, augment shift, head dense")
    assert plain().training_options(seq[n:]) == {}
    with pytest.raises(NasError, match="not a head choice"):
        space.encode([spec()], head="flatten")


def test_a_sequence_logged_without_training_choices_is_still_read():
    space, old = CNNSpace(max_length=2), plain(max_length=2)
    seq = old.encode([spec(kernel=5), spec(filters=24, pool=2)])
    assert space.describe(seq) == old.describe(seq) == "conv5x5/16 s1; conv3x3/24 s1 pool2"
    assert space.choices(seq) == old.choices(seq) and not space.is_valid(seq)
