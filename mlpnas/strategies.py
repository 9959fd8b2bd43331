"""Search strategies behind one small interface: ask for m sequences, tell their rewards.

Each strategy owns its seeded RNG; nothing uses global randomness. The RL strategy
(the LSTM controller) imports TensorFlow lazily, so the random strategy stays cheap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
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


class EvolutionStrategy(Strategy):
    """Regularized (aging) evolution, Real et al. 2019 (Algorithm 1).

    The population holds the last P evaluated sequences. The first P sequences are
    uniformly random; after that each child comes from a tournament: draw S members
    (without replacement), take the one with the highest observed reward, and re-sample
    one of its tokens among the valid alternatives (never the same value). Every told
    child joins the population and the OLDEST member retires, whatever its reward.

    Batches: `ask(m)` runs m tournaments on the population as it stands (the population
    as of the last `tell`), and `tell` then adds the m children in order, retiring one
    oldest member per child. So a batch of m is m aging steps whose parents were chosen
    up to m-1 steps early, like the paper's asynchronous workers; with m = 1 it is
    exactly Algorithm 1.
    """

    name = "evolution"

    def __init__(self, space: SearchSpace, population: int = C.EVOLUTION_POPULATION,
                 sample_size: int = C.EVOLUTION_SAMPLE_SIZE, seed: int = C.SEED) -> None:
        if population < 1 or sample_size < 1:
            raise NasError(f"evolution needs population >= 1 and sample size >= 1, "
                           f"got {population} and {sample_size}")
        self.space = space
        self.population_size = int(population)
        self.sample_size = int(sample_size)
        self.random = RandomStrategy(space, seed)
        self.rng = np.random.default_rng([seed, 1])  # tournaments and mutations
        self.population: deque = deque()  # (tokens, reward), oldest first
        self.pending = 0  # asked for but not yet told

    def ask(self, m: int) -> list[list[int]]:
        n_random = max(0, self.population_size - len(self.population) - self.pending)
        if not self.population:
            n_random = m
        n_random = min(m, n_random)
        seqs = self.random.ask(n_random)
        seqs += [self.mutate(self.tournament()) for _ in range(m - n_random)]
        self.pending += m
        return seqs

    def tournament(self) -> list[int]:
        """The best of S members drawn without replacement (ties: the older one)."""
        k = min(self.sample_size, len(self.population))
        picks = np.sort(self.rng.choice(len(self.population), size=k, replace=False))
        best = max(picks, key=lambda i: (self.population[i][1], -i))
        return list(self.population[best][0])

    def alternatives(self, seq: Sequence[int], position: int) -> list[int]:
        """Tokens that may replace seq[position] and keep the sequence valid (not itself)."""
        seq = list(seq)
        options = np.flatnonzero(self.space.valid_next(seq[:position]))
        return [int(tok) for tok in options if tok != seq[position]
                and self.space.is_valid(seq[:position] + [int(tok)] + seq[position + 1:])]

    def mutate(self, seq: Sequence[int]) -> list[int]:
        """`seq` with one token re-sampled among its valid alternatives."""
        seq = list(map(int, seq))
        choices = {t: alts for t in range(len(seq)) if (alts := self.alternatives(seq, t))}
        if not choices:  # a space of one architecture: nothing to mutate
            return seq
        position = int(self.rng.choice(sorted(choices)))
        seq[position] = int(self.rng.choice(choices[position]))
        return seq

    def tell(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float]) -> dict:
        for seq, reward in zip(seqs, rewards):
            self.population.append((list(map(int, seq)), float(reward)))
            if len(self.population) > self.population_size:
                self.population.popleft()  # aging: the oldest dies, not the worst
        self.pending = max(0, self.pending - len(seqs))
        stats = super().tell(seqs, rewards)
        stats["population_best"] = max(r for _, r in self.population)
        return stats

    def get_state(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "random": self.random.get_state(),
                "population": [(list(s), r) for s, r in self.population],
                "pending": self.pending}

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.random.set_state(state["random"])
        self.population = deque((list(s), float(r)) for s, r in state["population"])
        self.pending = int(state["pending"])


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


STRATEGIES = ("rl", "random", "evolution")


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
    if name == "evolution":
        return EvolutionStrategy(space, getattr(config, "population", C.EVOLUTION_POPULATION),
                                 getattr(config, "sample_size", C.EVOLUTION_SAMPLE_SIZE), seed)
    raise NasError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")
