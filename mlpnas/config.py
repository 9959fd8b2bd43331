"""The resolved configuration of a search: one frozen dataclass, defaults from CONSTANTS."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import CONSTANTS as C


@dataclass(frozen=True)
class SearchConfig:
    """Everything that defines a search; CLI options map onto these fields one to one."""

    dataset: str = C.DEFAULT_DATASET
    label: str | None = None
    keep_columns: tuple = ()
    space: str = "mlp"
    strategy: str = "rl"
    controller_epochs: int = C.CONTROLLER_SAMPLING_EPOCHS
    samples_per_epoch: int = C.SAMPLES_PER_CONTROLLER_EPOCH
    controller_train_steps: int = C.CONTROLLER_TRAINING_EPOCHS
    child_epochs: int = C.ARCHITECTURE_TRAINING_EPOCHS
    max_layers: int = C.MAX_ARCHITECTURE_LENGTH
    one_shot: bool = C.MLP_ONE_SHOT
    learning_rate: float = C.MLP_LEARNING_RATE
    batch_size: int = C.MLP_BATCH_SIZE
    dropout: float = C.MLP_DROPOUT
    controller_lstm_dim: int = C.CONTROLLER_LSTM_DIM
    controller_embedding_dim: int = C.CONTROLLER_EMBEDDING_DIM
    controller_learning_rate: float = C.CONTROLLER_LEARNING_RATE
    controller_loss_alpha: float = C.CONTROLLER_LOSS_ALPHA
    baseline_decay: float = C.CONTROLLER_BASELINE_DECAY
    entropy_weight: float = C.CONTROLLER_ENTROPY_WEIGHT
    temperature: float = C.CONTROLLER_TEMPERATURE
    grad_clip: float = C.CONTROLLER_GRAD_CLIP
    use_predictor: bool = C.CONTROLLER_USE_PREDICTOR
    seed: int = C.SEED
    logs_dir: str = C.LOGS_DIR
    # --- image spaces ---
    subset: int | None = None  # train on a stratified sample of this many images
    augment: bool = False  # random flips and shifts of training images

    # --- accuracy predictor and screening ---
    screen: int = C.SCREEN_FACTOR
    screen_warmup: int = C.SCREEN_WARMUP_EPOCHS

    # --- evolution ---
    population: int = C.EVOLUTION_POPULATION
    sample_size: int = C.EVOLUTION_SAMPLE_SIZE

    # --- where children run ---
    workers: int = C.WORKERS
    ray_address: str | None = C.RAY_ADDRESS

    # --- failures and TensorBoard ---
    max_consecutive_failures: int = C.MAX_CONSECUTIVE_FAILURES
    tensorboard: bool = False

    # --- the controller's policy update ---
    controller_advantage: str = C.CONTROLLER_ADVANTAGE
    controller_baseline: str = C.CONTROLLER_BASELINE
    controller_clip_ratio: float = C.CONTROLLER_CLIP_RATIO
    controller_target_kl: float = C.CONTROLLER_TARGET_KL
    controller_no_repeats: bool = C.CONTROLLER_NO_REPEATS
    controller_elite_size: int = C.CONTROLLER_ELITE_SIZE
    controller_elite_weight: float = C.CONTROLLER_ELITE_WEIGHT

    # --- accuracy against cost ---
    objective: str = C.DEFAULT_OBJECTIVE
    max_params: int | None = None
    max_latency_ms: float | None = None
    max_macs: int | str | None = None  # multiply-adds per input; "auto": from the input size

    # --- budget: time limit, plateau stop, successive halving, warm start ---
    time_budget: float | None = None  # seconds; stop starting children past it
    patience: int | None = None  # controller epochs without a better best child
    scheduler: str = C.DEFAULT_SCHEDULER
    eta: int = C.HALVING_ETA
    warm_start: str | None = None  # event folder whose children prime the strategy
    warm_start_retrain: bool = False  # train architectures the warm-start event scored
    # --- the label: classification, regression, or chosen from the data ---
    task: str = "auto"
    # --- how numeric features are encoded (tabular data) ---
    numeric_encoding: str = C.NUMERIC_ENCODINGS[0]

    # --- screening's local improvement (mlpnas.strategies.screening) ---
    screen_climb: int = C.SCREEN_CLIMB_STEPS
    predictor_min_heldout: int = C.PREDICTOR_PROXY_MIN_HELDOUT


    @property
    def budget(self) -> int:
        """Number of children the search trains."""
        return self.controller_epochs * self.samples_per_epoch

    def to_dict(self) -> dict:
        """Plain dict (JSON-ready)."""
        data = asdict(self)
        data["keep_columns"] = list(self.keep_columns)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "SearchConfig":
        """Inverse of to_dict; unknown keys are ignored (older or newer logs)."""
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        if "keep_columns" in kwargs:
            kwargs["keep_columns"] = tuple(kwargs["keep_columns"])
        return cls(**kwargs)

    @classmethod
    def from_options(cls, options: dict) -> "SearchConfig":
        """Config from CLI options named like the fields (options left None keep defaults)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"options without a SearchConfig field: {unknown}")
        kwargs = {k: v for k, v in options.items() if v is not None or k == "label"}
        if "keep_columns" in kwargs:
            kwargs["keep_columns"] = tuple(kwargs["keep_columns"])
        return cls(**kwargs)

    def with_changes(self, **changes: Any) -> "SearchConfig":
        """A copy with some fields changed."""
        return replace(self, **changes)
