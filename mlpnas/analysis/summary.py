"""Reading what a search found: ranked architectures and per-epoch summaries. No TensorFlow."""

from __future__ import annotations

from typing import Any

import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.storage import LogEntry, names, read_json
from mlpnas.storage.events import Event
from mlpnas.spaces import make_space
from mlpnas.spaces.base import SearchSpace


def event_space(event: Event) -> SearchSpace:
    """The search space an event was run in (MLPNAS logs: the MLPNAS vocabulary)."""
    cfg = event.config.get("config", {})
    return make_space(cfg.get("space", "mlp"),
                      max_length=max([cfg.get("max_layers", C.MAX_ARCHITECTURE_LENGTH)]
                                     + [len(e.tokens) for e in event.entries]),
                      input_shape=event.config.get("dataset", {}).get("input_shape"))


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
    try:
        return space.describe(entry.tokens, event.n_classes)
    except NasError:  # tokens from another vocabulary: show what the log recorded
        return "[" + ", ".join(map(str, entry.meta.get("layers", entry.tokens))) + "]"


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
        for key in ("params", "controller_epoch", "inherited_layers", "epochs", "best_epoch",
                    "rung", "stopped_early", "val_rmse", "val_mae", "val_r2"):
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
                                                   C.MLPNAS_SAMPLES_PER_EPOCH)
    return np.arange(len(event.entries)) // max(1, int(per_epoch))


def epoch_means(event: Event, skip_failed: bool = False) -> list[tuple[int, float, float]]:
    """(epoch, mean, best) validation accuracy per controller epoch (failed: reward 0)."""
    epochs = epoch_of(event)
    acc = np.asarray([e.val_accuracy for e in event.entries])
    if skip_failed:
        keep = np.array([not e.failed for e in event.entries], dtype=bool)
        epochs, acc = epochs[keep], acc[keep]
    return [(int(k), float(acc[epochs == k].mean()), float(acc[epochs == k].max()))
            for k in np.unique(epochs)]


def trained(event: Event) -> list[LogEntry]:
    """The children that trained (failed ones carry an artificial accuracy)."""
    return [e for e in event.entries if not e.failed]


def require_children(event: Event, minimum: int, command: str) -> list[LogEntry]:
    """The trained children, or a one-line error when there are fewer than `minimum`."""
    ok = trained(event)
    if len(ok) < minimum:
        raise NasError(f"{event.name} has {len(ok)} trained "
                       f"{'child' if len(ok) == 1 else 'children'}; "
                       f"{command} needs at least {minimum}")
    return ok


def event_status(event: Event) -> dict:
    """The event's status.json (children, best, epochs, test_accuracy...); {} when absent."""
    path = event.path / names.STATUS_FILE
    return read_json(path) if path.exists() else {}


def looks_sorted(event: Event) -> bool:
    """True when a log without epochs is ordered by accuracy (so not in training order)."""
    if any(e.controller_epoch is not None for e in event.entries) or len(event.entries) < 3:
        return False
    diffs = np.diff([e.val_accuracy for e in event.entries])
    return bool((diffs <= 0).all() or (diffs >= 0).all())


def order_warning(event: Event) -> str | None:
    """A warning to show with per-epoch figures when the log is not in training order."""
    if looks_sorted(event):
        return (f"{event.name} is sorted by accuracy, not in training order: "
                "its per-epoch figures do not show how the search moved")
    return None


def majority_rate(event: Event) -> float | None:
    """Accuracy of always answering the most common class, when the log recorded it."""
    rate = event.config.get("dataset", {}).get("majority_rate")
    return None if rate is None else float(rate)


def event_setup(event: Event) -> dict[str, Any]:
    """The dataset, space and strategy an event searched ('?' where not recorded)."""
    return {"dataset": event.config.get("dataset", {}).get("name") or "?",
            "space": event.config.get("space") or event.config.get("config", {}).get("space")
            or "?", "strategy": event.config.get("strategy") or "?"}


def event_title(event: Event, name: str | None = None) -> str:
    """'event3: wine-quality.csv, mlp space, rl', to say which search a figure is of."""
    setup = event_setup(event)
    parts = [setup["dataset"], f"{setup['space']} space", setup["strategy"]]
    known = [p for p, v in zip(parts, setup.values()) if v != "?"]
    return f"{name or event.name}: " + (", ".join(known) if known else "setup not recorded")


