"""Screening with a cost proxy: climbing from the draws, the reward that stays unbiased,
the controller's switch from the proxy to its predictor, and the parameter counts."""

from __future__ import annotations

import numpy as np
import pytest

from mlpnas.config import SearchConfig
from mlpnas.spaces.grid import GridSpace
from mlpnas.strategies.screening import plan_epoch
from tests.helpers.screening import mean_rewards

SPACE = GridSpace({"a": [0, 1, 2, 3], "b": [0, 1, 2, 3]})
SEQS = [[1 + a, 5 + b] for a in range(4) for b in range(4)]


def cost(seq) -> float:
    """A monotone made-up cost: larger tokens cost more."""
    return float((seq[0] - 1) * 4 + (seq[1] - 5))


class ClimbingStrategy:
    """A fixed categorical policy over SEQS, ranked by `cost`, with a space to climb in."""

    name = "fake"
    space = SPACE

    def __init__(self, probs, seed=0):
        self.probs = np.asarray(probs, dtype=float) / np.sum(probs)
        self.rng = np.random.default_rng(seed)

    def ask(self, m):
        return [list(SEQS[i]) for i in self.rng.choice(len(SEQS), m, p=self.probs)]

    def predict(self, seqs):
        return [0.5 + 0.01 * cost(s) for s in seqs]

    def rank(self, seqs):
        return [cost(s) for s in seqs]


def _config(climb, **kw) -> SearchConfig:
    return SearchConfig(samples_per_epoch=2, use_predictor=True, screen=2, screen_warmup=0,
                        screen_climb=climb, **kw)


def test_climbing_trains_the_best_ranked_sequences_the_draws_missed():
    low = [1.0 if s[0] == 1 else 0.0 for s in SEQS]  # the policy draws only a = 0
    plan = plan_epoch(ClimbingStrategy(low), _config(climb=6), epoch=0, known={})
    trained = [plan.candidates[i] for i in plan.train]
    assert trained == [[4, 8], [4, 7]]  # the two largest costs, found by climbing
    assert len(plan.drawn) == 4 and all(s[0] == 1 for s in plan.drawn)
    assert plan.stats()["climbed"] == 2
    fb = plan.feedback([0.9, 0.8])
    assert fb["seqs"] == plan.drawn and len(fb["rewards"]) == 4  # the policy's draws only
    assert fb["observed"] == ([[4, 8], [4, 7]], [0.9, 0.8])
    plain = plan_epoch(ClimbingStrategy(low), _config(climb=0), epoch=0, known={})
    assert all(plain.candidates[i][0] == 1 for i in plain.train)  # no climb: draws only


def test_known_sequences_are_not_trained_again_after_climbing():
    known = {(4, 8): 0.7, (4, 7): 0.6}
    plan = plan_epoch(ClimbingStrategy([1.0] * 16, seed=2), _config(climb=6), 0, known)
    trained = [tuple(plan.candidates[i]) for i in plan.train]
    assert trained == [(4, 6), (4, 5)]  # the best new ones (costs 13 and 12)


def test_equal_ranking_scores_are_ordered_by_a_seeded_tie_break():
    def trained(seed, epoch):
        strategy = ClimbingStrategy([1.0] * 16, seed=0)
        strategy.rank = lambda seqs: [1.0] * len(seqs)  # every candidate ties
        plan = plan_epoch(strategy, _config(climb=0, seed=seed), epoch, known={})
        return [plan.candidates[i] for i in plan.train]

    assert trained(0, 0) == trained(0, 0)
    assert len({str(trained(s, e)) for s in range(3) for e in range(2)}) > 1


def test_doubly_robust_rewards_stay_unbiased_with_climbing():
    """E[reward | x] = R(x) for every draw the policy makes, although the trained
    sequences are mostly found by climbing from the draws."""
    truth = {tuple(s): 0.3 + 0.04 * ((7 * i) % 16) for i, s in enumerate(SEQS)}
    bumpy = {tuple(s): float((5 * i) % 16) for i, s in enumerate(SEQS)}  # local optima
    strategy = ClimbingStrategy(np.linspace(2.0, 1.0, 16), seed=5)
    strategy.rank = lambda seqs: [bumpy[tuple(s)] for s in seqs]
    config = _config(climb=1)
    means, counts, lowest = mean_rewards(strategy, config, truth, epochs=300)
    checked = [s for s in truth if lowest.get(s, 0) > 0.05 and counts[s] >= 40]
    assert len(checked) >= 3 and min(lowest[s] for s in checked) < 0.9  # some corrections
    for seq in checked:
        assert means[seq] == pytest.approx(truth[seq], abs=0.05), seq


def test_analytic_parameter_counts_equal_the_built_models_count_params():
    pytest.importorskip("tensorflow")
    from mlpnas.spaces import make_space, space_info
    from mlpnas.strategies.random import RandomStrategy
    from mlpnas.training.cost import ParamCounter

    mlp, tabular = make_space("mlp"), make_space("tabular")
    training = dict(residual=True, learning_rate=0.001, batch_size=64, weight_decay=0.0,
                    patience=20, schedule="constant")
    cases = [(mlp, RandomStrategy(mlp, seed=1).ask(2), 3)]
    cases += [(tabular, [tabular.encode([(128, 0.0), (128, 0.1)], batch_norm=norm, **training)],
               n_classes) for norm, n_classes in ((True, 1), (False, 4))]
    for space, seqs, n_classes in cases:
        build = space_info(space.name).build_function()
        counter = ParamCounter(space, build, (7,), n_classes)
        assert counter.analytic
        built = [build(space, s, (7,), n_classes).model.count_params() for s in seqs]
        assert counter(seqs).tolist() == built
    cnn = make_space("cnn", input_shape=(8, 8, 1), max_length=1)
    counter = ParamCounter(cnn, space_info("cnn").build_function(), (8, 8, 1), 3)
    seq = RandomStrategy(cnn, seed=0).ask(1)[0]
    assert not counter.analytic and counter.count(seq) > 0  # counted on the built model


def test_the_controller_ranks_by_the_cost_until_its_predictor_ranks_unseen_children_better():
    pytest.importorskip("tensorflow")
    from mlpnas.strategies.controller import ControllerConfig
    from mlpnas.strategies.rl import RLStrategy

    cfg = ControllerConfig(use_predictor=True, lstm_dim=8, embedding_dim=4, predictor_steps=5,
                           proxy_min_heldout=8)
    strategy = RLStrategy(SPACE, cfg, seed=0)
    strategy.set_cost_feature(lambda seqs: np.exp([cost(s) for s in seqs]))
    assert np.argsort(strategy.rank(SEQS)).tolist() == list(range(16))  # no data: the cost
    truth = {tuple(s): 0.9 - 0.03 * cost(s) for s in SEQS}  # the cost misleads here
    first, second = SEQS[::2], SEQS[1::2]
    controller = strategy.controller  # what tell does for the predictor, without the policy
    controller.remember(first, [truth[tuple(s)] for s in first])
    controller.fit_predictor(100)
    assert np.argsort(strategy.rank(SEQS)).tolist() == list(range(16))
    controller.remember(second, [truth[tuple(s)] for s in second])  # scored before fitted on
    assert controller.predictor_trusted() and len(controller.heldout) == 16
    assert strategy.rank(SEQS) == strategy.predict(SEQS)
