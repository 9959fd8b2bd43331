"""Strategies: uniform random search, regularized evolution, the factory."""

from __future__ import annotations

import itertools

import pytest

from mlpnas.config import SearchConfig
from mlpnas.errors import NasError
from mlpnas.spaces.cnn import CNNSpace
from mlpnas.spaces.cell import CellSpace
from mlpnas.spaces.mlp import MLPSpace
from mlpnas.strategies import STRATEGIES, make_strategy
from mlpnas.strategies.local import LocalSearchStrategy
from mlpnas.strategies.evolution import EvolutionStrategy, neighbours
from mlpnas.strategies.random import RandomStrategy
from mlpnas.spaces.grid import GridSpace
from mlpnas.spaces.tabular import TabularSpace


def small_mlp() -> MLPSpace:
    """24 valid sequences of at most 4 tokens over 2 dense tokens, dropout and output."""
    return MLPSpace(max_length=4, units=(8, 16), activations=("relu",))


def all_valid(space) -> list[tuple]:
    """Every valid sequence of a small space, by brute force."""
    found = []
    for n in range(1, space.max_length + 1):
        for seq in itertools.product(range(1, space.vocab_size + 1), repeat=n):
            if space.is_valid(seq):
                found.append(seq)
    return found


def test_random_spreads_depths_evenly_then_is_uniform_within_a_depth():
    from scipy.stats import chisquare

    space = small_mlp()
    valid = all_valid(space)
    assert len(valid) == 24
    depth = {seq: sum(map(space.is_dense, seq)) for seq in valid}
    per_depth = {d: list(depth.values()).count(d) for d in set(depth.values())}
    assert per_depth == {1: 4, 2: 12, 3: 8}
    draws = RandomStrategy(space, seed=3).ask(1500)
    counts = {seq: 0 for seq in valid}
    for seq in draws:
        counts[tuple(seq)] += 1  # a KeyError here would be an invalid sequence
    expected = [len(draws) / (len(per_depth) * per_depth[depth[seq]]) for seq in valid]
    assert chisquare(list(counts.values()), expected).pvalue > 0.001
    # Uniform over sequences (the alternative) is far from it.
    assert chisquare([len(draws) / 24] * 24, expected).pvalue < 1e-6


def test_random_is_uniform_over_sequences_of_a_fixed_length_space():
    from scipy.stats import chisquare

    space = GridSpace({"a": [1, 2, 3], "b": ["x", "y"], "c": [0, 1]})
    draws = RandomStrategy(space, seed=4).ask(1200)
    counts = {}
    for seq in draws:
        counts[tuple(seq)] = counts.get(tuple(seq), 0) + 1
    assert len(counts) == 12 and chisquare(list(counts.values())).pvalue > 0.001


def test_random_same_seed_same_sequences_and_state_round_trip():
    a, b = RandomStrategy(CellSpace(), seed=5), RandomStrategy(CellSpace(), seed=5)
    assert a.ask(6) == b.ask(6)
    state = a.get_state()
    first = a.ask(4)
    a.set_state(state)
    assert a.ask(4) == first


@pytest.mark.parametrize("space", [small_mlp(), MLPSpace(max_length=5), CellSpace(),
                                   CNNSpace(max_length=3, input_shape=(8, 8)),
                                   GridSpace({"a": [1, 2, 3], "b": ["x", "y"]}), TabularSpace()])
def test_mutation_changes_one_token_to_a_different_valid_value_or_the_depth_by_one(space):
    evo = EvolutionStrategy(space, population=4, sample_size=2, seed=0)
    changed_depth = 0
    for parent in RandomStrategy(space, seed=1).ask(100):
        child = evo.mutate(parent)
        assert space.is_valid(child)
        if child in space.depth_neighbours(parent):
            changed_depth += 1
            continue
        assert len(child) == len(parent)
        diff = [t for t, (p, c) in enumerate(zip(parent, child)) if p != c]
        assert len(diff) == 1  # never the same value, never two changes
    assert (changed_depth > 0) == (space.name in ("mlp", "tabular"))


