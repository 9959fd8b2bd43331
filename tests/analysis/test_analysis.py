"""Analysis numbers checked by hand on the fixture event of tests/helpers/fixture_logs.py."""

from __future__ import annotations

import numpy as np
import pytest

from mlpnas.analysis import summary as analysis
from mlpnas.errors import NasError
from mlpnas.storage.events import load_event
from tests.helpers.fixture_logs import CHILDREN, ELAPSED_SECONDS, OUT, dense, write_event


@pytest.fixture
def event(tmp_path):
    write_event(tmp_path)
    return load_event(tmp_path)


def effect_of(rows, choice, value):
    [row] = [r for r in rows if r["choice"] == choice and r["value"] == value]
    return row


def test_histogram_counts_sum_to_trained_children(event):
    hist = analysis.accuracy_histogram(event)
    trained = [c for c in CHILDREN if not c[3]]
    assert sum(hist["counts"]) == len(trained) == 7
    assert hist["bin_start_percent"][0] == 50 and hist["bin_start_percent"][-1] == 90
    assert hist["counts"][hist["bin_start_percent"].index(70)] == 1
    assert sum(hist["percent"]) == pytest.approx(100.0)


def test_histogram_bins_are_not_shifted_by_floating_point(tmp_path):
    # 0.29 * 100 is 28.999... in floating point; it belongs in the 29% bin.
    write_event(tmp_path, [([dense(8, "relu"), OUT], 0.29, 0, False),
                           ([dense(8, "relu"), OUT], 1.0, 0, False)])
    hist = analysis.accuracy_histogram(load_event(tmp_path))
    assert hist["counts"][0] == 1 and hist["bin_start_percent"][0] == 29
    assert hist["bin_start_percent"][-1] == 99  # 100% shares the top bin


def test_per_choice_means_match_hand_computation(event):
    rows = analysis.choice_effects(event)
    units64 = effect_of(rows, "units", 64)  # children 1, 2, 3, 5, 8
    assert units64["count"] == 5
    assert units64["mean"] == pytest.approx((0.80 + 0.70 + 0.90 + 0.84 + 0.86) / 5)
    assert units64["best"] == pytest.approx(0.90)
    assert units64["effect"] == pytest.approx(0.82 - (0.50 + 0.60) / 2)
    relu = effect_of(rows, "activation", "relu")  # children 1, 3, 5, 6, 8
    assert relu["mean"] == pytest.approx(0.80) and relu["count"] == 5
    assert effect_of(rows, "depth", 2)["mean"] == pytest.approx((0.90 + 0.60 + 0.86) / 3)
    assert effect_of(rows, "dropout layers", 1)["count"] == 1
    # the failed child (128 units, elu) is no evidence about its choices
    assert not [r for r in rows if r["value"] in (128, "elu")]
    effects = [r["effect"] for r in rows if r["effect"] is not None]
    assert effects == sorted(effects, reverse=True)
    lo, hi = units64["interval"]
    assert lo <= units64["effect"] <= hi
    assert not units64["beyond_noise"]  # only two children without 64 units


def _event_of(tmp_path, accs_relu, accs_tanh):
    children = ([([dense(32, "relu"), OUT], a, i % 2, False) for i, a in enumerate(accs_relu)]
                + [([dense(32, "tanh"), OUT], a, i % 2, False) for i, a in enumerate(accs_tanh)])
    write_event(tmp_path, children)
    return load_event(tmp_path)


def test_a_clear_difference_is_marked_beyond_noise(tmp_path):
    rng = np.random.default_rng(1)
    event = _event_of(tmp_path, 0.9 + 0.01 * rng.standard_normal(10),
                      0.5 + 0.01 * rng.standard_normal(10))
    rows = analysis.choice_effects(event)
    assert effect_of(rows, "activation", "relu")["beyond_noise"]
    assert effect_of(rows, "activation", "tanh")["beyond_noise"]
    assert effect_of(rows, "units", 32)["effect"] is None  # every child used it


def test_no_difference_is_not_marked(tmp_path):
    same = [0.5, 0.6, 0.7, 0.8, 0.9, 0.55, 0.65]
    rows = analysis.choice_effects(_event_of(tmp_path, same, same))
    relu = effect_of(rows, "activation", "relu")
    assert relu["effect"] == pytest.approx(0.0)
    assert relu["interval"][0] < 0 < relu["interval"][1]
    assert not any(r["beyond_noise"] for r in rows)


def test_bootstrap_is_seeded(event):
    assert analysis.choice_effects(event) == analysis.choice_effects(event)


def test_choice_frequencies_per_position_and_epoch(event):
    freqs = analysis.choice_frequencies(event)
    assert freqs["epochs"] == [0, 1] and freqs["children_per_epoch"] == [4, 4]
    first = {r["label"]: r["frequency"] for r in freqs["positions"][0]["choices"]}
    assert first["(64, 'relu')"] == [0.5, 0.5]
    assert first["(8, 'sigmoid')"] == [0.25, 0.0]
    assert first["(128, 'elu')"] == [0.0, 0.25]  # the controller chose it, even if it failed
    for pos in freqs["positions"]:
        assert np.allclose(np.sum([r["frequency"] for r in pos["choices"]], axis=0), 1.0)
    third = {r["label"]: r["frequency"] for r in freqs["positions"][2]["choices"]}
    assert third["(ended)"] == [0.75, 0.5]  # epoch 1: children 5 and 7 have 2 tokens


def test_too_few_children_is_a_one_line_error(tmp_path):
    write_event(tmp_path, CHILDREN[:4])
    with pytest.raises(NasError, match="has 4 trained children; analyze needs at least 5"):
        analysis.choice_effects(load_event(tmp_path))


def test_compare_rows_keep_the_given_order(tmp_path):
    write_event(tmp_path)
    write_event(tmp_path, CHILDREN[:4], status=False, strategy="rl")
    first, second = load_event(tmp_path, 1), load_event(tmp_path, 2)
    rows = analysis.compare_rows([second, first])
    assert [r["event"] for r in rows] == ["event2", "event1"]
    assert rows[1]["children"] == 7 and rows[1]["failed"] == 1
    assert rows[1]["best"] == pytest.approx(0.90)
    assert rows[1]["last_epoch_mean"] == pytest.approx((0.84 + 0.60 + 0.86) / 3)
    assert rows[1]["wall_seconds"] == ELAPSED_SECONDS
    assert rows[0]["wall_seconds"] is None and rows[0]["strategy"] == "rl"


def test_compare_labels_clashing_names_by_path(tmp_path):
    write_event(tmp_path / "a")
    write_event(tmp_path / "b")
    rows = analysis.compare_rows([load_event(tmp_path / "a"), load_event(tmp_path / "b")])
    assert rows[0]["event"] != rows[1]["event"]


def test_sorted_log_without_epochs_is_flagged(tmp_path):
    from mlpnas.storage import write_pickle_atomic

    folder = tmp_path / "event1"
    folder.mkdir()
    write_pickle_atomic(folder / "nas_data.pkl", [[[1, 30], a] for a in (0.9, 0.8, 0.7)])
    assert analysis.order_warning(load_event(tmp_path)) is not None
    write_pickle_atomic(folder / "nas_data.pkl", [[[1, 30], a] for a in (0.9, 0.7, 0.8)])
    assert analysis.order_warning(load_event(tmp_path)) is None
