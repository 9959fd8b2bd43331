"""Depth is a visible choice in the mlp space: a search explores depths, analyze measures them."""

from __future__ import annotations

import functools
import json

import pytest

from mlpnas.testing import ScriptedTask, fake_train_child, no_test_score

pytest.importorskip("tensorflow")
from mlpnas.search import loop as search_mod  # noqa: E402


@pytest.mark.parametrize("strategy", ["rl", "random"])
def test_an_mlp_search_explores_every_depth_and_analyze_measures_them(
        runner, tmp_path, monkeypatch, strategy):
    import cli

    monkeypatch.setattr(search_mod, "MLPNAS", functools.partial(
        search_mod.MLPNAS, task=ScriptedTask(fake_train_child), test_task=no_test_score))
    logs = str(tmp_path)
    result = runner.invoke(cli.main, [
        "search", "--dataset", "iris", "--space", "mlp", "--strategy", strategy,
        "--max-layers", "5", "--controller-epochs", "2", "--samples-per-epoch", "12",
        "--logs-dir", logs])
    assert result.exit_code == 0, result.output
    analysis = runner.invoke(cli.main, ["analyze", "--json", "--logs-dir", logs])
    assert analysis.exit_code == 0, analysis.output
    effects = json.loads(analysis.output)["effects"]
    depths = {int(e["value"]): e["count"] for e in effects if e["choice"] == "depth"}
    # --max-layers 5 allows depths 1-4; uniform over sequences would give ~all depth 4.
    assert set(depths) == {1, 2, 3, 4}, depths
    assert max(depths.values()) <= 12, depths
