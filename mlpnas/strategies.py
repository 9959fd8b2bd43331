"""Search strategies behind one small interface: ask for m sequences, tell their rewards.

Each strategy owns its seeded RNG; nothing uses global randomness. The RL strategy
(the LSTM controller) imports TensorFlow lazily, so the random strategy stays cheap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.space import SearchSpace


class Strategy(ABC):
    """A way of proposing architectures and learning from their rewards."""

    name = "abstract"

    @abstractmethod
    def ask(self, m: int) -> list[list[int]]:
        """Propose m complete, valid token sequences."""

    def tell(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float]) -> dict:
        """Learn from the rewards of sequences returned by `ask`; returns statistics."""
        return {"mean_reward": float(np.mean(rewards)), "max_reward": float(np.max(rewards))}

    def predict(self, seqs: Sequence[Sequence[int]]) -> list[float] | None:
        """Predicted accuracy of each sequence before it trains; None without a predictor."""
        return None

    @abstractmethod
    def get_state(self) -> dict:
        """Everything needed to continue exactly where this strategy is."""

    @abstractmethod
    def set_state(self, state: dict) -> None:
        """Restore what get_state returned."""


class RandomStrategy(Strategy):
    """Uniform over the valid sequences of the space (not merely uniform per step).

    Each next token is drawn with probability proportional to the number of valid
    completions through it, so every complete sequence is equally likely.
    """

    name = "random"

    def __init__(self, space: SearchSpace, seed: int = C.SEED) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)
        self._memo: dict = {}

    def completions(self, prefix: tuple) -> int:
        """Number of complete valid sequences that start with `prefix` (memoised by state)."""
        key = self.space.state_key(prefix)
        if key not in self._memo:
            if self.space.is_complete(prefix):
                self._memo[key] = 1
            else:
                toks = np.flatnonzero(self.space.valid_next(prefix))
                self._memo[key] = sum(self.completions(prefix + (int(t),)) for t in toks)
        return self._memo[key]

    def sample_one(self) -> list[int]:
        """One uniformly drawn valid sequence."""
        prefix: tuple = ()
        while not self.space.is_complete(prefix):
            toks = np.flatnonzero(self.space.valid_next(prefix))
            if len(toks) == 0:
                raise NasError(f"search space {self.space.name} has a dead end at {list(prefix)}")
            weights = np.array([self.completions(prefix + (int(t),)) for t in toks], dtype=float)
            prefix += (int(self.rng.choice(toks, p=weights / weights.sum())),)
        return list(prefix)

    def ask(self, m: int) -> list[list[int]]:
        return [self.sample_one() for _ in range(m)]

    def get_state(self) -> dict:
        return {"rng": self.rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]


class RLStrategy(Strategy):
    """The LSTM controller trained with REINFORCE (see mlpnas.controller)."""

    name = "rl"

    def __init__(self, space: SearchSpace, cfg: Any = None, seed: int = C.SEED) -> None:
        from mlpnas.controller import Controller

        self.controller = Controller(space, cfg, seed)

    def ask(self, m: int) -> list[list[int]]:
        return self.controller.sample(m)

    def tell(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float],
             observed: tuple | None = None) -> dict:
        """REINFORCE update; with a predictor, first add the measured pairs to its replay.

        `observed` = (sequences, accuracies) actually measured, when they differ from the
        policy's (seqs, rewards) (screening: see mlpnas.screening); default: all of them.
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

    def get_state(self) -> dict:
        return self.controller.get_state()

    def set_state(self, state: dict) -> None:
        self.controller.set_state(state)


def controller_config(config: Any):
    """ControllerConfig from a SearchConfig."""
    from mlpnas.controller import ControllerConfig

    return ControllerConfig(
        lstm_dim=config.controller_lstm_dim, embedding_dim=config.controller_embedding_dim,
        learning_rate=config.controller_learning_rate, loss_alpha=config.controller_loss_alpha,
        baseline_decay=config.baseline_decay, entropy_weight=config.entropy_weight,
        temperature=config.temperature, grad_clip=config.grad_clip,
        train_steps=config.controller_train_steps,
        use_predictor=config.use_predictor)


def make_strategy(name: str, space: SearchSpace, config: Any, seed: int) -> Strategy:
    """The strategy called `name` for a search configuration."""
    if name == "rl":
        return RLStrategy(space, controller_config(config), seed)
    if name == "random":
        return RandomStrategy(space, seed)
    raise NasError(f"unknown strategy {name!r}; choose one of: rl, random")
