"""Resume state of a search, and stopping a search cleanly. No TensorFlow.

A search's whole state (its LogEntry records, weight store, best child, strategy state
with its RNG, per-epoch statistics, and the sequences already sampled for the current
epoch) is one plain dict (`MLPNAS.get_state`). It is written to <event>/checkpoint.pkl
atomically after every child and at every controller-epoch boundary:

    epoch e starts: ask + predict          -> checkpoint (pending = e's sequences)
    each child trained                     -> checkpoint, then nas_data.pkl
    tell (controller update)               -> checkpoint (pending = None, next epoch e+1)

Both files hold each record in the log's list shape (`LogEntry.to_raw`); `load` gives
records back. The checkpoint is written BEFORE the log, and holds the entries itself, so
a SIGKILL anywhere leaves a checkpoint that has every child the log has (at most one more).
Resuming restores that state and rewrites the log from it: no logged child is trained
again, none is lost, and the sequences sampled afterwards are the ones an uninterrupted
run samples (each child is seeded by its index, so it also trains the same way).

The weight store and the best child's weights, the bulk of the state, are not pickled
into checkpoint.pkl each time: each layer's arrays go to a write-once file under
<event>/layers/, named by a digest of its content, and the checkpoint refers to them
(`LayerFiles`). A checkpoint after a child writes only the layers that child changed,
not the whole store (megabytes, every child). Files are written before the checkpoint
that refers to them, and a file is deleted only after a checkpoint that no longer
refers to it has been written.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

import CONSTANTS as C
from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.errors import NasError
from mlpnas.storage import names

FORMAT = 2  # 1: the weights inside checkpoint.pkl (still read)
_KEYS = ("entries", "epoch_stats", "best", "store", "strategy", "next_epoch", "pending")
_REF = "layer_file"  # {_REF: name}: arrays kept in <event>/layers/<name>


# --- layer files -----------------------------------------------------------------------------

def _digest(arrays: list) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        h.update(f"{a.dtype.str}{a.shape};".encode())
        h.update(a.tobytes())
    return h.hexdigest()


class LayerFiles:
    """The arrays of a checkpoint as write-once files under <event>/layers/ (module doc).

    A list of arrays seen in an earlier save (the same object: the store replaces a
    layer's list when it changes, and never changes arrays in place) is neither hashed
    nor written again.
    """

    def __init__(self, event_dir: str | os.PathLike) -> None:
        self.dir = Path(event_dir) / names.CHECKPOINT_LAYERS_DIR
        self._known: dict[int, tuple[list, str]] = {}  # id -> (the list, kept alive; name)
        self._used: dict[int, tuple[list, str]] = {}

    def ref(self, arrays: list) -> dict:
        """A reference to `arrays`, written to their file first when new."""
        hit = self._known.get(id(arrays))
        if hit is None or hit[0] is not arrays:
            arrays_np = [np.asarray(a) for a in arrays]
            name = f"{_digest(arrays_np)}.pkl"
            if not (self.dir / name).exists():
                self.dir.mkdir(exist_ok=True)
                storage.write_pickle_atomic(self.dir / name, arrays_np)
            hit = (arrays, name)
        self._used[id(arrays)] = hit
        return {_REF: hit[1]}

    def store_refs(self, store: dict) -> dict:
        return {"weights": {key: self.ref(arrays) for key, arrays in store["weights"].items()}}

    def prune(self) -> None:
        """After a checkpoint is written: delete the files it does not refer to."""
        names = {name for _, name in self._used.values()}
        self._known, self._used = self._used, {}
        if self.dir.is_dir():
            for path in self.dir.iterdir():
                if path.name not in names and not path.name.startswith("."):
                    path.unlink(missing_ok=True)


def _with_refs(state: dict, layers: LayerFiles) -> dict:
    out = {**state, "entries": [entry.to_raw() for entry in state["entries"]],
           "store": layers.store_refs(state["store"])}
    pending = state.get("pending")
    if pending is not None and "store" in pending:
        out["pending"] = {**pending, "store": layers.store_refs(pending["store"])}
    if pending is not None and "halving" in pending:  # rung survivors' own weights
        rung = pending["halving"]
        out["pending"] = {**out.get("pending", pending), "halving": {
            **rung, "weights": {i: layers.ref(w) for i, w in rung["weights"].items()}}}
    if state.get("best") is not None:
        acc, index, weights = state["best"]
        out["best"] = (acc, index, layers.ref(weights))
    return out


def _read_layers(event_dir: Path, ref: Any) -> list:
    if not (isinstance(ref, dict) and isinstance(ref.get(_REF), str)):
        return ref  # format 1: the arrays themselves
    path = event_dir / names.CHECKPOINT_LAYERS_DIR / Path(ref[_REF]).name
    try:
        data = path.read_bytes()
    except OSError:
        raise NasError(f"incomplete checkpoint: cannot read {path}") from None
    arrays = storage.safe_unpickle(data, str(path))
    if not isinstance(arrays, list):
        raise NasError(f"{path}: not a layer file of this version of nas")
    return arrays


def _resolve(event_dir: Path, state: dict) -> dict:
    def store(s):
        return {"weights": {k: _read_layers(event_dir, v) for k, v in s["weights"].items()}}

    state["store"] = store(state["store"])
    if state["pending"] is not None and "store" in state["pending"]:
        state["pending"]["store"] = store(state["pending"]["store"])
    if state["pending"] is not None and "halving" in state["pending"]:
        rung = state["pending"]["halving"]
        rung["weights"] = {i: _read_layers(event_dir, w) for i, w in rung["weights"].items()}
    if state["best"] is not None:
        acc, index, weights = state["best"]
        state["best"] = (acc, index, _read_layers(event_dir, weights))
    return state


# --- the checkpoint file -----------------------------------------------------------------

def save(event_dir: str | os.PathLike, state: dict, layers: LayerFiles | None = None) -> None:
    """Write the layer files, the checkpoint, then the log (see the module docstring).

    Pass the same `layers` to every save of a search: it remembers what is written.
    """
    event_dir = Path(event_dir)
    layers = layers or LayerFiles(event_dir)
    storage.write_pickle_atomic(event_dir / names.CHECKPOINT_FILE,
                             {"format": FORMAT, **_with_refs(state, layers)})
    storage.write_log(event_dir / names.LOG_FILE, state["entries"])
    layers.prune()


def require(event_dir: str | os.PathLike) -> Path:
    """The checkpoint's path; a clear error when the event has none."""
    path = Path(event_dir) / names.CHECKPOINT_FILE
    if not path.exists():
        raise NasError(f"{Path(event_dir).name} cannot be resumed: missing {path} (written by "
                       "another tool or an older version?)")
    return path


def load(event_dir: str | os.PathLike) -> dict:
    """Read a checkpoint safely (restricted unpickler); a clear error naming the file."""
    path = require(event_dir)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NasError(f"cannot read {path}: {exc.strerror}") from None
    state = storage.safe_unpickle(data, str(path))
    if not isinstance(state, dict) or state.get("format") not in (1, FORMAT):
        raise NasError(f"{path}: not a checkpoint of this version of nas")
    missing = [k for k in _KEYS if k not in state]
    if missing or not isinstance(state["entries"], list):
        raise NasError(f"{path}: incomplete checkpoint (missing {', '.join(missing) or 'entries'})")
    state["entries"] = [storage.LogEntry.from_raw(i, raw, str(path))
                        for i, raw in enumerate(state["entries"])]
    return _resolve(Path(event_dir), state)


# --- what a resumed search may change ------------------------------------------------------

def _same(name: str, old: Any, new: Any) -> bool:
    if name == "keep_columns":
        return tuple(old) == tuple(new)
    return old == new


def resume_config(logs_dir: str | os.PathLike, event: str | None, options: dict,
                  explicit: Iterable[str], option_names: dict | None = None
                  ) -> tuple[SearchConfig, Path]:
    """(configuration, event folder) of the search to resume.

    The stored configuration wins. Options given explicitly on the command line must
    agree with it, except the few in RESUME_MAY_CHANGE (a longer --controller-epochs
    extends the budget); anything else would change the search and is refused, naming
    the option as the user typed it (`option_names`: field -> option, e.g. --predictor).
    """
    option_names = option_names or {}
    path = storage.resolve_event(logs_dir, event or None)
    require(path)
    stored = SearchConfig.from_dict(storage.read_json(path / names.CONFIG_FILE).get("config", {}))
    changes, refused = {}, []
    for name in sorted(set(explicit) & set(options)):
        old, new = getattr(stored, name, None), options[name]
        if new is None or _same(name, old, new):
            continue
        if name in C.RESUME_MAY_CHANGE:
            changes[name] = new
        else:
            option = option_names.get(name, f"--{name.replace('_', '-')}")
            refused.append(f"{option} ({old} -> {new})")
    if refused:
        raise NasError(f"a resumed search keeps its configuration; cannot change "
                       f"{', '.join(refused)} (start a new search instead)")
    if changes.get("controller_epochs", stored.controller_epochs) < stored.controller_epochs:
        raise NasError(f"--controller-epochs can only extend a resumed search "
                       f"(it has {stored.controller_epochs})")
    changes["logs_dir"] = str(path.parent)
    return stored.with_changes(**changes), path


def check_dataset(event_dir: Path, summary: dict) -> None:
    """Refuse to resume on data that differs from the data the search started on."""
    recorded = storage.read_json(event_dir / names.CONFIG_FILE).get("dataset", {})
    old, new = recorded.get("fingerprint"), summary.get("fingerprint")
    if old and old != new:
        raise NasError(f"the data of {summary.get('name')} changed since {event_dir.name} "
                       f"started (fingerprint {old} -> {new}); cannot resume on other data")


def resume_hint(event_dir: Path) -> str:
    """The command that resumes an event."""
    number = event_dir.name[len(names.EVENT_PREFIX):]
    return f"nas search --resume {number} --logs-dir {event_dir.parent}"


# --- Ctrl-C and SIGTERM ----------------------------------------------------------------------

STOP_SIGNALS = {signal.SIGINT: C.INTERRUPTED_EXIT_CODE, signal.SIGTERM: C.TERMINATED_EXIT_CODE}


class StopRequest:
    """Set by the first Ctrl-C or SIGTERM; the search stops after the child it is training
    is logged, and exits with the signal's own code (130 or 143)."""

    def __init__(self) -> None:
        self.requested = False
        self.exit_code = C.INTERRUPTED_EXIT_CODE

    def check(self) -> None:
        """Raise KeyboardInterrupt when a stop was requested."""
        if self.requested:
            raise KeyboardInterrupt


@contextmanager
def graceful_sigint(message: str) -> Iterator[StopRequest]:
    """First Ctrl-C or SIGTERM: print `message` and request a stop; a second stops at once."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be set in the main thread
        return

    def handler(signum, frame):
        stop.exit_code = STOP_SIGNALS.get(signum, C.INTERRUPTED_EXIT_CODE)
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        sys.stderr.write(f"\n{name}: {message}\n")
        sys.stderr.flush()

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
