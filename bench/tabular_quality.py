"""Held-out accuracy of `nas` on tabular data beside gradient boosting, a random forest and
KerasTuner.

Per data set and seed: one stratified 80/20 split. The default `nas search` runs on the
80% file, then `nas export`, then `nas predict` on the 20% file (read once); and a second
`nas export --no-all-rows` of the same search (the tested model, trained on the search's
train + validation rows of the 80% file, column `nas_tested`), predicted the same way. The
default export (column `nas`) saves its members retrained on the whole 80% file, as the
trees are. On the same
split: scikit-learn's HistGradientBoosting and RandomForest with their defaults, and
KerasTuner's RandomSearch over an MLP space of the same size (depth, widths, dropout,
learning rate, batch size, patience) with the same number of trials and epoch cap as the
search's children, on the same train/validation rows and preprocessing as `nas`.

Data sets: the wine-quality file (label quality_label; the index and `quality` dropped),
scikit-learn's breast-cancer, digits, wine and iris, and a synthetic set with
categorical columns and missing values. Prints one row per (data set, seed), the means,
the wall times and, last, the mean accuracy differences nas - HGB and nas_tested - HGB.

    python bench/tabular_quality.py [--datasets wine-quality,iris] [--seeds 1,2,3]
                                    [--quick] [--no-tuner] [--space mlp] [--no-tested]
                                    [--search-args '--numeric-encoding standard']
                                    [--json results.json]

Seeds 1, 2, 3 are the report seeds; seeds 0, 4, 5 were used while choosing the defaults.
--quick: a tiny search and tuner budget (a smoke test, not a measurement).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import CONSTANTS as C  # noqa: E402

WINE_QUALITY = ROOT.parent / "shared" / "datasets" / "wine-quality.csv"
DATASETS = ("wine-quality", "breast-cancer", "digits", "wine", "iris", "synthetic")
QUICK_SEARCH = ["--controller-epochs", "1", "--samples-per-epoch", "2", "--child-epochs", "15"]


def load_frame(name: str, wine_quality: Path) -> tuple[pd.DataFrame, str]:
    """The whole data set as a frame and its label column."""
    if name == "wine-quality":
        frame = pd.read_csv(wine_quality)
        return frame.drop(columns=[frame.columns[0], "quality"]), "quality_label"
    if name == "synthetic":
        return synthetic_frame(), "label"
    from sklearn import datasets

    loader = {"breast-cancer": datasets.load_breast_cancer, "digits": datasets.load_digits,
              "wine": datasets.load_wine, "iris": datasets.load_iris}[name]
    bunch = loader(as_frame=True)
    frame = bunch.frame.rename(columns={"target": "label"})
    frame.columns = [str(c) for c in frame.columns]
    return frame, "label"


def synthetic_frame(n: int = 2000, seed: int = 12345) -> pd.DataFrame:
    """Numeric and categorical columns, about 10% missing values, a nonlinear 3-class label."""
    rng = np.random.default_rng(seed)
    num = rng.normal(size=(n, 6))
    color = rng.choice(["red", "green", "blue", "grey"], size=n)
    shape = rng.choice(["round", "square", "flat"], size=n, p=[0.5, 0.3, 0.2])
    bonus = pd.Series(color).map({"red": 1.0, "green": -0.5, "blue": 0.0, "grey": 0.5}).to_numpy()
    score = (num[:, 0] * num[:, 1] + np.sin(2 * num[:, 2]) + bonus
             + (shape == "square") * num[:, 3] + 0.3 * rng.normal(size=n))
    label = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    frame = pd.DataFrame(num, columns=[f"x{i}" for i in range(6)])
    frame["color"], frame["shape"] = color, shape
    for col in ("x0", "x2", "color"):
        frame.loc[rng.random(n) < 0.1, col] = np.nan
    frame["label"] = np.array(["low", "mid", "high"])[label]
    return frame


def split(frame: pd.DataFrame, label: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One stratified 80/20 split."""
    from sklearn.model_selection import train_test_split

    return train_test_split(frame, test_size=0.2, stratify=frame[label], random_state=seed)


