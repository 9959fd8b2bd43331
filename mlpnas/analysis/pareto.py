"""Pareto fronts of (score, cost) points: dominance, non-dominated sorting, crowding, 2-D
hypervolume. Pure Python, no TensorFlow and no numpy needed.

Every point is a pair (score, cost): the score is larger-is-better (validation accuracy),
the cost smaller-is-better (parameters, latency). A point dominates another when it is at
least as good in both and strictly better in one.

The hypervolume of a front is the area it dominates up to a reference point
(score_ref, cost_ref), measured on (score, log10 cost): costs span orders of magnitude
(a few hundred to a million parameters), so a halving of cost counts the same wherever it
happens. Fronts are comparable only with the same reference point.
"""

from __future__ import annotations

import math
from typing import Sequence

Point = tuple[float, float]  # (score: larger is better, cost: smaller is better)


def dominates(a: Point, b: Point) -> bool:
    """True when `a` is at least as good as `b` in both and strictly better in one."""
    return a[0] >= b[0] and a[1] <= b[1] and (a[0] > b[0] or a[1] < b[1])


def non_dominated(points: Sequence[Point]) -> list[int]:
    """Indices of the points no other point dominates (duplicates all kept), in input order."""
    return non_dominated_sort(points)[0] if points else []


def non_dominated_sort(points: Sequence[Point]) -> list[list[int]]:
    """Fronts of indices, best first (Deb et al. 2002, NSGA-II's fast non-dominated sort)."""
    n = len(points)
    beaten_by = [[j for j in range(n) if dominates(points[i], points[j])] for i in range(n)]
    count = [sum(dominates(points[j], points[i]) for j in range(n)) for i in range(n)]
    front = [i for i in range(n) if count[i] == 0]
    fronts = []
    while front:
        fronts.append(front)
        following = []
        for i in front:
            for j in beaten_by[i]:
                count[j] -= 1
                if count[j] == 0:
                    following.append(j)
        front = sorted(following)
    return fronts


def crowding_distance(points: Sequence[Point], front: Sequence[int]) -> dict[int, float]:
    """NSGA-II's crowding distance of each index of one front (the ends: infinity)."""
    distance = {i: 0.0 for i in front}
    for k in (0, 1):
        ordered = sorted(front, key=lambda i: (points[i][k], i))
        span = points[ordered[-1]][k] - points[ordered[0]][k]
        distance[ordered[0]] = distance[ordered[-1]] = math.inf
        if not 0 < span < math.inf:  # one value, or an unmeasured (infinite) cost
            continue
        for lo, mid, hi in zip(ordered, ordered[1:], ordered[2:]):
            distance[mid] += (points[hi][k] - points[lo][k]) / span
    return distance


def nsga_ranks(points: Sequence[Point]) -> list[tuple[int, float]]:
    """(front number, -crowding distance) of every point: smaller sorts better."""
    out: list[tuple[int, float]] = [(0, 0.0)] * len(points)
    for rank, front in enumerate(non_dominated_sort(points)):
        crowd = crowding_distance(points, front)
        for i in front:
            out[i] = (rank, -crowd[i])
    return out


def _log_cost(cost: float) -> float:
    return math.log10(max(float(cost), 1e-12))


def hypervolume(points: Sequence[Point], reference: Point) -> float:
    """Area dominated by `points` and bounded by `reference` = (score_ref, cost_ref), on
    (score, log10 cost); points not better than the reference in both count nothing."""
    ref_score, ref_cost = reference[0], _log_cost(reference[1])
    area, best = 0.0, ref_score
    inside = [(s, _log_cost(c)) for s, c in points]
    for score, cost in sorted(inside, key=lambda p: (p[1], -p[0])):
        if score > best and cost < ref_cost:
            area += (score - best) * (ref_cost - cost)
            best = score
    return area


def reference_point(point_sets: Sequence[Sequence[Point]]) -> Point:
    """A common reference for several fronts: the lowest score seen and twice the highest
    cost seen (so the costliest model still adds area when it scores best)."""
    every = [p for points in point_sets for p in points]
    if not every:
        raise ValueError("no points to place a reference point by")
    return (min(p[0] for p in every), 2.0 * max(p[1] for p in every))


def smallest_within(points: Sequence[Point], tolerance: float) -> int | None:
    """Index of the cheapest point scoring within `tolerance` of the best score (None: none)."""
    if not points:
        return None
    best = max(p[0] for p in points)
    near = [i for i, p in enumerate(points) if p[0] >= best - tolerance]
    return min(near, key=lambda i: (points[i][1], -points[i][0], i))
