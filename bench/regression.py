"""Test RMSE and R^2 of `nas` on regression targets beside gradient boosting and ridge.

Per data set and seed: one 80/20 split, stratified on quintiles of the target. The default
`nas search` (tabular space) runs on the 80% file, then `nas export`, then `nas predict` on
the 20% file (read once). On the same split: scikit-learn's
HistGradientBoostingRegressor with its defaults, and RidgeCV (alphas 1e-3..1e3) on
standardized features.

Data sets: scikit-learn's diabetes (442 rows), Friedman #1 (make_friedman1, 1000 rows,
noise 1, a fixed draw), and the wine-quality file with `--label quality --task regression`
(the index and quality_label columns dropped). Prints one row per (data set, seed), the
means per data set with whether nas beats ridge, the wall times, and, last, the mean R^2
difference nas - HGB over every row.

    python bench/regression.py [--datasets diabetes,friedman1,wine-quality] [--seeds 1,2,3]
                               [--controller-epochs N] [--samples-per-epoch N]
                               [--child-epochs N] [--json results.json]

The search budget flags are passed to `nas search` when given (default: the tabular
space's own defaults). Seeds 1, 2, 3 are the report seeds; nothing was tuned on them.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tabular_quality import _cli  # noqa: E402

WINE_QUALITY = ROOT.parent / "shared" / "datasets" / "wine-quality.csv"
DATASETS = ("diabetes", "friedman1", "wine-quality")
TASK_ARGS = {"wine-quality": ["--task", "regression"]}


def load_frame(name: str, wine_quality: Path) -> tuple[pd.DataFrame, str]:
    """The whole data set as a frame and its numeric label column."""
    if name == "wine-quality":
        frame = pd.read_csv(wine_quality)
        return frame.drop(columns=[frame.columns[0], "quality_label"]), "quality"
    from sklearn import datasets

    if name == "diabetes":
        return datasets.load_diabetes(as_frame=True).frame, "target"
    x, y = datasets.make_friedman1(n_samples=1000, noise=1.0, random_state=12345)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    frame["y"] = y
    return frame, "y"


def split(frame: pd.DataFrame, label: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One 80/20 split, stratified on quintiles of the target."""
    from sklearn.model_selection import train_test_split

    bins = pd.qcut(frame[label].rank(method="first"), 5, labels=False)
    return train_test_split(frame, test_size=0.2, stratify=bins, random_state=seed)


def scores(predicted: np.ndarray, actual: np.ndarray) -> dict:
    """Test RMSE and R^2."""
    from sklearn.metrics import mean_squared_error, r2_score

    return {"rmse": float(np.sqrt(mean_squared_error(actual, predicted))),
            "r2": float(r2_score(actual, predicted))}


def run_nas(train_file: Path, test: pd.DataFrame, label: str, seed: int, work: Path,
            search_args: list[str]) -> dict:
    """Default search on the train file, export, predict the test rows."""
    logs = work / "logs"
    _, search_s = _cli(["search", "--dataset", str(train_file), "--label", label, "--seed",
                        str(seed), "--logs-dir", str(logs)] + search_args, work)
    model = work / "model.keras"
    _, export_s = _cli(["export", "--logs-dir", str(logs), "--output", str(model)], work)
    test_file = work / "test.csv"
    test.drop(columns=[label]).to_csv(test_file, index=False)
    out, _ = _cli(["predict", "--model", str(model), "--data", str(test_file)], work)
    predicted = pd.read_csv(io.StringIO(out))[f"predicted_{label}"].to_numpy(float)
    return {**{f"nas_{k}": v for k, v in scores(predicted, test[label].to_numpy(float)).items()},
            "nas_search_s": search_s, "nas_export_s": export_s}


