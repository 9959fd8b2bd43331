"""What the label is: a class to pick or a number to predict (`--task`). No TensorFlow.

Regression: children see the target standardized with the training split's mean and
standard deviation; every figure a user reads is in the label's own units.

The reward of a regression child (LogEntry.val_accuracy, larger is better) is its
validation R^2 clipped to [0, 1]: 1 is a perfect fit, 0 is no better than predicting the
mean (the worst reward, shared with failed children), so the controller, the accuracy
predictor and every analysis keep the bounded, larger-is-better score they expect. The
unclipped R^2 and the RMSE and MAE in the label's units are logged beside it.

`--task auto`: a label whose values are all numbers (missing values aside) and that has
more than TASK_AUTO_MAX_CLASSES distinct values is a regression target; anything else is
classified. A numeric label with a few distinct values (e.g. grades 3-9) is classified
with a hint to pass `--task regression`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import CONSTANTS as C
from mlpnas.errors import NasError

REGRESSION = "regression"
CLASSIFICATION = "classification"
METRIC = "R^2"  # the reward's name in regression events


def as_numbers(values: pd.Series) -> pd.Series:
    """The label as floats (words, inf -> NaN)."""
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))


def choose_task(values: pd.Series, label: str, task: str = "auto") -> tuple[str, str]:
    """(task, the reason shown on the search's first line) for the label's non-missing values."""
    if task not in C.TASKS:
        raise NasError(f"unknown task {task!r}; choose one of: {', '.join(C.TASKS)}")
    numbers = as_numbers(values)
    numeric = bool(numbers.notna().all())
    distinct = int(values.nunique())
    if task == REGRESSION:
        return task, f"--task regression: label {label!r} predicted as a number"
    if task == CLASSIFICATION:
        return task, f"--task classification: label {label!r} has {distinct} classes"
    if numeric and distinct > C.TASK_AUTO_MAX_CLASSES:
        return REGRESSION, (f"auto: label {label!r} is numeric with {distinct} distinct values "
                            f"(more than {C.TASK_AUTO_MAX_CLASSES}); --task classification "
                            "to classify it")
    why = "is not numeric" if not numeric else f"has only {distinct} distinct values"
    hint = ("; to predict it as a number pass --task regression"
            if numeric and distinct > 2 else "")
    return CLASSIFICATION, f"auto: label {label!r} {why}, {distinct} classes{hint}"


def regression_target(values: pd.Series, label: str) -> np.ndarray:
    """The label as float64; one-line errors for words and for a constant target."""
    numbers = as_numbers(values)
    bad = values[numbers.isna()]
    if len(bad):
        shown = ", ".join(repr(v) for v in bad.astype(str).unique()[:3])
        raise NasError(f"label {label!r} has {len(bad)} value(s) that are not finite numbers "
                       f"({shown}); --task regression needs numbers (or use --task "
                       "classification)")
    y = numbers.to_numpy(dtype="float64")
    if np.ptp(y) == 0:
        raise NasError(f"label {label!r} is constant ({y[0]:g} in every row): nothing to "
                       "predict")
    if len(y) < C.REGRESSION_MIN_ROWS:
        raise NasError(f"label {label!r} has {len(y)} rows; a regression search needs at "
                       f"least {C.REGRESSION_MIN_ROWS}")
    return y


def strata(y: np.ndarray) -> np.ndarray:
    """Quantile bin of every target value, for a split stratified on the target."""
    bins = max(1, min(C.REGRESSION_STRATA, len(y) // C.REGRESSION_ROWS_PER_STRATUM))
    edges = np.unique(np.quantile(y, np.linspace(0, 1, bins + 1)[1:-1]))
    return np.searchsorted(edges, y, side="right")


def metrics(predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """RMSE, MAE (in the units of the inputs) and R^2 of predictions."""
    predicted = np.asarray(predicted, "float64").ravel()
    actual = np.asarray(actual, "float64").ravel()
    err = predicted - actual
    spread = float(np.sum((actual - actual.mean()) ** 2))
    r2 = 1.0 - float(np.sum(err ** 2)) / spread if spread > 0 else 0.0
    return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err))),
            "r2": r2}


def reward(r2: float) -> float:
    """The search's score of a regression child: R^2 clipped to [0, 1]."""
    return float(min(1.0, max(0.0, r2)))


def describe_metrics(m: dict, digits: int = 4) -> str:
    """'RMSE 52.1, MAE 41.3, R^2 0.4521'."""
    return f"RMSE {m['rmse']:.{digits}g}, MAE {m['mae']:.{digits}g}, R^2 {m['r2']:.4f}"
