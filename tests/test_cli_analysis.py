"""The analysis commands through the CLI: output, errors, MLPNAS logs, no TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli import main
from tests.helpers.fixture_logs import CHILDREN, write_event

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def logs(tmp_path):
    write_event(tmp_path / "logs")
    write_event(tmp_path / "logs", CHILDREN[:4] + CHILDREN[5:6], strategy="rl")
    return tmp_path / "logs"


def test_plot_distribution_prints_the_png_path(runner, logs):
    result = runner.invoke(main, ["plot-distribution", "--logs-dir", str(logs), "--event", "1"])
    assert result.exit_code == 0, result.output
    assert Path(result.output.strip()) == logs / "event1" / "distribution.png"
    assert Path(result.output.strip()).stat().st_size > 0


def test_analyze_json_and_table(runner, logs, tmp_path):
    args = ["analyze", "--logs-dir", str(logs), "--event", "1", "--output",
            str(tmp_path / "h.png")]
    data = json.loads(runner.invoke(main, args + ["--json"]).output)
    assert data["plot"] == str(tmp_path / "h.png") and Path(data["plot"]).exists()
    [units64] = [r for r in data["effects"] if r["choice"] == "units" and r["value"] == 64]
    assert units64["mean"] == pytest.approx(0.82)
    table = runner.invoke(main, args).output.splitlines()
    assert table[-1] == str(tmp_path / "h.png")
    assert any(line.split()[:3] == ["units", "64", "5"] for line in table)


def test_compare_orders_events_as_given(runner, logs, tmp_path):
    args = ["compare", "2", "event1", "--logs-dir", str(logs), "--output",
            str(tmp_path / "c.png")]
    data = json.loads(runner.invoke(main, args + ["--json"]).output)
    assert [r["event"] for r in data["events"]] == ["event2", "event1"]
    lines = runner.invoke(main, args).output.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["event2", "event1"]
    assert (tmp_path / "c.png").exists()


def test_report_prints_the_html_path(runner, logs):
    result = runner.invoke(main, ["report", "--logs-dir", str(logs), "--event", "1"])
    assert result.exit_code == 0, result.output
    assert Path(result.output.strip()).read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("command", [["plot-distribution"], ["analyze"], ["compare", "1"],
                                     ["report"]])
def test_too_few_children_is_a_one_line_error(runner, tmp_path, command):
    write_event(tmp_path, [CHILDREN[6]])  # one child, and it failed
    result = runner.invoke(main, command + ["--logs-dir", str(tmp_path)])
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert "event1 has 0 trained children" in line and "needs at least" in line
    assert "Traceback" not in result.output


def test_commands_work_on_mlpnas_logs(runner, mlpnas_logs, tmp_path):
    base = ["--logs-dir", str(mlpnas_logs)]
    for args in (["plot-distribution", "--event", "1051"], ["analyze", "--event", "1051"],
                 ["compare", "1051", "3868"], ["report", "--event", "1051"]):
        out = tmp_path / (f"{args[0]}.html" if args[0] == "report" else f"{args[0]}.png")
        result = runner.invoke(main, args + base + ["--output", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
        if args[0] == "compare":  # event3868's entries are sorted by accuracy
            assert "event3868 is sorted by accuracy" in result.stderr


def test_unknown_image_format_is_a_one_line_error(runner, logs, tmp_path):
    result = runner.invoke(main, ["plot-distribution", "--logs-dir", str(logs), "--output",
                                  str(tmp_path / "plot.txt")])
    assert result.exit_code == 1 and "is not supported" in result.stderr


@pytest.mark.slow
def test_analysis_commands_do_not_import_tensorflow(logs, tmp_path):
    code = f"""
import sys
from cli import main
for args in (["plot-distribution"], ["analyze", "--json"], ["compare", "1", "2"], ["report"]):
    main(args + ["--logs-dir", {str(logs)!r}], standalone_mode=False)
print("LOADED", sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout


def test_analyze_shows_the_policy_updates_from_status_json(runner, logs, tmp_path):
    status = {"status": "finished", "epochs": [
        {"epoch": 0, "kl": 0.012, "entropy": 1.5, "distinct": 10.0, "mean_reward": 0.7},
        {"epoch": 1, "kl": 0.034, "entropy": 1.2, "distinct": 19.0, "mean_reward": 0.8}]}
    (logs / "event1" / "status.json").write_text(json.dumps(status))
    args = ["analyze", "--logs-dir", str(logs), "--event", "1", "--output",
            str(tmp_path / "h.png")]
    data = json.loads(runner.invoke(main, args + ["--json"]).output)
    assert [(r["epoch"], r["kl"], r["distinct"]) for r in data["policy"]] == [
        (0, 0.012, 10.0), (1, 0.034, 19.0)]
    table = runner.invoke(main, args).output.splitlines()
    header = next(i for i, line in enumerate(table) if line.split()[:2] == ["epoch", "kl"])
    assert table[header + 2].split()[:2] == ["1", "0.034"]
    assert "distinct" in table[header]