def run_sklearn(train: pd.DataFrame, test: pd.DataFrame, label: str, seed: int) -> dict:
    """HistGradientBoostingRegressor (defaults) and RidgeCV on standardized features."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    x, y = train.drop(columns=[label]).to_numpy(float), train[label].to_numpy(float)
    xt, yt = test.drop(columns=[label]).to_numpy(float), test[label].to_numpy(float)
    out = {}
    for name, model in (("hgb", HistGradientBoostingRegressor(random_state=seed)),
                        ("ridge", make_pipeline(StandardScaler(),
                                                RidgeCV(alphas=np.logspace(-3, 3, 13))))):
        with threadpool_limits(1):  # OpenMP threads spin on a busy shared machine
            found = scores(model.fit(x, y).predict(xt), yt)
        out.update({f"{name}_{k}": v for k, v in found.items()})
    return out


def run_one(name: str, seed: int, search_args: list[str], wine_quality: Path) -> dict:
    """Every model on one split of one data set."""
    frame, label = load_frame(name, wine_quality)
    train, test = split(frame, label, seed)
    row = {"dataset": name, "seed": seed, "train_rows": len(train), "test_rows": len(test)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        train_file = work / f"{name}.csv"
        train.to_csv(train_file, index=False)
        row.update(run_nas(train_file, test, label, seed, work,
                           search_args + TASK_ARGS.get(name, [])))
    row.update(run_sklearn(train, test, label, seed))
    return row


def print_table(rows: list[dict]) -> None:
    """One line per row, per-data-set means, then the mean R^2 difference nas - HGB."""
    print(f"{'dataset':<13} {'seed':>4}  {'nas RMSE':>9} {'nas R2':>7}  {'HGB RMSE':>9} "
          f"{'HGB R2':>7}  {'ridge RMSE':>10} {'ridge R2':>8}  {'search s':>8} {'export s':>8}")
    for r in rows:
        print(f"{r['dataset']:<13} {r['seed']:>4}  {r['nas_rmse']:>9.4g} {r['nas_r2']:>7.4f}  "
              f"{r['hgb_rmse']:>9.4g} {r['hgb_r2']:>7.4f}  {r['ridge_rmse']:>10.4g} "
              f"{r['ridge_r2']:>8.4f}  {r['nas_search_s']:>8.0f} {r['nas_export_s']:>8.0f}")
    frame = pd.DataFrame(rows)
    print("\nmeans per data set (R^2: nas / HGB / ridge; nas - HGB; nas >= ridge?)")
    for name, group in frame.groupby("dataset", sort=False):
        nas, hgb, ridge = group["nas_r2"].mean(), group["hgb_r2"].mean(), group["ridge_r2"].mean()
        print(f"  {name:<13} {nas:.4f} / {hgb:.4f} / {ridge:.4f}  {nas - hgb:+.4f}  "
              f"{'yes' if nas >= ridge else 'NO'}")
    diff = float((frame["nas_r2"] - frame["hgb_r2"]).mean())
    print(f"\nmean R^2 difference nas - HGB over {len(frame)} runs: {diff:+.4f}")


def main() -> None:
    """Parse the flags, run every (data set, seed), print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--controller-epochs", type=int, default=None)
    parser.add_argument("--samples-per-epoch", type=int, default=None)
    parser.add_argument("--child-epochs", type=int, default=None)
    parser.add_argument("--wine-quality", type=Path, default=WINE_QUALITY)
    parser.add_argument("--json", type=Path, default=None, help="Also write the rows here.")
    args = parser.parse_args()
    search_args = [arg for flag in ("controller_epochs", "samples_per_epoch", "child_epochs")
                   if getattr(args, flag) is not None
                   for arg in ("--" + flag.replace("_", "-"), str(getattr(args, flag)))]
    print(f"search: {' '.join(search_args) or 'tabular-space defaults'}", flush=True)
    rows = []
    for name in args.datasets.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            start = time.perf_counter()
            rows.append(run_one(name, seed, search_args, args.wine_quality))
            print(f"  done {name} seed {seed} in {time.perf_counter() - start:.0f} s", flush=True)
            if args.json:
                args.json.write_text(json.dumps(rows, indent=2))
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
