"""Event folders: numbering, locking, and reading one whole event. No TensorFlow.

Each search writes one folder `LOGS/event<N>/` (numbered, never named at random); the
highest number is the newest.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; events then show their status.json
    fcntl = None

from mlpnas.errors import NasError
from mlpnas.storage import names
from mlpnas.storage.files import read_json
from mlpnas.storage.record import read_log

_EVENT_RE = re.compile(rf"^{names.EVENT_PREFIX}(\d+)$")


# --- events ----------------------------------------------------------------------------

def event_dirs(logs_dir: str | os.PathLike) -> dict[int, Path]:
    """Event folders of a logs folder, by number (empty when the folder does not exist)."""
    root = Path(logs_dir)
    if not root.is_dir():
        return {}
    found = {}
    for child in root.iterdir():
        m = _EVENT_RE.match(child.name)
        if m and child.is_dir():
            found[int(m.group(1))] = child
    return dict(sorted(found.items()))


def new_event_dir(logs_dir: str | os.PathLike) -> tuple[int, Path]:
    """Create the next event folder (one above the highest); safe against a racing search.

    `mkdir` fails when the folder exists, so two searches started at once that pick the
    same number cannot both get it: the loser tries the next number.
    """
    root = Path(logs_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NasError(f"cannot create logs folder {root}: {exc.strerror}") from None
    number = max(event_dirs(root), default=0) + 1
    for _ in range(1000):
        path = root / f"{names.EVENT_PREFIX}{number}"
        try:
            path.mkdir()
            return number, path
        except FileExistsError:
            number += 1
    raise NasError(f"could not create a new event folder in {root}")


def resolve_event(logs_dir: str | os.PathLike, event: str | int | None = None) -> Path:
    """The folder of `event` (a number, 'eventN', or a folder path); default: the highest."""
    folder = Path(str(event)) if event is not None else None
    if folder is not None and folder.is_dir() and (folder / names.LOG_FILE).exists():
        return folder
    events = event_dirs(logs_dir)
    if not events:
        raise NasError(f"no events in {logs_dir}: run `nas search` first, or pass --logs-dir")
    if event is None:
        return events[max(events)]
    m = re.fullmatch(rf"(?:{names.EVENT_PREFIX})?(\d+)", str(event).strip())
    if not m or int(m.group(1)) not in events:
        raise NasError(f"no event {event!r} in {logs_dir} (events: "
                       f"{', '.join(map(str, events))})")
    return events[int(m.group(1))]


def lock_event(path: str | os.PathLike) -> IO:
    """Take the event's write lock (held until the returned file is closed or the process dies).

    An exclusive `flock` on <event>/.lock: the kernel drops it when the process ends, even
    on SIGKILL, so a lock that can be taken means nobody is writing the event any more.
    """
    fh = open(Path(path) / names.LOCK_FILE, "a+")
    if fcntl is not None:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise NasError(f"{path} is being written by another running search") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


def event_is_locked(path: str | os.PathLike) -> bool:
    """True while a live process holds the event's write lock (i.e. the search runs)."""
    lock = Path(path) / names.LOCK_FILE
    if fcntl is None or not lock.exists():
        return False
    try:
        with open(lock, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    return False


@dataclass(frozen=True)
class Event:
    """A finished or running search as analysis reads it."""

    path: Path
    entries: list
    config: dict

    @property
    def name(self) -> str:
        """The folder name, e.g. 'event3'."""
        return self.path.name

    @property
    def n_classes(self) -> int | None:
        """Number of classes, when the event recorded its dataset (1: a regression target)."""
        if self.config.get("dataset", {}).get("task") == "regression":
            return 1
        classes = self.config.get("dataset", {}).get("classes")
        return len(classes) if classes else None


class EventNote(UserWarning):
    """Which event a reader read, when it is not the one asked for (shown as a note)."""


def _read_event(path: Path) -> Event:
    entries = read_log(path / names.LOG_FILE)
    config_path = path / names.CONFIG_FILE
    config = read_json(config_path) if config_path.exists() else {}
    return Event(path, entries, config)


def load_event(logs_dir: str | os.PathLike, event: str | int | None = None) -> Event:
    """Read an event's log and (when present) its configuration.

    Without `event`: the newest event that can be read and has children; events skipped
    on the way get one note naming them and why.
    """
    path = resolve_event(logs_dir, event)
    if event is not None:
        return _read_event(path)
    skipped = []
    for candidate in reversed(list(event_dirs(logs_dir).values())):
        try:
            found = _read_event(candidate)
        except NasError as exc:
            skipped.append(f"{candidate.name} ({exc})")
            continue
        if not found.entries:
            skipped.append(f"{candidate.name} (no children yet)")
            continue
        if skipped:
            warnings.warn(f"reading {found.name}, the newest readable event; skipped "
                          f"{'; '.join(skipped)}", EventNote, stacklevel=2)
        return found
    return _read_event(path)  # nothing readable: the newest event's own error
