"""A small tabular problem as a pandas frame, the input most search tests start from."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """A small separable 3-class problem with a categorical feature and a leak column."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    frame = pd.DataFrame({
        "a": rng.normal(size=n) + y,
        "b": rng.normal(size=n) - y,
        "colour": rng.choice(["red", "green"], n),
        "score": y * 2 + 1,  # determines the label exactly: a leak
    })
    frame["label"] = np.array(["low", "mid", "high"])[y]
    return frame
