"""Children per minute: Keras `model.fit` per child (the MLPNAS way) vs the project's trainer.

The same sampled architectures, initial weights and seeds are trained both ways, side by
side in one run (alternating which goes first), on the wine-quality file. Times cover
compiling/tracing and training, not building the model. CPU seconds are printed too:
on a shared machine they are steadier than wall time. The last line is `speedup: X.XX`
(wall-clock children per minute, ours / fit).

Accuracy: the two trainers compute the same updates (tests/training/test_densefit.py checks it
with shuffling off), so they differ only by their random shuffles and dropout masks. To
say what difference that alone makes, each child is also trained by the project's trainer
with another seed for its shuffles and dropout (same initial weights): the noise floor.

    python bench/child_throughput.py [--children 20] [--epochs 10] [--data PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import CONSTANTS as C  # noqa: E402
from mlpnas.training.tf_setup import import_tf, seed_everything, start_child  # noqa: E402

tf, keras = import_tf()

from mlpnas.data.tabular import load_dataset  # noqa: E402
from mlpnas.training.mlp import build_mlp  # noqa: E402
from mlpnas.spaces.mlp import MLPSpace  # noqa: E402
from mlpnas.strategies.random import RandomStrategy  # noqa: E402
from mlpnas.training.trainer import fit_evaluate, make_optimizer  # noqa: E402


def _build(space, seq, data, seed: int):
    start_child(seed)  # as between the children of a search
    return build_mlp(space, seq, data.input_shape[0], data.n_classes).model


def train_with_fit(model, data, args, seed: int) -> float:
    """MLPNAS: compile, then `model.fit` with validation data; final val accuracy.

    (`seed` is unused: Keras draws the shuffles from the global seed set when building.)
    """
    model.compile(make_optimizer("adam", args.lr), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(data.x_train, data.y_train, batch_size=args.batch_size,
                        epochs=args.epochs, validation_data=(data.x_val, data.y_val),
                        shuffle=True, verbose=0)
    return float(history.history["val_accuracy"][-1])


def train_with_ours(model, data, args, seed: int) -> float:
    """The project's trainer (mlpnas.training.trainer.fit_evaluate)."""
    return fit_evaluate(model, data.x_train, data.y_train, data.x_val, data.y_val,
                        args.epochs, args.batch_size, args.lr, seed=seed).val_accuracy


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/datasets/wine-quality.csv"))
    parser.add_argument("--children", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=C.ARCHITECTURE_TRAINING_EPOCHS)
    parser.add_argument("--batch-size", type=int, default=C.MLP_BATCH_SIZE)
    parser.add_argument("--lr", type=float, default=C.MLP_LEARNING_RATE)
    parser.add_argument("--seed", type=int, default=C.SEED)
    args = parser.parse_args()

    seed_everything(args.seed)
    data = load_dataset(args.data, None, (), args.seed)
    space = MLPSpace()
    seqs = RandomStrategy(space, args.seed).ask(args.children)
    print(f"{data.name}: {len(data.y_train)} train / {len(data.y_val)} val rows; "
          f"{args.children} children x {args.epochs} epochs, batch {args.batch_size}")
    rows = []
    for i, seq in enumerate(seqs):
        seed = args.seed * 100_003 + i
        got = {}
        for name in (["fit", "ours"] if i % 2 == 0 else ["ours", "fit"]):
            model = _build(space, seq, data, seed)  # same initial weights both ways
            train = train_with_fit if name == "fit" else train_with_ours
            got[name] = timed(lambda: train(model, data, args, seed))  # noqa: B023
        model = _build(space, seq, data, seed)
        other = fit_evaluate(model, data.x_train, data.y_train, data.x_val, data.y_val,
                             args.epochs, args.batch_size, args.lr, seed=seed + 50_000)
        got["other"] = (other.val_accuracy,)
        rows.append(got)
        print(f"{i:3d} {space.describe(seq, data.n_classes):60s} "
              f"fit {got['fit'][1]:6.2f}s acc {got['fit'][0]:.4f} | "
              f"ours {got['ours'][1]:6.2f}s acc {got['ours'][0]:.4f} | "
              f"other seed acc {got['other'][0]:.4f}", flush=True)

    wall = {k: sum(r[k][1] for r in rows) for k in ("fit", "ours")}
    cpu = {k: sum(r[k][2] for r in rows) for k in ("fit", "ours")}
    signed = np.array([r["fit"][0] - r["ours"][0] for r in rows])
    noise = np.mean([abs(r["ours"][0] - r["other"][0]) for r in rows])
    for k in ("fit", "ours"):
        print(f"{k:5s}: {60 * len(rows) / wall[k]:7.1f} children/min (wall {wall[k]:.1f}s, "
              f"cpu {cpu[k]:.1f}s)")
    print(f"cpu-time ratio (fit / ours): {cpu['fit'] / cpu['ours']:.2f}")
    print(f"mean val accuracy difference (fit - ours): {100 * signed.mean():+.2f} points "
          f"(standard error {100 * signed.std(ddof=1) / np.sqrt(len(rows)):.2f})")
    print(f"noise floor: mean |ours - ours with other shuffles|: {100 * noise:.2f} points")
    print(f"mean |val accuracy difference|: {100 * np.abs(signed).mean():.2f} points")
    print(f"speedup: {wall['fit'] / wall['ours']:.2f}")


if __name__ == "__main__":
    main()
