"""The events of a logs folder at a glance (`nas events`). No TensorFlow: answers at once.

Each event is summarised on its own: a broken one (missing or corrupted files) is listed
with the error naming the file, and the other events still list.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mlpnas import storage
from mlpnas.errors import NasError
from mlpnas.storage import names


def _status(path: Path, status: dict) -> str:
    """finished / failed / interrupted / running; a 'running' event nobody holds was killed."""
    value = str(status.get("status", "unknown"))
    if value == "running" and not storage.event_is_locked(path):
        return "interrupted"
    return value


def summarize_event(number: int, path: Path) -> dict[str, Any]:
    """One event's number, dataset, space, strategy, children of budget, best, status."""
    row: dict[str, Any] = {"event": number, "path": str(path), "dataset": None, "space": None,
                           "strategy": None, "children": None, "budget": None,
                           "best_val_accuracy": None, "majority_rate": None, "status": "unknown"}
    try:
        entries = storage.read_log(path / names.LOG_FILE)
        row["children"] = len(entries)
        trained = [e.val_accuracy for e in entries if not e.failed]
        row["best_val_accuracy"] = max(trained) if trained else None
        if (path / names.CONFIG_FILE).exists():
            config = storage.read_json(path / names.CONFIG_FILE)
            data = config.get("dataset", {})
            row.update(dataset=data.get("name"), space=config.get("space"),
                       strategy=config.get("strategy"), budget=config.get("budget"),
                       majority_rate=data.get("majority_rate"))
            if data.get("task") == "regression":
                row.update(metric="R^2", mean_baseline=data.get("mean_baseline"))
            if config.get("warm_start"):
                row["warm_start"] = Path(str(config["warm_start"].get("event"))).name
        if (path / names.STATUS_FILE).exists():
            status = storage.read_json(path / names.STATUS_FILE)
            row["status"] = _status(path, status)
            if status.get("stop_reason"):
                row["stop_reason"] = str(status["stop_reason"])
        elif (path / names.CONFIG_FILE).exists():
            raise NasError(f"missing file: {path / names.STATUS_FILE}")
    except NasError as exc:
        row.update(status="broken", error=str(exc))
    return row


def list_events(logs_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Summaries of every event of a logs folder, by number (none: an empty list)."""
    return [summarize_event(number, path)
            for number, path in storage.event_dirs(logs_dir).items()]


def format_events(rows: list[dict[str, Any]]) -> list[str]:
    """A text table, one line per event ('baseline': the majority-class rate to beat; for a
    regression event 'best val' is an R^2 and 'baseline' reads 'mean' and the R^2 of
    predicting the training mean)."""
    lines = [f"{'event':>6}  {'dataset':<18} {'space':<6} {'strategy':<9} {'children':>9}  "
             f"{'best val':>8}  {'baseline':>8}  status"]
    for row in rows:
        done = "-" if row["children"] is None else str(row["children"])
        budget = "?" if row["budget"] is None else str(row["budget"])
        best = "-" if row["best_val_accuracy"] is None else f"{row['best_val_accuracy']:.4f}"
        rate = "-" if row["majority_rate"] is None else f"{row['majority_rate']:.4f}"
        if row.get("metric") == "R^2":
            best = f"R2 {best}"
            rate = "-" if not row.get("mean_baseline") else f"mean {row['mean_baseline']['r2']:.2f}"
        status = row["status"] + (f": {row['error']}" if row.get("error") else "")
        status += f" ({row['stop_reason'].split(':')[0]})" if row.get("stop_reason") else ""
        status += f", warm-started from {row['warm_start']}" if row.get("warm_start") else ""
        lines.append(f"{row['event']:>6}  {str(row['dataset'] or '-'):<18.18} "
                     f"{str(row['space'] or '-'):<6} {str(row['strategy'] or '-'):<9} "
                     f"{done + '/' + budget:>9}  {best:>8}  {rate:>8}  {status}")
    return lines
