"""CNN search on a Fashion-MNIST subset against a fixed hand-designed CNN, same budget.

Prints the best searched child's validation and test accuracy, the same for a baseline
CNN (conv3x3/32 pool2 -> conv3x3/64 pool2, trained for the same number of epochs on the
same images as every child), the mean reward per controller epoch, the wall time, and
the machine load it ran under. Reads Debian's dataset-fashion-mnist
(`apt-get install dataset-fashion-mnist`) from /usr/share/datasets/fashion-mnist.

    python bench/fashion_cnn.py                      # 19 min on 2 shared cores, load 8-11
    python bench/fashion_cnn.py --controller-epochs 2 --samples-per-epoch 3   # quicker
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlpnas.config import SearchConfig  # noqa: E402
from mlpnas.data.images import load_images  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"
BASELINE = [dict(kernel=3, filters=32, stride=1, pool=2),
            dict(kernel=3, filters=64, stride=1, pool=2)]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=FASHION, help="Fashion-MNIST IDX folder")
    p.add_argument("--subset", type=int, default=3000, help="training images")
    p.add_argument("--controller-epochs", type=int, default=8)
    p.add_argument("--samples-per-epoch", type=int, default=5)
    p.add_argument("--child-epochs", type=int, default=3)
    p.add_argument("--max-layers", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def baseline(search, config: SearchConfig) -> tuple[float, float, float]:
    """(validation, test accuracy, seconds) of the hand-designed CNN, trained like a child."""
    from mlpnas.training.child import build_model, train_child
    from mlpnas.training.trainer import accuracy

    seq = search.space.encode(BASELINE)
    start = time.perf_counter()
    outcome = train_child(search.space, seq, 10**6, search.dataset, config, store=None)
    seconds = time.perf_counter() - start
    child = build_model(search.space, seq, search.dataset)
    child.model.set_weights(outcome.weights)
    test = accuracy(child.model, search.dataset.x_test, search.dataset.y_test)
    return outcome.val_accuracy, test, seconds


def main() -> None:
    args = parse_args()
    if not Path(args.data).is_dir():
        sys.exit(f"no Fashion-MNIST at {args.data}: apt-get install dataset-fashion-mnist")
    logs = tempfile.mkdtemp(prefix="fashion_cnn_")
    config = SearchConfig(dataset=args.data, space="cnn", subset=args.subset,
                          controller_epochs=args.controller_epochs,
                          samples_per_epoch=args.samples_per_epoch,
                          child_epochs=args.child_epochs, max_layers=args.max_layers,
                          seed=args.seed, logs_dir=logs)
    data = load_images(config.dataset, config.subset, config.seed)
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} cpus")
    print(f"Fashion-MNIST: {len(data.y_train)} train / {len(data.y_val)} val / "
          f"{len(data.y_test)} test images; {config.budget} children x {config.child_epochs} "
          f"epochs, up to {config.max_layers} layers", flush=True)
    from mlpnas.search.loop import MLPNAS

    search = MLPNAS(config, dataset=data, progress=lambda line: print(line, flush=True))
    start = time.perf_counter()
    result = search.search()
    search_seconds = time.perf_counter() - start
    val, test, base_seconds = baseline(search, config)
    best = result.entries[result.best_index]
    print("\n=== results ===")
    print(f"search: {config.budget} children in {search_seconds:.0f} s")
    print(f"best child:  val {result.best_val_accuracy:.4f}  test {result.test_accuracy:.4f}  "
          f"{best.meta['description']}")
    print(f"baseline:    val {val:.4f}  test {test:.4f}  conv3x3/32 s1 pool2; conv3x3/64 s1 "
          f"pool2  ({base_seconds:.0f} s, {config.child_epochs} epochs, same images)")
    print(f"ratio best/baseline test accuracy: {result.test_accuracy / test:.3f}")
    for stats in search.epoch_stats:
        print(f"controller epoch {stats['epoch']}: mean reward {stats['mean_reward']:.4f}  "
              f"max {stats['max_reward']:.4f}")
    print(f"load after: {os.getloadavg()[0]:.2f} (1-min average); event: {result.event_dir}")


if __name__ == "__main__":
    main()
