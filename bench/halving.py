"""The default search against successive halving: test accuracy after `nas export`, wall time.

Usage:  .venv/bin/python bench/halving.py [--seeds 101,102,103] [--data wine,fashion]
                                          [--controller-epochs 2] [--samples 9]
                                          [--child-epochs 27] [--eta 3] [--subset 1000]
                                          [--fashion-seeds 101]

Both arms search the same data with the same strategy (the default, rl), the same
controller epochs and samples per epoch, and no one-shot weights; the halving arm adds
`--scheduler halving --eta ETA`, so it samples as many children but trains only the
best 1/eta of each rung on. Per seed and arm it prints the best child's test accuracy
after `nas export` (single model, retrained on train + validation) and the search's wall
time; then per data set the mean and spread of each arm, and, last, the wall-time ratio
full / halving.

Data: the wine-quality CSV (tabular space) and a stratified Fashion-MNIST subset (cnn
space, at most 3 layers). The seeds default to ones no setting was tuned on. The scale is
all flags: run it small on a shared machine, larger where cores are free.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlpnas.config import SearchConfig  # noqa: E402

WINE = ROOT / "DATASETS" / "wine-quality.csv"
FASHION = Path("/usr/share/datasets/fashion-mnist")


def settings(name: str, args) -> dict:
    """Search settings of a data set at the requested scale."""
    common = dict(controller_epochs=args.controller_epochs, samples_per_epoch=args.samples,
                  child_epochs=args.child_epochs, one_shot=False)
    if name == "wine":
        return dict(dataset=str(WINE), space="tabular", **common)
    return dict(dataset=str(FASHION), space="cnn", max_layers=3, subset=args.subset, **common)


def run_arm(name: str, arm: str, seed: int, args, logs: Path) -> tuple[float, float, int]:
    """(test accuracy after export, search wall seconds, jobs trained) of one search."""
    from mlpnas.data import load_search_dataset
    from mlpnas.export import export_model
    from mlpnas.search.loop import MLPNAS

    extra = {"scheduler": "halving", "eta": args.eta} if arm == "halving" else {}
    config = SearchConfig(seed=seed, logs_dir=str(logs), **settings(name, args), **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_search_dataset(config)
    start = time.perf_counter()
    result = MLPNAS(config, dataset=data).search()
    wall = time.perf_counter() - start
    exported = export_model(str(logs), result.event_dir.name, logs / f"{arm}-{seed}.keras",
                            ensemble=1)
    jobs = sum(len(e.meta.get("rungs", [None])) for e in result.entries)
    return exported.test_accuracy, wall, jobs


def spread(values: list[float], digits: int = 4) -> str:
    """mean +- standard deviation (one value: the value)."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} +- {statistics.stdev(values):.{digits}f}"


def main() -> None:
    """Run both arms over the seeds of each data set and print the table, ratio last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="wine,fashion")
    parser.add_argument("--seeds", default="101,102,103", help="wine seeds")
    parser.add_argument("--fashion-seeds", default="101,102,103")
    parser.add_argument("--controller-epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=9)
    parser.add_argument("--child-epochs", type=int, default=27)
    parser.add_argument("--eta", type=int, default=3)
    parser.add_argument("--subset", type=int, default=1000, help="Fashion-MNIST images")
    args = parser.parse_args()
    print(f"scale: {args.controller_epochs} controller epochs x {args.samples} children x "
          f"{args.child_epochs} child epochs; eta {args.eta}; Fashion-MNIST subset "
          f"{args.subset}")
    totals = {"full": 0.0, "halving": 0.0}
    for name in args.data.split(","):
        seeds = args.seeds if name == "wine" else args.fashion_seeds
        figures: dict = {"full": [], "halving": []}
        print(f"\n{name}: seed  arm      test_acc  wall_s  jobs")
        for seed in map(int, seeds.split(",")):
            for arm in ("full", "halving"):
                logs = Path(tempfile.mkdtemp(prefix=f"nas-halving-{name}-"))
                acc, wall, jobs = run_arm(name, arm, seed, args, logs)
                figures[arm].append((acc, wall))
                print(f"{name}: {seed:>4}  {arm:<7}  {acc:.4f}  {wall:>6.1f}  {jobs:>4}",
                      flush=True)
        for arm, rows in figures.items():
            totals[arm] += sum(w for _, w in rows)
            print(f"{name}: {arm:<7} test accuracy {spread([a for a, _ in rows])}, "
                  f"wall time {spread([w for _, w in rows], 1)} s")
        full, halving = (sum(w for _, w in figures[a]) for a in ("full", "halving"))
        print(f"{name}: wall-time ratio full / halving: {full / halving:.2f}")
    print(f"\nall data: wall-time ratio full / halving: {totals['full'] / totals['halving']:.2f}")


if __name__ == "__main__":
    main()
