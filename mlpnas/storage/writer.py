"""The event writer: the one object a running search writes its event folder through. No TensorFlow.

It creates (or reopens) `LOGS/event<N>/`, holds the folder's write lock while the search
runs, and writes the JSON files that describe the search (config.json, dataset.json,
status.json). The log and the checkpoint are written together by `mlpnas.search.checkpoint`
into `writer.path`, in the order that makes a resume exact.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from mlpnas.storage import names
from mlpnas.storage.events import lock_event, new_event_dir
from mlpnas.storage.files import read_json, write_json_atomic


class EventWriter:
    """One event folder, locked for writing until `close()`."""

    def __init__(self, path: Path, lock: IO) -> None:
        self.path = Path(path)
        self._lock: IO | None = lock

    @classmethod
    def create(cls, logs_dir: str | os.PathLike) -> "EventWriter":
        """A new event folder (the next number in `logs_dir`), locked."""
        _, path = new_event_dir(logs_dir)
        return cls(path, lock_event(path))

    @classmethod
    def reopen(cls, path: str | os.PathLike) -> "EventWriter":
        """An existing event folder, locked (a clear error while another search writes it)."""
        return cls(Path(path), lock_event(path))

    def read_config(self) -> dict:
        """The event's config.json."""
        return read_json(self.path / names.CONFIG_FILE)

    def write_config(self, info: dict) -> None:
        """Replace config.json (what was searched, with which versions and command)."""
        write_json_atomic(self.path / names.CONFIG_FILE, info)

    def write_dataset(self, preprocessing: dict) -> None:
        """dataset.json: the preprocessing a trained child needs to read raw rows."""
        write_json_atomic(self.path / names.DATASET_FILE, preprocessing)

    def read_status(self) -> dict:
        """The event's status.json."""
        return read_json(self.path / names.STATUS_FILE)

    def write_status(self, status: dict) -> None:
        """Replace status.json (what `nas events` shows while the search runs)."""
        write_json_atomic(self.path / names.STATUS_FILE, status)

    def close(self) -> None:
        """Release the write lock (idempotent)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> "EventWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
