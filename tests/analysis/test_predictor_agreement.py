"""One predictor-quality definition: the report, predictor-report, the plot and the
per-epoch figures of status.json score the same (out-of-sample) children alike."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from mlpnas.analysis.predictor_quality import epoch_quality, scatter_data
from mlpnas.storage import read_log
from mlpnas.storage.events import load_event
from mlpnas.storage.names import LOG_FILE
from tests.helpers.fixture_logs import CHILDREN, PREDICTION_OFFSET, write_event


@pytest.fixture
def logs(tmp_path):
    write_event(tmp_path)
    return tmp_path


def _predictor_report(logs) -> dict:
    result = CliRunner().invoke(main, ["predictor-report", "--logs-dir", str(logs), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _cells(*values) -> str:
    text = ["-" if v is None else v if isinstance(v, (int, str)) else format(v, ".4f")
            for v in values]
    return "".join(f"<td>{v}</td>" for v in text)


def test_only_children_unseen_by_the_predictor_are_scored(logs):
    report = _predictor_report(logs)
    repeats = sum(1 for i, (t, _, e, _) in enumerate(CHILDREN)
                  if any(t == t2 and e2 < e for t2, _, e2, _ in CHILDREN[:i]))
    trained = sum(1 for *_, failed in CHILDREN if not failed)
    assert repeats == 1 and report["all"]["n"] == trained - repeats
    assert report["all"]["mae"] == pytest.approx(PREDICTION_OFFSET)


def test_report_shows_the_numbers_of_predictor_report(logs):
    numbers = _predictor_report(logs)
    result = CliRunner().invoke(main, ["report", "--logs-dir", str(logs),
                                       "--output", str(logs / "r.html")])
    assert result.exit_code == 0, result.output
    page = (logs / "r.html").read_text()
    assert "out-of-sample" in page and "pearson" not in page.lower()
    for row in numbers["epochs"] + [{"epoch": "all", **numbers["all"]}]:
        assert _cells(row["epoch"], row["n"], row["mae"], row["tau"]) in page


def test_status_and_plot_score_the_same_children(logs):
    numbers = _predictor_report(logs)
    records = read_log(logs / "event1" / LOG_FILE)
    for row in numbers["epochs"]:
        status = epoch_quality(records, row["epoch"])
        assert status["predictor_n"] == row["n"]
        assert status["predictor_mae"] == pytest.approx(row["mae"])
        assert status["predictor_tau"] == row["tau"]
    predicted, actual, _ = scatter_data(load_event(logs))
    assert len(predicted) == numbers["all"]["n"]
