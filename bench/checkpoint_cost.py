"""What a checkpoint costs: save (pickle + fsync + rename) and safe load of a worst-case state.

The MLP space's one-shot weight store is largest when every (input width, units,
activation) layer has been trained once: about 17 MB of float32 for 11 input features.
A checkpoint is written after every child, so compare its cost with a child's training.

    /work/main/.venv/bin/python bench/checkpoint_cost.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import CONSTANTS as C  # noqa: E402
from mlpnas.search import checkpoint  # noqa: E402
from mlpnas.storage import names  # noqa: E402


def worst_case_store(n_features: int = 11, n_classes: int = 3) -> dict:
    """Every dense layer key of the MLP space, with weights of its real shape."""
    widths = [n_features, *C.MLP_UNITS]
    store = {}
    for width in widths:
        for units in C.MLP_UNITS:
            for act in C.MLP_ACTIVATIONS:
                store[("dense", width, units, act)] = [np.ones((width, units), "float32"),
                                                       np.ones(units, "float32")]
        store[("dense", width, n_classes, "softmax")] = [np.ones((width, n_classes), "float32"),
                                                         np.ones(n_classes, "float32")]
    return store


def main() -> None:
    store = worst_case_store()
    size = sum(w.nbytes for ws in store.values() for w in ws)
    entries = [[[1, 5, 30], 0.5, None, {"history": {"loss": [0.1] * 10,
                                                    "val_accuracy": [0.5] * 10}}]] * 1000
    controller = [np.ones((133, 400), "float32"), np.ones((100, 400), "float32")] * 3
    best = (0.9, 3, list(store[("dense", 11, 512, "relu")]))
    state = {"entries": entries, "epoch_stats": [], "best": best, "store": {"weights": store},
             "strategy": {"weights": controller, "rng": {}},
             "next_epoch": 3, "pending": None}
    with tempfile.TemporaryDirectory() as tmp:
        saves, loads = [], []
        for _ in range(5):
            start = time.perf_counter()
            checkpoint.save(tmp, state)
            saves.append(time.perf_counter() - start)
            start = time.perf_counter()
            checkpoint.load(tmp)
            loads.append(time.perf_counter() - start)
        file_mb = os.path.getsize(Path(tmp) / names.CHECKPOINT_FILE) / 1e6
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    print(f"weight store: {len(store)} layers, {size / 1e6:.1f} MB; 1000 log entries")
    print(f"checkpoint file: {file_mb:.1f} MB")
    print(f"save (pickle, fsync, rename, then the log): median {np.median(saves) * 1000:.0f} ms")
    print(f"safe load (opcode scan + restricted unpickler): "
          f"median {np.median(loads) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
