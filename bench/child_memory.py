"""Memory over a long search: resident set size while training many children in a row.

Children go through `mlpnas.training.child.train_child` exactly as in a search (Keras state reset
between children, one-shot weight store on), with random architectures on the
wine-quality file. Prints RSS every `--every` children, the peak, and the growth
between the first checkpoint and the end (flat memory: growth near zero).

    python bench/child_memory.py [--children 200] [--child-epochs 1]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlpnas.config import SearchConfig  # noqa: E402
from mlpnas.data.tabular import load_dataset  # noqa: E402


def rss_mib() -> float:
    """Current resident set size of this process, MiB (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2 ** 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/datasets/wine-quality.csv"))
    parser.add_argument("--children", type=int, default=200)
    parser.add_argument("--child-epochs", type=int, default=1)
    parser.add_argument("--every", type=int, default=25)
    args = parser.parse_args()

    from mlpnas.training.child import train_child
    from mlpnas.training.weights import WeightStore
    from mlpnas.spaces.mlp import MLPSpace
    from mlpnas.strategies.random import RandomStrategy
    from mlpnas.training.tf_setup import seed_everything

    config = SearchConfig(dataset=args.data, child_epochs=args.child_epochs)
    seed_everything(config.seed)
    data = load_dataset(args.data, None, (), config.seed)
    space, store = MLPSpace(), WeightStore()
    seqs = RandomStrategy(space, config.seed).ask(args.children)
    marks = []
    start = time.perf_counter()
    for index, seq in enumerate(seqs):
        store.merge(train_child(space, seq, index, data, config, store).stored)
        if (index + 1) % args.every == 0 or index == 0:
            marks.append((index + 1, rss_mib()))
            print(f"after {index + 1:4d} children: rss {marks[-1][1]:7.1f} MiB", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak rss: {peak:.1f} MiB over {args.children} children; growth from child "
          f"{marks[1][0]} to {marks[-1][0]}: {marks[-1][1] - marks[1][1]:+.1f} MiB; "
          f"store keys: {len(store.weights)} "
          f"({sum(a.nbytes for v in store.weights.values() for a in v) / 2 ** 20:.1f} MiB of "
          "arrays, part of the RSS)")
    wall = time.perf_counter() - start
    print(f"wall time: {wall:.1f} s ({wall / args.children:.2f} s per child)")


if __name__ == "__main__":
    main()
