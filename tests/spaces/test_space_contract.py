"""The SearchSpace contract, checked on every registered space (and a grid space).

A new space in mlpnas.spaces.SPACES is covered here automatically: random valid sequences
must pass the space's own rules, decode, describe and label readably, and `nas analyze`
and `nas report` must work on an event of that space.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import CONSTANTS as C
from cli import main
from mlpnas.spaces import SPACES, make_space
from mlpnas.spaces.grid import GridSpace
from mlpnas.storage import write_json_atomic, write_pickle_atomic
from mlpnas.storage.names import CONFIG_FILE, LOG_FILE
from mlpnas.strategies.random import RandomStrategy

MAX_LAYERS = 3
INPUT_SHAPE = (8, 8, 1)
CLASSES = ["a", "b", "c"]
GRID = {"units": (16, 32, 64), "learning_rate": (0.1, 0.01), "activation": ("relu", "tanh")}


def _space(name: str):
    return GridSpace(GRID) if name == "grid" else make_space(
        name, max_length=MAX_LAYERS, input_shape=INPUT_SHAPE)


def _sequences(space, n: int = 30, seed: int = 0) -> list[list[int]]:
    return RandomStrategy(space, seed).ask(n)


ALL_SPACES = [*SPACES, "grid"]


@pytest.mark.parametrize("name", ALL_SPACES)
def test_sampled_sequences_follow_the_space_rules(name):
    space = _space(name)
    for seq in _sequences(space):
        assert 0 < len(seq) <= space.max_length
        for t, tok in enumerate(seq):
            mask = space.valid_next(seq[:t])
            assert mask.dtype == bool and mask.shape == (space.vocab_size + 1,)
            assert not mask[0], "id 0 is reserved for the controller's start token"
            assert mask[tok] and not space.is_complete(seq[:t])
        assert space.is_complete(seq) and space.is_valid(seq)
        assert not space.valid_next(seq).any(), "nothing may follow a complete sequence"


@pytest.mark.parametrize("name", ALL_SPACES)
def test_sequences_decode_and_describe(name):
    space = _space(name)
    for seq in _sequences(space):
        layers = space.decode(seq, len(CLASSES))
        assert layers and space.layer_strings(seq, len(CLASSES)) == [str(x) for x in layers]
        assert isinstance(space.describe(seq, len(CLASSES)), str)
        assert space.describe(seq, len(CLASSES)).strip()


@pytest.mark.parametrize("name", ALL_SPACES)
def test_choices_are_named_hashable_values(name):
    space = _space(name)
    for seq in _sequences(space):
        choices = space.choices(seq)
        assert choices
        for choice, value in choices:
            assert isinstance(choice, str) and choice
            hash(value)
            assert not isinstance(value, (np.integer, np.floating)), "plain values for JSON"


@pytest.mark.parametrize("name", ALL_SPACES)
def test_token_labels_are_readable_and_tell_tokens_apart(name):
    space = _space(name)
    for seq in _sequences(space, n=10):
        for t in range(len(seq)):
            valid = np.flatnonzero(space.valid_next(seq[:t]))
            labels = [space.token_label(t, int(tok)) for tok in valid]
            assert all(isinstance(x, str) and x and not x.isdigit() for x in labels), labels
            assert len(set(labels)) == len(labels), f"two tokens at {t} share a label: {labels}"


def _write_event(logs_dir, name: str, n: int = 12, seed: int = 0):
    """An event of space `name`: random sequences, accuracies and predictions, no TF."""
    space = _space(name)
    rng = np.random.default_rng(seed)
    folder = logs_dir / "event1"
    folder.mkdir(parents=True)
    entries = []
    for i, seq in enumerate(_sequences(space, n, seed)):
        acc = float(rng.uniform(0.3, 0.9))
        failed = i == n - 1
        entries.append([seq, 0.0 if failed else acc, None if failed else acc - 0.05,
                        {"layers": space.layer_strings(seq, len(CLASSES)),
                         "controller_epoch": i // 4, "child_index": i, "failed": failed}])
    write_pickle_atomic(folder / LOG_FILE, entries)
    write_json_atomic(folder / CONFIG_FILE, {
        "config": {"space": name, "max_layers": MAX_LAYERS, "samples_per_epoch": 4},
        "space": name, "strategy": "random",
        "dataset": {"name": "fake", "classes": CLASSES, "input_shape": list(INPUT_SHAPE)}})
    return space, entries


@pytest.mark.parametrize("name", list(SPACES))
def test_analyze_reads_an_event_of_every_space(tmp_path, name):
    space, entries = _write_event(tmp_path, name)
    result = CliRunner().invoke(main, ["analyze", "--logs-dir", str(tmp_path), "--json",
                                       "--output", str(tmp_path / "choices.png")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = {choice for entry in entries[:-1] for choice, _ in space.choices(entry[0])}
    assert {row["choice"] for row in data["effects"]} == names
    first = data["frequencies"]["positions"][0]["choices"]
    assert {row["label"] for row in first} == {space.token_label(0, e[0][0]) for e in entries}


@pytest.mark.parametrize("name", list(SPACES))
def test_report_reads_an_event_of_every_space(tmp_path, name):
    _write_event(tmp_path, name)
    result = CliRunner().invoke(main, ["report", "--logs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "event1" / C.REPORT_FILE).read_text()
    assert "<th>effect</th>" in page, "the controller analysis has its effects table"
    assert "<th>tau</th>" in page, "the predictor section has its quality table"
