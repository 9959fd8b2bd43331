"""Accuracy-only search against a Pareto search (accuracy against a cost) at the same budget.

For each seed, the same strategy runs twice on the same data and split, with the same
budget: `--objective accuracy` and `--objective accuracy,<cost>`. Printed per seed and as
means: the hypervolume of each search's front (all trained children; one reference point
for every run: the lowest score and twice the highest cost seen in any of them, on
(score, log10 cost), see mlpnas.analysis.pareto), the best validation score, and the
cheapest child within 1 point of that search's best. The machine's load and the wall time
of each search are printed too (latency is measured on this CPU, under that load). The
last line is the hypervolume ratio (Pareto / accuracy-only; > 1: the Pareto search's front
dominates more area).

    python bench/pareto.py                                        # wine-quality, mlp space
    python bench/pareto.py --children 24 --child-epochs 3 --seeds 11,12,13 --cost params
    python bench/pareto.py --space cnn --data /usr/share/datasets/fashion-mnist --subset 1000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import CONSTANTS as C  # noqa: E402
from mlpnas.analysis import pareto  # noqa: E402
from mlpnas.config import SearchConfig  # noqa: E402

ARMS = ("accuracy-only", "pareto")


def load() -> str:
    """The load averages and the core count, as one phrase."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def run_search(args, seed: int, objective: str, logs: str):
    """One search; its trained children's (score, cost) points and its wall time."""
    from mlpnas.data import load_search_dataset
    from mlpnas.search.loop import MLPNAS

    config = SearchConfig(dataset=args.data, space=args.space, strategy=args.strategy,
                          controller_epochs=args.children // args.per_epoch,
                          samples_per_epoch=args.per_epoch, child_epochs=args.child_epochs,
                          population=args.population, sample_size=args.sample_size,
                          subset=args.subset, seed=seed, logs_dir=logs, objective=objective,
                          one_shot=False, max_layers=args.max_layers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_search_dataset(config)
    start = time.perf_counter()
    result = MLPNAS(config, dataset=data).search()
    key = C.COST_KEYS[args.cost]
    points = [(e.val_accuracy, float(e.meta[key])) for e in result.entries if not e.failed]
    return points, time.perf_counter() - start


def summary(points, reference) -> dict:
    """Hypervolume, best score and the cheapest child near the best, of one search."""
    cheap = points[pareto.smallest_within(points, C.PARETO_SCORE_TOLERANCE)]
    return {"hv": pareto.hypervolume(points, reference), "best": max(p[0] for p in points),
            "cheap": cheap, "front": len(pareto.non_dominated(points))}


def main() -> None:
    """Both searches per seed; the table; the ratio last."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "DATASETS" / "wine-quality.csv"))
    ap.add_argument("--space", default="mlp")
    ap.add_argument("--strategy", default="evolution")
    ap.add_argument("--cost", choices=list(C.COST_KEYS), default="params")
    ap.add_argument("--children", type=int, default=24, help="budget of each search")
    ap.add_argument("--per-epoch", type=int, default=4)
    ap.add_argument("--child-epochs", type=int, default=3)
    ap.add_argument("--population", type=int, default=8)
    ap.add_argument("--sample-size", type=int, default=3)
    ap.add_argument("--subset", type=int, default=None, help="images (--space cnn)")
    ap.add_argument("--max-layers", type=int, default=C.MAX_ARCHITECTURE_LENGTH)
    ap.add_argument("--seeds", default="11,12,13")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"{Path(args.data).name}, {args.space} space, {args.strategy}, {args.children} "
          f"children x {args.child_epochs} epochs per search, cost {args.cost}, seeds {seeds}")
    print(f"before: {load()}")
    runs, walls = {}, {}
    with tempfile.TemporaryDirectory(prefix="nas-pareto-") as logs:
        for seed in seeds:
            for arm, objective in zip(ARMS, ("accuracy", f"accuracy,{args.cost}")):
                runs[arm, seed], walls[arm, seed] = run_search(args, seed, objective, logs)
                print(f"  seed {seed} {arm}: {walls[arm, seed]:.0f} s; {load()}", flush=True)
    reference = pareto.reference_point(list(runs.values()))
    print(f"after: {load()}")
    print(f"reference point: score {reference[0]:.4f}, {args.cost} {reference[1]:g}")
    print(f"{'seed':>4}  {'search':<13} {'front':>5} {'best':>7} {'hypervolume':>11}  "
          f"cheapest within {C.PARETO_SCORE_TOLERANCE:g} of its best ({args.cost}, score)")
    stats = {k: summary(v, reference) for k, v in runs.items()}
    for seed in seeds:
        for arm in ARMS:
            s = stats[arm, seed]
            print(f"{seed:>4}  {arm:<13} {s['front']:>5} {s['best']:>7.4f} {s['hv']:>11.4f}  "
                  f"{s['cheap'][1]:g}, {s['cheap'][0]:.4f}")
    mean = {arm: {k: sum(stats[arm, s][k] for s in seeds) / len(seeds) for k in ("hv", "best")}
            for arm in ARMS}
    for arm in ARMS:
        print(f"mean {arm:<13} best {mean[arm]['best']:.4f}  hypervolume {mean[arm]['hv']:.4f}  "
              f"wall {sum(walls[arm, s] for s in seeds) / len(seeds):.0f} s per search")
    print(f"best-score difference (Pareto - accuracy-only): "
          f"{100 * (mean['pareto']['best'] - mean['accuracy-only']['best']):+.2f} points")
    print(f"hypervolume ratio (Pareto / accuracy-only): "
          f"{mean['pareto']['hv'] / mean['accuracy-only']['hv']:.3f}")


if __name__ == "__main__":
    main()
