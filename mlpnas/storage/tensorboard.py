"""TensorBoard scalars per controller epoch (`nas search --tensorboard`).

Written with `tf.summary.write` and the scalar plugin's metadata, which is exactly what
`tf.summary.scalar` writes, without needing the `tensorboard` package to write them
(viewing them needs it: `pip install tensorboard; tensorboard --logdir LOGS/event3`).
"""

from __future__ import annotations

import math
from pathlib import Path

from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()

# Strategy statistics -> TensorBoard tags; other numeric statistics go under "search/".
TAGS = {
    "mean_reward": "reward/mean", "max_reward": "reward/best_of_epoch",
    "best_so_far": "reward/best_so_far", "baseline": "controller/baseline",
    "policy_loss": "controller/policy_loss", "entropy": "controller/entropy",
    "tau": "predictor/tau", "predictor_tau": "predictor/tau",
}


def _scalar_metadata():
    from tensorflow.core.framework import summary_pb2

    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))


class ScalarWriter:
    """Writes one point per tag and controller epoch under <event>/tensorboard."""

    def __init__(self, log_dir: str | Path) -> None:
        self.log_dir = Path(log_dir)
        self.writer = tf.summary.create_file_writer(str(self.log_dir))
        self.metadata = _scalar_metadata()

    def write(self, step: int, stats: dict) -> None:
        """One scalar per finite numeric statistic, at `step` (the controller epoch)."""
        with self.writer.as_default():
            for key, value in sorted(stats.items()):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                if not math.isfinite(value):
                    continue
                tag = TAGS.get(key, f"search/{key}")
                tf.summary.write(tag, tf.constant(float(value)), step=int(step),
                                 metadata=self.metadata)
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.writer.close()


def read_scalars(log_dir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """tag -> [(step, value)] of every scalar under `log_dir` (for tests and reports)."""
    out: dict[str, list[tuple[int, float]]] = {}
    for path in sorted(Path(log_dir).glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                number = float(tf.make_ndarray(value.tensor)) if value.HasField("tensor") \
                    else value.simple_value
                out.setdefault(value.tag, []).append((int(event.step), number))
    return out