def _cli(args: list[str], cwd: Path) -> tuple[str, float]:
    """Run `nas ARGS` (this checkout) in `cwd`; stdout and wall seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"nas {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return proc.stdout, time.perf_counter() - start


def run_nas(train: Path, test: pd.DataFrame, label: str, seed: int, work: Path,
            quick: bool, space: str | None = None, search_args: tuple = (),
            tested: bool = True) -> dict:
    """Default search on the train file; `nas export` (saved: every row of the train file)
    and, with `tested`, `nas export --no-all-rows` (train + validation of the search);
    each predicts the test rows once. Accuracies and wall times."""
    logs = work / "logs"
    _, search_s = _cli(["search", "--dataset", str(train), "--label", label, "--seed",
                        str(seed), "--logs-dir", str(logs)] + (QUICK_SEARCH if quick else [])
                       + (["--space", space] if space else []) + list(search_args), work)
    test_file = work / "test.csv"
    test.drop(columns=[label]).to_csv(test_file, index=False)
    row = {"nas_search_s": search_s}
    for key, extra in (("nas", []), ("nas_tested", ["--no-all-rows"]))[:2 if tested else 1]:
        model = work / f"{key}.keras"
        _, row[f"{key}_export_s"] = _cli(["export", "--logs-dir", str(logs), "--output",
                                          str(model)] + extra, work)
        out, _ = _cli(["predict", "--model", str(model), "--data", str(test_file)], work)
        predicted = pd.read_csv(io.StringIO(out)).iloc[:, 0].astype(str).to_numpy()
        row[key] = float(np.mean(predicted == test[label].astype(str).to_numpy()))
    return row


def _encoded(train: pd.DataFrame, test: pd.DataFrame, label: str):
    """Ordinal codes for text columns (unknown -> NaN); NaN kept for the models that read it."""
    from sklearn.preprocessing import OrdinalEncoder

    x_train, x_test = train.drop(columns=[label]).copy(), test.drop(columns=[label]).copy()
    text = [c for c in x_train.columns if not pd.api.types.is_numeric_dtype(x_train[c])]
    if text:
        enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                             encoded_missing_value=np.nan)
        x_train[text] = enc.fit_transform(x_train[text].astype(object))
        x_test[text] = enc.transform(x_test[text].astype(object))
    return (x_train.to_numpy(float), train[label].astype(str).to_numpy(),
            x_test.to_numpy(float), test[label].astype(str).to_numpy())


def run_trees(train: pd.DataFrame, test: pd.DataFrame, label: str, seed: int) -> dict:
    """HistGradientBoosting and RandomForest with defaults (median imputation for the forest)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    x, y, xt, yt = _encoded(train, test, label)
    out = {}
    for name, model in (("hgb", HistGradientBoostingClassifier(random_state=seed)),
                        ("rf", make_pipeline(SimpleImputer(strategy="median"),
                                             RandomForestClassifier(random_state=seed)))):
        start = time.perf_counter()
        with threadpool_limits(1):  # OpenMP threads spin on a busy shared machine
            out[name] = float(np.mean(model.fit(x, y).predict(xt) == yt))
        out[f"{name}_s"] = time.perf_counter() - start
    return out


def _without_tensorboard() -> None:
    """KerasTuner imports tensorboard's hparams API in every trial, used only with a
    TensorBoard callback (none here); stand in for it when tensorboard is not installed
    (installing it would change what `tf.summary` is for the rest of the environment)."""
    import importlib.util
    import types

    if "tensorboard" in sys.modules or importlib.util.find_spec("tensorboard") is not None:
        return  # installed, or stood in for by an earlier data set
    for name in ("tensorboard", "tensorboard.plugins", "tensorboard.plugins.hparams",
                 "tensorboard.plugins.hparams.api"):
        sys.modules.setdefault(name, types.ModuleType(name))


def run_tuner(train_file: Path, test: pd.DataFrame, label: str, seed: int, work: Path,
              quick: bool) -> dict:
    """KerasTuner RandomSearch: as many trials as the search trains children, same epoch cap."""
    _without_tensorboard()
    import keras_tuner as kt

    from mlpnas.data.tabular import load_dataset
    from mlpnas.training.tf_setup import import_tf, seed_everything

    tf, keras = import_tf()
    seed_everything(seed)
    data = load_dataset(str(train_file), label, (), seed,
                        numeric_encoding=C.TABULAR_NUMERIC_ENCODING)
    trials = 2 if quick else C.TABULAR_CONTROLLER_EPOCHS * C.TABULAR_SAMPLES_PER_EPOCH
    epochs = 15 if quick else C.TABULAR_MAX_EPOCHS

    class MLP(kt.HyperModel):
        def build(self, hp):
            inputs = keras.Input((data.input_shape[0],))
            x = inputs
            for i in range(hp.Choice("depth", list(C.TABULAR_DEPTHS))):
                x = keras.layers.Dense(hp.Choice(f"units_{i}", list(C.TABULAR_UNITS)),
                                       activation="relu")(x)
                x = keras.layers.Dropout(hp.Choice(f"dropout_{i}", list(C.TABULAR_DROPOUTS)))(x)
            model = keras.Model(inputs, keras.layers.Dense(data.n_classes,
                                                           activation="softmax")(x))
            lr = hp.Choice("learning_rate", list(C.TABULAR_LEARNING_RATES))
            model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            return model

        def fit(self, hp, model, *args, **kwargs):
            stop = keras.callbacks.EarlyStopping(
                "val_accuracy", patience=hp.Choice("patience", list(C.TABULAR_PATIENCES)),
                restore_best_weights=True)
            kwargs["callbacks"] = [*kwargs.get("callbacks", []), stop]
            return model.fit(*args, batch_size=hp.Choice("batch_size",
                                                         list(C.TABULAR_BATCH_SIZES)), **kwargs)

    start = time.perf_counter()
    tuner = kt.RandomSearch(MLP(), objective="val_accuracy", max_trials=trials, seed=seed,
                            directory=str(work / "tuner"), project_name="mlp", overwrite=True)
    tuner.search(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                 epochs=epochs, verbose=0)
    model = tuner.get_best_models(1)[0]
    x_test = data.preprocessing.transform(test.drop(columns=[label]))
    names = np.array([str(c) for c in data.class_names])
    predicted = names[np.asarray(model.predict(x_test, verbose=0)).argmax(axis=1)]
    acc = float(np.mean(predicted == test[label].astype(str).to_numpy()))
    return {"kt": acc, "kt_s": time.perf_counter() - start}


