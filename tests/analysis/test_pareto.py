"""Pareto fronts: dominance, non-dominated sorting, crowding, 2-D hypervolume (pure Python)."""

from __future__ import annotations

import math
import random

import pytest

from mlpnas.analysis import pareto


def random_points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(round(rng.random(), 2), rng.choice([10, 20, 50, 100, 200, 500])) for _ in range(n)]


def test_dominance_needs_one_strict_improvement():
    assert pareto.dominates((0.9, 10), (0.8, 10))
    assert pareto.dominates((0.8, 5), (0.8, 10))
    assert not pareto.dominates((0.8, 10), (0.8, 10))  # equal: neither dominates
    assert not pareto.dominates((0.9, 20), (0.8, 10))  # better score, worse cost


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fronts_agree_with_brute_force_and_partition_the_points(seed):
    points = random_points(40, seed)
    fronts = pareto.non_dominated_sort(points)
    assert sorted(i for f in fronts for i in f) == list(range(len(points)))
    first = [i for i, p in enumerate(points) if not any(pareto.dominates(q, p) for q in points)]
    assert sorted(fronts[0]) == first == pareto.non_dominated(points)
    for k, front in enumerate(fronts[1:], 1):  # each point is dominated by the front before
        assert all(any(pareto.dominates(points[j], points[i]) for j in fronts[k - 1])
                   for i in front)
        assert not any(pareto.dominates(points[j], points[i]) for i in front for j in front)


def test_crowding_keeps_the_ends_and_favours_isolated_points():
    points = [(0.1, 1), (0.5, 5), (0.52, 6), (0.9, 10)]
    crowd = pareto.crowding_distance(points, [0, 1, 2, 3])
    assert crowd[0] == crowd[3] == math.inf
    assert crowd[1] > 0 and crowd[2] > 0
    ranks = pareto.nsga_ranks(points + [(0.05, 20)])
    assert ranks[4][0] == 1 and all(r[0] == 0 for r in ranks[:4])


def test_an_infinite_cost_does_not_poison_the_crowding_distance():
    crowd = pareto.crowding_distance([(0.0, math.inf), (0.5, 5), (0.4, 1)], [0, 1, 2])
    assert not any(math.isnan(v) for v in crowd.values())


def test_hypervolume_of_a_staircase_by_hand():
    # On (score, log10 cost) with reference (0.5, 1000): boxes [1, 3] x [0.5, 0.8] and
    # [2, 3] x [0.8, 0.9]: 0.3 * 2 + 0.1 * 1.
    assert pareto.hypervolume([(0.8, 10), (0.9, 100)], (0.5, 1000)) == pytest.approx(0.7)


@pytest.mark.parametrize("seed", [3, 4])
def test_hypervolume_matches_a_grid_count_and_ignores_dominated_points(seed):
    points = random_points(12, seed)
    ref = (0.0, 1000.0)
    cells, hits = 200, 0
    for a in range(cells):
        for b in range(cells):
            s, c = (a + 0.5) / cells, 3 * (b + 0.5) / cells  # c: log10 cost in [0, 3]
            hits += any(p[0] >= s and math.log10(p[1]) <= c for p in points)
    grid = hits / cells ** 2 * 3
    volume = pareto.hypervolume(points, ref)
    assert volume == pytest.approx(grid, abs=0.02)
    front = [points[i] for i in pareto.non_dominated(points)]
    assert pareto.hypervolume(front, ref) == pytest.approx(volume)
    assert pareto.hypervolume(front[1:], ref) < volume  # every front point adds area


def test_reference_point_and_smallest_model_near_the_best():
    sets = [[(0.8, 10), (0.9, 100)], [(0.7, 400)]]
    assert pareto.reference_point(sets) == (0.7, 800)
    points = [(0.90, 1000), (0.895, 300), (0.88, 50), (0.70, 10)]
    assert pareto.smallest_within(points, 0.01) == 1
    assert pareto.smallest_within([], 0.01) is None


def test_the_module_imports_no_tensorflow_nor_numpy():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(pareto))
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(tree)
                if isinstance(n, (ast.Import, ast.ImportFrom)) and n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"tensorflow", "keras", "numpy"}
