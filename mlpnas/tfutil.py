"""Import TensorFlow/Keras quietly and make runs deterministic. The only place that sets TF up."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def _quiet_stderr():
    """Silence C++-level stderr (absl start-up lines) while TensorFlow loads.

    Set NAS_TF_VERBOSE=1 to see them. Python exceptions are unaffected: they are raised
    after stderr is restored.
    """
    if os.environ.get("NAS_TF_VERBOSE") == "1":
        yield
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # e.g. stderr replaced by a test runner
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def import_tf():
    """(tensorflow, keras), imported with TensorFlow's start-up chatter turned down."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "tensorflow" not in sys.modules:
        with _quiet_stderr():
            import tensorflow  # noqa: F401
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # e.g. retracing notices: each child is a new graph
    return tf, keras


def seed_everything(seed: int) -> None:
    """Seed Python, numpy, TensorFlow and Keras; deterministic kernels where possible."""
    tf, keras = import_tf()
    keras.utils.set_random_seed(int(seed))
    try:
        tf.config.experimental.enable_op_determinism()
    except (AttributeError, RuntimeError):  # older TF, or already set
        pass
