"""Plain-text tables of analysis results, for the terminal. No TensorFlow."""

from __future__ import annotations

from typing import Any, Sequence

import CONSTANTS as C


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned."""
    cells = [list(headers)] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows)
               for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if num else c.ljust(w)
                       for c, w, num in zip(row, widths, numeric)).rstrip() for row in cells]
    return "\n".join(lines)


def frequency_table(freqs: dict) -> str:
    """Per position: the % of each epoch's children that chose each token."""
    headers = ["choice"] + [f"e{k}" for k in freqs["epochs"]]
    blocks = [f"Choices per controller epoch (% of the epoch's children; "
              f"children per epoch: {', '.join(map(str, freqs['children_per_epoch']))})"]
    for pos in freqs["positions"]:
        rows = [[row["label"]] + [round(100 * f) for f in row["frequency"]]
                for row in pos["choices"]]
        blocks.append(f"position {pos['position']}\n" + text_table(headers, rows))
    return "\n\n".join(blocks)


def effects_table(effects: list[dict]) -> str:
    """Per-choice effects, ranked; '*' marks differences larger than the noise."""
    rows = [[r["choice"], str(r["value"]), r["count"], r["mean"], r["best"],
             None if r["effect"] is None else f"{r['effect']:+.4f}",
             None if r["interval"] is None else "[{:+.4f}, {:+.4f}]".format(*r["interval"]),
             "*" if r["beyond_noise"] else ""] for r in effects]
    title = ("Per-choice effects (effect = mean accuracy with the value - without it; "
             f"bootstrap interval, {C.EFFECT_CONFIDENCE:.0%} family-wise;\n"
             f"* = interval excludes 0 and both groups have >= {C.EFFECT_MIN_GROUP} children)")
    return title + "\n" + text_table(
        ["choice", "value", "children", "mean", "best", "effect", "interval", "noise?"], rows)


def compare_table(rows: list[dict]) -> str:
    """One line per event, in the order given."""
    def seconds(s):
        return None if s is None else int(round(s))

    return text_table(
        ["event", "strategy", "one-shot", "children", "failed", "best", "last-epoch mean",
         "wall s"],
        [[r["event"], r["strategy"], r["one_shot"], r["children"], r["failed"], r["best"],
          r["last_epoch_mean"], seconds(r["wall_seconds"])] for r in rows])


def fronts_table(summary: dict) -> str:
    """Pareto fronts of several events side by side, the hypervolume ratio to the first."""
    cost, ref, rows = summary["cost"], summary["reference"], summary["events"]
    first = rows[0]["hypervolume"]
    table = text_table(
        ["event", "children", "front", "best", f"cheapest near best ({cost})", "hypervolume",
         "ratio to first"],
        [[r["event"], r["children"], r["front"], r["best"],
          f"{r['smallest_near_best']['cost_value']:g}", r["hypervolume"],
          None if not first else r["hypervolume"] / first] for r in rows])
    return (f"Pareto fronts of validation score against {cost}; hypervolume on (score, log10 "
            f"{cost}) up to the reference (score {ref['val_accuracy']:.4f}, {cost} "
            f"{ref['cost_value']:g}); near best: within {summary['tolerance']:g} of the "
            f"event's best\n" + table)
