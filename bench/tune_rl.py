"""Tune the RL controller's defaults on tuning seeds only (how CONSTANTS were chosen).

Runs `nas bench`'s searches (rl only, the same code) for every combination of the given
values and prints the median regret and distinct evaluations at 50, 100 and 200
evaluations, next to random, evolution and local search on the same seeds. Seeds come from
CONSTANTS.TUNE_SEEDS; a seed of CONSTANTS.REPORT_SEEDS (the set bench/rl_vs_evolution.py
reports on) is refused, so the reported figures never come from tuned-on seeds.

    python bench/tune_rl.py --lr 0.003,0.01 --train-steps 1,5 --seeds 20 --baselines
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import CONSTANTS as C  # noqa: E402
from mlpnas.benchmarks.runner import run_bench  # noqa: E402
from mlpnas.config import SearchConfig  # noqa: E402


def floats(text: str) -> list[float]:
    """'0.1,0.2' -> [0.1, 0.2]."""
    return [float(x) for x in text.split(",")]


def words(text: str) -> list[str]:
    """'a,b' -> ['a', 'b']."""
    return [x.strip() for x in text.split(",") if x.strip()]


def tuning_seeds(first: int, count: int) -> list[int]:
    """Seeds first .. first+count-1, refused unless inside TUNE_SEEDS and outside REPORT_SEEDS."""
    seeds = list(range(first, first + count))
    report = range(*C.REPORT_SEEDS)
    overlap = [s for s in seeds if s in report]
    outside = [s for s in seeds if s not in range(*C.TUNE_SEEDS)]
    if overlap or outside:
        sys.exit(f"tune_rl: seeds must lie in the tuning set {C.TUNE_SEEDS} (half open) and "
                 f"never in the report set {C.REPORT_SEEDS}; offending: {(overlap or outside)[:5]}")
    return seeds


def show(label: str, res, name: str, budgets: list[int], seconds: float) -> None:
    """One line: median regret and distinct evaluations per budget."""
    regret, distinct = res.regret[name], res.distinct[name]
    cells = "  ".join(f"@{b}: {np.median(regret[:, b - 1]):.3f} (mean {np.mean(regret[:, b - 1]):.3f})"
                      f" d={np.median(distinct[:, b - 1]):.0f}" for b in budgets)
    print(f"{label:<64} {cells}  ({seconds:.0f} s)", flush=True)


def main() -> None:
    """Grid over controller hyperparameters; one line of medians per combination."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="nb201-cifar10")
    ap.add_argument("--lr", type=floats, default=[C.CONTROLLER_LEARNING_RATE])
    ap.add_argument("--entropy", type=floats, default=[C.CONTROLLER_ENTROPY_WEIGHT])
    ap.add_argument("--temperature", type=floats, default=[C.CONTROLLER_TEMPERATURE])
    ap.add_argument("--train-steps", type=floats, default=[C.CONTROLLER_TRAINING_EPOCHS])
    ap.add_argument("--target-kl", type=floats, default=[C.CONTROLLER_TARGET_KL])
    ap.add_argument("--advantage", type=words, default=[C.CONTROLLER_ADVANTAGE])
    ap.add_argument("--baseline", type=words, default=[C.CONTROLLER_BASELINE])
    ap.add_argument("--decay", type=floats, default=[C.CONTROLLER_BASELINE_DECAY])
    ap.add_argument("--elite-size", type=floats, default=[C.CONTROLLER_ELITE_SIZE])
    ap.add_argument("--elite-weight", type=floats, default=[C.CONTROLLER_ELITE_WEIGHT])
    ap.add_argument("--samples", type=floats, default=[C.SAMPLES_PER_CONTROLLER_EPOCH],
                    help="Samples per controller epoch (the batch of one policy update).")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=C.TUNE_SEEDS[0])
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--baselines", action="store_true",
                    help="Also run random, evolution and local search.")
    args = ap.parse_args()
    seeds = tuning_seeds(args.first_seed, args.seeds)
    budgets = [b for b in (50, 100, 200) if b <= args.budget]
    if args.baselines:
        t = time.perf_counter()
        for m in args.samples:
            res = run_bench(args.benchmark, ["random", "evolution", "local"], args.budget, seeds,
                            SearchConfig(samples_per_epoch=int(m)), jobs=1)
            for name in res.regret:
                show(f"{name} m={int(m)}", res, name, budgets, time.perf_counter() - t)
    for lr, ent, temp, steps, kl, adv, base, decay, esize, eweight, m in itertools.product(
            args.lr, args.entropy, args.temperature, args.train_steps, args.target_kl,
            args.advantage, args.baseline, args.decay, args.elite_size, args.elite_weight,
            args.samples):
        config = SearchConfig(controller_learning_rate=lr, entropy_weight=ent, temperature=temp,
                              controller_train_steps=int(steps), controller_target_kl=kl,
                              controller_advantage=adv, controller_baseline=base,
                              baseline_decay=decay, controller_elite_size=int(esize),
                              controller_elite_weight=eweight, samples_per_epoch=int(m))
        t = time.perf_counter()
        res = run_bench(args.benchmark, ["rl"], args.budget, seeds, config, args.jobs)
        show(f"rl lr={lr} ent={ent} T={temp} steps={int(steps)} kl={kl} adv={adv} b={base} "
             f"d={decay} elite={int(esize)}x{eweight} m={int(m)}", res, "rl", budgets, time.perf_counter() - t)


if __name__ == "__main__":
    main()
