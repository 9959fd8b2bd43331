"""nas events: every event with its progress and status, fast (no TensorFlow)."""

from __future__ import annotations

import json
import subprocess
import sys

from mlpnas import storage
from mlpnas.storage import names
from tests.helpers import ROOT


def make_event(root, n, status, children=3, budget=4, failed=()):
    path = root / f"event{n}"
    path.mkdir(parents=True)
    entries = [[[1, 30], 0.5 + i / 10, None, {"failed": i in failed}] for i in range(children)]
    storage.write_pickle_atomic(path / names.LOG_FILE, entries)
    storage.write_json_atomic(path / names.CONFIG_FILE, {
        "dataset": {"name": "wine", "majority_rate": 0.4}, "space": "mlp", "strategy": "rl",
        "budget": budget})
    storage.write_json_atomic(path / names.STATUS_FILE, {"status": status})
    return path


def test_events_statuses_and_best(tmp_path, runner):
    import cli

    root = tmp_path / "L"
    make_event(root, 1, "finished", children=4, failed=(3,))
    running = make_event(root, 2, "running")
    make_event(root, 3, "running")  # nobody holds its lock: the process was killed
    make_event(root, 4, "interrupted")
    make_event(root, 10, "failed", children=0)
    held = storage.lock_event(running)
    try:
        result = runner.invoke(cli.main, ["events", "--logs-dir", str(root), "--json"])
    finally:
        held.close()
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["event"] for r in rows] == [1, 2, 3, 4, 10]
    assert [r["status"] for r in rows] == ["finished", "running", "interrupted", "interrupted",
                                           "failed"]
    assert rows[0]["best_val_accuracy"] == 0.7 and rows[0]["children"] == 4
    assert rows[4]["best_val_accuracy"] is None
    assert rows[1]["dataset"] == "wine" and rows[1]["budget"] == 4
    table = runner.invoke(cli.main, ["events", "--logs-dir", str(root)]).output.splitlines()
    assert table[0].split()[-2:] == ["baseline", "status"]
    assert table[1].split() == ["1", "wine", "mlp", "rl", "4/4", "0.7000", "0.4000", "finished"]


def test_events_without_events(tmp_path, runner):
    import cli

    result = runner.invoke(cli.main, ["events", "--logs-dir", str(tmp_path)])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.strip() == f"no events in {tmp_path} yet: `nas search` writes one there"
    as_json = runner.invoke(cli.main, ["events", "--logs-dir", str(tmp_path), "--json"])
    assert as_json.exit_code == 0 and json.loads(as_json.stdout) == []


def test_events_does_not_import_tensorflow(tmp_path):
    make_event(tmp_path / "L", 1, "finished")
    code = ("import sys, cli; from click.testing import CliRunner; "
            f"r = CliRunner().invoke(cli.main, ['events', '--logs-dir', {str(tmp_path / 'L')!r}]);"
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')];"
            "print(r.exit_code, heavy)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120).stdout
    assert out.strip() == "0 []"
