"""The Pareto front of an event: validation score against a logged cost. No TensorFlow.

Costs are read from each child's meta (mlpnas.training.cost): `params` or `latency_ms`.
Failed children and children over a hard limit are never on a front; children of logs
without cost measures are left out, and an event with none measured is a one-line error.
"""

from __future__ import annotations

from typing import Any, Sequence

import CONSTANTS as C
from mlpnas.analysis import pareto
from mlpnas.analysis.summary import architecture, describe, event_labels, event_space, trained
from mlpnas.errors import NasError
from mlpnas.storage import LogEntry
from mlpnas.storage.events import Event
from mlpnas.strategies.objectives import parse_objective


def event_cost(event: Event, cost: str | None = None) -> str:
    """The cost to read: `cost` when given, else the event's objective's, else params."""
    if cost is not None:
        if cost not in C.COST_KEYS:
            raise NasError(f"unknown cost {cost!r}; choose one of: {', '.join(C.COST_KEYS)}")
        return cost
    objective = event.config.get("config", {}).get("objective", C.DEFAULT_OBJECTIVE)
    try:
        return parse_objective(objective) or "params"
    except NasError:
        return "params"


def costed(event: Event, cost: str) -> list[LogEntry]:
    """The trained children that logged `cost`; a one-line error when none did."""
    key = C.COST_KEYS[cost]
    entries = [e for e in trained(event) if e.meta.get(key) is not None]
    if not entries:
        raise NasError(f"{event.name} has no trained children with a measured {cost} "
                       f"({key}): a log from before cost measures, or every child failed")
    return entries


def points(entries: Sequence[LogEntry], cost: str) -> list[pareto.Point]:
    """(score, cost) of each entry."""
    key = C.COST_KEYS[cost]
    return [(float(e.val_accuracy), float(e.meta[key])) for e in entries]


def front_entries(event: Event, cost: str) -> list[LogEntry]:
    """The non-dominated children, cheapest first."""
    entries = costed(event, cost)
    front = [entries[i] for i in pareto.non_dominated(points(entries, cost))]
    return sorted(front, key=lambda e: (e.meta[C.COST_KEYS[cost]], -e.val_accuracy, e.index))


def pareto_rows(event: Event, cost: str | None = None) -> list[dict[str, Any]]:
    """One row per child on the front (cheapest first) with its score and costs."""
    cost = event_cost(event, cost)
    space = event_space(event)
    rows = []
    for entry in front_entries(event, cost):
        row = {"index": entry.index, "tokens": list(entry.tokens),
               "architecture": architecture(event, entry, space),
               "description": describe(event, entry, space),
               "val_accuracy": entry.val_accuracy, "cost": cost,
               "cost_value": entry.meta[C.COST_KEYS[cost]]}
        for key in ("params", "size_bytes", "latency_ms", "latency_batch_ms", "latency_batch",
                    "latency_threads"):
            if key in entry.meta:
                row[key] = entry.meta[key]
        rows.append(row)
    return rows


def front_summaries(events: Sequence[Event], cost: str | None = None,
                    tolerance: float = C.PARETO_SCORE_TOLERANCE) -> dict[str, Any]:
    """Each event's front with its hypervolume, all with one reference point (see
    mlpnas.analysis.pareto), and its cheapest child within `tolerance` of its best."""
    cost = event_cost(events[0], cost)
    sets = [points(costed(e, cost), cost) for e in events]
    reference = pareto.reference_point(sets)
    rows = []
    for event, label, pts in zip(events, event_labels(events), sets):
        cheap = pts[pareto.smallest_within(pts, tolerance)]
        rows.append({"event": label, "children": len(pts),
                     "front": len(pareto.non_dominated(pts)),
                     "best": max(p[0] for p in pts),
                     "hypervolume": pareto.hypervolume(pts, reference),
                     "smallest_near_best": {"val_accuracy": cheap[0], "cost_value": cheap[1]}})
    return {"cost": cost, "reference": {"val_accuracy": reference[0], "cost_value": reference[1]},
            "tolerance": tolerance, "events": rows}
