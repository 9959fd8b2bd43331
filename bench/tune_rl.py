"""Tune the RL controller's defaults on NAS-Bench-201 CIFAR-10 (how CONSTANTS were chosen).

Runs `nas bench`'s searches (rl only, the same code) for every combination of the given
values and prints the median regret at 50, 100 and 200 evaluations, next to random and
evolution on the same seeds. Tuning seeds default to 100..119, so that the figures that
`nas bench` reports (seeds 0..19) were not used to pick the defaults.

    python bench/tune_rl.py --lr 0.003,0.01,0.03 --entropy 0.0001,0.01 --seeds 20
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


def main() -> None:
    """Grid over controller hyperparameters; one line of medians per combination."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="nb201-cifar10")
    ap.add_argument("--lr", type=floats, default=[C.CONTROLLER_LEARNING_RATE])
    ap.add_argument("--decay", type=floats, default=[C.CONTROLLER_BASELINE_DECAY])
    ap.add_argument("--entropy", type=floats, default=[C.CONTROLLER_ENTROPY_WEIGHT])
    ap.add_argument("--temperature", type=floats, default=[C.CONTROLLER_TEMPERATURE])
    ap.add_argument("--train-steps", type=floats, default=[C.CONTROLLER_TRAINING_EPOCHS])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--baselines", action="store_true", help="Also run random and evolution.")
    args = ap.parse_args()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    budgets = [b for b in (50, 100, 200) if b <= args.budget]

    def show(label: str, regret: np.ndarray, seconds: float) -> None:
        med = "  ".join(f"@{b}: {np.median(regret[:, b - 1]):.3f}" for b in budgets)
        print(f"{label:<48} {med}  ({seconds:.0f} s)", flush=True)

    if args.baselines:
        t = time.perf_counter()
        res = run_bench(args.benchmark, ["random", "evolution"], args.budget, seeds, jobs=1)
        for name, regret in res.regret.items():
            show(name, regret, time.perf_counter() - t)
    for lr, decay, ent, temp, steps in itertools.product(
            args.lr, args.decay, args.entropy, args.temperature, args.train_steps):
        config = SearchConfig(controller_learning_rate=lr, baseline_decay=decay,
                              entropy_weight=ent, temperature=temp,
                              controller_train_steps=int(steps))
        t = time.perf_counter()
        res = run_bench(args.benchmark, ["rl"], args.budget, seeds, config, args.jobs)
        show(f"rl lr={lr} decay={decay} ent={ent} T={temp} steps={int(steps)}",
             res.regret["rl"], time.perf_counter() - t)


if __name__ == "__main__":
    main()
