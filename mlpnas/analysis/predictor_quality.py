"""How good the accuracy predictor is, read from a log: the one definition of its quality.

Every command that scores the predictor (`nas report`, `nas predictor-report`,
`nas plot-predictor`) and the per-epoch figures of status.json use this module, so
they agree. The score is out-of-sample:

A log entry's third field is the accuracy predicted before that child trained. The
predictor is fitted after each controller epoch on every child logged so far, so the
children of epoch k that it had not been trained on yet are those whose sequence does
not appear in an earlier epoch; only those count (a repeat of a trained sequence would
flatter it). Failed children (worst reward, no real accuracy) are left out. The figures
are the mean absolute error and Kendall's tau-b (rank agreement) of predicted against
actual validation accuracy.
Works on MLPNAS's own logs too (epochs inferred from the samples per epoch). No TensorFlow.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from mlpnas.analysis.summary import epoch_of, order_warning
from mlpnas.errors import NasError
from mlpnas.storage import LogEntry
from mlpnas.storage.events import Event


# How the scored children are described wherever a figure is shown.
OUT_OF_SAMPLE = "children the predictor had not been trained on (out-of-sample)"


def unseen_flags(entries: Sequence[LogEntry], epochs: np.ndarray) -> np.ndarray:
    """True for each entry whose sequence was not logged in an earlier controller epoch."""
    first_epoch: dict[tuple, int] = {}
    for entry, epoch in zip(entries, epochs):
        first_epoch[entry.tokens] = min(first_epoch.get(entry.tokens, epoch), epoch)
    return np.asarray([first_epoch[e.tokens] == k for e, k in zip(entries, epochs)], dtype=bool)


def _scored(entries: Sequence[LogEntry], epochs: np.ndarray) -> np.ndarray:
    """Entries that count: predicted, trained, and unseen by the predictor."""
    has_pred = np.asarray([e.predicted_accuracy is not None and not e.failed for e in entries],
                          dtype=bool)
    return has_pred & unseen_flags(entries, epochs) if len(entries) else has_pred


def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def quality(predicted: Sequence[float], actual: Sequence[float]) -> dict[str, Any]:
    """n, mean absolute error and Kendall's tau-b (None where undefined)."""
    p, a = np.asarray(predicted, dtype=float), np.asarray(actual, dtype=float)
    if len(p) == 0:
        return {"n": 0, "mae": None, "tau": None}
    tau = None
    if len(p) > 1 and np.ptp(p) > 0 and np.ptp(a) > 0:
        from scipy.stats import kendalltau

        tau = _finite(kendalltau(p, a).statistic)
    return {"n": int(len(p)), "mae": float(np.mean(np.abs(p - a))), "tau": tau}


def _pairs(entries: Sequence[LogEntry], mask: np.ndarray) -> tuple[list, list]:
    chosen = [e for e, keep in zip(entries, mask) if keep]
    return [e.predicted_accuracy for e in chosen], [e.val_accuracy for e in chosen]


def epoch_quality(entries: Sequence[LogEntry], epoch: int) -> dict[str, float | None]:
    """The predictor's MAE and tau on one epoch's unseen children (for status.json)."""
    epochs = np.asarray([e.controller_epoch for e in entries], dtype=int)
    q = quality(*_pairs(entries, _scored(entries, epochs) & (epochs == epoch)))
    return {"predictor_n": float(q["n"]), "predictor_mae": q["mae"], "predictor_tau": q["tau"]}


def _require_predictions(event: Event) -> None:
    if not any(e.predicted_accuracy is not None for e in event.entries):
        raise NasError(f"{event.path}: the log has no predicted accuracies (a search without "
                       "--predictor, or an MLPNAS log with two fields per entry); "
                       "run `nas search --predictor` to record them")


def predictor_report(event: Event) -> dict[str, Any]:
    """Per-epoch and overall predictor quality of an event; NasError without predictions."""
    _require_predictions(event)
    entries = event.entries
    epochs = epoch_of(event)
    scored = _scored(entries, epochs)
    rows = []
    for k in np.unique(epochs):
        in_epoch = epochs == k
        rows.append({"epoch": int(k), "children": int(in_epoch.sum()),
                     "predicted": int(sum(e.predicted_accuracy is not None
                                          for e, keep in zip(entries, in_epoch) if keep)),
                     **quality(*_pairs(entries, scored & in_epoch))})
    return {"event": event.name, "path": str(event.path), "epochs": rows,
            "all": quality(*_pairs(entries, scored)),
            "notes": [w for w in [order_warning(event)] if w]}


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def format_report(report: dict[str, Any]) -> list[str]:
    """The report as table lines."""
    lines = [f"predictor quality of {report['event']}, on {OUT_OF_SAMPLE}",
             f"{'epoch':>5}  {'children':>8}  {'predicted':>9}  {'unseen':>6}  "
             f"{'MAE':>7}  {'tau':>6}"]
    for row in report["epochs"] + [{"epoch": "all", **report["all"],
                                    "children": sum(r["children"] for r in report["epochs"]),
                                    "predicted": sum(r["predicted"] for r in report["epochs"])}]:
        lines.append(f"{row['epoch']:>5}  {row['children']:>8}  {row['predicted']:>9}  "
                     f"{row['n']:>6}  {_cell(row['mae'], '7.4f')}  {_cell(row['tau'], '6.3f')}")
    lines += [f"note: {note}" for note in report["notes"]]
    return lines


def scatter_data(event: Event) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(predicted, actual, epoch) of the children the report scores, for the plot."""
    _require_predictions(event)
    epochs = epoch_of(event)
    scored = _scored(event.entries, epochs)
    pred, actual = _pairs(event.entries, scored)
    return np.asarray(pred, dtype=float), np.asarray(actual, dtype=float), epochs[scored]
