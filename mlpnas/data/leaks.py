"""Label leaks and held-out twins, judged on the training split only. No TensorFlow.

- exact leaks (dropped): a column whose value determines the label, or a column the label
  determines (a coarsened copy of it, e.g. a score's band when the score is the label).
  NaN is a value of its own; a value group testifies only with LEAK_MIN_GROUP rows, and such
  groups must cover LEAK_MIN_COVERAGE of the training rows.
- suspected leaks (kept, with the evidence): a column that alone predicts the label almost
  perfectly in a cross-validation on the training rows.
- regression targets: a numeric column whose rank correlation with the target is
  LEAK_REGRESSION_RANK_CORR or more reproduces it (a monotone function of the target), and
  a column whose values split the sorted target into contiguous bands (each of at least
  LEAK_MIN_GROUP rows) is a coarsened copy of it: both dropped. A column whose value groups
  alone reach LEAK_REGRESSION_NEAR_R2 cross-validated R^2 is a suspected leak.
- twins: validation and test rows that repeat a training row (features and label), so a
  user knows how optimistic held-out accuracy is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import CONSTANTS as C


def codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column's values, NaN as a value of its own."""
    return pd.factorize(values, use_na_sentinel=False)[0]


def _determines(a: np.ndarray, b: np.ndarray, min_group: int, coverage: float) -> bool:
    """True when a's value fixes b's, with enough rows in big enough groups of a to say so."""
    groups, counts = np.unique(a, return_counts=True)
    if len(groups) < 2 or len(np.unique(b)) < 2:
        return False
    pairs = len(np.unique(np.stack([a, b]), axis=1).T)
    if pairs != len(groups):
        return False
    return counts[counts >= min_group].sum() >= coverage * len(a)


def exact_leaks(train: pd.DataFrame, label: str, features: list,
                min_group: int = C.LEAK_MIN_GROUP,
                coverage: float = C.LEAK_MIN_COVERAGE) -> dict[str, str]:
    """{column: why} for columns that determine the label or that the label determines."""
    y = codes(train[label])
    found = {}
    for col in features:
        x = codes(train[col])
        if _determines(x, y, min_group, coverage):
            found[col] = "determines the label exactly"
        elif _determines(y, x, min_group, coverage):
            found[col] = "is determined by the label (a coarsened copy of it)"
    return found


@dataclass(frozen=True)
class SuspectedLeak:
    """A column that alone predicts the label almost perfectly (cross-validated)."""

    column: str
    accuracy: float
    majority: float

    def message(self, label: str) -> str:
        """The warning, with its evidence."""
        return (f"suspected label leak: column {self.column!r} alone predicts {label!r} with "
                f"{self.accuracy:.3f} cross-validated accuracy on the training rows (the "
                f"majority class alone: {self.majority:.3f}); kept - if it is computed from "
                "the label or recorded after it, remove it from the CSV")


def _group_majority(x_fit: np.ndarray, y_fit: np.ndarray, x_new: np.ndarray, min_group: int,
                    fallback: int) -> np.ndarray:
    """Predict each value code's most common label (groups under min_group: the fallback)."""
    n_codes, n_classes = int(max(x_fit.max(), x_new.max())) + 1, int(y_fit.max()) + 1
    table = np.bincount(x_fit * n_classes + y_fit, minlength=n_codes * n_classes)
    table = table.reshape(n_codes, n_classes)
    best = np.where(table.sum(axis=1) >= min_group, table.argmax(axis=1), fallback)
    return best[x_new]


