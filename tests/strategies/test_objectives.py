"""Objectives and hard limits, and how each strategy reads (score, cost) rewards. No TF."""

from __future__ import annotations

import math
import pickle

import pytest

from mlpnas.config import SearchConfig
from mlpnas.errors import NasError
from mlpnas.spaces.mlp import MLPSpace
from mlpnas.storage import safe_unpickle
from mlpnas.strategies import objectives as O
from mlpnas.strategies.evolution import EvolutionStrategy
from mlpnas.strategies.local import LocalSearchStrategy


def test_objective_values_and_their_errors():
    assert O.parse_objective("accuracy") is None
    assert O.parse_objective("accuracy, latency") == "latency"
    assert O.parse_objective("accuracy,params") == "params"
    for bad in ("latency", "accuracy,flops", "accuracy,params,latency", ""):
        with pytest.raises(NasError, match="unknown objective"):
            O.parse_objective(bad)


@pytest.mark.parametrize("changes, message", [
    ({"max_params": 0}, "--max-params must be a positive"),
    ({"max_latency_ms": -1.0}, "--max-latency-ms must be a positive"),
    ({"objective": "accuracy,params", "screen": 4, "use_predictor": True}, "--screen ranks"),
])
def test_bad_configurations_give_one_line(changes, message):
    with pytest.raises(NasError, match=message) as info:
        O.objective_of(SearchConfig(**changes))
    assert "\n" not in str(info.value)


def test_limits_name_the_measure_and_the_limit():
    objective = O.objective_of(SearchConfig(max_params=1000, max_latency_ms=0.5))
    assert O.limit_reason({"params": 1000, "latency_ms": 0.5}, objective) is None
    assert "1001 parameters > --max-params 1000" in O.limit_reason({"params": 1001}, objective)
    assert "0.600 ms at batch 1 > --max-latency-ms 0.5" in O.limit_reason(
        {"params": 10, "latency_ms": 0.6}, objective)
    meta = O.over_limit_meta({"params": 2000}, SearchConfig(max_params=1000))
    assert meta["failed"] and meta["over_limit"] == meta["error"] and meta["params"] == 2000


def test_mnasnet_reward_falls_with_cost_for_any_sign_of_score():
    for score in (0.8, -0.3):
        rewards = [O.mnasnet_reward(score, c, 100.0) for c in (10, 100, 1000)]
        assert rewards[0] > rewards[1] > rewards[2]
    assert O.mnasnet_reward(0.8, 100, 100.0) == pytest.approx(0.8)  # at the target: the score
    assert O.mnasnet_reward(0.0, math.inf, 1.0) == 0.0


def test_each_kind_of_strategy_gets_its_rewards():
    seqs, scores, costs = [[1, 2], [3, 4]], [0.9, 0.8], {(1, 2): 100.0}
    plain = O.Objective()
    assert O.strategy_rewards(plain, True, seqs, scores, costs) == [0.9, 0.8]
    params = O.Objective("params", max_params=100)
    assert O.strategy_rewards(params, True, seqs, scores, costs) == [(0.9, 100.0),
                                                                      (0.8, math.inf)]
    scalar = O.strategy_rewards(params, False, seqs, scores, costs)
    assert scalar == [pytest.approx(0.9), 0.0]  # cost at the target; unmeasured: no reward


POPULATION = [([1, 30], (0.5, 100.0)), ([2, 30], (0.9, 1000.0)), ([3, 30], (0.4, 1000.0)),
              ([4, 30], (0.0, math.inf))]  # the third is dominated, the fourth over a limit


def test_evolution_tournaments_rank_pairs_by_front_and_never_pick_an_over_limit_child():
    strategy = EvolutionStrategy(MLPSpace(max_length=2), population=4, sample_size=2, seed=1)
    strategy.tell([s for s, _ in POPULATION], [r for _, r in POPULATION])
    winners = {tuple(strategy.tournament()) for _ in range(60)}
    assert (4, 30) not in winners and {(1, 30), (2, 30)} <= winners
    strategy.sample_size = 4
    assert strategy.tournament() in ([1, 30], [2, 30])


def test_pair_rewards_survive_the_checkpoint_round_trip():
    strategy = EvolutionStrategy(MLPSpace(max_length=2), population=4, sample_size=2, seed=1)
    strategy.tell([s for s, _ in POPULATION], [r for _, r in POPULATION])
    state = safe_unpickle(pickle.dumps(strategy.get_state()), "checkpoint")
    again = EvolutionStrategy(MLPSpace(max_length=2), population=4, sample_size=2, seed=9)
    again.set_state(state)
    assert list(again.population) == list(strategy.population)
    assert again.ask(5) == strategy.ask(5)


def test_local_search_moves_only_to_a_dominating_neighbour():
    local = LocalSearchStrategy(MLPSpace(max_length=3), seed=2)
    local.tell([[1, 30]], [(0.6, 100.0)])
    assert local.centre == ([1, 30], (0.6, 100.0))
    local.tell([[2, 30]], [(0.9, 200.0)])  # better score, larger model: not a move
    assert local.centre[0] == [1, 30]
    local.tell([[3, 30]], [(0.6, 50.0)])  # as good and smaller: a move
    assert local.centre[0] == [3, 30]
    # In a batch, only a member that dominates the centre can move it, whatever the
    # batch's own front looks like (the most accurate one here does not dominate).
    local.tell([[4, 30], [5, 30]], [(0.95, 400.0), (0.7, 40.0)])
    assert local.centre[0] == [5, 30]


def test_max_macs_values_limits_and_the_image_default():
    assert O.parse_max_macs("20M") == 20_000_000 and O.parse_max_macs("500k") == 500_000
    assert O.parse_max_macs("2e7") == 20_000_000 and O.parse_max_macs(1500) == 1500
    assert O.parse_max_macs("AUTO") == "auto" and O.parse_max_macs("none") is None
    for bad in ("0", "-5M", "12x", "", "inf", "M"):
        with pytest.raises(NasError, match="--max-macs must be a positive number") as info:
            O.parse_max_macs(bad)
        assert "\n" not in str(info.value)
    with pytest.raises(NasError, match="--max-macs must be"):
        O.objective_of(SearchConfig(max_macs=0))
    auto = SearchConfig(max_macs="auto")
    assert O.objective_of(auto).max_macs is None  # not resolved yet: no limit
    image = O.resolve_max_macs(auto, (28, 28, 1), image=True)
    assert image.max_macs == 28 * 28 * O.C.IMAGE_MACS_PER_PIXEL
    assert O.resolve_max_macs(auto, (11,), image=False).max_macs is None
    fixed = SearchConfig(max_macs=1000)
    assert O.resolve_max_macs(fixed, (28, 28, 1), image=True) is fixed
    objective = O.objective_of(image)
    limit = image.max_macs
    assert O.limit_reason({"macs": limit, "params": 10}, objective) is None
    reason = O.limit_reason({"macs": limit + 1}, objective)
    assert f"{limit + 1:,} multiply-adds per input > --max-macs {limit:,}" in reason
