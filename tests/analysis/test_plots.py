"""Analysis plots write real PNGs without a display."""

from __future__ import annotations

import pytest

from mlpnas.analysis import plots
from mlpnas.analysis.summary import choice_frequencies
from mlpnas.errors import NasError
from mlpnas.storage.events import load_event
from tests.helpers.fixture_logs import CHILDREN, write_event

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def event(tmp_path):
    write_event(tmp_path / "logs")
    return load_event(tmp_path / "logs")


def test_distribution_heatmap_compare_predictions_write_pngs(event, tmp_path):
    paths = [plots.plot_distribution(event, tmp_path / "d.png"),
             plots.plot_choice_heatmap(event, choice_frequencies(event), tmp_path / "h.png"),
             plots.plot_compare([event, event], tmp_path / "c.png"),
             plots.plot_predictor(event, tmp_path / "p.png")]
    for path in paths:
        assert path.read_bytes().startswith(PNG)


def test_distribution_needs_two_trained_children(tmp_path):
    write_event(tmp_path, CHILDREN[:1])
    with pytest.raises(NasError, match="has 1 trained child; plot-distribution needs at least 2"):
        plots.plot_distribution(load_event(tmp_path), tmp_path / "d.png")