def compare_warning(events: list[Event]) -> str | None:
    """What differs between the events' data, spaces or strategies (None: comparable)."""
    differ = []
    if len({is_regression(e) for e in events}) > 1:
        differ.append("task (accuracy and R^2 mixed)")
    for what in ("dataset", "space", "strategy"):
        values = {event_setup(e)[what] for e in events}
        if len(values) > 1:
            differ.append(f"{what} ({', '.join(sorted(values))})")
    prints = {e.config.get("dataset", {}).get("fingerprint") for e in events} - {None}
    if len(prints) > 1 and not any(d.startswith("dataset") for d in differ):
        differ.append("the data behind the same dataset name")
    if not differ:
        return None
    return ("these events differ in " + "; ".join(differ)
            + ": their accuracies are not directly comparable")


def is_regression(event: Event) -> bool:
    """True for an event that searched a regression target (mlpnas.data.target)."""
    return event.config.get("dataset", {}).get("task") == "regression"


def metric_name(event: Event, short: bool = False) -> str:
    """What an event's scores are: 'validation accuracy' or 'validation R^2' (the clipped R^2
    of a regression; short: without 'validation')."""
    name = "R^2" if is_regression(event) else "accuracy"
    return name if short else f"validation {name}"


def mean_baseline(event: Event) -> dict | None:
    """Validation RMSE, MAE and R^2 of predicting the training mean (regression events)."""
    return event.config.get("dataset", {}).get("mean_baseline")


def baseline(event: Event) -> tuple[float, str] | None:
    """(score, label) of the simplest predictor on the score's scale: the majority class, or
    the training mean (its R^2 clipped like a child's); None when not recorded."""
    if is_regression(event):
        mb = mean_baseline(event)
        if mb is None:
            return None
        return (min(1.0, max(0.0, mb["r2"])),
                f"predicting the training mean, RMSE {mb['rmse']:.4g},")
    rate = majority_rate(event)
    return None if rate is None else (rate, "majority-class rate")


def yardstick(event: Event) -> str:
    """'majority-class rate 0.6286' (the accuracy of always answering the commonest class),
    or for a regression the errors of predicting the training mean."""
    if is_regression(event):
        mb = mean_baseline(event)
        return ("mean prediction not recorded" if mb is None else
                f"predicting the training mean: RMSE {mb['rmse']:.4g}, MAE {mb['mae']:.4g}, "
                f"R^2 {mb['r2']:.4f}")
    rate = majority_rate(event)
    return "majority-class rate not recorded" if rate is None else f"majority-class rate {rate:.4f}"


def row_score(row: dict) -> str:
    """A top-n row's score: '0.9123', or 'R^2 0.4512  RMSE 52.31  MAE 41.2' (regression)."""
    if "val_rmse" not in row:
        return f"{row['val_accuracy']:.4f}"
    return (f"R^2 {row['val_accuracy']:.4f}  RMSE {row['val_rmse']:.4g}  "
            f"MAE {row['val_mae']:.4g}")


def accuracy_histogram(event: Event) -> dict[str, list]:
    """Trained children per 1-point accuracy bin: bin starts (percent), counts, percents."""
    ok = require_children(event, C.DISTRIBUTION_MIN_CHILDREN, "plot-distribution")
    # The small epsilon keeps 0.29 (28.999...% in floating point) in the 29% bin.
    points = np.clip(np.floor(np.array([e.val_accuracy for e in ok]) * 100 + 1e-6), 0, 99)
    starts = np.arange(points.min(), points.max() + 1).astype(int)
    counts = np.array([(points == s).sum() for s in starts])
    return {"bin_start_percent": starts.tolist(), "counts": counts.tolist(),
            "percent": (100.0 * counts / len(ok)).tolist()}


def choice_frequencies(event: Event, space: SearchSpace | None = None) -> dict[str, Any]:
    """For each token position, the share of each epoch's children that chose each token.

    All sampled children count (failed ones too: the controller chose them). A sequence
    that ended before a position counts as '(ended)' there, so each column sums to 1.
    """
    if not event.entries:
        raise NasError(f"{event.name} has no children yet")
    space = space or event_space(event)
    epochs = epoch_of(event)
    keys = np.unique(epochs)
    per_epoch = np.array([(epochs == k).sum() for k in keys])
    positions = []
    for pos in range(max(len(e.tokens) for e in event.entries)):
        at = [e.tokens[pos] if pos < len(e.tokens) else None for e in event.entries]
        rows = []
        for tok in sorted({t for t in at if t is not None}) + [None] * (None in at):
            chose = np.array([t == tok for t in at])
            counts = np.array([chose[epochs == k].sum() for k in keys])
            rows.append({"token": tok,
                         "label": "(ended)" if tok is None else space.token_label(pos, tok),
                         "frequency": (counts / per_epoch).tolist()})
        positions.append({"position": pos + 1, "choices": rows})
    return {"epochs": keys.tolist(), "children_per_epoch": per_epoch.tolist(),
            "positions": positions}


