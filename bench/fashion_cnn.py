"""Does the exported winner of an image search beat the textbook CNN? Same images, same epochs.

For each seed: `nas search` with the space's defaults (or the budget given here) on a
Fashion-MNIST subset; its winner exported as `nas export` does (retrained from scratch on
train + validation, the space's default ensemble and learning-rate schedule); the
textbook Keras CNN
(bench/textbook.py) trained by plain `model.fit` on the same train + validation images
for as many epochs as the export trained; both tested on the same test images. Prints one
row per seed (test accuracies, parameters, wall times), the medians, the machine load,
and the ratio of the median test accuracies last. Reads Debian's dataset-fashion-mnist
from /usr/share/datasets/fashion-mnist; --digits uses scikit-learn's 8x8 digits instead.
The seeds default to REPORT seeds, disjoint from the seeds the image defaults were
chosen on (0, 1, 2).

    python bench/fashion_cnn.py                                   # cnn space, 3 seeds
    python bench/fashion_cnn.py --space cell
    python bench/fashion_cnn.py --digits
    python bench/fashion_cnn.py --controller-epochs 1 --samples-per-epoch 2 \\
        --child-epochs 8 --seeds 10                               # a quick look
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from textbook import keras_fit, textbook_cnn  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"
REPORT_SEEDS = [10, 11, 12]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=FASHION, help="Fashion-MNIST IDX folder")
    p.add_argument("--digits", action="store_true", help="the built-in 8x8 digits instead")
    p.add_argument("--subset", type=int, default=3000, help="training images (Fashion-MNIST)")
    p.add_argument("--space", default="cnn", choices=("cnn", "cell"))
    p.add_argument("--controller-epochs", type=int, default=None, help="default: the space's")
    p.add_argument("--samples-per-epoch", type=int, default=None, help="default: the space's")
    p.add_argument("--child-epochs", type=int, default=None, help="default: the space's")
    p.add_argument("--max-layers", type=int, default=None, help="default: nas search's")
    p.add_argument("--ensemble", type=int, default=None, help="default: the space's")
    p.add_argument("--time-budget", default=None,
                   help="as nas search's (default: the space's; none: no limit)")
    p.add_argument("--max-macs", default=None,
                   help="as nas search's (default: the space's; none: no limit)")
    p.add_argument("--seeds", type=int, nargs="+", default=REPORT_SEEDS)
    return p.parse_args()


def search_config(args: argparse.Namespace, seed: int, logs: str):
    """The SearchConfig `nas search` would make from these options."""
    from mlpnas.config import SearchConfig
    from mlpnas.spaces import with_space_defaults

    from mlpnas.search.budget import parse_duration
    from mlpnas.strategies.objectives import parse_max_macs

    given = {"controller_epochs": args.controller_epochs, "max_layers": args.max_layers,
             "samples_per_epoch": args.samples_per_epoch, "child_epochs": args.child_epochs,
             "time_budget": args.time_budget, "max_macs": args.max_macs}
    given = {k: v for k, v in given.items() if v is not None}
    if "time_budget" in given:
        text = given["time_budget"]
        given["time_budget"] = None if text.lower() == "none" else parse_duration(text)
    if "max_macs" in given:
        given["max_macs"] = parse_max_macs(given["max_macs"])
    defaults = SearchConfig()
    options = {"dataset": "digits" if args.digits else args.data, "space": args.space,
               "subset": None if args.digits else args.subset, "seed": seed, "logs_dir": logs,
               "one_shot": defaults.one_shot, "controller_epochs": defaults.controller_epochs,
               "samples_per_epoch": defaults.samples_per_epoch,
               "child_epochs": defaults.child_epochs, "time_budget": None, "max_macs": None,
               **given}
    return SearchConfig.from_options(with_space_defaults(options, set(given)))


def one_seed(args: argparse.Namespace, seed: int) -> dict:
    """Search, export and the textbook CNN for one seed."""
    from mlpnas.data import load_search_dataset
    from mlpnas.export import export_model
    from mlpnas.search.loop import MLPNAS
    from mlpnas.training.trainer import accuracy

    logs = tempfile.mkdtemp(prefix="fashion_cnn_")
    config = search_config(args, seed, logs)
    data = load_search_dataset(config)
    start = time.perf_counter()
    result = MLPNAS(config, dataset=data, progress=lambda line: print(line, flush=True)).search()
    search_s = time.perf_counter() - start
    start = time.perf_counter()
    exported = export_model(logs, None, Path(logs) / "winner.keras", ensemble=args.ensemble)
    export_s = time.perf_counter() - start
    epochs = max(m["epochs"] for m in exported.members)
    x = np.concatenate([data.x_train, data.x_val])
    y = np.concatenate([data.y_train, data.y_val])
    model = textbook_cnn(data.input_shape, data.n_classes, seed)
    textbook_s = keras_fit(model, x, y, epochs)
    from mlpnas.training.tf_setup import import_tf

    _, keras = import_tf()
    winner = keras.saving.load_model(exported.path, compile=False)  # loads without nas
    from mlpnas.storage.events import load_event

    entries = load_event(logs).entries
    skipped = sum(bool(e.meta.get("over_limit")) for e in entries)
    return {"seed": seed, "children": len(entries) - skipped, "skipped": skipped,
            "search_s": search_s, "export_s": export_s, "search_val": result.best_val_accuracy,
            "epochs": epochs, "members": len(exported.members),
            "nas": exported.test_accuracy, "nas_params": winner.count_params(),
            "textbook": accuracy(model, data.x_test, data.y_test),
            "textbook_params": model.count_params(), "textbook_s": textbook_s,
            "description": exported.description, "train": len(y), "test": len(data.y_test)}


def main() -> None:
    args = parse_args()
    if not args.digits and not Path(args.data).is_dir():
        sys.exit(f"no Fashion-MNIST at {args.data}: apt-get install dataset-fashion-mnist")
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} cpus",
          flush=True)
    rows = []
    for seed in args.seeds:
        rows.append(one_seed(args, seed))
        r = rows[-1]
        print(f"seed {seed}: nas {r['nas']:.4f} ({r['members']} model(s), {r['nas_params']} "
              f"params; search {r['children']} children ({r['skipped']} over --max-macs) "
              f"{r['search_s']:.0f} s, best val "
              f"{r['search_val']:.4f}, export "
              f"{r['export_s']:.0f} s)  textbook {r['textbook']:.4f} ({r['textbook_params']} "
              f"params, {r['textbook_s']:.0f} s)  {r['epochs']} epochs on {r['train']} images, "
              f"{r['test']} test images; winner: {r['description']}", flush=True)
    nas = float(np.median([r["nas"] for r in rows]))
    textbook = float(np.median([r["textbook"] for r in rows]))
    print(f"\n=== {args.space} space, {'digits' if args.digits else f'{args.subset} images'}, "
          f"seeds {args.seeds} ===")
    print(f"median test accuracy: nas export {nas:.4f}  textbook model.fit {textbook:.4f}  "
          f"difference {100 * (nas - textbook):+.1f} points")
    print(f"median search wall time: {np.median([r['search_s'] for r in rows]):.0f} s; "
          f"load after: {os.getloadavg()[0]:.2f} (1-min average, shared machine)")
    print(f"ratio nas / textbook (median test accuracy): {nas / textbook:.3f}")


if __name__ == "__main__":
    main()
