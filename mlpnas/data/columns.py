"""What each CSV column is: missing-value tokens, numbers written as text, infinities,
dates and times, ID-like and free-text columns, too many categories. No TensorFlow.

The same cleaning runs on the training CSV (`prepare_tabular`) and on new rows at predict
time (`Preprocessing.encode`), so both read a cell the same way.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

import CONSTANTS as C

_TIME_RE = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_ID_NAME_RE = re.compile(r"(^|[_\s.-])(id|key|index|uuid)$|^id[_\s.-]|^(row|record)[_\s.-]?(no|num|number)$",
                         re.IGNORECASE)
EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


@dataclass(frozen=True)
class ColumnKind:
    """How a feature column is used: numeric, categorical, date, time, or dropped (id, text)."""

    kind: str
    note: str = ""

    @property
    def dropped(self) -> bool:
        """ID-like and free-text columns are not features."""
        return self.kind in ("id", "text")


# --- cell values ---------------------------------------------------------------------------

def blank_missing(values: pd.Series) -> pd.Series:
    """Text cells that spell a missing value ('?', 'NA', 'null', '-', empty...) -> NaN."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values
    stripped = values.map(lambda v: v.strip() if isinstance(v, str) else v)
    return stripped.mask(stripped.isin(C.MISSING_TOKENS))


def as_numbers(values: pd.Series) -> pd.Series:
    """Numbers of a column (text that is not a number -> NaN); infinities stay."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    return pd.to_numeric(values, errors="coerce")


def infinite_count(values: pd.Series) -> int:
    """How many cells are +-inf."""
    numbers = as_numbers(values)
    return int(np.isinf(numbers.to_numpy(dtype="float64", na_value=np.nan)).sum())


def numeric_share(values: pd.Series) -> float:
    """Share of the non-missing cells that are numbers."""
    present = values.dropna()
    if present.empty:
        return 0.0
    return float(as_numbers(present).notna().mean())


def to_days(values: pd.Series) -> pd.Series:
    """Dates (text) -> days since 1970-01-01 (float; unparseable -> NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stamps = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    return (stamps - EPOCH) / pd.Timedelta(days=1)


def to_hours(values: pd.Series) -> pd.Series:
    """Times of day (text 'HH:MM[:SS]') -> hours since midnight (float; others -> NaN)."""
    def hours(v):
        if not isinstance(v, str) or not _TIME_RE.match(v.strip()):
            return np.nan
        parts = [float(p) for p in v.strip().split(":")]
        return parts[0] + parts[1] / 60 + (parts[2] / 3600 if len(parts) > 2 else 0.0)

    return values.map(hours).astype("float64")


# --- column kinds ---------------------------------------------------------------------------

def _looks_like_dates(present: pd.Series) -> bool:
    text = present.astype(str)
    if not text.str.contains(r"\d").all() or not text.str.contains(r"[-/:.\s]").all():
        return False
    return bool(to_days(text).notna().mean() >= C.DATE_MIN_SHARE)


def _id_like(name: str, values: pd.Series, numeric: bool) -> bool:
    n = len(values)
    if n < C.ID_MIN_ROWS or values.isna().any() or values.nunique() != n:
        return False
    if not numeric:
        return True
    numbers = as_numbers(values)
    if not np.allclose(numbers, np.round(numbers)):
        return False
    consecutive = numbers.max() - numbers.min() + 1 == n
    return bool(consecutive or _ID_NAME_RE.search(name.strip()))


def _id_kind(name: str) -> ColumnKind:
    return ColumnKind("id", f"dropped column {name!r}: ID-like (a different value in every "
                            "row), it cannot generalise")


def column_kind(name: str, values: pd.Series) -> ColumnKind:
    """How to use one feature column (cells already cleaned by `clean_column`)."""
    present = values.dropna()
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric or present.empty:
        return _id_kind(name) if _id_like(name, values, numeric) else ColumnKind("numeric")
    text = present.astype(str)
    if text.map(lambda v: bool(_TIME_RE.match(v.strip()))).mean() >= C.DATE_MIN_SHARE:
        return ColumnKind("time", f"column {name!r} holds times of day: used as hours since "
                                  "midnight (one numeric feature)")
    if _looks_like_dates(present):
        return ColumnKind("date", f"column {name!r} holds dates: used as days since 1970-01-01 "
                                  "(one numeric feature)")
    words = text.str.split().str.len().mean()
    if (words >= C.FREE_TEXT_MIN_WORDS
            and present.nunique() >= C.FREE_TEXT_MIN_DISTINCT * len(present)):
        return ColumnKind("text", f"dropped column {name!r}: free text (about {words:.0f} words "
                                  "a value, mostly distinct); nas does not read text")
    return _id_kind(name) if _id_like(name, values, numeric) else ColumnKind("categorical")


def clean_column(name: str, values: pd.Series, warn) -> pd.Series:
    """Missing tokens -> NaN; a column of numbers with a few stray words -> numbers."""
    values = blank_missing(values)
    if pd.api.types.is_numeric_dtype(values) or values.dropna().empty:
        return values
    if numeric_share(values) >= C.NUMERIC_TEXT_MIN_SHARE:
        numbers = as_numbers(values)
        stray = values[values.notna() & numbers.isna()]
        if len(stray):
            shown = ", ".join(repr(v) for v in stray.astype(str).unique()[:3])
            warn(f"column {name!r}: {len(stray)} value(s) that are not numbers ({shown}) "
                 "read as missing")
        return numbers
    return values


def numeric_values(values: pd.Series, kind: str) -> pd.Series:
    """A numeric, date or time column as floats (inf and unparseable cells -> NaN)."""
    if kind == "date":
        numbers = to_days(values.astype("string"))
    elif kind == "time":
        numbers = to_hours(values)
    else:
        numbers = as_numbers(blank_missing(values))
    numbers = numbers.astype("float64")
    return numbers.mask(np.isinf(numbers))


def cap_categories(name: str, train_values: pd.Series,
                   max_levels: int = C.CATEGORY_MAX_LEVELS) -> tuple[list, str | None]:
    """The categories a column keeps (most frequent in training first), and a note when capped."""
    counts = train_values.dropna().astype(str).value_counts()
    if len(counts) <= max_levels:
        return sorted(counts.index.tolist()), None
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = sorted(k for k, _ in ranked[:max_levels])
    return kept, (f"column {name!r} has {len(counts)} distinct values (in training): kept the "
                  f"{max_levels} "
                  f"most frequent, the other {len(counts) - max_levels} share one (other) feature")