def run_one(name: str, seed: int, args: argparse.Namespace) -> dict:
    """Every method on one split of one data set."""
    frame, label = load_frame(name, Path(args.wine_quality))
    train, test = split(frame, label, seed)
    row = {"dataset": name, "seed": seed, "train_rows": len(train), "test_rows": len(test)}
    with tempfile.TemporaryDirectory(prefix="tabular_quality_") as tmp:
        work = Path(tmp)
        train_file = work / "train.csv"
        train.to_csv(train_file, index=False)
        row.update(run_trees(train, test, label, seed))
        if not args.no_nas:
            row.update(run_nas(train_file, test, label, seed, work, args.quick, args.space,
                               tuple(args.search_args.split()), not args.no_tested))
        if not args.no_tuner:
            row.update(run_tuner(train_file, test, label, seed, work, args.quick))
    return row


def _cell(row: dict, key: str, fmt: str = ".3f") -> str:
    return format(row[key], fmt) if key in row else "-"


def print_table(rows: list[dict]) -> None:
    """Per split, per data set means, wall times, and the mean difference nas - HGB."""
    cols = [("nas", ".3f"), ("nas_tested", ".3f"), ("hgb", ".3f"), ("rf", ".3f"),
            ("kt", ".3f"), ("nas_search_s", ".0f"), ("nas_export_s", ".0f"),
            ("nas_tested_export_s", ".0f"),
            ("kt_s", ".0f")]
    print(f"{'dataset':14s} {'seed':>4s} " + " ".join(f"{c:>12s}" for c, _ in cols))
    for row in rows:
        print(f"{row['dataset']:14s} {row['seed']:4d} "
              + " ".join(f"{_cell(row, c, f):>12s}" for c, f in cols))
    print("\nmeans over seeds")
    names = list(dict.fromkeys(r["dataset"] for r in rows))
    for name in names + ["ALL"]:
        group = [r for r in rows if name in ("ALL", r["dataset"])]
        means = {c: np.mean([r[c] for r in group]) for c, _ in cols if all(c in r for r in group)}
        print(f"{name:14s} {'':4s} " + " ".join(f"{_cell(means, c, f):>12s}" for c, f in cols))
    for key in ("nas", "nas_tested"):
        paired = [r[key] - r["hgb"] for r in rows if key in r]
        if paired:
            tuner = [r[key] - r["kt"] for r in rows if key in r and "kt" in r]
            if tuner:
                print(f"mean accuracy difference {key} - KerasTuner: {np.mean(tuner):+.4f}")
            print(f"mean accuracy difference {key} - HGB: {np.mean(paired):+.4f}")


def main() -> None:
    """Parse the options, run every (data set, seed), print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help=f"comma-separated subset of {', '.join(DATASETS)}")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated split seeds")
    parser.add_argument("--quick", action="store_true", help="tiny budgets: a smoke test")
    parser.add_argument("--no-tuner", action="store_true", help="skip KerasTuner")
    parser.add_argument("--no-nas", action="store_true", help="skip nas (baselines only)")
    parser.add_argument("--space", default=None,
                        help="search this space instead of the default one")
    parser.add_argument("--search-args", default="",
                        help="extra `nas search` options, e.g. '--numeric-encoding standard'")
    parser.add_argument("--no-tested", action="store_true",
                        help="skip the second export (nas export --no-all-rows: column "
                             "nas_tested)")
    parser.add_argument("--wine-quality", default=str(WINE_QUALITY), help="wine-quality CSV")
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args()
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(DATASETS))
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {', '.join(DATASETS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for name in names:
        for seed in seeds:
            rows.append(run_one(name, seed, args))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps(rows, indent=1))
    print_table(rows)


if __name__ == "__main__":
    main()
