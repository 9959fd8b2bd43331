"""One record per trained child, and the log file that holds them. No TensorFlow.

A search writes `LOGS/event<N>/nas_data.pkl`: a list with one entry per trained child,
in training order, shaped like MLPNAS's so either tool reads the other's logs:

    [token_ids, val_accuracy, predicted_accuracy_or_None, metadata_dict]

MLPNAS's own entries have two or three fields. Entries hold plain Python values only.
`LogEntry` is the typed record that the search loop, its checkpoint and analysis share;
the list shape exists only at the file boundary (`LogEntry.to_raw` / `LogEntry.from_raw`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from mlpnas.errors import NasError
from mlpnas.storage.files import safe_unpickle, write_pickle_atomic


@dataclass(frozen=True)
class LogEntry:
    """One trained child as analysis sees it (an immutable record)."""

    index: int
    tokens: tuple[int, ...]
    val_accuracy: float
    predicted_accuracy: float | None = None
    meta: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True when the child did not train (its accuracy is then the worst reward)."""
        return bool(self.meta.get("failed", False))

    @property
    def controller_epoch(self) -> int | None:
        """The controller epoch that sampled this child, when logged."""
        epoch = self.meta.get("controller_epoch")
        return None if epoch is None else int(epoch)

    @property
    def error(self) -> str | None:
        """Why a failed child did not train (None for a trained child)."""
        return self.meta.get("error")

    def to_raw(self) -> list:
        """The MLPNAS-shaped list stored in the log: [tokens, accuracy, predicted, meta]."""
        return [list(self.tokens), self.val_accuracy, self.predicted_accuracy, dict(self.meta)]

    @classmethod
    def from_raw(cls, index: int, raw: Any, source: str = "log") -> "LogEntry":
        """One stored entry (MLPNAS's or ours) as a record; a clear error when malformed."""
        return normalize_entry(index, raw, source)

    @property
    def over_limit(self) -> str | None:
        """Why the child was not trained: its cost is over a hard limit (None: it is not)."""
        return self.meta.get("over_limit")


def _plain(value: Any) -> Any:
    """numpy scalars to Python scalars (keeps logs portable and JSON-friendly)."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value


def normalize_entry(index: int, raw: Any, source: str = "log") -> LogEntry:
    """One raw log entry (MLPNAS's or ours) as a LogEntry."""
    if not isinstance(raw, (list, tuple)) or len(raw) < 2:
        raise NasError(f"{source}: entry {index} is not [tokens, accuracy, ...]")
    try:
        tokens = tuple(int(_plain(t)) for t in raw[0])
        acc = float(_plain(raw[1]))
        pred = _plain(raw[2]) if len(raw) > 2 else None
        pred = None if pred is None else float(pred)
    except (TypeError, ValueError, OverflowError):
        raise NasError(f"{source}: entry {index} has non-numeric tokens or accuracy") from None
    meta = raw[3] if len(raw) > 3 and isinstance(raw[3], dict) else {}
    return LogEntry(index, tokens, acc, pred, dict(meta))


def read_raw_log(path: str | os.PathLike) -> list:
    """The raw list stored in a nas_data.pkl, read safely."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NasError(f"missing log file: {path}") from None
    except OSError as exc:
        raise NasError(f"cannot read {path}: {exc.strerror}") from None
    raw = safe_unpickle(data, str(path))
    if not isinstance(raw, list):
        raise NasError(f"{path}: expected a list of entries, found {type(raw).__name__}")
    return raw


def read_log(path: str | os.PathLike) -> list[LogEntry]:
    """All entries of a log file as LogEntry records, in training order."""
    return [normalize_entry(i, raw, str(path)) for i, raw in enumerate(read_raw_log(path))]


def write_log(path: str | os.PathLike, entries: Sequence[LogEntry]) -> None:
    """Write the log file atomically, each record in the MLPNAS list shape."""
    write_pickle_atomic(path, [entry.to_raw() for entry in entries])
