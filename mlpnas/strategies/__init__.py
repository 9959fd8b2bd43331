"""Search strategies: how the next architectures are proposed, behind one ask / tell interface.

    base.py        the Strategy interface
    random.py      uniform over valid architectures
    evolution.py   regularized evolution
    local.py       local search: hill climbing over one-token changes, random restarts
    rl.py          the LSTM controller (controller.py) trained by policy gradient
    screening.py   which sampled candidates to train, by predicted accuracy

A new strategy is one module plus one line in STRATEGIES. Importing this package is
cheap: the controller imports TensorFlow only when an RL strategy is made.
"""

from __future__ import annotations

from typing import Any, Callable

import CONSTANTS as C
from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace
from mlpnas.strategies.base import Strategy
from mlpnas.strategies.evolution import EvolutionStrategy
from mlpnas.strategies.local import LocalSearchStrategy
from mlpnas.strategies.random import RandomStrategy


def _rl(space: SearchSpace, config: Any, seed: int) -> Strategy:
    from mlpnas.strategies.rl import RLStrategy, controller_config

    return RLStrategy(space, controller_config(config), seed)


def _evolution(space: SearchSpace, config: Any, seed: int) -> Strategy:
    return EvolutionStrategy(space, getattr(config, "population", C.EVOLUTION_POPULATION),
                             getattr(config, "sample_size", C.EVOLUTION_SAMPLE_SIZE), seed)


# name -> factory(space, search configuration, seed); the CLI's choices come from here.
STRATEGIES: dict[str, Callable[[SearchSpace, Any, int], Strategy]] = {
    "rl": _rl,
    "random": lambda space, config, seed: RandomStrategy(space, seed),
    "evolution": _evolution,
    "local": lambda space, config, seed: LocalSearchStrategy(space, seed),
}


def make_strategy(name: str, space: SearchSpace, config: Any, seed: int) -> Strategy:
    """The strategy called `name` for a search configuration."""
    if name not in STRATEGIES:
        raise NasError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")
    return STRATEGIES[name](space, config, seed)
