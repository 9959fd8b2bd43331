"""Import TensorFlow/Keras quietly and make runs deterministic. The only place that sets TF up."""

from __future__ import annotations

import os


def import_tf():
    """(tensorflow, keras), imported with TensorFlow's start-up chatter turned down."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import tensorflow as tf
    import keras

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
