"""What the image export's learning-rate schedule, ensemble size and flip test-time
averaging are worth, measured on one default image search per seed.

Per seed: the default `nas search` of bench/fashion_cnn.py on the Fashion-MNIST subset (or
the built-in digits), kept in --work and reused. Then the members `nas export` would
choose (the best distinct architectures under the search's limits, member i with seed
`seed` + i) are retrained from scratch on train + validation for the best epoch their
search found, once at the constant learning rate they were searched with and once with a
cosine decay to zero over those epochs. Each trained model reads the test images once
(and once mirrored left to right); ensembles average the members' probabilities.
With --textbook, the textbook Keras CNN (bench/textbook.py) is trained beside them by
plain `model.fit` on the same train + validation images for as many epochs as the
longest member, as bench/fashion_cnn.py trains it. Prints one row per seed and, last,
each variant's mean test-accuracy difference from the constant-rate export of the given
number of members, with wins and losses.

    python bench/image_export_variants.py [--space cnn] [--seeds 0,1,2] [--work DIR]
    python bench/image_export_variants.py --digits --seeds 0,1,2
    python bench/image_export_variants.py --seeds 10,11,12 --textbook   # report seeds

Variants (K = --members, the image spaces' default ensemble):
  constant-top1, constant-topK   the export as `nas export` trains it (topK: the default)
  cosine-top1, cosine-topK       the same members with a cosine learning-rate decay
  constant-topK-flip, cosine-topK-flip
                                 members searched with flips also averaged over the
                                 mirrored test image
Seeds 0, 1, 2 are the tuning seeds of the image benches (bench/fashion_cnn.py reports on
10, 11, 12).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import fashion_cnn  # noqa: E402
from variant_summary import print_differences  # noqa: E402

SCHEDULES = ("constant", "cosine")


def variant_names(members: int) -> list[str]:
    return ["constant-top1", f"constant-top{members}", "cosine-top1", f"cosine-top{members}",
            f"constant-top{members}-flip", f"cosine-top{members}-flip"]


def search(args: argparse.Namespace, seed: int, logs: Path) -> float:
    """The default search of bench/fashion_cnn.py into `logs` unless it is there; seconds."""
    from mlpnas.data import load_search_dataset
    from mlpnas.search.loop import MLPNAS

    if (logs / "event1" / "nas_data.pkl").exists():
        return 0.0
    config = fashion_cnn.search_config(args, seed, str(logs))
    start = time.perf_counter()
    MLPNAS(config, dataset=load_search_dataset(config),
           progress=lambda line: print(line, flush=True)).search()
    return time.perf_counter() - start


def variant_accuracies(logs: Path, members: int,
                       textbook: bool = False) -> tuple[dict, list[dict]]:
    """Test accuracy of every variant on one search (and of the textbook CNN), and the
    members' descriptions."""
    from mlpnas.export import _members, _retrain, _search_config, _search_data, member_epochs
    from mlpnas.storage.events import load_event
    from mlpnas.training.trainer import predict

    event = load_event(logs, None)
    config = _search_config(event)
    data = _search_data(config, event)
    rows = _members(event, config.space, 1, members, False)
    mirrored = np.flip(data.x_test, axis=2)  # (n, height, width, channels)
    probs: dict = {s: [] for s in SCHEDULES}
    flipped: dict = {s: [] for s in SCHEDULES}
    for row in rows:
        epochs = member_epochs(config, row, None)
        for schedule in SCHEDULES:
            model = _retrain(config, row["tokens"], data, epochs, config.seed + row["member"],
                             schedule=schedule)
            p = np.asarray(predict(model, data.x_test))
            probs[schedule].append(p)
            flips = "augment flip" in row["description"]
            flipped[schedule].append((p + np.asarray(predict(model, mirrored))) / 2 if flips
                                     else p)

    def acc(ps: list) -> float:
        return float(np.mean(np.mean(ps, axis=0).argmax(axis=1) == data.y_test))

    k = len(rows)
    out = {}
    for schedule in SCHEDULES:
        out[f"{schedule}-top1"] = acc(probs[schedule][:1])
        out[f"{schedule}-top{members}"] = acc(probs[schedule][:k])
        out[f"{schedule}-top{members}-flip"] = acc(flipped[schedule][:k])
    described = [{"description": r["description"], "epochs": member_epochs(config, r, None)}
                 for r in rows]
    if textbook:
        from textbook import keras_fit, textbook_cnn
        from mlpnas.training.trainer import accuracy

        model = textbook_cnn(data.input_shape, data.n_classes, config.seed)
        keras_fit(model, np.concatenate([data.x_train, data.x_val]),
                  np.concatenate([data.y_train, data.y_val]),
                  max(m["epochs"] for m in described))
        out["textbook"] = accuracy(model, data.x_test, data.y_test)
    return out, described


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=fashion_cnn.FASHION, help="Fashion-MNIST IDX folder")
    parser.add_argument("--digits", action="store_true", help="the built-in 8x8 digits instead")
    parser.add_argument("--subset", type=int, default=3000, help="training images (Fashion-MNIST)")
    parser.add_argument("--space", default="cnn", choices=("cnn", "cell"))
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated search seeds")
    parser.add_argument("--members", type=int, default=None,
                        help="ensemble size K (default: the space's export default)")
    parser.add_argument("--work", default=None,
                        help="keep the searches here (reused when present); default: a "
                             "temporary folder")
    parser.add_argument("--textbook", action="store_true",
                        help="also train the textbook CNN with model.fit for as many epochs")
    parser.add_argument("--controller-epochs", type=int, default=None,
                        help="default: the space's")
    parser.add_argument("--samples-per-epoch", type=int, default=None,
                        help="default: the space's")
    parser.add_argument("--child-epochs", type=int, default=None, help="default: the space's")
    args = parser.parse_args()
    for name in ("max_layers", "ensemble", "time_budget", "max_macs"):
        setattr(args, name, None)  # the space's defaults (bench/fashion_cnn.py's options)
    if not args.digits and not Path(args.data).is_dir():
        sys.exit(f"no Fashion-MNIST at {args.data}: apt-get install dataset-fashion-mnist")
    from mlpnas.spaces import space_info

    members = args.members or space_info(args.space).export_ensemble
    seeds = [int(s) for s in args.seeds.split(",")]
    root = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="image_variants_"))
    variants = variant_names(members) + (["textbook"] if args.textbook else [])
    default = f"constant-top{members}"
    data_name = "digits" if args.digits else f"fashion{args.subset}"
    results = []
    lines = []
    for seed in seeds:
        logs = root / f"{data_name}-{args.space}-{seed}" / "logs"
        search_s = search(args, seed, logs)
        start = time.perf_counter()
        acc, described = variant_accuracies(logs, members, args.textbook)
        results.append(acc)
        lines.append(f"{seed:>4} " + " ".join(f"{acc[v]:>19.4f}" for v in variants)
                     + f"  {search_s:.0f} / {time.perf_counter() - start:.0f}")
        print(f"seed {seed}: members "
              + "; ".join(f"{m['description']} ({m['epochs']} epochs)" for m in described),
              flush=True)
        print(lines[-1], flush=True)
    print(f"\n=== {args.space} space, {data_name}, seeds {seeds} ===")
    print("seed " + " ".join(f"{v:>19}" for v in variants) + "  search / retrain s")
    print("\n".join(lines))
    print_differences(results, variants, default, "seeds")


if __name__ == "__main__":
    main()
