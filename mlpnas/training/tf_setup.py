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


@contextlib.contextmanager
def keep_compiled_functions():
    """Inside this block TensorFlow keeps its caches of instantiated functions and kernels.

    `keras.backend.clear_session()` and `tf.random.set_seed()` (which
    `keras.utils.set_random_seed()` calls) both clear them. That throws away every
    instantiated `tf.function`, so the compiled training loop that serves all children of
    one depth (`mlpnas.training.densefit`) would be instantiated and optimised again for every
    child: about 0.5 s per child each time, as long as a small child's whole training.
    What the clearing also resets, the state of stateful random kernels run eagerly, is
    not used here: every random op of a child runs in that child's own function or takes
    an explicit seed.
    """
    from tensorflow.python.eager import context

    pywrap = context.pywrap_tfe
    original = pywrap.TFE_ContextClearCaches
    pywrap.TFE_ContextClearCaches = _keep_caches
    try:
        yield
    finally:
        pywrap.TFE_ContextClearCaches = original


def _keep_caches(_handle) -> None:
    """Stands in for `TFE_ContextClearCaches` inside `keep_compiled_functions`."""


def start_child(seed: int, full_reset: bool = False) -> None:
    """Between children: forget the previous child's Keras state, then seed this child.

    `keras.backend.clear_session(free_memory=False)` (layer-name counters and Keras'
    global state reset, the default graph dropped) and `keras.utils.set_random_seed`
    (Python, numpy, TensorFlow and Keras' seed generator), with TensorFlow's compiled
    functions kept (`keep_compiled_functions`) and no forced `gc.collect()` (0.3 s per
    child with TensorFlow loaded). Kept caches grow by about 30 KB a child, so every so
    often (`full_reset`, see CONSTANTS.FULL_RESET_EVERY) the caller asks for the full
    clear_session with garbage collection; memory then stays flat over a long search
    (`bench/child_memory.py`). Either way a child trains to the same result.
    """
    _, keras = import_tf()
    with contextlib.nullcontext() if full_reset else keep_compiled_functions():
        keras.backend.clear_session(free_memory=full_reset)
        keras.utils.set_random_seed(int(seed))
