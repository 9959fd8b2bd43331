"""What the tabular export's ensemble size, member seeds and training length are worth,
measured on one search per (data set, seed).

Per data set and seed: the stratified 80/20 split of bench/tabular_quality.py and the
default `nas search` on the 80% file (or the search already in --work). Then the best
distinct architectures of that search are retrained as `nas export` retrains them (on
every row of the 80% file, for the best epoch their search found, member i with seed
`--seed` + i) and, for the variants, again with a second seed (`--seed` + 100 + i) and
for twice their epochs. The 20% file is read once per trained model; ensembles average
the members' probabilities. Prints one row per split and, last, each variant's mean
accuracy difference from the default export (the top 3), with wins and losses.

    python bench/tabular_export_variants.py [--datasets wine-quality,iris] [--seeds 0,4,5]
                                            [--work DIR] [--no-longer] [--quick]

Variants: top1, top3 (the default), top5, top7: the best K distinct architectures (all
of them when the search found fewer);
top3x2seeds, top5x2seeds: the same with a second seed of each; top3x2epochs: the top 3
trained for twice their epochs. Seeds 0, 4, 5 are the tuning seeds of the tabular bench.
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

import tabular_quality as tq  # noqa: E402
from variant_summary import print_differences  # noqa: E402

DEFAULT = "top3"
VARIANTS = ("top1", "top3", "top5", "top7", "top3x2seeds", "top5x2seeds", "top3x2epochs")
MAX_MEMBERS = 7


def split_search(name: str, seed: int, work: Path, wine_quality: Path, quick: bool = False):
    """The split's test rows and label, and the default search of its 80% file (run once;
    `quick`: the tiny budget of bench/tabular_quality.py --quick)."""
    frame, label = tq.load_frame(name, wine_quality)
    train, test = tq.split(frame, label, seed)
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    if not logs.exists():
        train_file = work / "train.csv"
        train.to_csv(train_file, index=False)
        tq._cli(["search", "--dataset", str(train_file), "--label", label, "--seed",
                 str(seed), "--logs-dir", str(logs)] + (tq.QUICK_SEARCH if quick else []), work)
    return test, label, logs


def variant_accuracies(logs: Path, test, label: str, longer: bool) -> dict:
    """Test accuracy of every variant on one search."""
    from mlpnas.analysis.summary import top_n
    from mlpnas.export import _search_config, _search_data, _retrain, member_epochs
    from mlpnas.storage.events import load_event

    event = load_event(logs, None)
    config = _search_config(event)
    data = _search_data(config, event)
    x_test = data.preprocessing.transform(test.drop(columns=[label]).reset_index(drop=True))
    y_test = test[label].astype(str).to_numpy()
    names = np.array(list(data.class_names))
    distinct: dict = {}
    for row in top_n(event, len(event.entries)):
        distinct.setdefault(tuple(row["tokens"]), row)
    rows = list(distinct.values())[:MAX_MEMBERS]

    def probs(row: dict, seed: int, factor: int = 1) -> np.ndarray:
        epochs = member_epochs(config, row, None) * factor
        model = _retrain(config, row["tokens"], data, epochs, seed, True)
        return np.asarray(model(x_test, training=False))

    first = [probs(row, config.seed + i) for i, row in enumerate(rows)]
    second = [probs(row, config.seed + 100 + i) for i, row in enumerate(rows[:5])]

    def acc(members: list) -> float:
        return float(np.mean(names[np.mean(members, axis=0).argmax(axis=1)] == y_test))

    out = {f"top{k}": acc(first[:k]) for k in (1, 3, 5, 7)}
    out["top3x2seeds"] = acc(first[:3] + second[:3])
    out["top5x2seeds"] = acc(first[:5] + second[:5])
    if longer:
        out["top3x2epochs"] = acc([probs(row, config.seed + i, 2)
                                   for i, row in enumerate(rows[:3])])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(tq.DATASETS),
                        help=f"comma-separated subset of {', '.join(tq.DATASETS)}")
    parser.add_argument("--seeds", default="0,4,5", help="comma-separated split seeds")
    parser.add_argument("--work", default=None,
                        help="keep the searches here (reused when present); default: a "
                             "temporary folder")
    parser.add_argument("--quick", action="store_true", help="tiny search budget: a smoke test")
    parser.add_argument("--no-longer", action="store_true",
                        help="skip the top3x2epochs variant")
    parser.add_argument("--wine-quality", default=str(tq.WINE_QUALITY), help="wine-quality CSV")
    args = parser.parse_args()
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(tq.DATASETS))
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {', '.join(tq.DATASETS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    root = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="export_variants_"))
    variants = [v for v in VARIANTS if not (args.no_longer and v == "top3x2epochs")]
    print(f"{'data set':14} {'seed':>4} " + " ".join(f"{v:>12}" for v in variants) + "  s")
    results = []
    for name in names:
        for seed in seeds:
            start = time.perf_counter()
            test, label, logs = split_search(name, seed, root / f"{name}-{seed}",
                                             Path(args.wine_quality), args.quick)
            acc = variant_accuracies(logs, test, label, not args.no_longer)
            results.append(acc)
            print(f"{name:14} {seed:>4} " + " ".join(f"{acc[v]:>12.4f}" for v in variants)
                  + f"  {time.perf_counter() - start:.0f}", flush=True)
    print_differences(results, variants, DEFAULT, "splits")


if __name__ == "__main__":
    main()
