"""Predictor quality from logs: unseen children only, per epoch; old logs; CLI; plot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cli
from mlpnas.errors import NasError
from mlpnas.storage import normalize_entry, write_pickle_atomic
from mlpnas.storage.events import Event, load_event
from mlpnas.analysis.predictor_quality import epoch_quality, predictor_report, quality, unseen_flags

ROOT = Path(__file__).resolve().parents[2]


def _entry(tokens, acc, pred, epoch, failed=False):
    return [list(tokens), acc, pred, {"controller_epoch": epoch, "failed": failed}]


RAW = [
    _entry((1, 30), 0.60, 0.55, 0), _entry((2, 30), 0.70, 0.50, 0),
    _entry((3, 30), 0.65, 0.52, 0),
    _entry((1, 30), 0.61, 0.60, 1),  # seen in epoch 0: the predictor trained on it
    _entry((4, 30), 0.80, 0.75, 1), _entry((5, 30), 0.50, 0.58, 1),
    _entry((6, 30), 0.00, 0.70, 1, failed=True),  # no real accuracy
    _entry((7, 30), 0.72, 0.66, 1),
]


def _event(tmp_path: Path, raw=RAW) -> Event:
    folder = tmp_path / "event1"
    folder.mkdir()
    write_pickle_atomic(folder / "nas_data.pkl", raw)
    return load_event(tmp_path, 1)


def test_quality_mae_and_tau():
    q = quality([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.8, 0.7])
    assert q["n"] == 4 and q["mae"] == pytest.approx(0.4)
    assert q["tau"] == pytest.approx(4 / 6)
    assert quality([0.5, 0.5], [0.1, 0.2])["tau"] is None  # constant predictions
    assert quality([], [])["mae"] is None


def test_unseen_excludes_sequences_of_earlier_epochs_only():
    entries = [normalize_entry(i, e) for i, e in enumerate(RAW)]
    flags = unseen_flags(entries, np.array([e[3]["controller_epoch"] for e in RAW]))
    assert flags.tolist() == [True, True, True, False, True, True, True, True]


def test_report_scores_each_epoch_on_unseen_trained_children(tmp_path):
    report = predictor_report(_event(tmp_path))
    e0, e1 = report["epochs"]
    assert (e0["children"], e0["n"]) == (3, 3)
    assert e0["mae"] == pytest.approx(np.mean([0.05, 0.20, 0.13]))
    assert (e1["children"], e1["predicted"], e1["n"]) == (5, 5, 3)  # repeat and failure out
    assert e1["mae"] == pytest.approx(np.mean([0.05, 0.08, 0.06]))
    assert e1["tau"] == pytest.approx(1.0)
    assert report["all"]["n"] == 6
    records = [normalize_entry(i, e) for i, e in enumerate(RAW)]
    assert epoch_quality(records, 1)["predictor_mae"] == pytest.approx(e1["mae"])


def test_report_reads_mlpnas_logs_with_predictions(mlpnas_logs):
    report = predictor_report(load_event(mlpnas_logs, 1051))
    assert len(report["epochs"]) == 10  # epochs inferred: 10 children each
    assert report["all"]["n"] == 100 and report["notes"] == []
    sorted_log = predictor_report(load_event(mlpnas_logs, 3868))
    assert "sorted by accuracy" in sorted_log["notes"][0]


def test_report_of_a_log_without_predictions_is_a_clear_error(mlpnas_logs, runner, tmp_path):
    with pytest.raises(NasError, match="no predicted accuracies"):
        predictor_report(load_event(mlpnas_logs, 1265))
    raw = [[e[0], e[1]] for e in RAW]  # MLPNAS's two-field entries
    result = runner.invoke(cli.main, ["predictor-report", "--logs-dir", str(tmp_path)])
    assert result.exit_code != 0  # no events yet
    _event(tmp_path, raw)
    for command in ("predictor-report", "plot-predictor"):
        result = runner.invoke(cli.main, [command, "--logs-dir", str(tmp_path)])
        message = result.output + getattr(result, "stderr", "")
        assert result.exit_code == 1 and "no predicted accuracies" in message
        assert "Traceback" not in result.output


def test_cli_report_json_and_plot(runner, tmp_path):
    _event(tmp_path)
    result = runner.invoke(cli.main, ["predictor-report", "--logs-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["all"]["n"] == 6
    table = runner.invoke(cli.main, ["predictor-report", "--logs-dir", str(tmp_path)])
    assert table.exit_code == 0 and "all" in table.output and "tau" in table.output
    out = tmp_path / "pred.png"
    result = runner.invoke(cli.main, ["plot-predictor", "--logs-dir", str(tmp_path),
                                      "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_read_only_commands_do_not_import_tensorflow(mlpnas_logs, tmp_path):
    code = ("import sys, cli\n"
            "for args in (['predictor-report'], ['plot-predictor', '--output', sys.argv[2]]):\n"
            "    try:\n"
            "        cli.main(args + ['--logs-dir', sys.argv[1], '--event', '1051'])\n"
            "    except SystemExit as exc:\n"
            "        assert not exc.code, exc.code\n"
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code, str(mlpnas_logs), str(tmp_path / "p.png")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
