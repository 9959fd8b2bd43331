"""Vocabulary, decoding and validity rules of the search spaces."""

import numpy as np
import pytest

from mlpnas.errors import NasError
from mlpnas.spaces import make_space
from mlpnas.spaces.cell import CellSpace
from mlpnas.spaces.mlp import MLPSpace
from mlpnas.strategies.random import RandomStrategy


def test_mlp_vocabulary_matches_mlpnas_ids():
    space = MLPSpace()
    units = (8, 16, 32, 64, 128, 256, 512)
    acts = ("sigmoid", "tanh", "relu", "elu")
    for i, u in enumerate(units):
        for j, a in enumerate(acts):
            assert space.dense(4 * i + j + 1) == (u, a)
            assert space.encode_dense(u, a) == 4 * i + j + 1
    assert space.dropout_id == 29 and space.output_id == 30 and space.vocab_size == 30


def test_decode_mlpnas_sequence():
    space = MLPSpace()
    assert space.decode([19, 29, 30], n_classes=3) == [(128, "relu"), "dropout", (3, "softmax")]
    assert space.decode([np.int64(1), np.int64(5), 30]) == [(8, "sigmoid"), (16, "sigmoid"),
                                                            "softmax"]
    with pytest.raises(NasError, match="not in the mlp vocabulary"):
        space.decode([31])


def test_validity_rules():
    space = MLPSpace(max_length=4)
    first = space.valid_next([])
    assert first[1:29].all() and not first[29] and not first[30] and not first[0]
    after_dropout = space.valid_next([5, 29])
    assert not after_dropout[29] and after_dropout[30]
    assert np.flatnonzero(space.valid_next([5, 6, 7])).tolist() == [30]
    assert not space.valid_next([5, 30]).any()
    assert space.is_valid([5, 29, 6, 30]) and space.is_valid([5, 30])
    for bad in ([29, 5, 30], [5, 29, 29, 30], [5, 6, 7, 8, 30], [5, 6], [30]):
        assert not space.is_valid(bad), bad


def test_random_sampling_never_invalid_and_respects_length():
    space = MLPSpace(max_length=3)
    strategy = RandomStrategy(space, seed=3)
    seqs = strategy.ask(500)
    assert all(space.is_valid(s) for s in seqs)
    assert {len(s) for s in seqs} == {2, 3}
    assert strategy.completions(()) == 28 + 28 * 29  # [d, out] and [d, d|dropout, out]


def test_cell_space_round_trip():
    space = make_space("cell")
    arch = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|"
    tokens = space.encode_string(arch)
    assert space.arch_string(tokens) == arch and space.is_valid(tokens)
    assert isinstance(space, CellSpace)
    with pytest.raises(NasError):
        space.encode_string("|conv~0|")


def test_unknown_space():
    with pytest.raises(NasError, match="unknown search space"):
        make_space("transformer")
