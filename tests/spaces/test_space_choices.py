"""The (choice, value) features each search space gives analysis, and token labels."""

from __future__ import annotations

import pytest

from mlpnas.analysis.summary import choice_effects, choice_frequencies
from mlpnas.storage import write_json_atomic, write_pickle_atomic
from mlpnas.storage.events import load_event
from mlpnas.spaces.base import SearchSpace
from mlpnas.spaces.cell import CellSpace
from mlpnas.spaces.mlp import MLPSpace


def test_mlp_choices_are_units_activation_depth_dropout():
    space = MLPSpace(max_length=5)
    seq = [space.encode_dense(64, "relu"), space.dropout_id, space.encode_dense(8, "tanh"),
           space.output_id]
    assert sorted(space.choices(seq), key=str) == sorted(
        [("depth", 2), ("dropout layers", 1), ("units", 64), ("units", 8),
         ("activation", "relu"), ("activation", "tanh")], key=str)
    assert space.token_label(0, space.encode_dense(64, "relu")) == "(64, 'relu')"
    assert space.token_label(1, space.dropout_id) == "dropout"


def test_cell_choices_are_edge_ops_and_ops_used():
    space = CellSpace()
    seq = space.encode_string("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|"
                              "avg_pool_3x3~2|")
    choices = space.choices(seq)
    assert ("edge 1<-0", "nor_conv_3x3") in choices and ("edge 3<-2", "avg_pool_3x3") in choices
    assert choices.count(("uses op", "none")) == 3
    assert space.token_label(4, seq[4]) == "none"


class _TwoTokens(SearchSpace):
    """A space that keeps the default choices (the token at each position)."""

    name, vocab_size, max_length = "two", 3, 2

    def valid_next(self, prefix):
        raise NotImplementedError

    def is_complete(self, seq):
        return len(seq) == 2

    def decode(self, seq, n_classes=None):
        return list(seq)


def test_default_choices_are_tokens_by_position():
    assert _TwoTokens().choices([3, 1]) == [("token 1", "3"), ("token 2", "1")]


def test_analysis_of_a_cell_event(tmp_path):
    space = CellSpace()
    folder = tmp_path / "event1"
    folder.mkdir()
    seqs = [[1 + (i + k) % 5 for k in range(6)] for i in range(8)]
    write_pickle_atomic(folder / "nas_data.pkl",
                        [[seq, 0.5 + 0.05 * i, None, {"controller_epoch": i // 4}]
                         for i, seq in enumerate(seqs)])
    write_json_atomic(folder / "config.json", {"config": {"space": "cell"}, "space": "cell"})
    event = load_event(tmp_path)
    rows = choice_effects(event)
    # edge 1<-0 is 'none' (token 1) for children 0 and 5
    [none] = [r for r in rows if r["choice"] == "edge 1<-0" and r["value"] == "none"]
    assert none["count"] == 2 and none["mean"] == pytest.approx((0.50 + 0.75) / 2)
    labels = {r["label"] for r in choice_frequencies(event, space)["positions"][0]["choices"]}
    assert labels == set(space.OPS)


def test_cnn_choices_and_labels_name_the_layer_settings():
    from mlpnas.spaces.cnn import CNNSpace

    space = CNNSpace(max_length=3)
    seq = space.encode([{"kernel": 3, "filters": 32, "stride": 1, "pool": 2},
                        {"kernel": 5, "filters": 16, "stride": 2, "pool": 1, "inputs": [0]}])
    choices = space.choices(seq)
    assert ("depth", 2) in choices and ("skip connections", 1) in choices
    assert choices.count(("kernel", 3)) == 1 and ("pool", 2) in choices
    assert ("head", "gap") in choices and ("learning rate", 0.001) in choices
    labels = [space.token_label(t, tok) for t, tok in enumerate(seq)]
    n = len(space.training)
    assert labels[:2] == ["learning rate 0.001", "batch size 64"]
    assert labels[n:n + 4] == ["kernel 3", "filters 32", "stride 1", "pool 2x2"]
    assert labels[n + 8:] == ["skip from 0: yes", "end"]


def test_grid_choices_and_labels_are_parameter_values():
    from mlpnas.spaces.grid import GridSpace

    space = GridSpace({"units": (16, 32), "lr": (0.1, 0.01)})
    seq = [2, 3]
    assert space.choices(seq) == [("units", 32), ("lr", 0.1)]
    assert [space.token_label(t, tok) for t, tok in enumerate(seq)] == ["units=32", "lr=0.1"]
