"""Tabular data: find and read the CSV, understand and clean it, split it, standardize it.
No TensorFlow.

Policies (docs/data.md has the details):
- an unnamed leading column (a saved pandas index) is dropped;
- rows whose label is missing are dropped, with a warning;
- missing-value spellings ('?', 'NA', 'N/A', 'null', '-', empty...) are missing values;
  infinities are treated as missing, with a warning naming the column; a column of numbers
  with a few stray words is numeric (the words read as missing, with a warning);
- ID-like and free-text columns are dropped, dates and times become one numeric feature
  each, categorical columns keep at most CATEGORY_MAX_LEVELS categories (mlpnas.data.columns);
- missing feature values are imputed with the training split's median (numeric) or most
  frequent value (categorical), with a warning; an all-missing column is an error;
- non-numeric features are one-hot encoded (categories seen in training);
- label leaks, judged on the training split only (mlpnas.data.leaks): a column that
  determines the label, or that the label determines, is dropped with a warning unless
  named in `keep_columns`; a column that alone predicts the label almost perfectly is
  kept, with a warning that gives the evidence;
- the task (mlpnas.data.target): classification, or regression of a numeric label, whose
  target is standardized with training statistics and whose leak check looks for columns
  that reproduce the target;
- one seeded train/validation/test split, stratified by class (regression: by quantile bin
  of the target); statistics come from train only;
  caveats when a held-out split is small or features outnumber training rows, and a count
  of held-out rows that repeat a training row.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

import CONSTANTS as C
from mlpnas.data import columns as cols
from mlpnas.data import leaks, target
from mlpnas.errors import NasError


class DataWarning(UserWarning):
    """A change made to the user's data (dropped column, imputed values...)."""


class DataNote(DataWarning):
    """How a column is read (dates as numbers, capped categories...): shown as a note."""


@dataclass
class Preprocessing:
    """Everything needed to turn raw rows into model inputs; JSON-serialisable.

    `kinds` names the columns read as dates or times (else numeric or categorical);
    `other` names the categorical columns with an "(other)" feature for the categories
    they do not keep.
    """

    label: str
    class_names: list
    feature_columns: list
    categorical: dict = field(default_factory=dict)
    impute: dict = field(default_factory=dict)
    encoded_names: list = field(default_factory=list)
    mean: list = field(default_factory=list)
    std: list = field(default_factory=list)
    dropped_columns: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    other: list = field(default_factory=list)
    task: str = "classification"
    target_mean: float = 0.0  # regression: model output * target_std + target_mean
    target_std: float = 1.0
    # "piecewise": after the standardized inputs, each numeric input with `bin_edges`
    # (keyed by its position among the encoded inputs) adds one input per quantile bin.
    numeric_encoding: str = "standard"
    bin_edges: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain-dict form (for dataset.json and exported models)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessing":
        """Inverse of to_dict."""
        return cls(**data)

    def _check_columns(self, frame: pd.DataFrame) -> None:
        missing = [c for c in self.feature_columns if c not in frame.columns]
        if missing:
            raise NasError(f"missing column(s) in the data: {', '.join(map(str, missing))}")

    def numbers(self, frame: pd.DataFrame, col: str) -> pd.Series:
        """A numeric, date or time column as floats (missing, inf, unparseable -> NaN)."""
        return cols.numeric_values(frame[col], self.kinds.get(col, "numeric"))

    def categories(self, frame: pd.DataFrame, col: str) -> pd.Series:
        """A categorical column as text, missing values imputed."""
        return cols.blank_missing(frame[col]).fillna(self.impute[col]).astype(str)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Impute and one-hot encode raw feature columns (before standardization)."""
        self._check_columns(frame)
        parts = []
        for col in self.feature_columns:
            if col in self.categorical:
                strings = self.categories(frame, col).to_numpy()
                onehot = strings[:, None] == np.asarray(self.categorical[col], dtype=object)
                if col in self.other:
                    onehot = np.column_stack([onehot, ~onehot.any(axis=1)])
                parts.append(onehot.astype("float32"))
            else:
                numbers = self.numbers(frame, col).fillna(self.impute[col])
                parts.append(numbers.to_numpy(dtype="float32")[:, None])
        return np.concatenate(parts, axis=1)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Model inputs for raw rows: encode, then standardize with training statistics
        (and add the piecewise-linear encoding, where the data set uses it)."""
        return self.inputs(self.encode(frame))

    def inputs(self, x: np.ndarray) -> np.ndarray:
        """Model inputs for encoded rows (`encode`): standardized with training statistics,
        then one input per quantile bin of each numeric input with `bin_edges`."""
        z = (x - np.asarray(self.mean, "float32")) / np.asarray(self.std, "float32")
        parts = [z.astype("float32")]
        for index, edges in self.bin_edges.items():
            parts.append(piecewise_linear(x[:, int(index)], np.asarray(edges, "float64")))
        return np.concatenate(parts, axis=1).astype("float32")

    def new_data_notes(self, frame: pd.DataFrame) -> list[str]:
        """One line per column of new rows that is read with a fallback (unseen categories,
        missing or unreadable values), saying how many rows and what was done."""
        self._check_columns(frame)
        notes = []
        for col in self.feature_columns:
            if col in self.categorical:
                present = cols.blank_missing(frame[col]).dropna().astype(str)
                unseen = present[~present.isin(self.categorical[col])]
                if len(unseen) and col not in self.other:
                    shown = ", ".join(repr(v) for v in unseen.unique()[:3])
                    notes.append(f"column {col!r}: {len(unseen)} row(s) with a category not seen "
                                 f"in training ({shown}): encoded as no category")
                missing = len(frame) - len(present)
            else:
                missing = int(self.numbers(frame, col).isna().sum())
            if missing:
                notes.append(f"column {col!r}: {missing} missing or unreadable value(s) imputed "
                             f"with {self.impute[col]!r}")
        return notes


