"""The LSTM controller: a Keras policy over a search space's tokens, trained by policy gradient.

Zoph & Le (2016), section 3.2: the controller emits one token per step; its parameters
are updated with the REINFORCE gradient, sum_t grad log pi(a_t | a_<t) * A, where a_t is
the token actually sampled and A the child's advantage, its reward minus a baseline.

The update (`Controller.update`) is on-policy and size-controlled:
- the baseline of sequence i is the mean reward of the OTHER sequences of its batch (leave
  one out, Kool et al. 2019), or an exponential moving average of earlier batches;
- advantages are divided by the batch's reward spread ("normalized") or replaced by
  centred ranks ("rank"), so a step's size does not depend on the reward's scale;
- optionally the advantage of step t is discounted over the steps of the SAME sequence,
  A_t = alpha**(T-1-t) * A (alpha = CONTROLLER_LOSS_ALPHA, 1 = no discount); rewards are
  never discounted across different sequences;
- the first step on a batch is the plain REINFORCE step; further steps (`train_steps`)
  use PPO's clipped ratio (Schulman et al. 2017) and stop once the KL divergence from the
  policy that sampled the batch exceeds `target_kl`. Each update reports that KL.
An entropy bonus keeps the policy from collapsing early (ENAS, Pham et al. 2018).
Priority-queue training (Abolafia et al. 2018): the controller keeps the `elite_size` best
measured (sequence, score) pairs of the whole search and adds `elite_weight` times their
mean log pi to the objective of every step, so large steps cannot carry the policy away
from the best sequences found so far. The elite is part of the saved state.

Invalid tokens are masked out of the softmax (logits set to -inf) both when sampling and
when computing log-probabilities for the update, so sampling never rejects and retries.
In a space with `even_depths` (the MLPNAS vocabulary, where a stop token ends a sequence)
a fixed log-prior is added to the logits, the log of the random strategy's next-token
weights (mlpnas.spaces.counting): the untrained policy then spreads depths evenly, as
random search does, instead of nearly always reaching the maximum length.
Sampling uses the controller's own seeded numpy Generator.

Accuracy predictor (optional, `use_predictor`): a separate network (its own embedding,
LSTM and sigmoid head; nothing shared with the policy, so fitting it cannot move the
policy) reads a whole sequence and predicts the child's validation accuracy. After each
policy update it takes `predictor_steps` Adam steps on the mean squared error over a
replay of EVERY (sequence, accuracy) pair observed so far. With a cost feature
(`set_cost_feature`: e.g. the parameter count, known before a child trains) it also
reads the sequence's standardised log cost, and `rank_scores`, what screening ranks
candidates by, is that cost until the predictor has ranked the children it had not yet
been fitted on better than the cost did (Kendall's tau, prequentially over every such
child): with no or little data the cost is the better guess.

Skip connections (Zoph & Le 2016, section 3.3): in a space with pairwise skip decisions
(`space.skip_anchors()`, e.g. the cnn space), the token at a skip step t, deciding
whether layer j feeds the current layer, is not drawn from the softmax head but from
P(yes) = sigmoid(v^T tanh(W_prev h_j + W_curr h_t)), where h_t is the LSTM's hidden
state at step t and h_j the one at layer j's anchor step. It is written as the logits
(0 for 'no', the score for 'yes') of a softmax over the two valid tokens, which is that
sigmoid exactly; so the binary skip tokens are ordinary tokens of the sequence, and
their log-probabilities and entropies enter the policy loss like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.spaces.base import SearchSpace
from mlpnas.spaces.counting import SequenceCounter
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
    advantage: str = C.CONTROLLER_ADVANTAGE
    baseline: str = C.CONTROLLER_BASELINE
    clip_ratio: float = C.CONTROLLER_CLIP_RATIO
    target_kl: float = C.CONTROLLER_TARGET_KL
    no_repeats: bool = C.CONTROLLER_NO_REPEATS
    use_predictor: bool = C.CONTROLLER_USE_PREDICTOR
    predictor_steps: int = C.PREDICTOR_EXTRA_STEPS
    predictor_learning_rate: float = C.PREDICTOR_LEARNING_RATE
    elite_size: int = C.CONTROLLER_ELITE_SIZE
    elite_weight: float = C.CONTROLLER_ELITE_WEIGHT
    # held-out children the predictor must have been scored on before it may outrank
    # the cost proxy (see Controller.predictor_trusted)
    proxy_min_heldout: int = C.PREDICTOR_PROXY_MIN_HELDOUT


def _kl(log_ratio):
    """KL(pi_old || pi) estimated from samples of pi_old: mean(r - 1 - log r), r = pi / pi_old."""
    return tf.reduce_mean(tf.exp(log_ratio) - 1.0 - log_ratio)


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



class PredictorNetwork(keras.Model):
    """Accuracy predictor: its own embedding and LSTM over a whole sequence, and the
    sequence's standardised log cost (0 without a cost feature) -> sigmoid."""

    def __init__(self, vocab_size: int, cfg: ControllerConfig, seed: int) -> None:
        super().__init__()
        self.embedding = keras.layers.Embedding(
            vocab_size + 1, cfg.embedding_dim,
            embeddings_initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=seed + 10))
        self.lstm = keras.layers.LSTM(
            cfg.lstm_dim, kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 11),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 12))
        self.head = keras.layers.Dense(
            1, activation="sigmoid",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 13))

    def call(self, inputs, last, cost):
        """(batch, T+1) start token + sequence, position of each last token, (batch, 1)
        standardised log cost -> (batch,)."""
        steps = tf.range(tf.shape(inputs)[1])[None, :]
        mask = steps <= tf.cast(last, tf.int32)[:, None]
        encoded = self.lstm(self.embedding(inputs), mask=mask)
        return tf.squeeze(self.head(tf.concat([encoded, cost], axis=-1)), axis=-1)


