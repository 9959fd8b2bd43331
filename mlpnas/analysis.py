"""Reading what a search found: ranked architectures and per-epoch summaries. No TensorFlow."""

from __future__ import annotations

from typing import Any

import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.logs import Event, LogEntry
from mlpnas.space import SearchSpace, make_space


def event_space(event: Event) -> SearchSpace:
    """The search space an event was run in (MLPNAS logs: the MLPNAS vocabulary)."""
    cfg = event.config.get("config", {})
    return make_space(cfg.get("space", "mlp"),
                      max_length=max([cfg.get("max_layers", C.MAX_ARCHITECTURE_LENGTH)]
                                     + [len(e.tokens) for e in event.entries]))


def architecture(event: Event, entry: LogEntry, space: SearchSpace | None = None) -> list[str]:
    """Decoded layers of an entry as strings (from the log when it recorded them)."""
    if entry.meta.get("layers"):
        return [str(layer) for layer in entry.meta["layers"]]
    space = space or event_space(event)
    return space.layer_strings(entry.tokens, event.n_classes)


def describe(event: Event, entry: LogEntry, space: SearchSpace | None = None) -> str:
    """One-line architecture, e.g. [(128, 'relu'), 'dropout', (3, 'softmax')]."""
    if entry.meta.get("description"):
        return str(entry.meta["description"])
    space = space or event_space(event)
    if entry.meta.get("layers") is None:
        return space.describe(entry.tokens, event.n_classes)
    return "[" + ", ".join(entry.meta["layers"]) + "]"


def top_n(event: Event, n: int = C.TOP_N) -> list[dict[str, Any]]:
    """The n best trained children, best first (ties: earlier first); failed ones excluded."""
    if n < 1:
        raise NasError(f"N must be at least 1, got {n}")
    ok = [e for e in event.entries if not e.failed]
    if not ok:
        raise NasError(f"{event.path}: no trained children in the log")
    space = event_space(event)
    ranked = sorted(ok, key=lambda e: (-e.val_accuracy, e.index))[:n]
    rows = []
    for rank, entry in enumerate(ranked, 1):
        row = {"rank": rank, "index": entry.index, "tokens": list(entry.tokens),
               "architecture": architecture(event, entry, space),
               "description": describe(event, entry, space),
               "val_accuracy": entry.val_accuracy}
        if entry.predicted_accuracy is not None:
            row["predicted_accuracy"] = entry.predicted_accuracy
        for key in ("params", "controller_epoch", "inherited_layers"):
            if key in entry.meta:
                row[key] = entry.meta[key]
        rows.append(row)
    return rows


def epoch_of(event: Event) -> np.ndarray:
    """Controller epoch of every entry (MLPNAS logs: inferred from the samples per epoch)."""
    epochs = [e.controller_epoch for e in event.entries]
    if all(x is not None for x in epochs):
        return np.asarray(epochs, dtype=int)
    per_epoch = event.config.get("config", {}).get("samples_per_epoch",
                                                   C.SAMPLES_PER_CONTROLLER_EPOCH)
    return np.arange(len(event.entries)) // max(1, int(per_epoch))


def epoch_means(event: Event) -> list[tuple[int, float, float]]:
    """(epoch, mean, best) validation accuracy per controller epoch."""
    epochs = epoch_of(event)
    acc = np.asarray([e.val_accuracy for e in event.entries])
    return [(int(k), float(acc[epochs == k].mean()), float(acc[epochs == k].max()))
            for k in np.unique(epochs)]
