"""Screening: which candidates train, reuse of logged accuracies, the doubly robust reward."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from mlpnas.config import SearchConfig
from mlpnas.errors import NasError
from mlpnas.strategies.screening import (EpochPlan, check_screening, plan_epoch,
                              selection_probabilities)
from tests.helpers.screening import mean_rewards


class FakeStrategy:
    """Draws from a fixed categorical policy over a few sequences; a known predictor."""

    name = "fake"

    def __init__(self, seqs, probs, predictions, seed=0):
        self.seqs, self.probs = seqs, np.asarray(probs, dtype=float)
        self.pred = {tuple(s): p for s, p in zip(seqs, predictions)}
        self.rng = np.random.default_rng(seed)
        self.asked: list[int] = []

    def ask(self, m):
        self.asked.append(m)
        return [list(self.seqs[i]) for i in self.rng.choice(len(self.seqs), m, p=self.probs)]

    def predict(self, seqs):
        return [self.pred[tuple(s)] for s in seqs]


SEQS = [[k, 30] for k in range(1, 11)]
PRED = [0.50, 0.90, 0.60, 0.80, 0.55, 0.70, 0.65, 0.85, 0.52, 0.75]


def _config(**kw) -> SearchConfig:
    return SearchConfig(samples_per_epoch=3, use_predictor=True, **kw)


def test_screening_trains_exactly_the_top_predicted_new_candidates():
    strategy = FakeStrategy(SEQS, [0.1] * 10, PRED, seed=3)
    known = {(2, 30): 0.91}  # the best-predicted sequence is already in the log
    plan = plan_epoch(strategy, _config(screen=4, screen_warmup=0), epoch=0, known=known)
    assert strategy.asked[0] == 12 and len(plan.candidates) == 12
    new = {tuple(s) for s in plan.candidates} - set(known)
    expected = sorted(new, key=lambda s: -strategy.pred[s])[:3]
    assert [tuple(plan.candidates[i]) for i in plan.train] == expected
    # each trained sequence once, at its first position among the candidates
    assert len({tuple(plan.candidates[i]) for i in plan.train}) == 3
    for i in plan.train:
        assert plan.candidates.index(plan.candidates[i]) == i
    reused = [i for i, s in enumerate(plan.candidates) if tuple(s) in known]
    assert sorted(plan.reused) == reused and all(plan.reused[i] == 0.91 for i in reused)
    assert plan.stats()["reused"] == len(reused)


def test_warmup_epochs_sample_plainly_but_reuse_logged_accuracies():
    strategy = FakeStrategy(SEQS[:2], [0.5, 0.5], PRED[:2], seed=1)
    plan = plan_epoch(strategy, _config(screen=4, screen_warmup=1), epoch=0,
                      known={(1, 30): 0.4})
    assert strategy.asked == [3] and not plan.screened
    assert all(tuple(plan.candidates[i]) == (2, 30) for i in plan.train)
    assert len(plan.train) <= 1  # a repeat of a sequence is trained once
    fb = plan.feedback([0.8] * len(plan.train))
    expected = [0.4 if s == [1, 30] else 0.8 for s in plan.candidates]
    assert fb["rewards"] == expected
    assert fb["observed"] == ([[2, 30]] * len(plan.train), [0.8] * len(plan.train))
    stats = plan.stats()
    assert stats["reused"] + stats["repeats"] + stats["trained"] == 3


def test_without_screening_or_one_shot_every_sample_trains():
    strategy = FakeStrategy(SEQS[:2], [0.5, 0.5], PRED[:2])
    plan = plan_epoch(strategy, _config(one_shot=False), epoch=5, known={(1, 30): 0.4})
    assert plan.train == [0, 1, 2] and not plan.reused
    assert plan.feedback([0.1, 0.2, 0.3]) == {"seqs": plan.candidates,
                                              "rewards": [0.1, 0.2, 0.3]}
    assert plan.predicted == strategy.predict(plan.candidates)


def test_with_one_shot_a_repeat_reuses_its_logged_accuracy_instead_of_retraining():
    strategy = FakeStrategy(SEQS[:2], [0.5, 0.5], PRED[:2], seed=1)
    plan = plan_epoch(strategy, _config(one_shot=True), epoch=5, known={(1, 30): 0.4})
    assert not plan.screened and plan.dedupe
    assert [tuple(plan.candidates[i]) for i in plan.train] == [(2, 30)]  # trained once
    fb = plan.feedback([0.8])
    assert fb["rewards"] == [0.4 if s == [1, 30] else 0.8 for s in plan.candidates]
    assert fb["observed"] == ([[2, 30]], [0.8])


def test_doubly_robust_reward_of_each_kind_of_candidate():
    plan = EpochPlan([[1, 30], [2, 30], [3, 30], [2, 30]], [0.5, 0.6, 0.7, 0.6], train=[1],
                     reused={2: 0.65}, selection_prob=np.array([0.3, 0.4, 1.0, 0.4]),
                     screened=True, dedupe=True)
    fb = plan.feedback([0.8])
    assert fb["rewards"] == pytest.approx([0.5, 0.6 + 0.2 / 0.4, 0.65, 0.6 + 0.2 / 0.4])
    assert fb["observed"] == ([[2, 30]], [0.8])
    assert plan.stats()["repeats"] == 1


def test_selection_probability_matches_the_binomial_formula():
    # all pool sequences distinct and new: P(trained) = P(Bin(N-1, F) <= m-1) with F the
    # policy mass predicted higher (Monte Carlo against the closed form)
    pool = np.linspace(0, 1, 2000)
    m, preds = 2, np.array([0.95, 0.85, 0.75, 0.6, 0.5, 0.45, 0.4, 0.3])
    n = len(preds)  # the candidates: each competes with n - 1 others drawn from the pool
    probs = selection_probabilities(preds, np.ones(n, bool), pool, np.arange(2000),
                                    np.ones(2000, bool), m, 4000,
                                    np.random.default_rng(0), floor=0.0)
    exact = binom.cdf(m - 1, n - 1, 1 - preds)
    assert probs == pytest.approx(exact, abs=0.03)
    known = selection_probabilities(preds, np.arange(n) > 0, pool,
                                    np.arange(2000), np.ones(2000, bool), m, 100,
                                    np.random.default_rng(0))
    assert known[0] == 1.0


def test_doubly_robust_rewards_are_unbiased_per_sequence():
    """E[reward | x] = R(x) for every sequence: the policy gradient stays unbiased."""
    seqs, probs = SEQS[:5], [0.3, 0.25, 0.2, 0.15, 0.1]
    preds = [0.6, 0.8, 0.5, 0.7, 0.65]  # a poor predictor: ranks differ from the truth
    truth = {(1, 30): 0.9, (2, 30): 0.55, (3, 30): 0.7, (4, 30): 0.6, (5, 30): 0.8}
    strategy = FakeStrategy(seqs, probs, preds, seed=7)
    config = SearchConfig(samples_per_epoch=2, use_predictor=True, screen=2, screen_warmup=0)
    means, _, lowest = mean_rewards(strategy, config, truth, epochs=600)
    for seq, value in truth.items():
        if lowest[seq] > 0.05:  # the floor on p (a bounded bias) was never hit
            assert means[seq] == pytest.approx(value, abs=0.04), seq


def test_screening_needs_a_predictor():
    with pytest.raises(NasError, match="--predictor"):
        check_screening(SearchConfig(screen=2, use_predictor=False))
    with pytest.raises(NasError, match="rl strategy"):
        check_screening(SearchConfig(screen=2, use_predictor=True, strategy="random"))
    check_screening(SearchConfig(screen=2, use_predictor=True))
    check_screening(SearchConfig(screen=1))


def test_plan_survives_the_checkpoint_round_trip():
    """A resumed epoch gets back exactly the plan it checkpointed (via the safe unpickler)."""
    import pickle

    from mlpnas.storage import safe_unpickle
    from mlpnas.strategies.screening import EpochPlan, plan_from_state, plan_state

    plan = EpochPlan([[5, 30], [6, 30], [7, 30]], [0.7, 0.9, 0.8], [1, 2], {0: 0.65},
                     np.array([0.5, 1.0, 0.25]), screened=True, dedupe=True)
    back = plan_from_state(safe_unpickle(pickle.dumps(plan_state(plan))))
    assert back.candidates == plan.candidates and back.train == plan.train
    assert back.reused == plan.reused and back.screened and back.dedupe
    np.testing.assert_array_equal(back.selection_prob, plan.selection_prob)
    assert back.feedback([0.8, 0.6]) == plan.feedback([0.8, 0.6])
