"""bench/tabular_quality.py: its data sets, splits and table (the runs themselves are the bench)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import ROOT


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("tabular_quality",
                                                  ROOT / "bench" / "tabular_quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_set_has_categories_missing_values_and_three_classes(bench):
    frame, label = bench.load_frame("synthetic", Path("unused"))
    assert frame[label].nunique() == 3
    assert not pd.api.types.is_numeric_dtype(frame["color"])
    assert frame["color"].isna().mean() > 0.05
    assert frame["x0"].isna().any() and not frame["shape"].isna().any()
    assert frame.equals(bench.synthetic_frame())  # seeded


def test_split_is_stratified_80_20_and_seeded(bench):
    frame, label = bench.load_frame("iris", Path("unused"))
    train, test = bench.split(frame, label, seed=1)
    assert len(test) == 30 and len(train) == 120
    assert test[label].value_counts().tolist() == [10, 10, 10]
    again, _ = bench.split(frame, label, seed=1)
    other, _ = bench.split(frame, label, seed=2)
    assert train.index.equals(again.index) and not train.index.equals(other.index)


def test_trees_read_categories_and_missing_values(bench):
    frame, label = bench.load_frame("synthetic", Path("unused"))
    train, test = bench.split(frame, label, seed=1)
    out = bench.run_trees(train, test, label, seed=1)
    assert 0.5 < out["hgb"] <= 1 and 0.5 < out["rf"] <= 1  # chance is 1/3


def test_table_ends_with_the_mean_difference_to_gradient_boosting(bench, capsys):
    rows = [{"dataset": "iris", "seed": 1, "nas": 0.9, "hgb": 0.8, "rf": 0.85, "kt": 0.7},
            {"dataset": "wine", "seed": 1, "nas": 0.9, "hgb": 1.0, "rf": 0.95}]
    bench.print_table(rows)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "mean accuracy difference nas - HGB: +0.0000"
    assert lines[-2] == "mean accuracy difference nas - KerasTuner: +0.2000"
    assert any(line.startswith("ALL") and "0.900" in line for line in lines)
    assert np.isclose(float(lines[-1].split()[-1]), 0.0)
