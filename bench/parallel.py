"""Wall time of one search with 1 and with 2 workers, and the time spent outside children.

Runs the same search (same seed, same settings) serially in this process (`--workers 1`)
and with 2 worker processes (`--workers 2`), on the wine-quality file. "Outside child
training" is the search's wall time minus the time the driver spent waiting for children
(controller sampling and updates, logging, checkpoints, snapshots, scoring the best child
on test, and starting the worker processes). Starting the workers (each imports
TensorFlow and receives the data set) is a fixed cost per search; it is also printed
apart, with the fraction outside child training without it.

    python bench/parallel.py [--controller-epochs 10] [--samples-per-epoch 10] [--child-epochs 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import CONSTANTS as C  # noqa: E402
from mlpnas.config import SearchConfig  # noqa: E402
from mlpnas.data.tabular import load_dataset  # noqa: E402


def run(config: SearchConfig, data) -> dict:
    """One search; wall time, driver waiting time, children's own training seconds."""
    from mlpnas.search.loop import MLPNAS

    nas = MLPNAS(config, dataset=data)
    start = time.perf_counter()
    result = nas.search()
    wall = time.perf_counter() - start
    train = sum(e.meta.get("train_seconds", 0.0) for e in result.entries)
    return {"wall": wall, "wait": nas.executor.wait_seconds, "train": train,
            "startup": nas.executor.startup_seconds,
            "best": result.best_val_accuracy,
            "failed": sum(bool(e.meta.get("failed")) for e in result.entries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/datasets/wine-quality.csv"))
    parser.add_argument("--controller-epochs", type=int, default=C.CONTROLLER_SAMPLING_EPOCHS)
    parser.add_argument("--samples-per-epoch", type=int, default=C.SAMPLES_PER_CONTROLLER_EPOCH)
    parser.add_argument("--child-epochs", type=int, default=C.ARCHITECTURE_TRAINING_EPOCHS)
    parser.add_argument("--strategy", default="rl")
    parser.add_argument("--seed", type=int, default=C.SEED)
    args = parser.parse_args()

    data = load_dataset(args.data, None, (), args.seed)
    print(f"{data.name}: {args.controller_epochs} controller epochs x {args.samples_per_epoch} "
          f"children x {args.child_epochs} epochs, strategy {args.strategy}, seed {args.seed}")
    rows = {}
    with tempfile.TemporaryDirectory() as logs:
        for workers in (1, 2):
            config = SearchConfig(dataset=args.data, strategy=args.strategy,
                                  controller_epochs=args.controller_epochs,
                                  samples_per_epoch=args.samples_per_epoch,
                                  child_epochs=args.child_epochs, seed=args.seed,
                                  workers=workers, logs_dir=logs)
            rows[workers] = r = run(config, data)
            outside = 1 - r["wait"] / r["wall"]
            print(f"workers {workers}: wall {r['wall']:7.1f}s  waiting for children "
                  f"{r['wait']:7.1f}s  outside child training {100 * outside:5.1f}%  "
                  f"children's own training {r['train']:7.1f}s  worker start-up "
                  f"{r['startup']:5.1f}s  best val {r['best']:.4f}  failed {r['failed']}",
                  flush=True)
    print(f"wall-time ratio (1 worker / 2 workers): {rows[1]['wall'] / rows[2]['wall']:.2f}")
    print(f"outside child training: {100 * (1 - rows[1]['wait'] / rows[1]['wall']):.1f}% "
          f"(1 worker), {100 * (1 - rows[2]['wait'] / rows[2]['wall']):.1f}% (2 workers)")
    rest = {w: (r["wall"] - r["wait"] - r["startup"]) / r["wall"] for w, r in rows.items()}
    print(f"outside child training without worker start-up: {100 * rest[1]:.1f}% (1 worker), "
          f"{100 * rest[2]:.1f}% (2 workers)")


if __name__ == "__main__":
    main()
