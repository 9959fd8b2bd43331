"""Shared fixtures: tiny data sets, the shipped wine file, shared test logs, a CLI runner."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest

from tests.helpers import ROOT, SHARED_DATASETS
from tests.helpers.frames import make_frame

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def wine_csv() -> Path:
    """The wine-quality CSV that ships in DATASETS/ (CC BY 4.0, see DATASETS/README.md)."""
    path = ROOT / "DATASETS" / "wine-quality.csv"
    assert path.is_file(), "DATASETS/wine-quality.csv ships with the repository"
    return path


@pytest.fixture
def mlpnas_logs() -> Path:
    """Logs written by the original MLPNAS code; skip when absent."""
    path = SHARED_DATASETS / "mlpnas-logs"
    if not path.is_dir():
        pytest.skip("../shared/datasets/mlpnas-logs not present")
    return path


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """A small CSV with a saved pandas index column in front."""
    path = tmp_path / "tiny.csv"
    make_frame().to_csv(path)
    return path


@pytest.fixture
def runner():
    """click's CliRunner (stderr kept apart from stdout)."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 always separates them
        return CliRunner()


@pytest.fixture
def data_only(monkeypatch, tmp_path, runner):
    """Run `nas search` up to the search loop: run(frame or None, *args) -> (exit code,
    stderr lines, dataset); a frame is written to d.csv and passed as --dataset."""
    seen = {}

    class StubSearch:
        def __init__(self, config, dataset, **_):
            seen["data"] = dataset
            from mlpnas.errors import NasError

            raise NasError("stub: data loaded")

    stub = types.ModuleType("mlpnas.search.loop")
    stub.MLPNAS = StubSearch
    monkeypatch.setitem(sys.modules, "mlpnas.search.loop", stub)
    monkeypatch.chdir(tmp_path)

    def run(frame, *args: str):
        import cli

        if frame is not None:
            frame.to_csv(tmp_path / "d.csv", index=False)
            args = ("--dataset", "d.csv", *args)
        result = runner.invoke(cli.main, ["search", *args])
        assert "Traceback" not in result.stderr
        return result.exit_code, result.stderr.splitlines(), seen.get("data")

    return run