def _folds(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """A fold number per row, stratified by class, seeded."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=int)
    for cls in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == cls))
        fold[idx] = np.arange(len(idx)) % k
    return fold


def single_column_accuracy(x: np.ndarray, y: np.ndarray, seed: int,
                           min_group: int = C.LEAK_MIN_GROUP) -> float:
    """Cross-validated accuracy of predicting y from one column's value codes alone
    (each value's majority label in the other folds; rare values: the majority class)."""
    k = min(C.LEAK_CV_FOLDS, int(np.bincount(y).min()))
    fold = _folds(y, k, seed)
    right = 0
    for f in range(k):
        fit, test = fold != f, fold == f
        fallback = int(np.bincount(y[fit]).argmax())
        right += int((_group_majority(x[fit], y[fit], x[test], min_group, fallback)
                      == y[test]).sum())
    return right / len(y)


def value_codes(values: pd.Series, numeric: bool, min_group: int = C.LEAK_MIN_GROUP,
                levels: int = C.LEAK_CV_MAX_LEVELS) -> np.ndarray:
    """Codes for the leak check: categories as they are; numbers with more distinct values
    than bins in quantile bins (at most `levels`, and few enough that a bin holds about
    4 * min_group rows); NaN and inf a code of their own."""
    if not numeric:
        return codes(values)
    floats = values.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(floats)
    bins = max(2, min(levels, int(finite.sum()) // (4 * min_group)))
    if len(np.unique(floats[finite])) > bins:
        edges = np.unique(np.quantile(floats[finite], np.linspace(0, 1, bins + 1)[1:-1]))
        floats = np.where(finite, np.searchsorted(edges, floats, side="right"), floats)
    return codes(pd.Series(floats))


def suspected_leaks(train: pd.DataFrame, y: np.ndarray, numeric: dict[str, bool], seed: int,
                    min_group: int = C.LEAK_MIN_GROUP) -> list[SuspectedLeak]:
    """Columns that alone predict the label almost perfectly in a training cross-validation.

    `numeric` maps each column to check to whether it is numeric (then binned, see
    `value_codes`) or not.
    """
    if len(y) > C.LEAK_CV_MAX_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(len(y), C.LEAK_CV_MAX_ROWS, False))
        train, y = train.iloc[keep], y[keep]
    if np.bincount(y).min() < 2:
        return []
    majority = float(np.bincount(y).max() / len(y))
    found = []
    for col, is_numeric in numeric.items():
        x = value_codes(train[col], is_numeric, min_group)
        if len(np.unique(x)) < 2:
            continue
        acc = single_column_accuracy(x, y, seed, min_group)
        if acc >= C.LEAK_NEAR_MIN_ACCURACY and (1 - acc) <= (1 - C.LEAK_NEAR_ERROR_REDUCTION) * (
                1 - majority):
            found.append(SuspectedLeak(col, acc, majority))
    return found


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (0 when either side is constant)."""
    rx, ry = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def _is_band(x: np.ndarray, y: np.ndarray, min_group: int) -> bool:
    """True when x's values cut the sorted target into contiguous bands of min_group rows."""
    groups, counts = np.unique(x, return_counts=True)
    if len(groups) < 2 or counts.min() < min_group:
        return False
    ordered = x[np.argsort(y, kind="stable")]
    return int(np.sum(ordered[1:] != ordered[:-1])) == len(groups) - 1


def target_copies(train: pd.DataFrame, y: np.ndarray, kinds: dict, skip: dict = (),
                  min_group: int = C.LEAK_MIN_GROUP) -> dict[str, str]:
    """{column: why} for columns that reproduce a regression target or band it."""
    found = {}
    for col, kind in kinds.items():
        if col in skip:
            continue
        if kind != "categorical":
            values = pd.to_numeric(train[col], errors="coerce").to_numpy(dtype="float64")
            ok = np.isfinite(values)
            if ok.mean() >= C.LEAK_MIN_COVERAGE and abs(_rank_correlation(
                    values[ok], y[ok])) >= C.LEAK_REGRESSION_RANK_CORR:
                found[col] = "reproduces the target (rank correlation with it is 1)"
                continue
        if _is_band(codes(train[col]), y, min_group):
            found[col] = "bands the target (a coarsened copy of it)"
    return found


def single_column_r2(x: np.ndarray, y: np.ndarray, seed: int,
                     min_group: int = C.LEAK_MIN_GROUP) -> float:
    """Cross-validated R^2 of predicting y from one column's value codes alone (each value's
    mean target in the other folds; rare values: the overall mean)."""
    fold = np.random.default_rng(seed).permutation(len(y)) % C.LEAK_CV_FOLDS
    predicted = np.empty(len(y))
    n_codes = int(x.max()) + 1
    for f in range(C.LEAK_CV_FOLDS):
        fit, test = fold != f, fold == f
        sums = np.bincount(x[fit], weights=y[fit], minlength=n_codes)
        counts = np.bincount(x[fit], minlength=n_codes)
        means = np.where(counts >= min_group, sums / np.maximum(counts, 1), y[fit].mean())
        predicted[test] = means[x[test]]
    spread = np.sum((y - y.mean()) ** 2)
    return float(1 - np.sum((predicted - y) ** 2) / spread) if spread > 0 else 0.0


@dataclass(frozen=True)
class SuspectedTargetLeak:
    """A column that alone predicts a regression target almost perfectly (cross-validated)."""

    column: str
    accuracy: float  # the cross-validated R^2 (named like SuspectedLeak's score)

    def message(self, label: str) -> str:
        """The warning, with its evidence."""
        return (f"suspected label leak: column {self.column!r} alone predicts {label!r} with "
                f"{self.accuracy:.3f} cross-validated R^2 on the training rows; kept - if it "
                "is computed from the label or recorded after it, remove it from the CSV")


def suspected_regression_leaks(train: pd.DataFrame, y: np.ndarray, numeric: dict[str, bool],
                               seed: int, min_group: int = C.LEAK_MIN_GROUP
                               ) -> list[SuspectedTargetLeak]:
    """Columns whose value groups alone predict a regression target almost perfectly."""
    if len(y) > C.LEAK_CV_MAX_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(len(y), C.LEAK_CV_MAX_ROWS, False))
        train, y = train.iloc[keep], y[keep]
    found = []
    for col, is_numeric in numeric.items():
        x = value_codes(train[col], is_numeric, min_group)
        if len(np.unique(x)) < 2:
            continue
        r2 = single_column_r2(x, np.asarray(y, "float64"), seed, min_group)
        if r2 >= C.LEAK_REGRESSION_NEAR_R2:
            found.append(SuspectedTargetLeak(col, r2))
    return found


def _row_keys(x: np.ndarray, y: np.ndarray) -> list[bytes]:
    rows = np.ascontiguousarray(np.column_stack([x.astype("float64"), y.astype("float64")]))
    return [row.tobytes() for row in rows]


def twin_counts(x_train: np.ndarray, y_train: np.ndarray,
                held_out: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, int]:
    """Per held-out split, how many rows repeat a training row exactly (features and label)."""
    seen = set(_row_keys(x_train, y_train))
    return {name: sum(key in seen for key in _row_keys(x, y)) for name, (x, y) in held_out.items()}
