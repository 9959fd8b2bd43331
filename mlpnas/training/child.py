"""Build, train and score one child: a plain function of plain inputs.

This is the unit of work that a worker process or a Ray task runs: it gets
a sequence, the data, the configuration and a snapshot of the weight store, and returns
the accuracy, the metadata to log and the trained weights to merge back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence


import CONSTANTS as C
from mlpnas.config import SearchConfig
from mlpnas.data.target import REGRESSION, reward
from mlpnas.data.tabular import Dataset
from mlpnas.spaces import space_info
from mlpnas.spaces.base import SearchSpace
from mlpnas.strategies.objectives import over_limit_meta
from mlpnas.training.tf_setup import import_tf, start_child

tf, keras = import_tf()

from mlpnas.training.weights import Child, WeightStore  # noqa: E402
from mlpnas.training.trainer import fit_evaluate, predict  # noqa: E402
from mlpnas.training.cost import measure_cost, multiply_adds  # noqa: E402


@dataclass
class ChildOutcome:
    """What training one child produced (weights: the trained model's, for the best child)."""

    val_accuracy: float
    meta: dict
    weights: list = field(default_factory=list)
    stored: dict = field(default_factory=dict)  # weight-store updates (key -> arrays)


def build_model(space: SearchSpace, seq: Sequence[int], dataset: Dataset,
                augment: bool | str = False) -> Child:
    """The Keras model of `seq` in `space` for `dataset`'s inputs and classes.

    `augment` (image spaces only): True puts random flips and shifts in front, active in
    training, whatever the sequence chose; "none" leaves them out (a model to save).
    """
    build = space_info(space.name).build_function()
    return build(space, seq, dataset.input_shape, dataset.n_classes, augment)


def child_seed(config: SearchConfig, index: int) -> int:
    """Seed of child `index`: the same child always starts from the same initialisation."""
    return config.seed * 100_003 + index


def train_child(space: SearchSpace, seq: Sequence[int], index: int, dataset: Dataset,
                config: SearchConfig, store: WeightStore | None,
                start: dict | None = None) -> ChildOutcome:
    """Build `seq`, measure its cost (mlpnas.training.cost), inherit from `store` (one-shot),
    train, score on validation. A child over a hard limit (--max-params, --max-latency-ms)
    is not trained: it comes back failed, with the reason.

    `start` = {"epochs": E, "weights": W}: train E epochs, continuing from weights W when
    given (a successive-halving rung; the optimizer starts afresh).

    The search's epochs, batch size and learning rate apply unless the space's sequence
    chooses its own (`SearchSpace.training_options`); the epochs trained and the epoch
    scored are logged in the child's meta.
    """
    start_child(child_seed(config, index),
                full_reset=index > 0 and index % C.FULL_RESET_EVERY == 0)
    child = build_model(space, seq, dataset, augment=config.augment)
    # Parameters and multiply-adds are counted first: a child over their limits is
    # skipped without timing its latency.
    skipped = over_limit_meta({"params": int(child.model.count_params()),
                               "macs": multiply_adds(child.model)}, config)
    if skipped is None:
        cost = measure_cost(child.model)
        skipped = over_limit_meta(cost, config)
    if skipped is not None:  # over a hard limit: measured, never trained
        return ChildOutcome(C.FAILED_CHILD_REWARD, skipped)
    inherited = store.load_into(child) if store is not None else 0
    if start is not None and start.get("weights"):
        child.model.set_weights(start["weights"])
    epochs = config.child_epochs if start is None else int(start["epochs"])
    options = {"epochs": epochs, "batch_size": config.batch_size,
               "learning_rate": config.learning_rate, **space.training_options(seq)}
    result = fit_evaluate(child.model, dataset.x_train, dataset.y_train, dataset.x_val,
                          dataset.y_val, seed=child_seed(config, index), **options)
    stored = WeightStore.extract(child) if store is not None else {}
    meta = {**cost, "train_seconds": result.seconds,
            "inherited_layers": inherited, "history": result.history,
            "epochs": result.epochs_run, "best_epoch": result.best_epoch}
    score = result.val_accuracy
    if dataset.task == REGRESSION:
        score = regression_meta(child.model, dataset, meta)
    return ChildOutcome(score, meta, child.model.get_weights(), stored)


def regression_meta(model, dataset: Dataset, meta: dict) -> float:
    """Log a regression child's validation RMSE, MAE (label units) and R^2 in `meta`;
    return its reward (R^2 clipped to [0, 1], mlpnas.data.target)."""
    m = dataset.regression_metrics(predict(model, dataset.x_val), dataset.y_val)
    meta.update(task=REGRESSION, val_rmse=m["rmse"], val_mae=m["mae"], val_r2=m["r2"])
    return reward(m["r2"])
