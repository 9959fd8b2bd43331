"""Does nas train the textbook CNN as well as Keras does? Same images, epochs and seed.

For each seed, on a Fashion-MNIST subset, the test accuracy of
  keras-fit   the textbook Keras CNN (bench/textbook.py) trained by `model.fit`;
  nas-trainer the same model, same initial weights, trained by nas's trainer;
  nas-build   the textbook architecture as cnn-space tokens (dense head, Adam 1e-3,
              batch 64, no augmentation), built and trained by nas like a child
              (conv -> batch norm -> ReLU; a fixed number of epochs, no early stopping);
then the medians, and the ratios to keras-fit last. Reads Debian's dataset-fashion-mnist.

    python bench/cnn_parity.py                        # 3 seeds x 10 epochs
    python bench/cnn_parity.py --seeds 0 --epochs 3   # quicker
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from textbook import TEXTBOOK_LAYERS, TEXTBOOK_TRAINING, keras_fit, textbook_cnn  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=FASHION, help="Fashion-MNIST IDX folder")
    p.add_argument("--subset", type=int, default=3000, help="training images")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    return p.parse_args()


def one_seed(args: argparse.Namespace, seed: int) -> dict:
    """Test accuracy and seconds of the three ways, for one seed."""
    from mlpnas.data.images import load_images
    from mlpnas.spaces.cnn import CNNSpace
    from mlpnas.training.cnn import build_cnn
    from mlpnas.training.tf_setup import seed_everything
    from mlpnas.training.trainer import accuracy, fit_evaluate

    d = load_images(args.data, args.subset, seed)
    out = {}
    model = textbook_cnn(d.input_shape, d.n_classes, seed)
    start_weights = model.get_weights()
    seconds = keras_fit(model, d.x_train, d.y_train, args.epochs)
    out["keras-fit"] = (accuracy(model, d.x_test, d.y_test), seconds)
    model = textbook_cnn(d.input_shape, d.n_classes, seed)
    model.set_weights(start_weights)
    result = fit_evaluate(model, d.x_train, d.y_train, d.x_val, d.y_val, args.epochs,
                          64, 0.001, seed=seed)
    out["nas-trainer"] = (accuracy(model, d.x_test, d.y_test), result.seconds)
    space = CNNSpace(max_length=2, input_shape=d.input_shape)
    seq = space.encode(TEXTBOOK_LAYERS, **TEXTBOOK_TRAINING)
    seed_everything(seed)
    child = build_cnn(space, seq, d.input_shape, d.n_classes)
    options = {**space.training_options(seq), "patience": 0}
    start = time.perf_counter()
    fit_evaluate(child.model, d.x_train, d.y_train, d.x_val, d.y_val, args.epochs,
                 seed=seed, **options)
    out["nas-build"] = (accuracy(child.model, d.x_test, d.y_test), time.perf_counter() - start)
    return out


def main() -> None:
    args = parse_args()
    if not Path(args.data).is_dir():
        sys.exit(f"no Fashion-MNIST at {args.data}: apt-get install dataset-fashion-mnist")
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} cpus; "
          f"{args.subset} training images, {args.epochs} epochs", flush=True)
    runs = []
    for seed in args.seeds:
        runs.append(one_seed(args, seed))
        print(f"seed {seed}: " + "  ".join(f"{k} {acc:.4f} ({s:.0f} s)"
                                           for k, (acc, s) in runs[-1].items()), flush=True)
    medians = {k: float(np.median([r[k][0] for r in runs])) for k in runs[0]}
    print("median test accuracy: " + "  ".join(f"{k} {v:.4f}" for k, v in medians.items()))
    print(f"load after: {os.getloadavg()[0]:.2f} (1-min average)")
    for k in ("nas-trainer", "nas-build"):
        print(f"ratio {k} / keras-fit (median test accuracy): "
              f"{medians[k] / medians['keras-fit']:.3f}")


if __name__ == "__main__":
    main()
