"""Files a search writes and reads: atomic writes, JSON, and a pickle reader that never runs code.

No TensorFlow. Every file of an event folder is written through `write_*_atomic`, so a
reader (or a crash) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import pickletools
import tempfile
from pathlib import Path
from typing import Any

from mlpnas.errors import NasError

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
