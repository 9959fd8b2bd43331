"""Two children of one depth trained in ONE compiled call, against one after the other.

Would training several children of a controller epoch together in one compiled step be
faster? This measures it: pairs of same-depth MLP children (random architectures,
wine-quality file, 10 epochs) trained by the fast path's loop (`mlpnas.training.densefit`)
one after the other, and both inside one `tf.function` (two independent loops, which
TensorFlow may run side by side). Traces are excluded. A ratio above 1 would favour training children together.

    python bench/grouped_children.py [--children 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlpnas.training.tf_setup import import_tf, seed_everything, start_child  # noqa: E402

tf, keras = import_tf()

from mlpnas.training import densefit  # noqa: E402
from mlpnas.data.tabular import load_dataset  # noqa: E402
from mlpnas.training.mlp import build_mlp  # noqa: E402
from mlpnas.spaces.mlp import MLPSpace  # noqa: E402
from mlpnas.strategies.random import RandomStrategy  # noqa: E402
from mlpnas.training.trainer import epoch_permutations  # noqa: E402


def train_args(space, seq, data, index: int, epochs: int) -> tuple[tuple, int]:
    """The compiled loop's arguments for one child, and its number of dense layers."""
    start_child(index)
    stack = densefit.dense_stack(build_mlp(space, seq, data.input_shape[0], data.n_classes).model)
    params = [tf.convert_to_tensor(w) for layer in stack.layers for w in (layer.kernel, layer.bias)]
    perms = epoch_permutations(len(data.y_train), epochs, index).astype(np.int32)
    return (params, tf.constant(stack.activations, tf.int32),
            tf.constant(stack.input_rates, tf.float32), tf.constant(data.x_train, tf.float32),
            tf.constant(data.y_train.astype(np.int32)), tf.constant(data.x_val, tf.float32),
            tf.constant(data.y_val.astype(np.int32)), tf.constant(perms), tf.constant(64),
            tf.constant(1e-3), tf.constant(index, tf.int64)), len(stack.layers)


def timed(fn) -> tuple[list, float]:
    start = time.perf_counter()
    results = fn()
    accs = [r[2].numpy() for r in results]  # wait for the values
    return accs, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/datasets/wine-quality.csv"))
    parser.add_argument("--children", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    seed_everything(0)
    data = load_dataset(args.data, None, (), 0)
    space = MLPSpace()
    by_depth: dict = {}
    for index, seq in enumerate(RandomStrategy(space, 0).ask(args.children)):
        call, depth = train_args(space, seq, data, index, args.epochs)
        by_depth.setdefault(depth, []).append(call)
    pairs = [(depth, calls[k], calls[k + 1]) for depth, calls in by_depth.items()
             for k in range(0, len(calls) - 1, 2)]
    loop, together = densefit._make_train("adam"), {}
    for depth, a, b in pairs:  # one trace per depth for both ways, before timing
        single = densefit.compiled_train("adam", depth)
        if depth not in together:  # open shapes, like the single loop: traced once per depth
            n = len(single.input_signature)
            together[depth] = tf.function(lambda *ab, n=n: (loop(*ab[:n]), loop(*ab[n:])),
                                          input_signature=list(single.input_signature) * 2)
            single(*a)
            together[depth](*a, *b)
    apart_s = together_s = 0.0
    same = True
    for depth, a, b in pairs:
        single = densefit.compiled_train("adam", depth)
        accs_apart, seconds = timed(lambda: (single(*a), single(*b)))  # noqa: B023
        apart_s += seconds
        accs_together, seconds = timed(lambda: together[depth](*a, *b))  # noqa: B023
        together_s += seconds
        same &= all(np.allclose(x, y) for x, y in zip(accs_apart, accs_together))
    print(f"{len(pairs)} pairs of same-depth children, {args.epochs} epochs, traces excluded")
    print(f"one after the other: {apart_s:.1f}s; both in one compiled call: {together_s:.1f}s; "
          f"same accuracies: {same}")
    print(f"ratio (one after the other / together): {apart_s / together_s:.2f}")


if __name__ == "__main__":
    main()
