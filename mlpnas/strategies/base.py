"""The interface every search strategy implements: ask for m sequences, tell their rewards.

Each strategy owns its seeded RNG; nothing uses global randomness. State goes through
`get_state` / `set_state` (checkpoint and resume), files through `save`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import numpy as np

from mlpnas.strategies.objectives import score_of


class Strategy(ABC):
    """A way of proposing architectures and learning from their rewards."""

    name = "abstract"
    # True: `tell` may get (score, cost) pairs and compares them by Pareto dominance
    # (mlpnas.strategies.objectives); False: it always gets one number per sequence.
    pareto_aware = False

    @abstractmethod
    def ask(self, m: int) -> list[list[int]]:
        """Propose m complete, valid token sequences."""

    def tell(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float],
             observed: tuple | None = None) -> dict:
        """Learn from the rewards of sequences returned by `ask`; returns statistics.

        `observed` = (sequences, accuracies) actually measured this time, when they differ
        from (seqs, rewards) (reused or screened candidates); only a predictor reads it.
        """
        scores = [score_of(r) for r in rewards]
        return {"mean_reward": float(np.mean(scores)), "max_reward": float(np.max(scores))}

    def predict(self, seqs: Sequence[Sequence[int]]) -> list[float] | None:
        """Predicted accuracy of each sequence before it trains; None without a predictor."""
        return None

    @abstractmethod
    def get_state(self) -> dict:
        """Everything needed to continue exactly where this strategy is."""

    @abstractmethod
    def set_state(self, state: dict) -> None:
        """Restore what get_state returned."""

    def save(self, folder: Path) -> None:
        """Write what a user may want to keep of this strategy into an event folder."""
