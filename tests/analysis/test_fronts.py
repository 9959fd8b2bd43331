"""The Pareto front of an event from its log: top-n --pareto, compare --pareto, plot-pareto;
logs without cost measures get one line (the report's section: test_report.py). No TF."""

from __future__ import annotations

import json
import math

import pytest

from mlpnas import storage
from mlpnas.storage import names
from tests.helpers.fixture_logs import FRONT_INDICES, write_event


@pytest.fixture
def logs(tmp_path):
    write_event(tmp_path / "LOGS")
    return tmp_path / "LOGS"


def test_top_n_pareto_lists_the_front_cheapest_first(logs, runner):
    import cli

    out = runner.invoke(cli.main, ["top-n", "--pareto", "--json", "--logs-dir", str(logs)])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["index"] for r in rows] == FRONT_INDICES
    assert [r["cost_value"] for r in rows] == [100, 300] and rows[0]["cost"] == "params"
    text = runner.invoke(cli.main, ["top-n", "--pareto", "--logs-dir", str(logs)]).output
    assert "Pareto front of validation score against params" in text
    assert text.index("params 100") < text.index("params 300")


def test_compare_pareto_places_one_reference_for_all_events(logs, runner):
    import cli

    write_event(logs, children=[([5, 30], 0.95, 0, False), ([9, 30], 0.2, 0, False)])
    out = runner.invoke(cli.main, ["compare", "1", "2", "--pareto", "--json", "--logs-dir",
                                   str(logs)])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    # Both events together: lowest score 0.2, highest cost 800 -> reference (0.2, 1600).
    assert summary["reference"] == {"val_accuracy": 0.2, "cost_value": 1600}
    first, second = summary["events"]
    assert first["front"] == 2 and second["front"] == 1  # (0.95, 100) beats (0.2, 200)
    assert first["smallest_near_best"] == {"val_accuracy": 0.9, "cost_value": 300}
    # Second event: one box, (0.95 - 0.2) x (log10 1600 - log10 100).
    assert second["hypervolume"] == pytest.approx(0.75 * (math.log10(1600) - 2))
    text = runner.invoke(cli.main, ["compare", "1", "2", "--pareto", "--logs-dir", str(logs)])
    assert "ratio to first" in text.output and "hypervolume" in text.output


def test_plot_pareto_writes_a_png_and_old_logs_get_one_line(logs, runner, tmp_path):
    import cli

    out = runner.invoke(cli.main, ["plot-pareto", "--logs-dir", str(logs), "--output",
                                   str(tmp_path / "front")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "front.png").read_bytes()[:4] == b"\x89PNG"
    path = logs / "event1" / names.LOG_FILE
    old = [[t, a, p, {k: v for k, v in m.items() if k != "params"}]
           for t, a, p, m in storage.read_raw_log(path)]
    storage.write_pickle_atomic(path, old)
    for args in (["plot-pareto"], ["top-n", "--pareto"]):
        out = runner.invoke(cli.main, args + ["--logs-dir", str(logs)])
        assert out.exit_code == 1
        assert "no trained children with a measured params" in out.output
        assert len(out.output.strip().splitlines()) == 1
