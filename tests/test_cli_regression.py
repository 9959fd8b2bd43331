"""Regression targets through the command line: which task a label gets, bad targets, the
target-copy leak check, a search, its analysis, export and predict in the label's units.

The `data_only` fixture (conftest) stops `nas search` right after the data is loaded.
"""

from __future__ import annotations

import json
import pickle
import re

import numpy as np
import pandas as pd
import pytest

import CONSTANTS as C
from cli import main


def numeric_frame(n: int = 120, seed: int = 0, offset: float = 1000.0) -> pd.DataFrame:
    """Two informative columns, a categorical one, and a numeric label far from 0."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    colour = rng.choice(["red", "green"], n)
    y = offset + 10 * (3 * a - 2 * b + (colour == "red")) + rng.normal(scale=2, size=n)
    return pd.DataFrame({"a": a, "b": b, "colour": colour, "y": y})


def test_auto_picks_regression_for_a_many_valued_number_and_says_why_first(data_only):
    frame = numeric_frame()
    frame.loc[[3, 50, 77], "y"] = np.nan
    code, lines, data = data_only(frame)
    assert code == 1 and data is not None
    assert lines[0].startswith("task: regression (auto: label 'y' is numeric with 117 distinct")
    assert any("dropped 3 row(s) with no value in label 'y'" in line for line in lines)
    assert data.task == "regression" and data.n_classes == 1
    assert len(data.y_train) + len(data.y_val) + len(data.y_test) == 117
    # standardized with training statistics; reported figures in the label's units
    assert abs(float(data.y_train.mean())) < 1e-5 and abs(float(data.y_train.std()) - 1) < 1e-5
    assert abs(data.preprocessing.target_mean - 1000) < 10
    assert any(re.search(r"predicting the training mean: validation RMSE \d", line)
               for line in lines)
    # the split is stratified on the target: every quantile bin lands in every split
    assert data.in_target_units(data.y_test).min() < 990 < 1010 < data.in_target_units(
        data.y_test).max()


def test_a_small_set_of_integers_is_classified_with_a_hint(data_only):
    frame = numeric_frame()
    frame["y"] = np.digitize(frame["y"], [985, 995, 1005, 1015])  # grades 0..4
    code, lines, data = data_only(frame)
    assert data.task == "classification" and data.n_classes == 5
    assert lines[0].startswith("task: classification (auto: label 'y' has only 5 distinct")
    assert "pass --task regression" in lines[0]
    code, lines, data = data_only(frame, "--task", "regression")
    assert data.task == "regression" and lines[0].startswith("task: regression (--task")


@pytest.mark.parametrize("label, task, message", [
    ([7.5] * 40, "regression", "label 'y' is constant (7.5 in every row): nothing to predict"),
    (["x", "y"] * 20, "regression", "label 'y' has 40 value(s) that are not finite numbers"),
])
def test_bad_regression_targets_are_one_line_errors(data_only, tmp_path, label, task, message):
    frame = numeric_frame(40).assign(y=label)
    code, lines, data = data_only(frame, "--task", task)
    assert code == 1 and data is None
    assert lines[-1] == f"Error: {message}" or lines[-1].startswith(f"Error: {message}")
    assert not (tmp_path / "LOGS").exists()


def test_columns_that_reproduce_or_band_the_target_are_dropped(data_only):
    frame = numeric_frame(200)
    frame["copy"] = np.log(frame["y"])  # a monotone function of the target
    frame["band"] = pd.cut(frame["y"], [0, 990, 1010, 2000], labels=["lo", "mid", "hi"])
    code, lines, data = data_only(frame, "--label", "y")
    dropped = data.preprocessing.dropped_columns
    assert set(dropped) == {"copy", "band"}
    assert "reproduces the target" in dropped["copy"] and "bands the target" in dropped["band"]
    assert data.preprocessing.feature_columns == ["a", "b", "colour"]


def _run(runner, *args):
    result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output + result.stderr
    return result


@pytest.fixture
def regression_csv(tmp_path):
    path = tmp_path / "r.csv"
    numeric_frame().to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_search_export_predict_round_trip_in_the_label_units(runner, tmp_path, regression_csv):
    logs = tmp_path / "LOGS"
    res = _run(runner, "search", "--dataset", regression_csv, "--strategy", "random",
               "--controller-epochs", 1, "--samples-per-epoch", 1, "--child-epochs", 2,
               "--logs-dir", logs)
    assert "val_R^2" in res.stdout and "best child's test R^2" in res.stdout
    entries = pickle.loads((logs / "event1" / "nas_data.pkl").read_bytes())
    for _, score, _, meta in entries:
        assert 0.0 <= score <= 1.0 and score == max(0.0, min(1.0, meta["val_r2"]))
        assert meta["val_rmse"] > 0 and meta["layers"][-1] == "(1, 'linear')"

    model = tmp_path / "m.keras"
    res = _run(runner, "export", "--logs-dir", logs, "--output", model, "--no-all-rows")
    found = re.search(r"test RMSE ([\d.e+-]+), MAE [\d.e+-]+, R\^2 ([-\d.]+) \((\d+) rows; "
                      r"predicting the training mean: RMSE ([\d.e+-]+)", res.stdout)
    assert found, res.stdout
    rmse, rows = float(found.group(1)), int(found.group(3))

    from mlpnas.data.tabular import stratified_split
    from mlpnas.data.target import strata

    frame = pd.read_csv(regression_csv)
    test_rows = frame.iloc[stratified_split(strata(frame["y"].to_numpy()), C.SEED)[2]]
    assert len(test_rows) == rows
    new = tmp_path / "new.csv"
    test_rows.drop(columns="y").to_csv(new, index=False)
    res = _run(runner, "predict", "--model", model, "--data", new)
    predicted = pd.read_csv(pd.io.common.StringIO(res.stdout))["predicted_y"].to_numpy(float)
    # the figure export printed is what the predictions score in the label's own units
    actual = test_rows["y"].to_numpy(float)
    assert np.sqrt(np.mean((predicted - actual) ** 2)) == pytest.approx(rmse, rel=1e-3)
    res = runner.invoke(main, ["predict", "--model", str(model), "--data", str(new), "--proba"])
    assert res.exit_code == 1 and "--proba needs a classifier" in res.stderr


@pytest.mark.slow
def test_analysis_of_a_regression_event_names_r2_and_the_mean_baseline(runner, tmp_path,
                                                                      regression_csv):
    logs = tmp_path / "LOGS"
    _run(runner, "search", "--dataset", regression_csv, "--space", "mlp", "--strategy",
         "random", "--controller-epochs", 1, "--samples-per-epoch", 5, "--child-epochs", 1,
         "--max-layers", 3, "--logs-dir", logs)
    res = _run(runner, "top-n", 3, "--logs-dir", logs)
    assert "validation R^2, predicting the training mean: RMSE" in res.stdout.splitlines()[0]
    assert re.match(r"\s+1\. R\^2 [\d.]+  RMSE [\d.e+-]+  MAE ", res.stdout.splitlines()[1])
    rows = json.loads(_run(runner, "top-n", 3, "--json", "--logs-dir", logs).stdout)
    assert {"val_rmse", "val_mae", "val_r2"} <= set(rows[0])
    res = _run(runner, "events", "--logs-dir", logs)
    assert "R2 " in res.stdout and "mean " in res.stdout
    res = _run(runner, "analyze", "--logs-dir", logs)
    assert "effect = mean R^2 with the value" in res.stdout
    res = _run(runner, "compare", 1, "--logs-dir", logs)
    assert "R^2" in res.stdout
    html = (tmp_path / "r.html")
    _run(runner, "report", "--logs-dir", logs, "--output", html)
    text = html.read_text()
    for phrase in ("best validation R^2", "predicting the training mean: RMSE", "RMSE</th>",
                   "R^2 distribution", "test R^2 of the best child"):
        assert phrase in text, phrase
    assert "majority-class" not in text
    for command in ("plot-accuracy", "plot-distribution"):
        out = tmp_path / f"{command}.png"
        _run(runner, command, "--logs-dir", logs, "--output", out)
        assert out.stat().st_size > 1000
