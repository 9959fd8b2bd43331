"""How the search strategy moved per controller epoch, read from an event's status.json.

The loop records each epoch's `tell` statistics; for the rl strategy they include the KL
divergence of the policy update and the number of distinct architectures evaluated so far.
No TensorFlow here.
"""

from __future__ import annotations

import json
from pathlib import Path

from mlpnas.storage import names

COLUMNS = ("epoch", "kl", "policy_steps", "entropy", "distinct", "mean_reward", "max_reward")


def policy_updates(event_dir: str | Path) -> list[dict]:
    """One row per controller epoch with the columns the strategy reported (may be empty)."""
    path = Path(event_dir) / names.STATUS_FILE
    try:
        epochs = json.loads(path.read_text()).get("epochs") or []
    except (OSError, ValueError, AttributeError):
        return []
    return [{k: row[k] for k in COLUMNS if k in row} for row in epochs if isinstance(row, dict)]


def policy_table(rows: list[dict]) -> str:
    """The rows as an aligned text table over the columns any row has."""
    columns = [c for c in COLUMNS if any(c in row for row in rows)]
    if not rows or columns == ["epoch"]:
        return ""

    def cell(value) -> str:
        return "-" if value is None else f"{value:.4g}"

    lines = ["  ".join(f"{c:>12}" for c in columns)]
    lines += ["  ".join(f"{cell(row.get(c)):>12}" for c in columns) for row in rows]
    return "\n".join(lines)
