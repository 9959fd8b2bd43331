"""The controller's skip-connection sigmoid (Zoph & Le 3.3) on the cnn space."""

from __future__ import annotations

import numpy as np
import pytest

from mlpnas.spaces.cnn import CNNSpace
from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

from mlpnas.strategies.controller import Controller, ControllerConfig  # noqa: E402

# temperature 1.0: the expected log-probs below are log sigmoid(+-score), unscaled.
SMALL = ControllerConfig(lstm_dim=16, embedding_dim=8, learning_rate=0.05, train_steps=1,
                         entropy_weight=0.0, temperature=1.0)


def make(seed=0, steps=1) -> tuple[CNNSpace, Controller]:
    space = CNNSpace(max_length=3, input_shape=(8, 8, 1), training={})
    cfg = ControllerConfig(**{**SMALL.__dict__, "train_steps": steps})
    return space, Controller(space, cfg, seed=seed)


@pytest.mark.slow
def test_samples_are_valid_and_seeded():
    space, a = make(seed=4)
    _, b = make(seed=4)
    seqs = a.sample(6)
    assert all(space.is_valid(s) for s in seqs)
    assert seqs == b.sample(6)


@pytest.mark.slow
def test_skip_steps_use_the_pair_sigmoid_in_sampling_and_in_the_loss():
    space, ctrl = make()
    layer = dict(kernel=3, filters=16, stride=1, pool=1)
    seq = space.encode([layer, {**layer, "inputs": [0]}, {**layer, "inputs": [1]}])
    # replay the sequence step by step, as sampling does
    state, tokens, hiddens = ctrl.net.initial_state(1), np.zeros(1, "int32"), []
    for tok in seq:
        _, hidden, state = ctrl.net.step(tokens, state)
        hiddens.append(hidden)
        tokens[0] = tok
    inputs, *_ = ctrl._batch([seq])
    logits, teacher = ctrl.net.unroll(inputs)
    replaced = ctrl._with_skip_logits(logits, teacher).numpy()
    assert ctrl.skips
    for t, anchor in ctrl.skips.items():
        expected = ctrl._skip_step_logits(t, hiddens)[0]
        np.testing.assert_allclose(replaced[0, t], expected, atol=1e-5)
        h_j, h_t = teacher[:, anchor], teacher[:, t]
        score = ctrl.net.skip_v(tf.tanh(ctrl.net.skip_prev(h_j) + ctrl.net.skip_curr(h_t)))
        np.testing.assert_allclose(expected[space.skip_yes], score.numpy()[0, 0], atol=1e-5)
        assert expected[space.skip_no] == 0.0
    # the skip token's log-prob (what the policy loss uses) is log sigmoid(+-score)
    logp = step_log_probs(ctrl, seq)
    for t in ctrl.skips:
        p_yes = 1 / (1 + np.exp(-replaced[0, t, space.skip_yes]))
        want = np.log(p_yes if seq[t] == space.skip_yes else 1 - p_yes)
        np.testing.assert_allclose(logp[t], want, atol=1e-5)


def step_log_probs(ctrl, seq):
    inputs, actions, _, valid, prior = ctrl._batch([seq])
    return ctrl._log_probs(inputs, actions, valid, prior)[0].numpy()[0]


@pytest.mark.slow
def test_rewarding_skips_raises_their_probability_through_the_skip_weights():
    space, ctrl = make(steps=1)
    base = [dict(kernel=3, filters=16, stride=1, pool=1)] * 3
    with_skip = space.encode([base[0], {**base[1], "inputs": [0]}, {**base[2], "inputs": [0, 1]}])
    no_skip = space.encode(base)
    skip_steps = sorted(ctrl.skips)
    before = step_log_probs(ctrl, with_skip)[skip_steps]
    weights_before = [w.numpy().copy() for w in (ctrl.net.skip_prev.kernel, ctrl.net.skip_v.kernel)]
    for _ in range(5):
        ctrl.update([with_skip, no_skip], [1.0, 0.0])
    after = step_log_probs(ctrl, with_skip)[skip_steps]
    assert np.all(after > before)  # log P(yes) rose at every skip step
    weights_after = [ctrl.net.skip_prev.kernel.numpy(), ctrl.net.skip_v.kernel.numpy()]
    assert all(not np.allclose(a, b) for a, b in zip(weights_before, weights_after))


@pytest.mark.slow
def test_state_round_trip_includes_the_skip_weights():
    _, a = make(seed=1)
    _, b = make(seed=2)
    b.set_state(a.get_state())
    assert a.sample(3) == b.sample(3)


@pytest.mark.slow
def test_the_predictor_shares_no_weights_with_the_skip_sigmoid_or_the_policy():
    space = CNNSpace(max_length=2, input_shape=(8, 8, 1), training={})
    ctrl = Controller(space, ControllerConfig(**{**SMALL.__dict__, "use_predictor": True}), seed=0)
    skip_ids = {id(v) for v in ctrl._skip_variables()}
    assert len(skip_ids) == 3 and skip_ids <= {id(v) for v in ctrl.net.trainable_variables}
    policy = {id(v) for v in ctrl.net.trainable_variables}
    assert not policy & {id(v) for v in ctrl.predictor.trainable_variables}
    seqs = ctrl.sample(3)
    ctrl.update(seqs, [0.2, 0.5, 0.9])
    assert all(space.is_valid(s) for s in ctrl.sample(3))
