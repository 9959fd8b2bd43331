"""A tiny hand-made event folder, written by the tests themselves, to check numbers by hand."""

from __future__ import annotations

import math
from pathlib import Path

from mlpnas.storage import names, write_json_atomic, write_pickle_atomic
from mlpnas.spaces.mlp import MLPSpace

SPACE = MLPSpace(max_length=4)
OUT = SPACE.output_id
DROP = SPACE.dropout_id


def dense(units: int, activation: str) -> int:
    """Token of a dense layer."""
    return SPACE.encode_dense(units, activation)


# (tokens, validation accuracy, controller epoch, failed); 4 children per epoch.
CHILDREN = [
    ([dense(64, "relu"), OUT], 0.80, 0, False),
    ([dense(64, "tanh"), OUT], 0.70, 0, False),
    ([dense(64, "relu"), DROP, dense(8, "relu"), OUT], 0.90, 0, False),
    ([dense(8, "sigmoid"), OUT], 0.50, 0, False),
    ([dense(64, "relu"), OUT], 0.84, 1, False),
    ([dense(8, "relu"), dense(8, "relu"), OUT], 0.60, 1, False),
    ([dense(128, "elu"), OUT], 0.0, 1, True),
    ([dense(64, "relu"), dense(64, "relu"), OUT], 0.86, 1, False),
]
TOP_DESCRIPTION = "[(64, 'relu'), 'dropout', (8, 'relu'), (3, 'softmax')]"
TEST_ACCURACY = 0.875
ELAPSED_SECONDS = 12.5
PREDICTION_OFFSET = 0.05  # every trained child's predicted accuracy is this much lower
# Each child has 100 * (index + 1) parameters. The front of accuracy against params, by
# hand: child 0 (0.80, 100) and child 2 (0.90, 300); every other one is beaten by one of
# them. Its hypervolume on (score, log10 params) up to the reference point (the lowest
# score 0.50, twice the highest cost 800 = 1600):
FRONT_INDICES = [0, 2]
FRONT_HYPERVOLUME = (0.3 * (math.log10(1600) - 2)
                     + 0.1 * (math.log10(1600) - math.log10(300)))


def entry(tokens: list, acc: float, epoch: int, failed: bool, index: int) -> list:
    """One log entry shaped like those the search writes."""
    meta = {"layers": SPACE.layer_strings(tokens, 3), "controller_epoch": epoch,
            "child_index": index, "failed": failed, "params": 100 * (index + 1),
            "train_seconds": 1.0}
    predicted = None if failed else acc - PREDICTION_OFFSET
    return [tokens, acc, predicted, meta]


def write_event(logs_dir: Path, children: list = CHILDREN, status: bool = True,
                strategy: str = "random") -> Path:
    """Write an event folder (log, config.json, optionally status.json); return its path."""
    from mlpnas.storage.events import new_event_dir

    _, path = new_event_dir(logs_dir)
    entries = [entry(list(t), a, e, f, i) for i, (t, a, e, f) in enumerate(children)]
    write_pickle_atomic(path / names.LOG_FILE, entries)
    write_json_atomic(path / names.CONFIG_FILE, {
        "config": {"space": "mlp", "max_layers": 4, "samples_per_epoch": 4,
                   "one_shot": True, "strategy": strategy},
        "strategy": strategy, "space": "mlp",
        "dataset": {"name": "fixture", "classes": ["a", "b", "c"], "majority_rate": 0.4,
                    "rows": {"train": 70, "val": 15, "test": 15}}})
    if status:
        write_json_atomic(path / names.STATUS_FILE, {
            "status": "finished", "children": len(entries), "budget": len(entries),
            "test_accuracy": TEST_ACCURACY, "elapsed_seconds": ELAPSED_SECONDS})
    return path
