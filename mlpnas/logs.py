"""Event folders and search logs: numbering, atomic writes, safe reading. No TensorFlow.

A search writes `LOGS/event<N>/nas_data.pkl`: a list with one entry per trained child,
in training order, shaped like MLPNAS's so either tool reads the other's logs:

    [token_ids, val_accuracy, predicted_accuracy_or_None, metadata_dict]

MLPNAS's own entries have two or three fields. Entries hold plain Python values only.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import pickletools
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; events then show their status.json
    fcntl = None

import CONSTANTS as C
from mlpnas.errors import NasError

_EVENT_RE = re.compile(rf"^{C.EVENT_PREFIX}(\d+)$")


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
        path = root / f"{C.EVENT_PREFIX}{number}"
        try:
            path.mkdir()
            return number, path
        except FileExistsError:
            number += 1
    raise NasError(f"could not create a new event folder in {root}")


def resolve_event(logs_dir: str | os.PathLike, event: str | int | None = None) -> Path:
    """The folder of `event` (a number, 'eventN', or a folder path); default: the highest."""
    if event is not None and Path(str(event)).is_dir() and (Path(str(event)) / C.LOG_FILE).exists():
        return Path(str(event))
    events = event_dirs(logs_dir)
    if not events:
        raise NasError(f"no events in {logs_dir}: run `nas search` first, or pass --logs-dir")
    if event is None:
        return events[max(events)]
    m = re.fullmatch(rf"(?:{C.EVENT_PREFIX})?(\d+)", str(event).strip())
    if not m or int(m.group(1)) not in events:
        raise NasError(f"no event {event!r} in {logs_dir} (events: "
                       f"{', '.join(map(str, events))})")
    return events[int(m.group(1))]


def lock_event(path: str | os.PathLike) -> IO:
    """Take the event's write lock (held until the returned file is closed or the process dies).

    An exclusive `flock` on <event>/.lock: the kernel drops it when the process ends, even
    on SIGKILL, so a lock that can be taken means nobody is writing the event any more.
    """
    fh = open(Path(path) / C.LOCK_FILE, "a+")
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
    lock = Path(path) / C.LOCK_FILE
    if fcntl is None or not lock.exists():
        return False
    try:
        with open(lock, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    return False


# --- atomic writes ---------------------------------------------------------------------

def _file_mode() -> int:
    """The mode `open()` gives a new file (0o666 less the umask); mkstemp's own is 0o600."""
    global _FILE_MODE
    if _FILE_MODE is None:
        umask = os.umask(0o022)  # reading the umask means setting it: put it back at once
        os.umask(umask)
        _FILE_MODE = 0o666 & ~umask
    return _FILE_MODE


_FILE_MODE: int | None = None


def _write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file in the same folder, fsync, then rename over `path`.

    The file gets the permissions of a plainly written one (others may read the logs of a
    shared LOGS folder when the umask allows it), not the temporary file's 0o600.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_pickle_atomic(path: str | os.PathLike, obj: Any) -> None:
    """Pickle `obj` to `path` atomically: readers see the old file or the new, never half."""
    _write_atomic(Path(path), pickle.dumps(obj, protocol=4))


def write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    """Write `obj` as indented JSON to `path` atomically."""
    _write_atomic(Path(path), (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def read_json(path: str | os.PathLike) -> dict:
    """Read a JSON file written by this package; a clear error when broken."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise NasError(f"missing file: {path}") from None
    except (OSError, ValueError) as exc:
        raise NasError(f"cannot read {path}: {exc}") from None


# --- safe reading ----------------------------------------------------------------------

# The only globals a log may reference: numpy scalars and arrays (MLPNAS logs hold numpy
# int64/float32/float64 scalars). Nothing callable beyond these reconstructors.
_ALLOWED_GLOBALS = {
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}


class _SafeUnpickler(pickle.Unpickler):
    """Unpickler that refuses every global outside a short numpy allow-list."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}")
        return super().find_class(module, name)


_REFUSED_OPCODES = {"PERSID", "BINPERSID", "EXT1", "EXT2", "EXT4"}


def _scan(data: bytes) -> None:
    """Walk the opcodes without executing any (pickletools), before the real load.

    A truncated or corrupted stream fails here with a clear reason instead of making the
    unpickler allocate a size read from garbage (a flipped byte can ask for gigabytes).
    Globals named inline (GLOBAL, INST) and the extension registry are checked here too;
    STACK_GLOBAL is checked by the unpickler's find_class.
    """
    for opcode, arg, _ in pickletools.genops(data):
        # The unpickler sizes its memo by the index it reads: a garbage index would make
        # it allocate gigabytes. A real pickle numbers at most one memo slot per byte.
        if opcode.name.endswith(("PUT", "GET")) and int(arg) > len(data):
            raise pickle.UnpicklingError(f"memo index {arg} out of range")
        if opcode.name in _REFUSED_OPCODES:
            raise pickle.UnpicklingError(f"refused opcode {opcode.name}")
        if opcode.name in ("GLOBAL", "INST"):
            module, _, name = str(arg).partition(" ")
            if (module, name) not in _ALLOWED_GLOBALS:
                raise pickle.UnpicklingError(f"refused to load {module}.{name}")


def safe_unpickle(data: bytes, source: str = "log", encoding: str = "ASCII") -> Any:
    """Unpickle plain containers, scalars and numpy values only; never run code.

    `encoding="bytes"` reads Python 2 pickles such as the CIFAR-10 batches.
    """
    try:
        _scan(data)
        return _SafeUnpickler(io.BytesIO(data), encoding=encoding).load()
    except pickle.UnpicklingError as exc:
        reason = " ".join(str(exc).split())  # one line, whatever the pickle module says
        raise NasError(f"{source}: unsafe or corrupted pickle ({reason})") from None
    except Exception as exc:  # noqa: BLE001  any garbage byte sequence ends up here
        raise NasError(f"{source}: truncated or corrupted pickle ({type(exc).__name__})") from None


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
        """Number of classes, when the event recorded its dataset."""
        classes = self.config.get("dataset", {}).get("classes")
        return len(classes) if classes else None


def load_event(logs_dir: str | os.PathLike, event: str | int | None = None) -> Event:
    """Read an event's log and (when present) its configuration."""
    path = resolve_event(logs_dir, event)
    entries = read_log(path / C.LOG_FILE)
    config_path = path / C.CONFIG_FILE
    config = read_json(config_path) if config_path.exists() else {}
    return Event(path, entries, config)
