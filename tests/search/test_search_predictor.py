"""A tiny search with the predictor and screening: predictions logged for every child."""

from __future__ import annotations

import json

import pytest

import cli
from mlpnas.config import SearchConfig
from mlpnas.storage.events import load_event
from mlpnas.analysis.predictor_quality import predictor_report

pytest.importorskip("tensorflow")


@pytest.mark.slow
def test_screened_search_logs_a_prediction_for_every_child(tiny_csv, tmp_path):
    from mlpnas.search.loop import MLPNAS

    config = SearchConfig(dataset=str(tiny_csv), label="label", controller_epochs=2,
                          samples_per_epoch=2, child_epochs=1, use_predictor=True, screen=2,
                          screen_warmup=1, logs_dir=str(tmp_path))
    result = MLPNAS(config).search()
    assert result.entries and all(e.predicted_accuracy is not None for e in result.entries)
    status = json.loads((result.event_dir / "status.json").read_text())
    warmup, screened = status["epochs"]
    assert screened["candidates"] == 4 and screened["trained"] <= 2
    assert "mean_selection_prob" in screened and "mean_selection_prob" not in warmup
    assert screened["predictor_trusted"] == 0.0  # nas search gave it the parameter count
    assert warmup["trained"] + screened["trained"] == len(result.entries)
    report = predictor_report(load_event(tmp_path))
    assert [row["n"] for row in report["epochs"]] == [
        int(warmup["predictor_n"]), int(screened["predictor_n"])]
    assert report["epochs"][0]["mae"] == pytest.approx(warmup["predictor_mae"])


def test_screen_without_predictor_is_refused(runner, tiny_csv, tmp_path):
    result = runner.invoke(cli.main, ["search", "--dataset", str(tiny_csv), "--screen", "2",
                                      "--logs-dir", str(tmp_path / "logs")])
    assert result.exit_code == 1
    assert "--predictor" in result.output + getattr(result, "stderr", "")
    assert not (tmp_path / "logs").exists()  # refused before an event folder was made
