"""Tabular data: find and read the CSV, clean it, split it, standardize it. No TensorFlow.

Policies (also in the README):
- an unnamed leading column (a saved pandas index) is dropped;
- rows whose label is missing are dropped, with a warning;
- missing feature values are imputed with the training split's median (numeric) or most
  frequent value (categorical), with a warning; an all-missing column is an error;
- non-numeric features are one-hot encoded (categories seen in training; unseen -> zeros);
- a feature whose value determines the label exactly is a label leak: dropped with a
  warning unless named in `keep_columns`;
- one seeded, stratified train/validation/test split; statistics come from train only.
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
from mlpnas.errors import NasError


class DataWarning(UserWarning):
    """A change made to the user's data (dropped column, imputed values...)."""


@dataclass
class Preprocessing:
    """Everything needed to turn raw rows into model inputs; JSON-serialisable."""

    label: str
    class_names: list
    feature_columns: list
    categorical: dict = field(default_factory=dict)
    impute: dict = field(default_factory=dict)
    encoded_names: list = field(default_factory=list)
    mean: list = field(default_factory=list)
    std: list = field(default_factory=list)
    dropped_columns: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain-dict form (for dataset.json and exported models)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessing":
        """Inverse of to_dict."""
        return cls(**data)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Impute and one-hot encode raw feature columns (before standardization)."""
        missing = [c for c in self.feature_columns if c not in frame.columns]
        if missing:
            raise NasError(f"missing column(s) in the data: {', '.join(map(str, missing))}")
        parts = []
        for col in self.feature_columns:
            values = frame[col]
            if col in self.impute:
                values = values.fillna(self.impute[col])
            if col in self.categorical:
                cats = self.categorical[col]
                strings = values.astype(str).to_numpy()
                parts.append(np.stack([strings == str(c) for c in cats], axis=1).astype("float32"))
            else:
                numeric = pd.to_numeric(values, errors="coerce")
                if numeric.isna().any():
                    raise NasError(f"column {col!r} has non-numeric or missing values")
                parts.append(numeric.to_numpy(dtype="float32")[:, None])
        return np.concatenate(parts, axis=1)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Model inputs for raw rows: encode, then standardize with training statistics."""
        x = self.encode(frame)
        return ((x - np.asarray(self.mean, "float32")) / np.asarray(self.std, "float32")).astype("float32")


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

    @property
    def input_shape(self) -> tuple:
        """Shape of one example."""
        return tuple(self.x_train.shape[1:])

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    @property
    def majority_rate(self) -> float:
        """Validation accuracy of always predicting the most common training class."""
        top = np.bincount(self.y_train, minlength=self.n_classes).argmax()
        return float(np.mean(self.y_val == top))

    def summary(self) -> dict:
        """Plain description for config.json and reports."""
        return {
            "name": self.name, "kind": self.kind, "fingerprint": self.fingerprint,
            "classes": [str(c) for c in self.class_names],
            "input_shape": list(self.input_shape),
            "rows": {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)},
            "majority_rate": self.majority_rate,
            "dropped_columns": dict(self.preprocessing.dropped_columns) if self.preprocessing else {},
        }


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
            raise NasError(f"{name} is a folder, not a CSV file")
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

def _warn(message: str) -> None:
    warnings.warn(message, DataWarning, stacklevel=3)


