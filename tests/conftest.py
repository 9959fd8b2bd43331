"""Shared fixtures: tiny data sets, paths to the shared test data, a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import SHARED_DATASETS
from tests.helpers.frames import make_frame

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def wine_csv() -> Path:
    """The user's wine-quality CSV (third-party data, never committed); skip when absent."""
    path = SHARED_DATASETS / "wine-quality.csv"
    if not path.exists():
        pytest.skip("../shared/datasets/wine-quality.csv not present")
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