@pytest.mark.parametrize("space", [MLPSpace(max_length=5), TabularSpace()])
def test_depth_neighbours_are_one_layer_deeper_or_shallower_and_keep_the_rest(space):
    both_ways = 0
    for seq in RandomStrategy(space, seed=2).ask(60):
        around = space.depth_neighbours(seq)
        assert all(space.is_valid(n) for n in around)
        steps = sorted(_depth(space, n) - _depth(space, seq) for n in around)
        assert steps in ([-1, 1], [-1], [1])
        both_ways += steps == [-1, 1]
        assert all(n in neighbours(space, seq) for n in around)  # local search tries them
        if space.name == "tabular":  # the training choices and the shared layers stay
            layers, training = space.parse(seq)
            for n in around:
                other_layers, other_training = space.parse(n)
                shared = min(len(layers), len(other_layers))
                assert other_training == training and other_layers[:shared] == layers[:shared]
    assert both_ways > 0


def _depth(space, seq) -> int:
    """Hidden layers of an mlp or tabular sequence."""
    return sum(map(space.is_dense, seq)) if space.name == "mlp" else len(space.parse(seq)[0])


def test_alternatives_keep_the_sequence_valid_and_exclude_the_current_value():
    space = MLPSpace(max_length=4)
    evo = EvolutionStrategy(space, seed=0)
    seq = [3, space.dropout_id, 5, space.output_id]
    dense = set(range(1, space.n_dense + 1))
    assert set(evo.alternatives(seq, 0)) == dense - {3}
    assert set(evo.alternatives(seq, 1)) == dense  # the output layer would end it early
    assert set(evo.alternatives(seq, 2)) == dense - {5}  # no dropout twice in a row
    assert evo.alternatives(seq, 3) == []  # the last slot is always the output layer


def test_evolution_retires_the_oldest_not_the_worst():
    space = CellSpace()
    evo = EvolutionStrategy(space, population=3, sample_size=2, seed=0)
    seqs = evo.ask(3)
    evo.tell(seqs, [0.9, 0.1, 0.2])  # the oldest is also the best
    newcomer = evo.ask(1)
    evo.tell(newcomer, [0.0])
    members = [s for s, _ in evo.population]
    assert members == [seqs[1], seqs[2], newcomer[0]]
    assert [r for _, r in evo.population] == [0.1, 0.2, 0.0]


def test_evolution_first_population_random_then_mutants_of_the_tournament_winner():
    space = CellSpace()
    evo = EvolutionStrategy(space, population=5, sample_size=5, seed=2)
    asked_random = []
    random_ask = evo.random.ask
    evo.random.ask = lambda m: asked_random.append(m) or random_ask(m)
    first = evo.ask(3)
    evo.tell(first, [0.1, 0.5, 0.2])
    second = evo.ask(4)  # 2 random to fill the population, then 2 mutants
    assert asked_random == [3, 2]
    evo.tell(second, [0.3, 0.9, 0.0, 0.0])  # first[0] and first[1] retire
    best = second[1]
    assert [s for s, _ in evo.population] == [first[2]] + second
    for child in evo.ask(20):  # S = P: the parent is always the best member
        assert sum(a != b for a, b in zip(child, best)) == 1


def test_evolution_state_round_trip_through_the_checkpoint_unpickler():
    import pickle

    from mlpnas.storage import safe_unpickle

    evo = EvolutionStrategy(CellSpace(), population=3, sample_size=2, seed=4)
    seqs = evo.ask(3)
    evo.tell(seqs, [0.3, 0.1, 0.2])
    state = safe_unpickle(pickle.dumps(evo.get_state()), "checkpoint")  # what resume reads
    first = evo.ask(5)
    other = EvolutionStrategy(CellSpace(), population=3, sample_size=2, seed=99)
    other.set_state(state)
    assert other.ask(5) == first


