"""Run the default search budget on the wine-quality file and show whether the controller improves.

Usage:  .venv/bin/python bench/wine_search.py [CSV] [--seed N] [--strategy rl|random]

Prints the best child's validation and test accuracy, and the mean (and best) reward
per controller epoch, so the trend over the search can be read directly.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import CONSTANTS as C  # noqa: E402
from mlpnas.config import SearchConfig  # noqa: E402
from mlpnas.data.tabular import load_dataset  # noqa: E402


def main() -> None:
    """Run one default-budget search and print its per-epoch rewards."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", default=str(ROOT.parent / "shared/datasets/wine-quality.csv"))
    parser.add_argument("--seed", type=int, default=C.SEED)
    parser.add_argument("--strategy", default="rl")
    parser.add_argument("--logs-dir", default=None, help="default: a temporary folder")
    args = parser.parse_args()
    if not Path(args.csv).exists():
        sys.exit(f"wine file not found: {args.csv}")
    logs_dir = args.logs_dir or tempfile.mkdtemp(prefix="nas-bench-")
    config = SearchConfig(dataset=args.csv, seed=args.seed, strategy=args.strategy,
                          logs_dir=logs_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_dataset(args.csv, seed=args.seed)
    from mlpnas.search.loop import MLPNAS

    print(f"budget: {config.controller_epochs} controller epochs x {config.samples_per_epoch} "
          f"children x {config.child_epochs} child epochs; strategy {args.strategy}; seed {args.seed}")
    start = time.perf_counter()
    nas = MLPNAS(config, dataset=data)
    result = nas.search()
    wall = time.perf_counter() - start
    print(f"majority-class validation accuracy: {data.majority_rate:.4f}")
    print("epoch  mean_reward  best_reward")
    for stats in nas.epoch_stats:
        print(f"{stats['epoch']:>5}  {stats['mean_reward']:>11.4f}  {stats['max_reward']:>11.4f}")
    first, last = nas.epoch_stats[0]["mean_reward"], nas.epoch_stats[-1]["mean_reward"]
    print(f"mean reward first epoch {first:.4f} -> last epoch {last:.4f} ({last - first:+.4f})")
    best = result.entries[result.best_index]
    print(f"best child: {best.meta['layers']}  val {result.best_val_accuracy:.4f}  "
          f"test {result.test_accuracy:.4f}")
    print(f"wall time: {wall:.0f} s for {len(result.entries)} children; event {result.event_dir}")


if __name__ == "__main__":
    main()
