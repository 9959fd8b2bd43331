"""Screening against the largest-first baseline on NAS-Bench-201 (`nas bench --screen`).

Runs rl with `--predictor --screen K` (the predictor reads the table's model size; it
ranks by that cost proxy until it ranks unseen cells better itself, and screening climbs
from each policy draw, see docs/controller.md) beside `largest` (the table's largest
cells first) and prints median [q1, q3] regret per budget, the paired Wilcoxon p-value
and the ratio of medians (screened rl / largest) last.

Tuning (--climb, --min-heldout with several values) runs only on CONSTANTS.TUNE_SEEDS; --report runs
the defaults once on CONSTANTS.REPORT_SEEDS (50 seeds).

    python bench/screen_proxy.py --climb 0,3,6 --seeds 20
    python bench/screen_proxy.py --report --benchmarks nb201-cifar10,nb201-cifar100
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import CONSTANTS as C  # noqa: E402
from mlpnas.benchmarks.runner import p_value, report_budgets, run_bench  # noqa: E402
from mlpnas.config import SearchConfig  # noqa: E402
from tune_rl import tuning_seeds, words  # noqa: E402


def cell(values: np.ndarray) -> str:
    """'median [q1, q3]' of one budget's regrets."""
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{med:.3f} [{q1:.3f}, {q3:.3f}]"


def compare(benchmark: str, config: SearchConfig, seeds: list[int], budget: int,
            label: str) -> None:
    """rl with screening and largest-first on the same seeds, side by side."""
    start = time.perf_counter()
    res = run_bench(benchmark, ["rl", "largest"], budget, seeds, config, jobs=1)
    rl, big = res.regret["rl"], res.regret["largest"]
    for b in report_budgets(budget):
        ratio = np.median(rl[:, b - 1]) / max(np.median(big[:, b - 1]), 1e-9)
        print(f"{benchmark:<15} {label:<22} @{b:<4} rl {cell(rl[:, b - 1]):<24} "
              f"largest {cell(big[:, b - 1]):<24} p = {p_value(rl[:, b - 1], big[:, b - 1]):.3g}"
              f"  ratio {ratio:.2f}", flush=True)
    print(f"  ({len(seeds)} seeds, {time.perf_counter() - start:.0f} s)", flush=True)


def main() -> None:
    """Tune the climb on tuning seeds, or report the defaults on the report seeds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", type=words, default=["nb201-cifar10"])
    ap.add_argument("--climb", type=lambda t: [int(x) for x in t.split(",")],
                    default=[C.SCREEN_CLIMB_STEPS], help="Climb steps to try (tuning).")
    ap.add_argument("--min-heldout", type=lambda t: [int(x) for x in t.split(",")],
                    default=[C.PREDICTOR_PROXY_MIN_HELDOUT],
                    help="Held-out children before the predictor may outrank the cost (tuning).")
    ap.add_argument("--screen", type=int, default=10)
    ap.add_argument("--budget", type=int, default=25)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=C.TUNE_SEEDS[0])
    ap.add_argument("--report", action="store_true",
                    help="The defaults on the 50 report seeds (no tuning).")
    args = ap.parse_args()
    if args.report:
        seeds, climbs = list(range(*C.REPORT_SEEDS)), [C.SCREEN_CLIMB_STEPS]
        heldouts = [C.PREDICTOR_PROXY_MIN_HELDOUT]
    else:
        seeds, climbs = tuning_seeds(args.first_seed, args.seeds), args.climb
        heldouts = args.min_heldout
    base = SearchConfig(screen=args.screen, screen_warmup=C.BENCH_SCREEN_WARMUP,
                        use_predictor=True)
    for benchmark in args.benchmarks:
        for climb in climbs:
            for heldout in heldouts:
                compare(benchmark, replace(base, screen_climb=climb,
                                           predictor_min_heldout=heldout),
                        seeds, args.budget, f"climb {climb}, min held-out {heldout}")


if __name__ == "__main__":
    main()
