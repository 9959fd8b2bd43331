"""The LSTM controller as a strategy: sample from the policy, update it with REINFORCE.

TensorFlow is imported only when an RLStrategy is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import CONSTANTS as C
from mlpnas.spaces.base import SearchSpace
from mlpnas.storage import names
from mlpnas.strategies.base import Strategy


class RLStrategy(Strategy):
    """The LSTM controller trained with REINFORCE (see mlpnas.strategies.controller)."""

    name = "rl"

    def __init__(self, space: SearchSpace, cfg: Any = None, seed: int = C.SEED) -> None:
        from mlpnas.strategies.controller import Controller

        self.controller = Controller(space, cfg, seed)

    def ask(self, m: int) -> list[list[int]]:
        return self.controller.sample(m)

    def tell(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float],
             observed: tuple | None = None) -> dict:
        """REINFORCE update; with a predictor, first add the measured pairs to its replay.

        `observed` = (sequences, accuracies) actually measured, when they differ from the
        policy's (seqs, rewards) (screening: see mlpnas.strategies.screening); default: all of them.
        """
        self.controller.remember(*(observed if observed is not None else (seqs, rewards)))
        stats = self.controller.update(seqs, rewards)
        if self.controller.cfg.use_predictor:
            stats.update(self.controller.fit_predictor())
        return stats

    def predict(self, seqs: Sequence[Sequence[int]]) -> list[float] | None:
        """The hybrid controller's predicted accuracies; None without a predictor."""
        if not self.controller.cfg.use_predictor:
            return None
        return [float(p) for p in self.controller.predict_accuracy(seqs)]

    def save(self, folder: Path) -> None:
        """The controller's Keras weights, for a user to inspect or reuse."""
        self.controller.save_weights(str(Path(folder) / names.CONTROLLER_WEIGHTS_FILE))

    def get_state(self) -> dict:
        return self.controller.get_state()

    def set_state(self, state: dict) -> None:
        self.controller.set_state(state)


def controller_config(config: Any):
    """ControllerConfig from a SearchConfig."""
    from mlpnas.strategies.controller import ControllerConfig

    return ControllerConfig(
        lstm_dim=config.controller_lstm_dim, embedding_dim=config.controller_embedding_dim,
        learning_rate=config.controller_learning_rate, loss_alpha=config.controller_loss_alpha,
        baseline_decay=config.baseline_decay, entropy_weight=config.entropy_weight,
        temperature=config.temperature, grad_clip=config.grad_clip,
        train_steps=config.controller_train_steps,
        use_predictor=config.use_predictor)