def piecewise_linear(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """One column per bin [edges[i], edges[i+1]]: 0 below the bin, 1 above it, and the
    position within it in between (Gorishniy et al. 2022, piecewise linear encoding)."""
    lo, hi = edges[:-1], edges[1:]
    return np.clip((np.asarray(values, "float64")[:, None] - lo) / (hi - lo), 0.0, 1.0)


def piecewise_bins(rows: int) -> int:
    """Bins per numeric input for `rows` training rows: PIECEWISE_BINS, fewer on small
    data (PIECEWISE_MIN_ROWS_PER_BIN rows per bin), at least 2."""
    return int(max(2, min(C.PIECEWISE_BINS, rows // C.PIECEWISE_MIN_ROWS_PER_BIN)))


def quantile_bin_edges(x: np.ndarray, numeric: list[int],
                       bins: int | None = None) -> dict[str, list]:
    """{input position: bin edges} at the training quantiles of each numeric input with at
    least three distinct values (a binary input gains nothing from bins); `bins` None:
    `piecewise_bins` of the rows of `x`."""
    bins = piecewise_bins(len(x)) if bins is None else bins
    edges = {}
    for index in numeric:
        if len(np.unique(x[:, index])) < 3:
            continue
        cuts = np.unique(np.quantile(x[:, index], np.linspace(0.0, 1.0, bins + 1)))
        edges[str(index)] = cuts.tolist()
    return edges


def numeric_positions(pre: Preprocessing) -> list[int]:
    """Positions of the numeric (and date, time) inputs among the encoded inputs."""
    positions, at = [], 0
    for col in pre.feature_columns:
        if col in pre.categorical:
            at += len(pre.categorical[col]) + (col in pre.other)
        else:
            positions.append(at)
            at += 1
    return positions


@dataclass(frozen=True)
class Dataset:
    """A split, preprocessed data set: what the trainer and search see."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    preprocessing: Preprocessing | None
    fingerprint: str
    kind: str = "tabular"
    info: dict = field(default_factory=dict)  # missing values, held-out twins, suspected leaks

    @property
    def input_shape(self) -> tuple:
        """Shape of one example."""
        return tuple(self.x_train.shape[1:])

    @property
    def task(self) -> str:
        """'classification' or 'regression' (mlpnas.data.target)."""
        return getattr(self.preprocessing, "task", target.CLASSIFICATION)

    @property
    def n_classes(self) -> int:
        """Number of classes; 1 for a regression target (one linear output unit)."""
        return 1 if self.task == target.REGRESSION else len(self.class_names)

    @property
    def majority_rate(self) -> float | None:
        """Validation accuracy of always predicting the most common training class
        (None for a regression target: see `mean_baseline`)."""
        if self.task == target.REGRESSION:
            return None
        top = np.bincount(self.y_train, minlength=self.n_classes).argmax()
        return float(np.mean(self.y_val == top))

    def in_target_units(self, y: np.ndarray) -> np.ndarray:
        """Standardized regression outputs or targets in the label's own units."""
        pre = self.preprocessing
        return np.asarray(y, "float64").ravel() * pre.target_std + pre.target_mean

    def regression_metrics(self, predicted: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """RMSE and MAE in the label's units and R^2 of standardized predictions of y."""
        return target.metrics(self.in_target_units(predicted), self.in_target_units(y))

    def mean_baseline(self) -> dict[str, float] | None:
        """Validation RMSE, MAE and R^2 of always predicting the training mean (regression)."""
        if self.task != target.REGRESSION:
            return None
        return self.regression_metrics(np.full(len(self.y_val), self.y_train.mean()), self.y_val)

    def summary(self) -> dict:
        """Plain description for config.json and reports."""
        return {
            "name": self.name, "kind": self.kind, "fingerprint": self.fingerprint,
            "classes": [str(c) for c in self.class_names],
            "input_shape": list(self.input_shape),
            "rows": {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)},
            "majority_rate": self.majority_rate, "task": self.task,
            **(self._regression_summary() if self.task == target.REGRESSION else {}),
            "dropped_columns": dict(self.preprocessing.dropped_columns) if self.preprocessing else {},
            **self.info,
        }

    def _regression_summary(self) -> dict:
        pre = self.preprocessing
        return {"metric": target.METRIC, "target": {"mean": pre.target_mean, "std": pre.target_std},
                "mean_baseline": self.mean_baseline()}


# --- finding and reading ---------------------------------------------------------------

def _builtin_frame(name: str) -> pd.DataFrame:
    """A built-in data set (shipped inside scikit-learn) as a frame, label last."""
    from sklearn import datasets as skd

    loaders = {"iris": skd.load_iris, "wine": skd.load_wine,
               "breast-cancer": skd.load_breast_cancer, "digits": skd.load_digits}
    bunch = loaders[name]()
    columns = [str(c) for c in getattr(bunch, "feature_names", [])] or [
        f"x{i}" for i in range(bunch.data.shape[1])]
    frame = pd.DataFrame(bunch.data, columns=columns)
    names = np.asarray(getattr(bunch, "target_names", np.unique(bunch.target)))
    frame["label"] = [str(names[t]) for t in bunch.target]
    return frame


def find_dataset(name: str, datasets_dir: str | Path = C.DATASETS_DIR) -> Path | str:
    """A path for a CSV (as given, in the current folder, then DATASETS/) or a built-in name."""
    name = str(name)
    candidates = [Path(name), Path(datasets_dir) / name]
    if not name.lower().endswith(".csv"):
        candidates += [Path(name + ".csv"), Path(datasets_dir) / (name + ".csv")]
    for path in candidates:
        if path.is_file():
            return path
        if path.is_dir() and path == candidates[0]:
            raise NasError(f"{name} is a folder, not a CSV file (for a folder of images, add "
                           "--space cnn or --space cell)")
    if name in C.BUILTIN_DATASETS:
        return name
    raise NasError(f"dataset not found: {name} (looked in the current folder and "
                   f"{datasets_dir}/; built-in names: {', '.join(C.BUILTIN_DATASETS)})")


def read_csv(path: Path, min_columns: int = 2) -> pd.DataFrame:
    """Read a CSV with one-line errors for every way it can be unreadable."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NasError(f"cannot read {path}: {exc.strerror}") from None
    if not raw.strip():
        raise NasError(f"{path} is empty")
    try:
        frame = pd.read_csv(io.BytesIO(raw))
    except UnicodeDecodeError:
        raise NasError(f"{path} is not a text CSV file (cannot decode it as UTF-8)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NasError(f"{path} is not parseable as CSV: {first}") from None
    if frame.empty:
        raise NasError(f"{path} has a header but no rows")
    if frame.shape[1] < min_columns:
        raise NasError(f"{path} has {frame.shape[1]} column; need features and a label "
                       "(is it comma-separated?)")
    return frame


def fingerprint(frame: pd.DataFrame) -> str:
    """Short content hash of a frame (identifies the data an event was run on)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def load_frame(dataset: str, datasets_dir: str | Path = C.DATASETS_DIR) -> tuple[str, pd.DataFrame]:
    """(display name, raw frame) for a dataset argument."""
    found = find_dataset(dataset, datasets_dir)
    if isinstance(found, str):
        return found, _builtin_frame(found)
    return found.name, read_csv(found)


# --- cleaning --------------------------------------------------------------------------

def _warn(message: str, category: type = DataWarning) -> None:
    warnings.warn(message, category, stacklevel=3)


def drop_index_column(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop an unnamed leading column (what pandas writes for a saved index)."""
    first = str(frame.columns[0])
    if first == "" or first.startswith("Unnamed: 0"):
        return frame.drop(columns=frame.columns[0])
    return frame


def stratified_split(y: np.ndarray, seed: int, val_fraction: float = C.VALIDATION_FRACTION,
                     test_fraction: float = C.TEST_FRACTION) -> tuple[np.ndarray, ...]:
    """Indices (train, val, test), stratified by class, seeded; each class in every split."""
    rng = np.random.default_rng(seed)
    parts: tuple[list, list, list] = ([], [], [])
    for cls in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == cls))
        n_test = max(1, int(round(len(idx) * test_fraction)))
        n_val = max(1, int(round(len(idx) * val_fraction)))
        parts[2].append(idx[:n_test])
        parts[1].append(idx[n_test:n_test + n_val])
        parts[0].append(idx[n_test + n_val:])
    return tuple(np.sort(np.concatenate(p)) for p in parts)


def _check_labels(labels: pd.Series, label: str, min_rows: int) -> list:
    """Sorted class names; errors for a single class or too few rows in a class."""
    counts = labels.value_counts()
    if len(counts) < 2:
        raise NasError(f"label column {label!r} has a single class ({counts.index[0]!r}); "
                       "need at least two")
    small = counts[counts < min_rows]
    if len(small):
        shown = ", ".join(f"{k!r} ({v})" for k, v in small.head(5).items())
        more = f" and {len(small) - 5} more" if len(small) > 5 else ""
        raise NasError(f"too few rows per class in {label!r} for the split (need "
                       f"{min_rows}): {shown}{more}")
    return sorted(counts.index, key=str)


def _frame_and_label(frame: pd.DataFrame, label: str | None,
                     keep_columns: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """The frame without an index column or unlabelled rows, and the label's name."""
    frame = drop_index_column(frame).copy()
    frame.columns = [str(c) for c in frame.columns]
    label = frame.columns[-1] if label is None else str(label)
    if label not in frame.columns:
        raise NasError(f"unknown label column {label!r}; columns are: "
                       f"{', '.join(frame.columns)}")
    unknown_keep = [c for c in keep_columns if c not in frame.columns]
    if unknown_keep:
        raise NasError(f"--keep-column names unknown column(s): {', '.join(unknown_keep)}")
    frame[label] = cols.blank_missing(frame[label])
    missing_label = frame[label].isna()
    if missing_label.all():
        raise NasError(f"label column {label!r} is empty")
    if missing_label.any():
        _warn(f"dropped {int(missing_label.sum())} row(s) with no value in label {label!r}")
        frame = frame[~missing_label].reset_index(drop=True)
    if len(frame.columns) < 2:
        raise NasError("no feature columns: the file has only the label column")
    return frame, label


def understand_columns(frame: pd.DataFrame, features: list, keep_columns: Sequence[str]
                       ) -> tuple[pd.DataFrame, dict, dict]:
    """Clean every feature column; (frame, {column: kind}, {dropped column: why})."""
    frame = frame.copy()
    for col in features:
        frame[col] = cols.clean_column(col, frame[col], _warn)
    all_nan = [c for c in features if frame[c].isna().all()]
    if all_nan:
        raise NasError(f"column(s) with no values at all: {', '.join(all_nan)}")
    kinds, dropped = {}, {}
    for col in features:
        kind = cols.column_kind(col, frame[col])
        if kind.kind == "id" and col in keep_columns:
            kind = cols.ColumnKind("numeric" if pd.api.types.is_numeric_dtype(frame[col])
                                   else "categorical")
        if kind.note:
            _warn(kind.note, DataWarning if kind.dropped else DataNote)
        if kind.dropped:
            dropped[col] = "ID-like (unique per row)" if kind.kind == "id" else "free text"
            continue
        kinds[col] = kind.kind
        n_inf = cols.infinite_count(frame[col]) if kind.kind == "numeric" else 0
        if n_inf:
            _warn(f"column {col!r}: {n_inf} infinite value(s) (inf) treated as missing")
    return frame, kinds, dropped


def _drop_leaks(train: pd.DataFrame, y_train: np.ndarray, label: str, kinds: dict,
                keep_columns: Sequence[str], seed: int,
                regression: bool = False) -> tuple[dict, dict]:
    """({dropped leak: why}, {suspected leak: cross-validated accuracy or R^2}), training
    rows only."""
    dropped = {}
    exact = leaks.exact_leaks(train, label, list(kinds))
    if regression:
        exact.update(leaks.target_copies(train, y_train, kinds, exact))
    for col, why in exact.items():
        if col in keep_columns:
            continue
        what = (f"it determines the label {label!r} exactly" if why.startswith("determines")
                else f"the label {label!r} determines it (a coarsened copy of the label)"
                if why.startswith("is determined") else f"it {why}")
        _warn(f"dropped column {col!r}: on the training rows {what}, a label leak; keep it "
              f"with --keep-column {col}")
        dropped[col] = why
    rest = {c: k != "categorical" for c, k in kinds.items() if c not in dropped}
    numeric = {c: is_num for c, is_num in rest.items() if c not in keep_columns}
    train_numbers = train.copy()
    for col, is_num in numeric.items():
        if is_num:
            train_numbers[col] = cols.numeric_values(train[col], kinds[col])
    find = leaks.suspected_regression_leaks if regression else leaks.suspected_leaks
    suspected = find(train_numbers, y_train, numeric, seed)
    for leak in suspected:
        _warn(leak.message(label))
    return dropped, {leak.column: round(leak.accuracy, 4) for leak in suspected}


def _target(frame: pd.DataFrame, label: str, task: str,
            min_rows_per_class: int) -> tuple[list, np.ndarray, np.ndarray, dict]:
    """(class names, y, what to stratify the split on, task info) of the label column;
    regression: y in the label's units, class names empty."""
    task, reason = target.choose_task(frame[label], label, task)
    info = {"task": task, "task_reason": reason}
    if task == target.REGRESSION:
        y = target.regression_target(frame[label], label)
        return [], y, target.strata(y), info
    class_names = _check_labels(frame[label], label, min_rows_per_class)
    label_index = {c: i for i, c in enumerate(class_names)}
    y = frame[label].map(label_index).to_numpy(dtype="int64")
    return class_names, y, y, info


def prepare_tabular(frame: pd.DataFrame, name: str, label: str | None = None,
                    keep_columns: Sequence[str] = (), seed: int = C.SEED,
                    min_rows_per_class: int = C.MIN_ROWS_PER_CLASS,
                    task: str = "auto", numeric_encoding: str = "standard") -> Dataset:
    """Clean, split and standardize a raw frame into a Dataset (see module docstring)."""
    if numeric_encoding not in C.NUMERIC_ENCODINGS:
        raise NasError(f"unknown numeric encoding {numeric_encoding!r}; choose one of: "
                       f"{', '.join(C.NUMERIC_ENCODINGS)}")
    frame, label = _frame_and_label(frame, label, keep_columns)
    raw_fingerprint = fingerprint(frame)
    class_names, y, strata, task_info = _target(frame, label, task, min_rows_per_class)
    features = [c for c in frame.columns if c != label]
    frame, kinds, dropped = understand_columns(frame, features, keep_columns)
    train, val, test = stratified_split(strata, seed)
    regression = task_info["task"] == target.REGRESSION
    leaked, suspected = _drop_leaks(frame.iloc[train], y[train], label, kinds, keep_columns,
                                    seed, regression)
    dropped.update(leaked)
    kinds = {c: k for c, k in kinds.items() if c not in leaked}
    if not kinds:
        raise NasError("no feature columns left after dropping label leaks"
                       if leaked else "no usable feature columns (all ID-like or free text)")
    pre = _fit_preprocessing(frame.iloc[train], label, class_names, kinds, dropped)
    if regression:
        pre.task, pre.target_mean = target.REGRESSION, float(y[train].mean())
        pre.target_std = float(y[train].std()) or 1.0
        y = ((y - pre.target_mean) / pre.target_std).astype("float32")
    missing = _warn_missing(frame, pre)
    x = pre.encode(frame)
    twins = leaks.twin_counts(x[train], y[train], {"val": (x[val], y[val]),
                                                   "test": (x[test], y[test])})
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std[std == 0] = 1.0
    pre.mean, pre.std = mean.tolist(), std.tolist()
    if numeric_encoding == "piecewise":
        pre.numeric_encoding = numeric_encoding
        pre.bin_edges = quantile_bin_edges(x[train], numeric_positions(pre))
    x = pre.inputs(x)
    info = {"missing_values": missing, "heldout_twins": twins, "suspected_leaks": suspected,
            **task_info}
    data = Dataset(name, x[train], y[train], x[val], y[val], x[test], y[test],
                   tuple(str(c) for c in class_names), pre, raw_fingerprint, info=info)
    warn_caveats(data)
    return data


def _warn_missing(frame: pd.DataFrame, pre: Preprocessing) -> dict[str, int]:
    """Warn per column with missing values (after cleaning); {column: count}."""
    counts = {}
    for col in pre.feature_columns:
        values = (cols.blank_missing(frame[col]) if col in pre.categorical
                  else pre.numbers(frame, col))
        n_missing = int(values.isna().sum())
        if n_missing:
            counts[col] = n_missing
            _warn(f"column {col!r}: {n_missing} missing value(s) imputed with "
                  f"{pre.impute[col]!r} (training median or most frequent value)")
    return counts


def warn_caveats(data: Dataset) -> None:
    """Caveats about figures a data set cannot support: tiny held-out splits, wide data."""
    small = {name: n for name, n in (("validation", len(data.y_val)), ("test", len(data.y_test)))
             if n < C.SMALL_SPLIT_ROWS}
    if small:
        shown = " and ".join(f"the {name} split has {n} rows" for name, n in small.items())
        step = 1 / min(small.values())
        _warn(f"{shown} (under {C.SMALL_SPLIT_ROWS}): one row moves its accuracy by "
              f"{step:.2f}, so treat those figures as rough")
    pre = data.preprocessing  # piecewise-linear inputs are not counted as features
    n_features = (len(pre.mean) if isinstance(pre, Preprocessing) and pre.mean
                  else int(np.prod(data.input_shape)))
    if data.kind == "tabular" and n_features > len(data.y_train):
        _warn(f"{n_features} features for {len(data.y_train)} training rows: more features "
              "than rows, expect overfitting (drop columns or add rows)")


def _fit_preprocessing(train: pd.DataFrame, label: str, class_names: list, kinds: dict,
                       dropped: dict) -> Preprocessing:
    """Imputation values, categories and their caps from the training rows only."""
    categorical, impute, other, special = {}, {}, [], {}
    for col, kind in kinds.items():
        # Every column gets a fill value, so new data with gaps can be predicted too.
        if kind == "categorical":
            values = cols.blank_missing(train[col]).dropna().astype(str)
            categorical[col], note = cols.cap_categories(col, values)
            if note:
                _warn(note, DataNote)
                other.append(col)
            mode = values.mode()
            impute[col] = str(mode.iloc[0]) if len(mode) else ""
        else:
            fill = cols.numeric_values(train[col], kind).median()
            impute[col] = 0.0 if pd.isna(fill) else float(fill)
            if kind != "numeric":
                special[col] = kind
    names = []
    for col, kind in kinds.items():
        if col in categorical:
            names += [f"{col}={c}" for c in categorical[col]]
            names += [f"{col}=(other)"] if col in other else []
        else:
            names.append(col if kind == "numeric" else f"{col} ({_UNITS[kind]})")
    return Preprocessing(label, [str(c) for c in class_names], list(kinds), categorical,
                         impute, names, dropped_columns=dropped, kinds=special, other=other)


_UNITS = {"date": "days since 1970-01-01", "time": "hours since midnight"}


def load_dataset(dataset: str, label: str | None = None, keep_columns: Sequence[str] = (),
                 seed: int = C.SEED, datasets_dir: str | Path = C.DATASETS_DIR,
                 task: str = "auto", numeric_encoding: str = "standard") -> Dataset:
    """Find, read and prepare a tabular data set (CSV path or built-in name)."""
    name, frame = load_frame(dataset, datasets_dir)
    return prepare_tabular(frame, name, label, keep_columns, seed, task=task,
                           numeric_encoding=numeric_encoding)
