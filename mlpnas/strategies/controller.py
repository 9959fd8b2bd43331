"""The LSTM controller: a Keras policy over a search space's tokens, trained with REINFORCE.

Zoph & Le (2016), section 3.2: the controller emits one token per step; its parameters
are updated with the REINFORCE gradient, sum_t grad log pi(a_t | a_<t) * (R - b), where
a_t is the token actually sampled, R the child's reward, and b an exponential moving
average of past rewards (the baseline). Here the advantage of step t is additionally
discounted over the steps of the SAME sequence: A_t = alpha**(T-1-t) * (R - b) (the
"discounted-reward loss", alpha = CONTROLLER_LOSS_ALPHA); rewards are never discounted
across different sequences. An optional entropy bonus keeps the policy from collapsing
early (ENAS, Pham et al. 2018).

Invalid tokens are masked out of the softmax (logits set to -inf) both when sampling and
when computing log-probabilities for the update, so sampling never rejects and retries.
Sampling uses the controller's own seeded numpy Generator.

Hybrid controller (optional, `use_predictor`): a second head on the same LSTM trunk reads
the encoded whole sequence (the hidden state after its last token) and predicts the
child's validation accuracy (sigmoid). It is trained with the mean squared error over a
replay of EVERY (sequence, accuracy) pair observed so far, jointly with the policy: each
controller step minimises policy loss - entropy bonus + predictor_weight * MSE(replay);
after the update, `predictor_steps` more steps on the MSE alone (own optimizer, policy
head untouched) let the predictor keep up as the replay grows.

Skip connections (Zoph & Le 2016, section 3.3): in a space with pairwise skip decisions
(`space.skip_anchors()`, e.g. the cnn space), the token at a skip step t, deciding
whether layer j feeds the current layer, is not drawn from the softmax head but from
P(yes) = sigmoid(v^T tanh(W_prev h_j + W_curr h_t)), where h_t is the LSTM's hidden
state at step t and h_j the one at layer j's anchor step. It is written as the logits
(0 for 'no', the score for 'yes') of a softmax over the two valid tokens, which is that
sigmoid exactly; so the binary skip tokens are ordinary tokens of the sequence, and
their log-probabilities and entropies enter the REINFORCE loss like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.spaces.base import SearchSpace
from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

_NEG = -1e9


@dataclass(frozen=True)
class ControllerConfig:
    """Hyperparameters of the controller (defaults from CONSTANTS)."""

    lstm_dim: int = C.CONTROLLER_LSTM_DIM
    embedding_dim: int = C.CONTROLLER_EMBEDDING_DIM
    learning_rate: float = C.CONTROLLER_LEARNING_RATE
    loss_alpha: float = C.CONTROLLER_LOSS_ALPHA
    baseline_decay: float = C.CONTROLLER_BASELINE_DECAY
    entropy_weight: float = C.CONTROLLER_ENTROPY_WEIGHT
    temperature: float = C.CONTROLLER_TEMPERATURE
    grad_clip: float = C.CONTROLLER_GRAD_CLIP
    train_steps: int = C.CONTROLLER_TRAINING_EPOCHS
    # --- hybrid predictor ---
    use_predictor: bool = C.CONTROLLER_USE_PREDICTOR
    predictor_weight: float = C.PREDICTOR_LOSS_WEIGHT
    predictor_steps: int = C.PREDICTOR_EXTRA_STEPS


class PolicyNetwork(keras.Model):
    """Token embedding -> LSTM cell -> logits over the vocabulary, one step at a time."""

    def __init__(self, vocab_size: int, cfg: ControllerConfig, seed: int,
                 skip_attention: bool = False) -> None:
        super().__init__()
        init = keras.initializers.RandomUniform(-0.1, 0.1, seed=seed)
        self.embedding = keras.layers.Embedding(vocab_size + 1, cfg.embedding_dim,
                                                embeddings_initializer=init)
        self.cell = keras.layers.LSTMCell(
            cfg.lstm_dim, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 2))
        self.head = keras.layers.Dense(
            vocab_size + 1, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 3))
        self.lstm_dim = cfg.lstm_dim
        # The hybrid controller's accuracy head; None without a predictor.
        self.predictor = keras.layers.Dense(
            1, activation="sigmoid", kernel_initializer=keras.initializers.GlorotUniform(
                seed=seed + 4)) if cfg.use_predictor else None
        if self.predictor is not None:
            self.predictor.build((None, cfg.lstm_dim))
        if skip_attention:  # Zoph & Le 3.3: W_prev, W_curr and v of the skip sigmoid
            dense = [keras.layers.Dense(
                units, use_bias=False,
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed + k))
                for k, units in ((5, cfg.lstm_dim), (6, cfg.lstm_dim), (7, 1))]
            for layer in dense:  # built here: `call` does not use them
                layer.build((None, cfg.lstm_dim))
            self.skip_prev, self.skip_curr, self.skip_v = dense

    def skip_logit(self, h_prev, h_curr):
        """Zoph & Le's v^T tanh(W_prev h_j + W_curr h_i) over the last axis."""
        return tf.squeeze(self.skip_v(tf.tanh(self.skip_prev(h_prev) + self.skip_curr(h_curr))), -1)

    def initial_state(self, batch: int) -> list:
        """Zero LSTM state for a batch."""
        zeros = tf.zeros((batch, self.lstm_dim))
        return [zeros, zeros]

    def step(self, tokens, state):
        """One step: previous tokens (batch,) -> (logits (batch, V+1), hidden, new state)."""
        hidden, state = self.cell(self.embedding(tokens), state)
        return self.head(hidden), hidden, state

    def unroll(self, inputs):
        """Teacher-forced pass over (batch, T) input tokens -> logits (batch, T, V+1), hiddens."""
        state = self.initial_state(tf.shape(inputs)[0])
        logits, hiddens = [], []
        for t in range(inputs.shape[1]):
            out, hidden, state = self.step(inputs[:, t], state)
            logits.append(out)
            hiddens.append(hidden)
        return tf.stack(logits, axis=1), tf.stack(hiddens, axis=1)

    def call(self, inputs):
        """Keras entry point: the logits of a teacher-forced pass."""
        return self.unroll(inputs)[0]

    def predict_accuracy(self, inputs, last):
        """Predictor head: (batch, T+1) start token + whole sequence -> (batch,) accuracy.

        `last` is the position of each sequence's last token in `inputs`, so the head
        reads the hidden state after the LSTM has seen the entire sequence.
        """
        _, hiddens = self.unroll(inputs)
        encoded = tf.gather(hiddens, last, batch_dims=1)
        return tf.squeeze(self.predictor(encoded), axis=-1)


