"""The import boundary: `nas --help`, every command's --help and every read-only command run
without importing TensorFlow, and so do the modules they and the search's bookkeeping use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT
from tests.helpers.fixture_logs import write_event

READ_ONLY = [["top-n", "3"], ["top-n", "3", "--json"], ["plot-accuracy"], ["plot-distribution"],
             ["analyze"], ["analyze", "--json"], ["compare", "1", "2"], ["report"],
             ["predictor-report"], ["plot-predictor"], ["events"], ["top-n", "--pareto"],
             ["plot-pareto"], ["compare", "1", "2", "--pareto", "--json"]]

# Modules without TensorFlow at import: the read path, and what the search writes through.
LIGHT_MODULES = ["mlpnas", "mlpnas.storage", "mlpnas.storage.writer", "mlpnas.storage.record",
                 "mlpnas.search", "mlpnas.search.checkpoint", "mlpnas.search.callbacks",
                 "mlpnas.testing", "mlpnas.analysis.summary", "mlpnas.analysis.report",
                 "mlpnas.analysis.predictor_quality", "mlpnas.spaces", "mlpnas.strategies.base",
                 "mlpnas.analysis.pareto", "mlpnas.analysis.fronts",
                 "mlpnas.strategies.objectives", "mlpnas.export_formats"]

CODE = """
import importlib, json, os, sys
from click.testing import CliRunner
from cli import main
logs, out = sys.argv[1], sys.argv[2]
runner, codes = CliRunner(), {}
codes["--help"] = runner.invoke(main, ["--help"]).exit_code
for name in main.commands:
    codes[name + " --help"] = runner.invoke(main, [name, "--help"]).exit_code
for args in json.loads(sys.argv[3]):
    extra = ["--output", os.path.join(out, args[0] + ".png")] if args[0].startswith("plot") else []
    if args[0] == "report":
        extra = ["--output", os.path.join(out, "report.html")]
    codes[" ".join(args)] = runner.invoke(main, args + ["--logs-dir", logs] + extra).exit_code
for module in json.loads(sys.argv[4]):
    importlib.import_module(module)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
print(json.dumps({"codes": codes, "heavy": heavy[:5]}))
"""


@pytest.mark.slow
def test_help_and_read_only_commands_never_import_tensorflow(tmp_path):
    logs = tmp_path / "LOGS"
    write_event(logs)
    write_event(logs, strategy="rl")
    run = subprocess.run([sys.executable, "-c", CODE, str(logs), str(tmp_path),
                          json.dumps(READ_ONLY), json.dumps(LIGHT_MODULES)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert {k: v for k, v in result["codes"].items() if v != 0} == {}
    assert len(result["codes"]) > len(READ_ONLY) + 10  # every command's --help was run
    assert result["heavy"] == []
