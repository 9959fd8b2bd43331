"""The LSTM controller as a strategy: sample from the policy, update it by policy gradient.

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
    """The LSTM controller trained by policy gradient (see mlpnas.strategies.controller)."""

    name = "rl"

    def __init__(self, space: SearchSpace, cfg: Any = None, seed: int = C.SEED) -> None:
        from mlpnas.strategies.controller import Controller

        self.controller = Controller(space, cfg, seed)
        self.space = space
        self.climbs = True  # screening may climb from the draws (see set_cost_feature)
        self.seen: set[tuple] = set()  # every sequence told so far

    def reset(self, seed: int) -> None:
        """Start over as a fresh strategy with `seed` (reusing the compiled controller)."""
        self.controller.reset(seed)
        self.seen = set()

    def ask(self, m: int) -> list[list[int]]:
        return self.controller.sample(m, self.seen if self.controller.cfg.no_repeats else None)

    def tell(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float],
             observed: tuple | None = None) -> dict:
        """Policy update; with a predictor, first add the measured pairs to its replay.

        `observed` = (sequences, accuracies) actually measured, when they differ from the
        policy's (seqs, rewards) (screening: see mlpnas.strategies.screening); default: all
        of them. Only measured sequences count as seen (they are not proposed again).
        """
        elite = observed
        observed = observed if observed is not None else (seqs, rewards)
        self.controller.remember(*observed)
        stats = self.controller.update(seqs, rewards, elite)
        self.seen |= {tuple(map(int, s)) for s in observed[0]}
        stats.update({"batch_distinct": float(len({tuple(s) for s in seqs})),
                      "distinct": float(len(self.seen))})
        if self.controller.cfg.use_predictor:
            stats.update(self.controller.fit_predictor())
        return stats

    def predict(self, seqs: Sequence[Sequence[int]]) -> list[float] | None:
        """The hybrid controller's predicted accuracies; None without a predictor."""
        if not self.controller.cfg.use_predictor:
            return None
        return [float(p) for p in self.controller.predict_accuracy(seqs)]

    def rank(self, seqs: Sequence[Sequence[int]]) -> list[float] | None:
        """What screening ranks candidates by: the cost proxy until the predictor ranks
        unseen children better, then the predicted accuracy; None without a predictor."""
        if not self.controller.cfg.use_predictor:
            return None
        return [float(p) for p in self.controller.rank_scores(seqs)]

    def set_cost_feature(self, cost: Any, cheap: bool = True) -> None:
        """Give the predictor a cost per sequence known before training (seqs -> array),
        standardised over uniformly random sequences of the space. Screening climbs
        (scores many neighbours) only when the cost is `cheap` to compute."""
        from mlpnas.strategies.random import RandomStrategy

        samples = C.COST_REFERENCE_SAMPLES if cheap else C.COST_REFERENCE_BUILDS
        self.controller.set_cost_feature(cost, RandomStrategy(self.space, C.SEED).ask(samples))
        self.climbs = cheap

    def save(self, folder: Path) -> None:
        """The controller's Keras weights, for a user to inspect or reuse."""
        self.controller.save_weights(str(Path(folder) / names.CONTROLLER_WEIGHTS_FILE))

    def get_state(self) -> dict:
        return {**self.controller.get_state(), "seen": [list(s) for s in self.seen]}

    def set_state(self, state: dict) -> None:
        self.controller.set_state(state)
        self.seen = {tuple(s) for s in state.get("seen", [])}


def controller_config(config: Any):
    """ControllerConfig from a SearchConfig."""
    from mlpnas.strategies.controller import ControllerConfig

    return ControllerConfig(
        lstm_dim=config.controller_lstm_dim, embedding_dim=config.controller_embedding_dim,
        learning_rate=config.controller_learning_rate, loss_alpha=config.controller_loss_alpha,
        baseline_decay=config.baseline_decay, entropy_weight=config.entropy_weight,
        temperature=config.temperature, grad_clip=config.grad_clip,
        train_steps=config.controller_train_steps, advantage=config.controller_advantage,
        baseline=config.controller_baseline, clip_ratio=config.controller_clip_ratio,
        target_kl=config.controller_target_kl, no_repeats=config.controller_no_repeats,
        use_predictor=config.use_predictor, elite_size=config.controller_elite_size,
        elite_weight=config.controller_elite_weight,
        proxy_min_heldout=getattr(config, "predictor_min_heldout", C.PREDICTOR_PROXY_MIN_HELDOUT))
