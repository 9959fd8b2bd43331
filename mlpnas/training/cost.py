"""What a child costs to keep and to run: parameters, multiply-adds, serialized size and
CPU latency.

Every child is measured the same way, before it trains (none of these depend on the
trained weights): the parameter count; the multiply-adds of its convolutions and dense
layers on one input (counted from the layers' shapes, so the same on every machine); the
size of its network saved as a `.keras` file
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
from typing import Any, Callable, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.training.tf_setup import import_tf

tf, keras = import_tf()


def measure_cost(model: Any, batch: int = C.LATENCY_BATCH, repeats: int = C.LATENCY_REPEATS,
                 warmup: int = C.LATENCY_WARMUP) -> dict:
    """The cost measures of one Keras model, keyed as LogEntry.meta stores them."""
    return {"params": int(model.count_params()), "macs": multiply_adds(model),
            "size_bytes": serialized_size(model), **latency(model, batch, repeats, warmup)}


def _layers(model: Any) -> list:
    """Every layer of `model`, nested models included."""
    out = []
    for layer in model.layers:
        out.extend(_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return out


def multiply_adds(model: Any) -> int | None:
    """Multiply-adds of the model's convolutions and dense layers on one input (None when
    a layer's shapes are not known, e.g. a subclassed model never called)."""
    total = 0
    try:
        for layer in _layers(model):
            if isinstance(layer, keras.layers.DepthwiseConv2D):
                out = layer.output.shape
                k = layer.kernel_size
                total += int(np.prod(out[1:-1])) * k[0] * k[1] * int(out[-1])
            elif isinstance(layer, keras.layers.Conv2D):
                out, cin = layer.output.shape, int(layer.input.shape[-1])
                k = layer.kernel_size
                per_output = k[0] * k[1] * cin // max(int(getattr(layer, "groups", 1)), 1)
                total += int(np.prod(out[1:])) * per_output
            elif isinstance(layer, keras.layers.Dense):
                rows = int(np.prod(layer.input.shape[1:-1] or [1]))
                total += rows * int(layer.input.shape[-1]) * int(layer.units)
    except (AttributeError, ValueError, TypeError):
        return None
    return int(total)


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


class ParamCounter:
    """Parameter count of each sequence before it trains: the space's own count where it
    has one (`SearchSpace.param_count`, no model built), else the count_params of the
    Keras model built from it (not trained; each sequence built once)."""

    def __init__(self, space: Any, build: Callable, input_shape: Sequence[int],
                 n_classes: int) -> None:
        self.space, self.build = space, build
        self.input_shape, self.n_classes = tuple(input_shape), int(n_classes)
        self.analytic = space.param_count(self._example(), self.input_shape,
                                          self.n_classes) is not None
        self.cache: dict[tuple, int] = {}

    def _example(self) -> list[int]:
        from mlpnas.strategies.random import RandomStrategy

        return RandomStrategy(self.space, C.SEED).ask(1)[0]

    def count(self, seq: Sequence[int]) -> int:
        """Parameters of one sequence's network."""
        key = tuple(map(int, seq))
        if key not in self.cache:
            n = self.space.param_count(key, self.input_shape, self.n_classes)
            if n is None:
                n = int(self.build(self.space, list(key), self.input_shape,
                                   self.n_classes).model.count_params())
            self.cache[key] = int(n)
        return self.cache[key]

    def __call__(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        return np.asarray([self.count(s) for s in seqs], dtype="float64")