def drop_index_column(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop an unnamed leading column (what pandas writes for a saved index)."""
    first = str(frame.columns[0])
    if first == "" or first.startswith("Unnamed: 0"):
        return frame.drop(columns=frame.columns[0])
    return frame


def find_leaks(frame: pd.DataFrame, label: str, features: Sequence[str],
               max_distinct_fraction: float = C.LEAK_MAX_DISTINCT_FRACTION) -> list[str]:
    """Feature columns whose value determines the label exactly (a label leak).

    Only columns with few distinct values (at most `max_distinct_fraction` of the rows)
    count: a column of unique values would trivially 'determine' any label.
    """
    leaks = []
    for col in features:
        values = frame[col]
        distinct = values.nunique(dropna=True)
        if distinct < 1 or distinct > max_distinct_fraction * len(frame):
            continue
        if frame.groupby(col, dropna=True)[label].nunique().max() == 1:
            leaks.append(col)
    return leaks


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


def prepare_tabular(frame: pd.DataFrame, name: str, label: str | None = None,
                    keep_columns: Sequence[str] = (), seed: int = C.SEED,
                    min_rows_per_class: int = C.MIN_ROWS_PER_CLASS) -> Dataset:
    """Clean, split and standardize a raw frame into a Dataset (see module docstring)."""
    frame = drop_index_column(frame)
    frame.columns = [str(c) for c in frame.columns]
    label = frame.columns[-1] if label is None else str(label)
    if label not in frame.columns:
        raise NasError(f"unknown label column {label!r}; columns are: "
                       f"{', '.join(frame.columns)}")
    unknown_keep = [c for c in keep_columns if c not in frame.columns]
    if unknown_keep:
        raise NasError(f"--keep-column names unknown column(s): {', '.join(unknown_keep)}")
    missing_label = frame[label].isna()
    if missing_label.all():
        raise NasError(f"label column {label!r} is empty")
    if missing_label.any():
        _warn(f"dropped {int(missing_label.sum())} row(s) with no value in label {label!r}")
        frame = frame[~missing_label].reset_index(drop=True)
    features = [c for c in frame.columns if c != label]
    if not features:
        raise NasError("no feature columns: the file has only the label column")
    all_nan = [c for c in features if frame[c].isna().all()]
    if all_nan:
        raise NasError(f"column(s) with no values at all: {', '.join(all_nan)}")
    class_names = _check_labels(frame[label], label, min_rows_per_class)
    dropped = {}
    for col in find_leaks(frame, label, features):
        if col in keep_columns:
            continue
        _warn(f"dropped column {col!r}: it determines the label {label!r} exactly "
              f"(a label leak); keep it with --keep-column {col}")
        dropped[col] = "determines the label exactly"
    features = [c for c in features if c not in dropped]
    if not features:
        raise NasError("no feature columns left after dropping label leaks")
    label_index = {c: i for i, c in enumerate(class_names)}
    y = frame[label].map(label_index).to_numpy(dtype="int64")
    train, val, test = stratified_split(y, seed)
    pre = _fit_preprocessing(frame.iloc[train], label, class_names, features, dropped)
    for col, n_missing in frame[features].isna().sum().items():
        if n_missing:
            _warn(f"column {col!r}: {int(n_missing)} missing value(s) imputed with "
                  f"{pre.impute[col]!r} (training median or most frequent value)")
    x = pre.encode(frame)
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std[std == 0] = 1.0
    pre.mean, pre.std = mean.tolist(), std.tolist()
    x = ((x - mean) / std).astype("float32")
    return Dataset(name, x[train], y[train], x[val], y[val], x[test], y[test],
                   tuple(str(c) for c in class_names), pre, fingerprint(frame))


def _fit_preprocessing(train: pd.DataFrame, label: str, class_names: list,
                       features: list, dropped: dict) -> Preprocessing:
    """Imputation values and categories from the training rows only."""
    categorical, impute = {}, {}
    for col in features:
        values = train[col]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if not numeric:
            categorical[col] = sorted(values.dropna().astype(str).unique().tolist())
        # Every column gets a fill value, so new data with gaps can be predicted too.
        if numeric:
            fill = values.median()
            impute[col] = 0.0 if pd.isna(fill) else float(fill)
        else:
            mode = values.dropna().astype(str).mode()
            impute[col] = str(mode.iloc[0]) if len(mode) else ""
    names = []
    for col in features:
        names += [f"{col}={c}" for c in categorical[col]] if col in categorical else [col]
    return Preprocessing(label, [str(c) for c in class_names], list(features), categorical,
                         impute, names, dropped_columns=dropped)


def load_dataset(dataset: str, label: str | None = None, keep_columns: Sequence[str] = (),
                 seed: int = C.SEED, datasets_dir: str | Path = C.DATASETS_DIR) -> Dataset:
    """Find, read and prepare a tabular data set (CSV path or built-in name)."""
    name, frame = load_frame(dataset, datasets_dir)
    return prepare_tabular(frame, name, label, keep_columns, seed)
