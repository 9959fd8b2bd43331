"""A toy benchmark table whose runs are known by construction."""

from __future__ import annotations

import numpy as np

from mlpnas.benchmarks.tables import BenchmarkInfo, Table
from mlpnas.spaces.grid import GridSpace


def toy_table(maximize: bool = True) -> Table:
    """A 2 x 3 grid whose runs are known: row r has runs (r, r + 2) (one missing in row 5)."""
    space = GridSpace({"a": ["x", "y"], "b": [1, 2, 3]})
    values = np.array([[r, r + 2.0] for r in range(6)])
    values[5, 1] = np.nan
    info = BenchmarkInfo("Toy", "toy", "metric", maximize, 1.0)
    return Table("toy", space, space.offsets, np.array([2, 3]), values, info)
