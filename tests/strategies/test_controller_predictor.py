"""The hybrid controller's accuracy predictor: learns a function of the sequence."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

pytest.importorskip("tensorflow")

from mlpnas.strategies.controller import Controller, ControllerConfig  # noqa: E402
from mlpnas.spaces.mlp import MLPSpace  # noqa: E402
from mlpnas.strategies.random import RandomStrategy  # noqa: E402
from mlpnas.strategies.rl import RLStrategy

SPACE = MLPSpace()
ACT_BONUS = {"relu": 0.05, "elu": 0.03, "tanh": 0.0, "sigmoid": -0.06}


def synthetic_accuracy(seq) -> float:
    """Wider layers and better activations help, dropout helps a little (a made-up truth)."""
    acc = 0.45
    for tok in seq:
        if SPACE.is_dense(tok):
            units, act = SPACE.dense(tok)
            acc += 0.015 * np.log2(units / 8) + ACT_BONUS[act]
        elif tok == SPACE.dropout_id:
            acc += 0.02
    return float(acc)


@pytest.mark.slow
def test_predictor_learns_a_synthetic_accuracy_function():
    sampler = RandomStrategy(SPACE, seed=1)
    train, held_out = sampler.ask(300), sampler.ask(150)
    strategy = RLStrategy(SPACE, ControllerConfig(use_predictor=True), seed=0)
    for i in range(0, len(train), 100):  # as a search would: predict, train, tell
        batch = train[i:i + 100]
        assert len(strategy.predict(batch)) == len(batch)
        strategy.tell(batch, [synthetic_accuracy(s) for s in batch])
    assert len(strategy.controller.replay) == 300  # the replay holds every pair seen
    predicted = strategy.predict(held_out)
    tau = kendalltau(predicted, [synthetic_accuracy(s) for s in held_out]).statistic
    assert tau > 0.6, tau
    assert all(0.0 < p < 1.0 for p in predicted)


@pytest.mark.slow
def test_fitting_the_predictor_leaves_the_policy_unchanged_and_state_round_trips():
    cfg = ControllerConfig(use_predictor=True, predictor_steps=5)
    ctrl = Controller(SPACE, cfg, seed=0)
    seqs = RandomStrategy(SPACE, seed=2).ask(8)
    rewards = [synthetic_accuracy(s) for s in seqs]
    ctrl.remember(seqs, rewards)
    log_pi = ctrl.sequence_log_prob(seqs)
    predicted = ctrl.predict_accuracy(seqs)
    ctrl.fit_predictor()
    assert not np.allclose(predicted, ctrl.predict_accuracy(seqs))  # the predictor learned
    np.testing.assert_array_equal(log_pi, ctrl.sequence_log_prob(seqs))  # the policy did not
    predicted = ctrl.predict_accuracy(seqs)
    ctrl.update(seqs, rewards)  # and a policy update leaves the predictor alone
    assert not np.allclose(log_pi, ctrl.sequence_log_prob(seqs))
    np.testing.assert_array_equal(predicted, ctrl.predict_accuracy(seqs))
    copy = Controller(SPACE, cfg, seed=5)
    copy.set_state(ctrl.get_state())
    assert copy.replay == ctrl.replay
    np.testing.assert_allclose(copy.predict_accuracy(seqs), ctrl.predict_accuracy(seqs),
                               rtol=1e-6)


@pytest.mark.slow
def test_without_predictor_nothing_changes():
    plain = RLStrategy(SPACE, ControllerConfig(), seed=0)
    assert plain.predict([[1, 30]]) is None
    assert plain.controller.predictor is None
    hybrid = Controller(SPACE, ControllerConfig(use_predictor=True), seed=0)
    # same seed, same policy weights and samples: the predictor is a separate network
    for w, v in zip(plain.controller.net.weights, hybrid.net.weights):
        np.testing.assert_array_equal(w.numpy(), v.numpy())
    assert plain.ask(5) == hybrid.sample(5)