def _value_key(value: Any) -> tuple:
    return (isinstance(value, str), value)


def _bootstrap_interval(a: np.ndarray, b: np.ndarray, level: float, samples: int,
                        rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap interval of mean(a) - mean(b), resampling each group."""
    diffs = (a[rng.integers(0, len(a), (samples, len(a)))].mean(axis=1)
             - b[rng.integers(0, len(b), (samples, len(b)))].mean(axis=1))
    tail = (1 - level) / 2
    lo, hi = np.quantile(diffs, [tail, 1 - tail])
    return float(lo), float(hi)


def choice_effects(event: Event, space: SearchSpace | None = None,
                   samples: int = C.EFFECT_BOOTSTRAP_SAMPLES,
                   confidence: float = C.EFFECT_CONFIDENCE,
                   seed: int = C.EFFECT_SEED) -> list[dict[str, Any]]:
    """Per (choice, value): count, mean and best accuracy of the children that used it.

    effect = mean accuracy with the value - mean without it. Its bootstrap interval has
    family-wise `confidence` (Bonferroni over all values with an effect); a value is
    marked `beyond_noise` when the interval excludes 0 and both groups have at least
    EFFECT_MIN_GROUP children. Rows come ranked by effect, largest first.
    """
    ok = require_children(event, C.ANALYZE_MIN_CHILDREN, "analyze")
    space = space or event_space(event)
    acc = np.array([e.val_accuracy for e in ok])
    used: dict[tuple[str, Any], set[int]] = {}
    for i, entry in enumerate(ok):
        for name, value in space.choices(entry.tokens):
            used.setdefault((name, value), set()).add(i)
    keys = sorted(used, key=lambda k: (k[0], _value_key(k[1])))
    tested = [k for k in keys if len(used[k]) < len(ok)]
    level = 1 - (1 - confidence) / max(1, len(tested))
    rng = np.random.default_rng(seed)
    rows = []
    for name, value in keys:
        mask = np.zeros(len(ok), dtype=bool)
        mask[list(used[(name, value)])] = True
        with_, without = acc[mask], acc[~mask]
        row = {"choice": name, "value": value, "count": int(mask.sum()),
               "mean": float(with_.mean()), "best": float(with_.max()),
               "effect": None, "interval": None, "beyond_noise": False}
        if len(without):
            lo, hi = _bootstrap_interval(with_, without, level, samples, rng)
            row.update(effect=float(with_.mean() - without.mean()), interval=[lo, hi],
                       beyond_noise=bool((lo > 0 or hi < 0)
                                         and min(len(with_), len(without)) >= C.EFFECT_MIN_GROUP))
        rows.append(row)
    return sorted(rows, key=lambda r: (r["effect"] is None, -(r["effect"] or 0.0)))


def wall_seconds(event: Event) -> float | None:
    """Wall time of the search from status.json; None when it was not recorded."""
    seconds = event_status(event).get("elapsed_seconds")
    return None if seconds is None else float(seconds)


def event_labels(events: list[Event]) -> list[str]:
    """Names to tell events apart: folder names, or full paths where two names clash."""
    names = [e.name for e in events]
    return [str(e.path) if names.count(e.name) > 1 else e.name for e in events]


def compare_rows(events: list[Event]) -> list[dict[str, Any]]:
    """One summary row per event, in the order given."""
    rows = []
    for event, label in zip(events, event_labels(events)):
        ok = require_children(event, C.COMPARE_MIN_CHILDREN, "compare")
        last = epoch_means(event, skip_failed=True)[-1]
        cfg = event.config.get("config", {})
        rows.append({"event": label, "path": str(event.path), "metric": metric_name(event, True),
                     "strategy": event.config.get("strategy"), "one_shot": cfg.get("one_shot"),
                     "children": len(ok), "failed": len(event.entries) - len(ok),
                     "best": max(e.val_accuracy for e in ok),
                     "last_epoch": last[0], "last_epoch_mean": last[1],
                     "wall_seconds": wall_seconds(event)})
    return rows