class Controller:
    """Samples token sequences and learns from their rewards (REINFORCE with a baseline)."""

    def __init__(self, space: SearchSpace, cfg: ControllerConfig | None = None,
                 seed: int = C.SEED) -> None:
        self.space = space
        self.cfg = cfg or ControllerConfig()
        self.rng = np.random.default_rng(seed)
        self.skips = space.skip_anchors()  # skip step -> anchor step of the earlier layer
        self.net = PolicyNetwork(space.vocab_size, self.cfg, seed, skip_attention=bool(self.skips))
        self.net(np.zeros((1, space.max_length), dtype="int32"))  # build the weights
        self._init_predictor()
        self.optimizer = keras.optimizers.Adam(self.cfg.learning_rate,
                                               global_clipnorm=self.cfg.grad_clip)
        self.optimizer.build(self.net.trainable_variables)
        self.baseline: float | None = None
        self._train_step = tf.function(self._train_step_impl, reduce_retracing=True)
        # One compiled LSTM step: eager Keras calls cost ~10x more per sampling step.
        self._step = tf.function(self.net.step, reduce_retracing=True)

    # --- sampling ------------------------------------------------------------------------

    def _masked_probs(self, logits: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """Softmax over valid tokens only (float64, rows sum to 1)."""
        z = np.where(masks, logits.astype("float64") / self.cfg.temperature, -np.inf)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def sample(self, m: int) -> list[list[int]]:
        """Sample m complete, valid sequences (in parallel, one LSTM step per position)."""
        seqs: list[list[int]] = [[] for _ in range(m)]
        tokens = np.zeros(m, dtype="int32")
        state = self.net.initial_state(m)
        hiddens: list = []
        for t in range(self.space.max_length):
            live = [i for i, s in enumerate(seqs) if not self.space.is_complete(s)]
            if not live:
                break
            logits, hidden, state = self._step(tf.constant(tokens), state)
            hiddens.append(hidden)
            logits = self._skip_step_logits(t, hiddens) if t in self.skips else logits.numpy()
            masks = np.stack([self.space.valid_next(seqs[i]) for i in live])
            probs = self._masked_probs(logits[live], masks)
            for row, i in enumerate(live):
                tok = int(self.rng.choice(len(probs[row]), p=probs[row]))
                seqs[i].append(tok)
                tokens[i] = tok
        return seqs

    def _skip_step_logits(self, t: int, hiddens: list) -> np.ndarray:
        """Logits of skip step t while sampling: 0 for 'no', the pair score for 'yes'."""
        score = self.net.skip_logit(hiddens[self.skips[t]], hiddens[t]).numpy()
        logits = np.zeros((len(score), self.space.vocab_size + 1), dtype="float32")
        logits[:, self.space.skip_yes] = score
        return logits

    def _skip_variables(self) -> list:
        """The skip sigmoid's weights (policy weights, like the head's)."""
        layers = (self.net.skip_prev, self.net.skip_curr, self.net.skip_v) if self.skips else ()
        return [v for layer in layers for v in layer.trainable_variables]

    def _with_skip_logits(self, logits, hiddens):
        """Teacher-forced logits (batch, T, V+1) with every skip step's replaced likewise."""
        if not self.skips:
            return logits
        steps = sorted(self.skips)
        score = self.net.skip_logit(tf.gather(hiddens, [self.skips[t] for t in steps], axis=1),
                                    tf.gather(hiddens, steps, axis=1))  # (batch, skips)
        at = np.zeros(logits.shape[1], dtype="int32")  # step -> its column in `score`
        at[steps] = np.arange(len(steps))
        is_skip = np.zeros((1, logits.shape[1], 1), dtype=bool)
        is_skip[0, steps] = True
        yes = tf.one_hot(self.space.skip_yes, logits.shape[-1])
        return tf.where(is_skip, tf.gather(score, at, axis=1)[..., None] * yes, logits)

    # --- log-probabilities and the update ---------------------------------------------------

    def _batch(self, seqs: Sequence[Sequence[int]]):
        """Padded inputs, actions, step mask and validity masks for teacher forcing."""
        m, T = len(seqs), self.space.max_length
        actions = np.zeros((m, T), dtype="int32")
        inputs = np.zeros((m, T), dtype="int32")
        step_mask = np.zeros((m, T), dtype="float32")
        valid = np.ones((m, T, self.space.vocab_size + 1), dtype=bool)
        for i, seq in enumerate(seqs):
            for t, tok in enumerate(seq):
                actions[i, t] = tok
                inputs[i, t] = seq[t - 1] if t else 0
                step_mask[i, t] = 1.0
                valid[i, t] = self.space.valid_next(seq[:t])
        return inputs, actions, step_mask, valid

    def _log_probs(self, inputs, actions, valid):
        """Per-step log pi(a_t | a_<t) and entropies under the masked softmax."""
        logits, hiddens = self.net.unroll(inputs)
        logits = self._with_skip_logits(logits, hiddens)
        logits = tf.where(valid, logits / self.cfg.temperature, _NEG)
        logp_all = tf.nn.log_softmax(logits, axis=-1)
        logp = tf.reduce_sum(tf.one_hot(actions, logits.shape[-1]) * logp_all, axis=-1)
        probs = tf.exp(logp_all)
        entropy = -tf.reduce_sum(tf.where(valid, probs * logp_all, 0.0), axis=-1)
        return logp, entropy, hiddens

    def sequence_log_prob(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """log pi(sequence) for each sequence (sum over its steps)."""
        inputs, actions, step_mask, valid = self._batch(seqs)
        logp, _, _ = self._log_probs(inputs, actions, valid)
        return np.sum(logp.numpy() * step_mask, axis=1)

    def advantages(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float]) -> np.ndarray:
        """A[i, t] = alpha**(T_i-1-t) * (R_i - b) for the steps of sequence i, else 0."""
        rewards = np.asarray(rewards, dtype="float64")
        baseline = float(np.mean(rewards)) if self.baseline is None else self.baseline
        adv = np.zeros((len(seqs), self.space.max_length), dtype="float32")
        for i, seq in enumerate(seqs):
            T = len(seq)
            adv[i, :T] = (rewards[i] - baseline) * self.cfg.loss_alpha ** np.arange(T - 1, -1, -1)
        return adv

    def _train_step_impl(self, inputs, actions, step_mask, valid, adv, *replay):
        with tf.GradientTape() as tape:
            logp, entropy, _ = self._log_probs(inputs, actions, valid)
            policy_loss = -tf.reduce_mean(tf.reduce_sum(logp * adv * step_mask, axis=1))
            mean_entropy = tf.reduce_sum(entropy * step_mask) / tf.reduce_sum(step_mask)
            loss = policy_loss - self.cfg.entropy_weight * mean_entropy
            if replay:  # hybrid controller: joint loss with the predictor's MSE
                loss += self.cfg.predictor_weight * self._predictor_loss(*replay)
        variables = self.net.trainable_variables
        grads = tape.gradient(loss, variables)
        # Variables the loss does not reach (the predictor head while its replay is still
        # empty) get no gradient; leave them out rather than warn on every step.
        self.optimizer.apply_gradients([(g, v) for g, v in zip(grads, variables) if g is not None])
        return policy_loss, mean_entropy

    def update(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float]) -> dict:
        """REINFORCE update on one batch; then move the baseline towards the batch mean."""
        inputs, actions, step_mask, valid = self._batch(seqs)
        adv = self.advantages(seqs, rewards)
        used_baseline = float(np.mean(rewards)) if self.baseline is None else self.baseline
        policy_loss = entropy = 0.0
        replay = self._replay_batch()
        for _ in range(max(1, self.cfg.train_steps)):
            pl, ent = self._train_step(inputs, actions, step_mask, valid, adv, *replay)
            policy_loss, entropy = float(pl), float(ent)
        d = self.cfg.baseline_decay
        self.baseline = used_baseline * d + (1 - d) * float(np.mean(rewards))
        return {"policy_loss": policy_loss, "entropy": entropy, "baseline": used_baseline,
                "mean_reward": float(np.mean(rewards)), "max_reward": float(np.max(rewards))}

    # --- state ------------------------------------------------------------------------------

    def get_state(self) -> dict:
        """Weights, optimizer slots, baseline and RNG: everything needed to resume."""
        return {
            "weights": [v.numpy() for v in self.net.weights],
            "optimizer": [v.numpy() for v in self.optimizer.variables],
            "baseline": self.baseline,
            "rng": self.rng.bit_generator.state,
            **self._predictor_state(),
        }

    def set_state(self, state: dict) -> None:
        """Restore what get_state returned."""
        for var, value in zip(self.net.weights, state["weights"]):
            var.assign(value)
        for var, value in zip(self.optimizer.variables, state["optimizer"]):
            var.assign(value)
        self.baseline = state["baseline"]
        self.rng.bit_generator.state = state["rng"]
        self._set_predictor_state(state)

    def save_weights(self, path: str) -> None:
        """Write the policy network's weights (Keras .weights.h5)."""
        self.net.save_weights(path)

    # --- hybrid predictor -------------------------------------------------------------------

    def _init_predictor(self) -> None:
        """Build the predictor head (before the optimizer is built) and its replay."""
        self.replay: list[tuple[tuple[int, ...], float]] = []
        self.predictor_optimizer = None
        if not self.cfg.use_predictor:
            return
        variables = self._predictor_variables()
        self.predictor_optimizer = keras.optimizers.Adam(self.cfg.learning_rate,
                                                         global_clipnorm=self.cfg.grad_clip)
        self.predictor_optimizer.build(variables)
        self._predictor_step = tf.function(self._predictor_step_impl, reduce_retracing=True)

    def _predictor_variables(self) -> list:
        """The trunk (embedding, LSTM) and the predictor head: not the policy head."""
        head = {id(v) for v in self.net.head.trainable_variables + self._skip_variables()}
        return [v for v in self.net.trainable_variables if id(v) not in head]

    def _encode(self, seqs: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(start token + whole sequence, padded to T+1; position of each last token)."""
        inputs = np.zeros((len(seqs), self.space.max_length + 1), dtype="int32")
        last = np.zeros(len(seqs), dtype="int32")
        for i, seq in enumerate(seqs):
            inputs[i, 1:len(seq) + 1] = seq
            last[i] = len(seq)
        return inputs, last

    def predict_accuracy(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """Predicted validation accuracy of each sequence (the hybrid controller's head)."""
        if not self.cfg.use_predictor:
            raise ValueError("this controller has no predictor (use_predictor=False)")
        if not len(seqs):
            return np.zeros(0)
        inputs, last = self._encode(seqs)
        return self.net.predict_accuracy(inputs, last).numpy().astype("float64")

    def remember(self, seqs: Sequence[Sequence[int]], accuracies: Sequence[float]) -> None:
        """Add observed (sequence, accuracy) pairs to the predictor's replay."""
        if self.cfg.use_predictor:
            self.replay.extend((tuple(map(int, s)), float(a)) for s, a in zip(seqs, accuracies))

    def _replay_batch(self) -> tuple:
        """The whole replay as (inputs, last, targets); () when there is nothing to fit."""
        if not self.cfg.use_predictor or not self.replay:
            return ()
        inputs, last = self._encode([s for s, _ in self.replay])
        return inputs, last, np.asarray([a for _, a in self.replay], dtype="float32")

    def _predictor_loss(self, inputs, last, targets):
        """Mean squared error of the predictor head over a batch."""
        return tf.reduce_mean(tf.square(self.net.predict_accuracy(inputs, last) - targets))

    def _predictor_step_impl(self, inputs, last, targets):
        variables = self._predictor_variables()
        with tf.GradientTape() as tape:
            loss = self._predictor_loss(inputs, last, targets)
        grads = tape.gradient(loss, variables)
        self.predictor_optimizer.apply_gradients(zip(grads, variables))
        return loss

    def fit_predictor(self, steps: int | None = None) -> dict:
        """Steps on the predictor's MSE alone over the whole replay; its loss after them."""
        replay = self._replay_batch()
        if not replay:
            return {}
        for _ in range(self.cfg.predictor_steps if steps is None else steps):
            self._predictor_step(*replay)
        return {"predictor_loss": float(self._predictor_loss(*replay)),
                "replay_size": len(self.replay)}

    def _predictor_state(self) -> dict:
        if not self.cfg.use_predictor:
            return {}
        return {"replay": [(list(s), a) for s, a in self.replay],
                "predictor_optimizer": [v.numpy() for v in self.predictor_optimizer.variables]}

    def _set_predictor_state(self, state: dict) -> None:
        if not self.cfg.use_predictor:
            return
        self.replay = [(tuple(s), float(a)) for s, a in state.get("replay", [])]
        for var, value in zip(self.predictor_optimizer.variables,
                              state.get("predictor_optimizer", [])):
            var.assign(value)