class Controller:
    """Samples token sequences and learns from their rewards (REINFORCE with a baseline)."""

    def __init__(self, space: SearchSpace, cfg: ControllerConfig | None = None,
                 seed: int = C.SEED) -> None:
        self.space = space
        self.cfg = cfg or ControllerConfig()
        self.rng = np.random.default_rng(seed)
        self.skips = space.skip_anchors()  # skip step -> anchor step of the earlier layer
        self.counter = SequenceCounter(space) if space.even_depths else None
        self._priors: dict = {}
        self.net = self._policy(seed)
        self._init_predictor(seed)
        self.optimizer = keras.optimizers.Adam(self.cfg.learning_rate,
                                               global_clipnorm=self.cfg.grad_clip)
        self.optimizer.build(self.net.trainable_variables)
        self._fresh_optimizer = [v.numpy() for v in self.optimizer.variables]
        self.baseline: float | None = None
        self.elite: list[tuple[float, tuple[int, ...]]] = []
        self._gradient = tf.function(self._gradient_impl, reduce_retracing=True)
        self._apply = tf.function(self._apply_impl, reduce_retracing=True)
        self._forward = tf.function(self._log_probs, reduce_retracing=True)
        # One compiled LSTM step: eager Keras calls cost ~10x more per sampling step.
        self._step = tf.function(self.net.step, reduce_retracing=True)

    def _policy(self, seed: int) -> PolicyNetwork:
        """A freshly initialised policy network for `seed`, built."""
        net = PolicyNetwork(self.space.vocab_size, self.cfg, seed, skip_attention=bool(self.skips))
        net(np.zeros((1, self.space.max_length), dtype="int32"))
        return net

    def reset(self, seed: int) -> None:
        """Become what Controller(space, cfg, seed) would be, keeping the compiled functions
        (tracing them costs more than a whole tabulated search)."""
        fresh = Controller.__new__(Controller)
        fresh.space, fresh.cfg, fresh.skips = self.space, self.cfg, self.skips
        fresh._init_predictor(seed)
        state = {"weights": [v.numpy() for v in self._policy(seed).weights],
                 "optimizer": self._fresh_optimizer,
                 "baseline": None, "elite": [],
                 "rng": np.random.default_rng(seed).bit_generator.state}
        if fresh.predictor is not None:
            state.update({"replay": [],
                          "predictor_weights": [v.numpy() for v in fresh.predictor.weights],
                          "predictor_optimizer": self._fresh_predictor_optimizer})
        self.set_state(state)

    # --- sampling ------------------------------------------------------------------------

    def prior(self, prefix: Sequence[int]) -> np.ndarray:
        """Fixed log-prior added to the logits after `prefix` (zeros without even depths)."""
        if self.counter is None:
            return np.zeros(self.space.vocab_size + 1, dtype="float32")
        key = self.space.state_key(tuple(prefix))
        if key not in self._priors:
            out = np.zeros(self.space.vocab_size + 1, dtype="float32")
            toks = np.flatnonzero(self.space.valid_next(prefix))
            if len(toks):
                w = self.counter.next_weights(tuple(map(int, prefix)), toks)
                out[toks] = np.log(np.maximum(w, 1e-300) / w.max())
            self._priors[key] = out
        return self._priors[key]

    def _masked_probs(self, logits: np.ndarray, masks: np.ndarray,
                      priors: np.ndarray | float = 0.0) -> np.ndarray:
        """Softmax over valid tokens only (float64, rows sum to 1)."""
        z = np.where(masks, logits.astype("float64") / self.cfg.temperature + priors, -np.inf)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def sample(self, m: int, exclude: set | None = None) -> list[list[int]]:
        """Sample m complete, valid sequences; with `exclude`, distinct ones outside it.

        Excluding draws from pi conditioned on x not in the excluded set S. Its score
        function is grad log pi(x) + grad pi(S) / (1 - pi(S)), the second term the same
        for every sample; advantages that sum to zero over the batch (leave-one-out or
        ranks) cancel it, so the update needs only log pi. Draws are redone at most
        CONTROLLER_RESAMPLE_ROUNDS times; a policy that still repeats keeps the repeats.
        """
        seqs = self._sample(m)
        if exclude is None:
            return seqs
        for _ in range(C.CONTROLLER_RESAMPLE_ROUNDS):
            taken, redo = set(exclude), []
            for i, seq in enumerate(seqs):
                if tuple(seq) in taken:
                    redo.append(i)
                taken.add(tuple(seq))
            if not redo:
                break
            for i, seq in zip(redo, self._sample(len(redo))):
                seqs[i] = seq
        return seqs

    def _sample(self, m: int) -> list[list[int]]:
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
            priors = np.stack([self.prior(seqs[i]) for i in live])
            probs = self._masked_probs(logits[live], masks, priors)
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
        """Padded inputs, actions, step mask, validity masks and log-priors for teacher forcing."""
        m, T = len(seqs), self.space.max_length
        actions = np.zeros((m, T), dtype="int32")
        inputs = np.zeros((m, T), dtype="int32")
        step_mask = np.zeros((m, T), dtype="float32")
        valid = np.ones((m, T, self.space.vocab_size + 1), dtype=bool)
        prior = np.zeros((m, T, self.space.vocab_size + 1), dtype="float32")
        for i, seq in enumerate(seqs):
            for t, tok in enumerate(seq):
                actions[i, t] = tok
                inputs[i, t] = seq[t - 1] if t else 0
                step_mask[i, t] = 1.0
                valid[i, t] = self.space.valid_next(seq[:t])
                prior[i, t] = self.prior(seq[:t])
        return inputs, actions, step_mask, valid, prior

    def _log_probs(self, inputs, actions, valid, prior):
        """Per-step log pi(a_t | a_<t) and entropies under the masked softmax."""
        logits, hiddens = self.net.unroll(inputs)
        logits = self._with_skip_logits(logits, hiddens)
        logits = tf.where(valid, logits / self.cfg.temperature + prior, _NEG)
        logp_all = tf.nn.log_softmax(logits, axis=-1)
        logp = tf.reduce_sum(tf.one_hot(actions, logits.shape[-1]) * logp_all, axis=-1)
        probs = tf.exp(logp_all)
        entropy = -tf.reduce_sum(tf.where(valid, probs * logp_all, 0.0), axis=-1)
        return logp, entropy, hiddens

    def _step_log_probs(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """log pi(a_t | a_<t) of every step (batch, T); 0 past each sequence's end."""
        inputs, actions, step_mask, valid, prior = self._batch(seqs)
        logp, _, _ = self._forward(inputs, actions, valid, prior)
        return logp.numpy() * step_mask

    def sequence_log_prob(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """log pi(sequence) for each sequence (sum over its steps)."""
        return np.sum(self._step_log_probs(seqs), axis=1)

    def baselines(self, rewards: np.ndarray) -> np.ndarray:
        """Per-sequence baseline: the mean of the OTHER rewards of the batch (leave one out),
        or, with baseline="ema", the moving average of earlier batches (leave one out for
        the first batch, which has no earlier ones)."""
        n = len(rewards)
        loo = (rewards.sum() - rewards) / (n - 1) if n > 1 else np.zeros(n)
        if self.cfg.baseline == "ema" and self.baseline is not None:
            return np.full(n, self.baseline)
        return loo

    def sequence_advantages(self, rewards: Sequence[float]) -> np.ndarray:
        """One advantage per sequence: reward minus baseline, scaled or rank-shaped.

        "normalized": (R_i - b_i) / std(R); "rank": centred ranks in [-0.5, 0.5] (no
        baseline needed, invariant to the reward's scale); "raw": R_i - b_i.
        """
        r = np.asarray(rewards, dtype="float64")
        if self.cfg.advantage == "rank":
            from scipy.stats import rankdata

            return rankdata(r) / len(r) - (len(r) + 1) / (2 * len(r))
        adv = r - self.baselines(r)
        if self.cfg.advantage == "normalized":
            adv /= max(float(np.std(r)), C.CONTROLLER_MIN_REWARD_STD)
        return adv

    def advantages(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float]) -> np.ndarray:
        """A[i, t] = alpha**(T_i-1-t) * A_i for the steps of sequence i, else 0."""
        seq_adv = self.sequence_advantages(rewards)
        adv = np.zeros((len(seqs), self.space.max_length), dtype="float32")
        for i, seq in enumerate(seqs):
            T = len(seq)
            adv[i, :T] = seq_adv[i] * self.cfg.loss_alpha ** np.arange(T - 1, -1, -1)
        return adv

    def _gradient_impl(self, inputs, actions, step_mask, valid, prior, adv, old_logp, elite):
        """Gradient of the clipped surrogate: (loss, entropy, KL from pi_old, gradients).

        The ratio pi/pi_old is 1 on the first step, where the surrogate's gradient is the
        plain REINFORCE gradient sum_t grad log pi(a_t) * A_t. `elite` is `_batch` of the
        elite sequences; with elite_weight > 0 their mean log pi is added to the objective.
        """
        eps = self.cfg.clip_ratio
        with tf.GradientTape() as tape:
            logp, entropy, _ = self._log_probs(inputs, actions, valid, prior)
            log_ratio = (logp - old_logp) * step_mask
            ratio = tf.exp(log_ratio)
            surrogate = ratio * adv
            if eps > 0:  # PPO (Schulman et al. 2017): no gain from moving the ratio past 1±eps
                surrogate = tf.minimum(surrogate, tf.clip_by_value(ratio, 1 - eps, 1 + eps) * adv)
            policy_loss = -tf.reduce_mean(tf.reduce_sum(surrogate * step_mask, axis=1))
            mean_entropy = tf.reduce_sum(entropy * step_mask) / tf.reduce_sum(step_mask)
            loss = policy_loss - self.cfg.entropy_weight * mean_entropy
            if self.cfg.elite_weight > 0:
                e_inputs, e_actions, e_mask, e_valid, e_prior = elite
                e_logp, _, _ = self._log_probs(e_inputs, e_actions, e_valid, e_prior)
                rows = tf.maximum(tf.reduce_sum(tf.reduce_max(e_mask, axis=1)), 1.0)
                loss -= self.cfg.elite_weight * tf.reduce_sum(e_logp * e_mask) / rows
        grads = tape.gradient(loss, self.net.trainable_variables)
        return policy_loss, mean_entropy, _kl(tf.reduce_sum(log_ratio, axis=1)), grads

    def _apply_impl(self, grads):
        self.optimizer.apply_gradients(zip(grads, self.net.trainable_variables))

    def remember_elite(self, seqs: Sequence[Sequence[int]], scores: Sequence[float]) -> None:
        """Keep the `elite_size` best (score, sequence) pairs measured so far."""
        best = dict((s, r) for r, s in self.elite)
        for seq, score in zip(seqs, scores):
            key = tuple(map(int, seq))
            best[key] = max(float(score), best.get(key, -np.inf))
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[: self.cfg.elite_size]
        self.elite = [(r, s) for s, r in ranked]

    def _elite_batch(self):
        """`_batch` of the elite, padded to `elite_size` rows whose step mask is 0, so the
        compiled update sees one shape however full the elite is."""
        seqs = [s for _, s in self.elite]
        size = max(1, self.cfg.elite_size)
        filler = seqs[0] if seqs else []
        inputs, actions, step_mask, valid, prior = self._batch(seqs + [filler] * (size - len(seqs)))
        step_mask[len(seqs):] = 0.0
        return inputs, actions, step_mask, valid, prior

    def update(self, seqs: Sequence[Sequence[int]], rewards: Sequence[float],
               elite: tuple | None = None) -> dict:
        """Policy update on one batch of on-policy samples; then move the baseline.

        Up to `train_steps` steps on the batch; after the first, a step is taken only while
        the KL divergence from the sampling policy stays below `target_kl`. `elite` =
        (sequences, measured scores) that may join the elite; default: the batch itself
        (a screened epoch passes only what was measured, never a prediction).
        """
        inputs, actions, step_mask, valid, prior = self._batch(seqs)
        adv = self.advantages(seqs, rewards)
        old_logp = self._step_log_probs(seqs).astype("float32")
        self.remember_elite(seqs if elite is None else elite[0],
                            rewards if elite is None else elite[1])
        elite_batch = self._elite_batch()
        steps = 0
        policy_loss = entropy = 0.0
        for _ in range(max(1, self.cfg.train_steps)):
            pl, ent, kl, grads = self._gradient(inputs, actions, step_mask, valid, prior, adv,
                                                old_logp, elite_batch)
            if steps and float(kl) > self.cfg.target_kl:
                break  # already as far from the sampling policy as allowed
            self._apply(grads)
            policy_loss, entropy, steps = float(pl), float(ent), steps + 1
        new_logp = self.sequence_log_prob(seqs)
        kl = float(_kl(new_logp - old_logp.sum(axis=1)))
        mean = float(np.mean(rewards))
        d = self.cfg.baseline_decay
        self.baseline = mean if self.baseline is None else self.baseline * d + (1 - d) * mean
        return {"policy_loss": policy_loss, "entropy": entropy, "kl": kl,
                "policy_steps": float(steps), "baseline": self.baseline,
                "mean_advantage": float(np.mean(self.sequence_advantages(rewards))),
                "mean_reward": mean, "max_reward": float(np.max(rewards))}

    # --- state ------------------------------------------------------------------------------

    def get_state(self) -> dict:
        """Weights, optimizer slots, baseline and RNG: everything needed to resume."""
        return {
            "weights": [v.numpy() for v in self.net.weights],
            "optimizer": [v.numpy() for v in self.optimizer.variables],
            "baseline": self.baseline,
            "elite": [(r, list(s)) for r, s in self.elite],
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
        self.elite = [(float(r), tuple(s)) for r, s in state.get("elite", [])]
        self.rng.bit_generator.state = state["rng"]
        self._set_predictor_state(state)

    def save_weights(self, path: str) -> None:
        """Write the policy network's weights (Keras .weights.h5)."""
        self.net.save_weights(path)

    # --- accuracy predictor ---------------------------------------------------------------

    def _init_predictor(self, seed: int) -> None:
        """Build the predictor network, its own optimizer, its replay and held-out record."""
        self.replay: list[tuple[tuple[int, ...], float]] = []
        self.heldout: list[tuple[float, float, float]] = []  # (prediction, proxy, accuracy)
        self.predictor = None
        self.cost_fn = getattr(self, "cost_fn", None)
        if not self.cfg.use_predictor:
            return
        self.predictor = PredictorNetwork(self.space.vocab_size, self.cfg, seed)
        self.predictor(*self._encode([[]]), np.zeros((1, 1), dtype="float32"))  # build it
        self.predictor_optimizer = keras.optimizers.Adam(self.cfg.predictor_learning_rate,
                                                         global_clipnorm=self.cfg.grad_clip)
        self.predictor_optimizer.build(self.predictor.trainable_variables)
        self._fresh_predictor_optimizer = [v.numpy() for v in self.predictor_optimizer.variables]
        self._predictor_step = tf.function(self._predictor_step_impl, reduce_retracing=True)

    def set_cost_feature(self, cost: Callable[[Sequence[Sequence[int]]], np.ndarray],
                         reference: Sequence[Sequence[int]]) -> None:
        """Give the predictor a cheap cost of each sequence, known before it trains (e.g.
        its parameter count): it reads log(cost) standardised over `reference` sequences,
        and ranks by it until it predicts better itself (`rank_scores`)."""
        logs = np.log(np.maximum(np.asarray(cost(reference), dtype="float64"), 1e-12))
        centre, scale = float(np.mean(logs)), max(float(np.std(logs)), 1e-6)
        self.cost_fn = lambda seqs: (np.log(np.maximum(
            np.asarray(cost(seqs), dtype="float64"), 1e-12)) - centre) / scale

    def proxy(self, seqs: Sequence[Sequence[int]]) -> np.ndarray | None:
        """The standardised log cost of each sequence (None without a cost feature)."""
        if self.cost_fn is None:
            return None
        return np.asarray(self.cost_fn(seqs), dtype="float64") if len(seqs) else np.zeros(0)

    def _encode(self, seqs: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(start token + whole sequence, padded to T+1; position of each last token)."""
        inputs = np.zeros((len(seqs), self.space.max_length + 1), dtype="int32")
        last = np.zeros(len(seqs), dtype="int32")
        for i, seq in enumerate(seqs):
            inputs[i, 1:len(seq) + 1] = seq
            last[i] = len(seq)
        return inputs, last

    def _features(self, seqs: Sequence[Sequence[int]]) -> tuple:
        """The predictor's inputs: encoded sequences and their standardised log cost."""
        cost = self.proxy(seqs)
        cost = np.zeros(len(seqs)) if cost is None else cost
        return (*self._encode(seqs), cost.astype("float32")[:, None])

    def predict_accuracy(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """Predicted validation accuracy of each sequence."""
        if self.predictor is None:
            raise ValueError("this controller has no predictor (use_predictor=False)")
        if not len(seqs):
            return np.zeros(0)
        return self.predictor(*self._features(seqs)).numpy().astype("float64")

    def predictor_trusted(self) -> bool:
        """True when the predictor ranks children it had not been fitted on better than
        the cost proxy does (Kendall's tau over every such child so far, at least
        `proxy_min_heldout` of them); always True without a cost feature."""
        if self.cost_fn is None:
            return True
        if len(self.heldout) < max(self.cfg.proxy_min_heldout, 2):
            return False
        from scipy.stats import kendalltau

        pred, proxy, acc = np.asarray(self.heldout).T
        taus = [kendalltau(x, acc).statistic for x in (pred, proxy)]
        taus = [-1.0 if np.isnan(t) else t for t in taus]
        return bool(taus[0] > taus[1])

    def rank_scores(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """What screening ranks candidates by: the predicted accuracy once the predictor
        is trusted (`predictor_trusted`), the cost proxy before."""
        if self.predictor_trusted():
            return self.predict_accuracy(seqs)
        return self.proxy(seqs)

    def remember(self, seqs: Sequence[Sequence[int]], accuracies: Sequence[float]) -> None:
        """Add observed (sequence, accuracy) pairs to the predictor's replay; with a cost
        feature, first record how the predictor and the proxy ranked them unseen."""
        if self.predictor is None or not len(seqs):
            return
        if self.cost_fn is not None:
            fitted = {r for r, _ in self.replay}
            fresh = [i for i, s in enumerate(seqs) if tuple(map(int, s)) not in fitted]
            subset = [seqs[i] for i in fresh]
            if subset:
                self.heldout.extend(zip(self.predict_accuracy(subset).tolist(),
                                        self.proxy(subset).tolist(),
                                        [float(accuracies[i]) for i in fresh]))
        self.replay.extend((tuple(map(int, s)), float(a)) for s, a in zip(seqs, accuracies))

    def _replay_batch(self) -> tuple:
        """The whole replay as (inputs, last, cost, targets); () when there is nothing to fit."""
        if self.predictor is None or not self.replay:
            return ()
        return (*self._features([s for s, _ in self.replay]),
                np.asarray([a for _, a in self.replay], dtype="float32"))

    def _predictor_loss(self, inputs, last, cost, targets):
        """Mean squared error of the predictor over a batch."""
        return tf.reduce_mean(tf.square(self.predictor(inputs, last, cost) - targets))

    def _predictor_step_impl(self, inputs, last, cost, targets):
        variables = self.predictor.trainable_variables
        with tf.GradientTape() as tape:
            loss = self._predictor_loss(inputs, last, cost, targets)
        grads = tape.gradient(loss, variables)
        self.predictor_optimizer.apply_gradients(zip(grads, variables))
        return loss

    def fit_predictor(self, steps: int | None = None) -> dict:
        """Steps on the predictor's MSE over the whole replay; its loss after them."""
        replay = self._replay_batch()
        if not replay:
            return {}
        for _ in range(self.cfg.predictor_steps if steps is None else steps):
            self._predictor_step(*replay)
        out = {"predictor_loss": float(self._predictor_loss(*replay)),
               "replay_size": len(self.replay)}
        if self.cost_fn is not None:
            out["predictor_trusted"] = float(self.predictor_trusted())
        return out

    def _predictor_state(self) -> dict:
        if self.predictor is None:
            return {}
        return {"replay": [(list(s), a) for s, a in self.replay],
                "heldout": [list(h) for h in self.heldout],
                "predictor_weights": [v.numpy() for v in self.predictor.weights],
                "predictor_optimizer": [v.numpy() for v in self.predictor_optimizer.variables]}

    def _set_predictor_state(self, state: dict) -> None:
        if self.predictor is None:
            return
        self.replay = [(tuple(s), float(a)) for s, a in state.get("replay", [])]
        self.heldout = [tuple(map(float, h)) for h in state.get("heldout", [])]
        for var, value in zip(self.predictor.weights, state.get("predictor_weights", [])):
            var.assign(value)
        for var, value in zip(self.predictor_optimizer.variables,
                              state.get("predictor_optimizer", [])):
            var.assign(value)
