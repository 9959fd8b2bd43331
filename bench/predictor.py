"""Does the hybrid predictor help? Three arms on the same data, budget and seeds.

    arm 1  no predictor              (MLPNAS's plain controller)
    arm 2  predictor, logged only    (predictions made and scored, never acted on)
    arm 3  predictor + --screen K    (K*m candidates, the top-m predicted are trained)

Each arm trains the same number of children per controller epoch with the same seeds.
Printed per arm: children trained, accuracies reused, best and mean validation accuracy
of the LAST controller epoch, and the predictor's Kendall tau (and MAE) over the whole
search, on children it had not been trained on yet. Run from the repository root:

    python bench/predictor.py                       # wine-quality.csv, defaults below
    python bench/predictor.py --seeds 0 1 --controller-epochs 8
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mlpnas.config import SearchConfig  # noqa: E402
from mlpnas.storage.events import load_event  # noqa: E402
from mlpnas.analysis.predictor_quality import predictor_report  # noqa: E402

ARMS = (("no predictor", {"use_predictor": False}),
        ("predictor logged", {"use_predictor": True}),
        ("predictor + screen", {"use_predictor": True, "screen": None}))


def run_arm(name: str, changes: dict, seed: int, args, logs_dir: Path) -> dict:
    """One search; the figures the table prints."""
    from mlpnas.search.loop import MLPNAS

    if changes.get("screen", 1) is None:
        changes = {**changes, "screen": args.screen}
    config = SearchConfig(dataset=args.dataset, label=args.label, seed=seed,
                          controller_epochs=args.controller_epochs,
                          samples_per_epoch=args.samples_per_epoch,
                          child_epochs=args.child_epochs, screen_warmup=args.warmup,
                          logs_dir=str(logs_dir), **changes)
    start = time.perf_counter()
    nas = MLPNAS(config)
    result = nas.search()
    seconds = time.perf_counter() - start
    event = load_event(logs_dir, result.event_dir.name)
    last = max(e.controller_epoch for e in event.entries)
    acc = np.asarray([e.val_accuracy for e in event.entries if e.controller_epoch == last])
    row = {"arm": name, "seed": seed, "trained": len(event.entries),
           "reused": int(sum(s.get("reused", 0) for s in nas.epoch_stats)),
           "last_best": float(acc.max()), "last_mean": float(acc.mean()),
           "tau": None, "mae": None, "seconds": seconds}
    if config.use_predictor:
        overall = predictor_report(event)["all"]
        row.update(tau=overall["tau"], mae=overall["mae"])
    return row


def _fmt(value, spec: str) -> str:
    return format(value, spec) if value is not None else "-".rjust(int(spec.split(".")[0]))


def print_table(rows: list[dict]) -> None:
    """Per-seed rows, then the mean of each arm over the seeds."""
    head = (f"{'arm':<20} {'seed':>5} {'trained':>7} {'reused':>6} {'last best':>9} "
            f"{'last mean':>9} {'tau':>6} {'MAE':>7} {'seconds':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['arm']:<20} {r['seed']:>5} {r['trained']:>7} {r['reused']:>6} "
              f"{r['last_best']:>9.4f} {r['last_mean']:>9.4f} {_fmt(r['tau'], '6.3f')} "
              f"{_fmt(r['mae'], '7.4f')} {r['seconds']:>7.1f}")
    print("-" * len(head))
    for name, _ in ARMS:
        mine = [r for r in rows if r["arm"] == name]
        taus = [r["tau"] for r in mine if r["tau"] is not None]
        print(f"{name:<20} {'mean':>5} {np.mean([r['trained'] for r in mine]):>7.1f} "
              f"{np.mean([r['reused'] for r in mine]):>6.1f} "
              f"{np.mean([r['last_best'] for r in mine]):>9.4f} "
              f"{np.mean([r['last_mean'] for r in mine]):>9.4f} "
              f"{_fmt(float(np.mean(taus)) if taus else None, '6.3f')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=str(ROOT.parent / "shared" / "datasets" /
                                                 "wine-quality.csv"))
    parser.add_argument("--label", default="quality_label")
    parser.add_argument("--controller-epochs", type=int, default=5)
    parser.add_argument("--samples-per-epoch", type=int, default=4)
    parser.add_argument("--child-epochs", type=int, default=2)
    parser.add_argument("--screen", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    if not Path(args.dataset).exists():
        sys.exit(f"data set not found: {args.dataset}")
    print(f"data {args.dataset}; {args.controller_epochs} controller epochs x "
          f"{args.samples_per_epoch} children, {args.child_epochs} child epochs; "
          f"screen {args.screen} after {args.warmup} warm-up epochs; seeds {args.seeds}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="nas-bench-predictor-") as tmp:
        for seed in args.seeds:
            for i, (name, changes) in enumerate(ARMS):
                rows.append(run_arm(name, changes, seed, args, Path(tmp) / f"arm{i}"))
                print(f"  done: {name}, seed {seed} ({rows[-1]['seconds']:.0f} s)", flush=True)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_table(rows)


if __name__ == "__main__":
    main()