def test_make_strategy_reads_population_and_sample_size():
    config = SearchConfig(population=7, sample_size=3)
    evo = make_strategy("evolution", CellSpace(), config, seed=0)
    assert (evo.population_size, evo.sample_size) == (7, 3)
    with pytest.raises(NasError, match="evolution"):
        make_strategy("annealing", CellSpace(), config, seed=0)
    with pytest.raises(NasError):
        EvolutionStrategy(CellSpace(), population=0)


def test_random_counts_match_brute_force():
    space = MLPSpace(max_length=4, units=(8, 16, 32), activations=("relu", "tanh"))
    assert RandomStrategy(space).completions(()) == len(all_valid(space))


@pytest.mark.slow
def test_search_runs_with_evolution(runner, tmp_path):
    from cli import main
    from mlpnas.storage.events import load_event

    result = runner.invoke(main, [
        "search", "--dataset", "wine", "--space", "mlp", "--strategy", "evolution",
        "--controller-epochs", "2",
        "--samples-per-epoch", "3", "--child-epochs", "1", "--population", "2",
        "--sample-size", "2", "--logs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    event = load_event(tmp_path, None)
    # epoch 0: 3 random children, the last 2 stay (P = 2); epoch 1: 3 mutants of those 2,
    # of which only the ones not trained before are trained again
    assert 3 < len(event.entries) <= 6
    space = MLPSpace()
    assert all(space.is_valid(e.tokens) for e in event.entries)
    seqs = [list(e.tokens) for e in event.entries]
    for child in seqs[3:]:
        assert any((len(child) == len(p) and sum(a != b for a, b in zip(child, p)) == 1)
                   or child in space.depth_neighbours(p) for p in seqs[1:3])


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_is_seeded_valid_and_resumes_through_the_checkpoint_unpickler(name):
    import pickle

    from mlpnas.storage import safe_unpickle

    space, config = CellSpace(), SearchConfig(controller_lstm_dim=8, controller_embedding_dim=4)

    def run(strategy, epochs):
        for epoch in range(epochs):
            seqs = strategy.ask(4)
            assert len(seqs) == 4 and all(space.is_valid(s) for s in seqs)
            strategy.tell(seqs, [(sum(s) % 7) / 7 + 0.01 * epoch for s in seqs])
        return strategy

    a = run(make_strategy(name, space, config, seed=1), 3)
    b = run(make_strategy(name, space, config, seed=1), 3)
    assert a.ask(6) == b.ask(6)  # same seed, same sequences
    state = safe_unpickle(pickle.dumps(b.get_state()), "checkpoint")  # what resume reads
    other = make_strategy(name, space, config, seed=99)
    other.set_state(state)
    assert run(other, 2).ask(5) == run(b, 2).ask(5)


def test_local_search_climbs_through_neighbours_and_restarts_at_a_local_optimum():
    space = GridSpace({"a": [1, 2, 3], "b": ["x", "y"]})  # 6 configurations
    local = LocalSearchStrategy(space, seed=0)
    centre = local.ask(1)[0]
    local.tell([centre], [0.5])
    assert local.centre == (centre, 0.5)
    neighbours_asked = local.ask(2)  # the centre has 3 neighbours (2 for a, 1 for b)
    assert all(sum(x != y for x, y in zip(n, centre)) == 1 for n in neighbours_asked)
    local.tell(neighbours_asked, [0.6, 0.1])  # the first improves: it is the new centre
    assert local.centre == (neighbours_asked[0], 0.6)
    centre = neighbours_asked[0]
    around = local.ask(1)[0]
    assert sum(x != y for x, y in zip(around, centre)) == 1
    assert tuple(around) not in local.seen  # never proposes what it evaluated
    local.tell([around], [0.1])
    left = len(local.queue)  # the centre's other neighbours, none of them better
    if left:
        local.tell(local.ask(left), [0.1] * left)
    assert local.centre == (centre, 0.6)  # a local optimum
    restart = local.ask(2)  # nothing left around the centre: random restart
    assert local.centre is None and all(space.is_valid(s) for s in restart)
    local.tell(restart, [0.3, 0.4])
    assert local.centre[1] == 0.4
