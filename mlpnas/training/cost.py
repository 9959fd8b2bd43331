"""What a child costs to keep and to run: parameters, serialized size and CPU latency.

Every child is measured the same way, before it trains (none of these depend on the
trained weights): the parameter count; the size of its network saved as a `.keras` file
(configuration and weights, no optimizer state); and the median wall time of repeated
calls of one compiled `tf.function` of the model (inference mode) after warm-up calls, at
batch 1 and at batch LATENCY_BATCH, with the number of CPU threads TensorFlow may use.
The figures are measured on the machine running the search, under whatever load it has.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from typing import Any

import CONSTANTS as C
from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()


def measure_cost(model: Any, batch: int = C.LATENCY_BATCH, repeats: int = C.LATENCY_REPEATS,
                 warmup: int = C.LATENCY_WARMUP) -> dict:
    """The cost measures of one Keras model, keyed as LogEntry.meta stores them."""
    return {"params": int(model.count_params()), "size_bytes": serialized_size(model),
            **latency(model, batch, repeats, warmup)}


def serialized_size(model: Any) -> int:
    """Bytes of the model saved as a `.keras` file."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "child.keras")
        model.save(path)
        return os.path.getsize(path)


def cpu_threads() -> int:
    """Threads TensorFlow's operations may use (its default: one per available core)."""
    configured = tf.config.threading.get_intra_op_parallelism_threads()
    if configured:
        return int(configured)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def latency(model: Any, batch: int = C.LATENCY_BATCH, repeats: int = C.LATENCY_REPEATS,
            warmup: int = C.LATENCY_WARMUP) -> dict:
    """Median milliseconds per call at batch 1 (latency_ms) and at `batch` (latency_batch_ms)."""
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    spec = tf.TensorSpec((None, *shape), tf.float32)
    run = tf.function(lambda x: model(x, training=False), input_signature=[spec])
    out = {}
    for size, key in ((1, "latency_ms"), (batch, "latency_batch_ms")):
        x = tf.zeros((size, *shape), tf.float32)
        for _ in range(warmup):
            run(x)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run(x)
            times.append(time.perf_counter() - start)
        out[key] = 1000.0 * statistics.median(times)
    return {**out, "latency_batch": int(batch), "latency_repeats": int(repeats),
            "latency_threads": cpu_threads()}
