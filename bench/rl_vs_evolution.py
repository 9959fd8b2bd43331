"""Report the controller against evolution, local search and random on held-out seeds.

Runs `nas bench`'s searches on CONSTANTS.REPORT_SEEDS (never used by bench/tune_rl.py) and
prints `nas bench`'s table per benchmark, then the checks the controller is held to: rl's
median regret at 100 and 200 evaluations no worse than evolution's, better than random's
(paired Wilcoxon signed-rank p < 0.01), and at least 150 distinct architectures in 200.

    python bench/rl_vs_evolution.py --benchmarks nb201-cifar10,nb201-cifar100 --jobs 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import CONSTANTS as C  # noqa: E402
from mlpnas.benchmarks.runner import format_summary, p_value, run_bench  # noqa: E402


def checks(result, budgets: tuple[int, ...] = (100, 200)) -> list[str]:
    """One line per target: the figures and whether the target is met."""
    lines = []
    rl = result.regret["rl"]
    for b in (b for b in budgets if b <= result.budget):
        med = {s: float(np.median(r[:, b - 1])) for s, r in result.regret.items()}
        if "evolution" in med:
            ok = med["rl"] <= med["evolution"]
            lines.append(f"@{b}: rl {med['rl']:.3f} <= evolution {med['evolution']:.3f}: "
                         f"{'met' if ok else 'MISSED'} (p = "
                         f"{p_value(rl[:, b - 1], result.regret['evolution'][:, b - 1]):.3g})")
        if "random" in med:
            p = p_value(rl[:, b - 1], result.regret["random"][:, b - 1])
            ok = med["rl"] < med["random"] and p < 0.01
            lines.append(f"@{b}: rl {med['rl']:.3f} < random {med['random']:.3f}, p = {p:.3g}: "
                         f"{'met' if ok else 'MISSED'}")
    distinct = float(np.median(result.distinct["rl"][:, -1]))
    lines.append(f"rl distinct at {result.budget}: median {distinct:.0f}, fewest "
                 f"{int(result.distinct['rl'][:, -1].min())}: "
                 f"{'met' if distinct >= 150 else 'MISSED'} (target 150)")
    return lines


def main() -> None:
    """Every benchmark on the report seeds: the table, then the checks."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks", default="nb201-cifar10,nb201-cifar100")
    ap.add_argument("--strategies", default="rl,evolution,local,random")
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=C.REPORT_SEEDS[1] - C.REPORT_SEEDS[0])
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    seeds = list(range(C.REPORT_SEEDS[0], C.REPORT_SEEDS[0] + args.seeds))
    for benchmark in args.benchmarks.split(","):
        result = run_bench(benchmark, args.strategies.split(","), args.budget, seeds,
                           jobs=args.jobs)
        print("\n".join(format_summary(result) + checks(result)) + "\n", flush=True)


if __name__ == "__main__":
    main()
