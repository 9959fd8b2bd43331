"""Regularized (aging) evolution, Real et al. 2019."""

from __future__ import annotations

from collections import deque
from typing import Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.analysis.pareto import nsga_ranks
from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace
from mlpnas.strategies.base import Strategy
from mlpnas.strategies.objectives import score_of
from mlpnas.strategies.random import RandomStrategy


def plain_reward(reward) -> float | tuple:
    """A reward as stored: a float, or a (score, cost) pair of floats."""
    if isinstance(reward, (tuple, list)):
        return tuple(float(v) for v in reward)
    return float(reward)


def alternatives(space: SearchSpace, seq: Sequence[int], position: int) -> list[int]:
    """Tokens that may replace seq[position] and keep the sequence valid (not itself)."""
    seq = list(seq)
    options = np.flatnonzero(space.valid_next(seq[:position]))
    return [int(tok) for tok in options if tok != seq[position]
            and space.is_valid(seq[:position] + [int(tok)] + seq[position + 1:])]


def neighbours(space: SearchSpace, seq: Sequence[int]) -> list[list[int]]:
    """Every valid sequence that differs from `seq` in exactly one token, and the space's
    sequences one layer deeper or shallower."""
    seq = list(map(int, seq))
    return ([seq[:t] + [tok] + seq[t + 1:] for t in range(len(seq))
             for tok in alternatives(space, seq, t)] + space.depth_neighbours(seq))


class EvolutionStrategy(Strategy):
    """Regularized (aging) evolution, Real et al. 2019 (Algorithm 1).

    The population holds the last P evaluated sequences. The first P sequences are
    uniformly random; after that each child comes from a tournament: draw S members
    (without replacement), take the one with the highest observed reward, and re-sample
    one of its tokens among the valid alternatives (never the same value), or, as one
    more choice beside the tokens, make it one layer deeper or shallower where the space
    lists such neighbours (`depth_neighbours`: a depth that also sets the sequence's length
    cannot change by one token). Every told child joins the population and the OLDEST
    member retires, whatever its reward.

    Batches: `ask(m)` runs m tournaments on the population as it stands (the population
    as of the last `tell`), and `tell` then adds the m children in order, retiring one
    oldest member per child. So a batch of m is m aging steps whose parents were chosen
    up to m-1 steps early, like the paper's asynchronous workers; with m = 1 it is
    exactly Algorithm 1.
    """

    name = "evolution"
    pareto_aware = True

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
        """The best of S members drawn without replacement (ties: the older one).

        With (score, cost) rewards "best" is NSGA-II's crowded comparison (Deb et al.
        2002) over the whole population: the lower non-dominated front, then the larger
        crowding distance. An over-limit child (worst score, infinite cost) is dominated
        by every child within the limits, so it only wins a tournament of over-limit ones.
        """
        k = min(self.sample_size, len(self.population))
        picks = np.sort(self.rng.choice(len(self.population), size=k, replace=False))
        rewards = [r for _, r in self.population]
        if rewards and isinstance(rewards[0], tuple):
            ranks = nsga_ranks(rewards)
            best = min(picks, key=lambda i: (ranks[i], i))
        else:
            best = max(picks, key=lambda i: (self.population[i][1], -i))
        return list(self.population[best][0])

    def alternatives(self, seq: Sequence[int], position: int) -> list[int]:
        """Tokens that may replace seq[position] and keep the sequence valid (not itself)."""
        return alternatives(self.space, seq, position)

    def mutate(self, seq: Sequence[int]) -> list[int]:
        """`seq` with one token re-sampled among its valid alternatives, or (one more
        choice beside the positions) made one layer deeper or shallower."""
        seq = list(map(int, seq))
        choices = {t: alts for t in range(len(seq)) if (alts := self.alternatives(seq, t))}
        deeper_or_shallower = self.space.depth_neighbours(seq)
        if deeper_or_shallower:
            choices[len(seq)] = list(range(len(deeper_or_shallower)))
        if not choices:  # a space of one architecture: nothing to mutate
            return seq
        position = int(self.rng.choice(sorted(choices)))
        pick = int(self.rng.choice(choices[position]))
        if position == len(seq):
            return deeper_or_shallower[pick]
        seq[position] = pick
        return seq

    def tell(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float],
             observed: tuple | None = None) -> dict:
        for seq, reward in zip(seqs, rewards):
            self.population.append((list(map(int, seq)), plain_reward(reward)))
            if len(self.population) > self.population_size:
                self.population.popleft()  # aging: the oldest dies, not the worst
        self.pending = max(0, self.pending - len(seqs))
        stats = super().tell(seqs, rewards)
        stats["population_best"] = max(score_of(r) for _, r in self.population)
        return stats

    def get_state(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "random": self.random.get_state(),
                "population": [(list(s), r) for s, r in self.population],
                "pending": self.pending}

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.random.set_state(state["random"])
        self.population = deque((list(s), plain_reward(r)) for s, r in state["population"])
        self.pending = int(state["pending"])
