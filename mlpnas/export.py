"""Take a found architecture away: retrain it from scratch on train + validation, save it
with the preprocessing it needs (`nas export`), and label new rows with it (`nas predict`).

The saved file is an ordinary `.keras` zip (load it with `keras.saving.load_model`) with
one extra entry, nas_export.json: column order, encoders, imputation values, scaler,
label names (regression: the target's mean and standard deviation, so predictions come
back in the label's units), the architecture and where it came from. TensorFlow is
imported only by the functions that train or load a model.
"""

from __future__ import annotations

import json
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

import CONSTANTS as C
from mlpnas.analysis.summary import top_n
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import (DataNote, Dataset, DataWarning, Preprocessing,
                                  drop_index_column, read_csv)
from mlpnas.errors import NasError
from mlpnas.data import load_search_dataset
from mlpnas.storage import names
from mlpnas.storage.events import Event, load_event
from mlpnas.spaces import make_space, space_info

FORMAT = 1


@dataclass(frozen=True)
class ExportResult:
    """What `export_model` trained and wrote (an ensemble: the first member's architecture)."""

    path: Path
    description: str
    tokens: list
    epochs: int
    train_rows: int  # the tested model's: train + validation
    test_rows: int
    test_accuracy: float
    search_val_accuracy: float
    dataset: str = ""
    test_majority_rate: float | None = None  # always answering the commonest training class
    members: list = field(default_factory=list)  # one dict per model averaged
    formats: list = field(default_factory=list)  # paths of the extra formats written
    # Regression: test RMSE, MAE, R^2 of the model ("model") and of the training mean ("mean").
    test_metrics: dict | None = None
    saved_rows: int = 0  # rows the saved model trained on (all of them with all_rows)
    all_rows: bool = False  # the saved model: the tested members retrained on every row


def _search_config(event: Event) -> SearchConfig:
    if not event.config.get("config"):
        raise NasError(f"{event.path}: no {names.CONFIG_FILE}, so the data it was searched "
                       "on is unknown (a log written by another tool?); cannot retrain")
    return SearchConfig.from_dict(event.config["config"])


def _members(event: Event, space: str, rank: int, ensemble: int | None,
             same_architecture: bool) -> list[dict]:
    """The rank-th best architecture and the next distinct ones, `ensemble` in all (or the
    rank-th best `ensemble` times); each row gets the seed offset of its member.

    `ensemble` None: the space's default number, or fewer when fewer were found.
    """
    default = ensemble is None
    if default:
        ensemble = space_info(space).export_ensemble
    if ensemble < 1:
        raise NasError(f"--ensemble must be at least 1, got {ensemble}")
    rows = top_n(event, len(event.entries) or 1)
    if len(rows) < rank:
        raise NasError(f"--rank {rank}: {event.name} has only {len(rows)} trained children")
    if same_architecture:
        return [{**rows[rank - 1], "member": i} for i in range(ensemble)]
    distinct: dict = {}
    for row in rows[rank - 1:]:
        distinct.setdefault(tuple(row["tokens"]), row)
    chosen = list(distinct.values())[:ensemble]
    if len(chosen) < ensemble and not default:
        raise NasError(f"--ensemble {ensemble}: {event.name} has only {len(chosen)} distinct "
                       f"trained architectures from rank {rank} on (or use "
                       "--same-architecture)")
    return [{**row, "member": i} for i, row in enumerate(chosen)]


def _output_path(output: str | os.PathLike) -> Path:
    path = Path(output)
    if path.suffix != ".keras":
        raise NasError(f"--output must end in .keras (Keras' own format), got {path.name}")
    if not path.parent.is_dir():
        raise NasError(f"folder does not exist: {path.parent}")
    return path


def _search_data(config: SearchConfig, event: Event) -> Dataset:
    with warnings.catch_warnings():  # the search already showed the data's warnings
        warnings.simplefilter("ignore", DataWarning)
        data = load_search_dataset(config)  # images for the image spaces
    recorded = event.config.get("dataset", {}).get("fingerprint")
    if recorded and recorded != data.fingerprint:
        raise NasError(f"the data of {config.dataset} changed since {event.name} was searched "
                       f"(fingerprint {recorded} -> {data.fingerprint})")
    return data


def member_epochs(config: SearchConfig, row: dict, epochs: int | None) -> int:
    """Epochs to retrain a member: --epochs, else the best epoch its search found, else the
    search's --child-epochs."""
    return int(epochs or row.get("best_epoch") or config.child_epochs)


def export_model(logs_dir: str | os.PathLike, event: str | None, output: str | os.PathLike,
                 rank: int = C.EXPORT_RANK, epochs: int | None = None,
                 ensemble: int | None = None, same_architecture: bool = False,
                 formats: Sequence[str] = ("keras",),
                 all_rows: bool | None = None, schedule: str | None = None) -> ExportResult:
    """Retrain the rank-th best architecture (or an ensemble) of an event on train + val
    and test it once; save it (and its network in the other `formats`:
    mlpnas.export_formats), or with `all_rows` the same members retrained on every row
    (the test figure then estimates the saved model's). `ensemble`, `all_rows`,
    `schedule` (the learning-rate schedule, C.EXPORT_SCHEDULES) None: the search space's
    default. Children over a hard limit of the search are never chosen (they were not
    trained)."""
    from mlpnas.export_formats import check_formats, save_formats

    if schedule is not None and schedule not in C.EXPORT_SCHEDULES:
        raise NasError(f"unknown schedule {schedule!r}: choose from "
                       f"{', '.join(C.EXPORT_SCHEDULES)}")
    ev = load_event(logs_dir, event)
    config, path = _search_config(ev), _output_path(output)
    check_formats(formats)
    rows = _members(ev, config.space, rank, ensemble, same_architecture)
    data = _search_data(config, ev)
    if schedule is None:
        schedule = space_info(config.space).export_schedule
    members = [{"tokens": row["tokens"], "description": row["description"],
                "epochs": member_epochs(config, row, epochs), "seed": config.seed + row["member"],
                "schedule": schedule, "search_val_accuracy": row["val_accuracy"]}
               for row in rows]
    if all_rows is None:
        all_rows = space_info(config.space).export_all_rows
    model, test_acc, test_metrics = _retrain_all(config, members, data)
    if all_rows:
        model = _ensemble([_retrain(config, m["tokens"], data, m["epochs"], m["seed"], True,
                                    m["schedule"]) for m in members])
    model.save(path)
    extra = save_formats(model, path, formats)
    first = rows[0]
    meta = {"format": FORMAT, "event": str(ev.path), "rank": rank, "tokens": first["tokens"],
            "architecture": first["architecture"], "description": first["description"],
            "epochs": members[0]["epochs"], "members": members, "test_accuracy": test_acc,
            "all_rows": all_rows, "test_accuracy_of": "the members trained on train + validation",
            "search_val_accuracy": first["val_accuracy"], "class_names": list(data.class_names),
            "task": data.task, "test_metrics": test_metrics,
            "input_shape": list(data.input_shape),
            "preprocessing": data.preprocessing.to_dict() if data.preprocessing else None}
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(names.EXPORT_METADATA_FILE, json.dumps(meta, indent=2))
    tested_rows = len(data.y_train) + len(data.y_val)
    return ExportResult(path, first["description"], first["tokens"], members[0]["epochs"],
                        tested_rows, len(data.y_test), test_acc,
                        first["val_accuracy"], data.name, _test_majority_rate(data),
                        members, extra, test_metrics,
                        tested_rows + (len(data.y_test) if all_rows else 0), all_rows)


def _test_majority_rate(data: Dataset) -> float | None:
    """Test accuracy of the commonest training + validation class (None: regression)."""
    if data.task == "regression":
        return None
    top = np.bincount(np.concatenate([data.y_train, data.y_val])).argmax()
    return float(np.mean(data.y_test == top))


def _retrain_all(config: SearchConfig, members: list[dict],
                 data: Dataset) -> tuple[Any, float, dict | None]:
    """Every member retrained on train + val; one model (their outputs averaged); its test
    accuracy (or R^2), and for regression its test errors beside the training mean's."""
    from mlpnas.training.trainer import predict, score

    model = _ensemble([_retrain(config, m["tokens"], data, m["epochs"], m["seed"],
                                schedule=m["schedule"]) for m in members])
    if data.task != "regression":
        return model, score(model, data.x_test, data.y_test), None
    fitted = np.concatenate([data.y_train, data.y_val])
    found = {"model": data.regression_metrics(predict(model, data.x_test), data.y_test),
             "mean": data.regression_metrics(np.full(len(data.y_test), fitted.mean()),
                                             data.y_test)}
    return model, found["model"]["r2"], found


def _ensemble(models: list) -> Any:
    """The single model, or the average of several."""
    return models[0] if len(models) == 1 else average_models(models)


def average_models(models: list) -> Any:
    """One ordinary Keras model whose output is the mean of the members' outputs
    (probabilities, or regression predictions)."""
    from mlpnas.training.tf_setup import import_tf

    _, keras = import_tf()
    inputs = keras.Input(models[0].inputs[0].shape[1:], name="features")
    for i, member in enumerate(models):
        member.name = f"member_{i}"
    outputs = keras.layers.Average(name="mean_probability")([m(inputs) for m in models])
    return keras.Model(inputs, outputs, name="ensemble")


def _retrain(config: SearchConfig, tokens: list, data: Dataset, epochs: int, seed: int,
             all_rows: bool = False, schedule: str | None = None) -> Any:
    """A fresh model of `tokens` trained on train + val (+ test with `all_rows`) for
    `epochs` with its own training choices (the tabular space's) or the search's;
    `schedule` (constant, cosine) replaces its learning-rate schedule."""
    from mlpnas.training.child import build_model
    from mlpnas.training.tf_setup import seed_everything
    from mlpnas.training.trainer import ChildTrainingError, fit_evaluate

    seed_everything(seed)
    space = make_space(config.space, max_length=config.max_layers, dropout=config.dropout,
                       input_shape=data.input_shape)
    model = build_model(space, tokens, data, augment=config.augment).model
    parts = ("train", "val", "test") if all_rows else ("train", "val")
    x = np.concatenate([getattr(data, f"x_{part}") for part in parts])
    y = np.concatenate([getattr(data, f"y_{part}") for part in parts])
    options = {"batch_size": config.batch_size, "learning_rate": config.learning_rate,
               **space.training_options(tokens), "patience": 0}
    if schedule is not None:
        options["schedule"] = schedule
    try:  # no validation split is left: the per-epoch "validation" is the training data
        fit_evaluate(model, x, y, x, y, epochs, seed=seed, **options)
    except ChildTrainingError as exc:
        raise NasError(f"retraining failed: {exc}") from None
    return without_augmentation(model, lambda: build_model(space, tokens, data, "none").model)


def without_augmentation(model: Any, build_plain: Any) -> Any:
    """`model`, or the same trained weights in the model without its training-time image
    augmentation (which has no weights), so the saved file needs nothing of nas to load."""
    if "augment" not in [layer.name for layer in model.layers]:
        return model
    plain = build_plain()
    plain.set_weights(model.get_weights())
    return plain


# --- predict ---------------------------------------------------------------------------------

def read_export_metadata(path: str | os.PathLike) -> dict:
    """The nas_export.json of an exported model; a clear error for any other file."""
    path = Path(path)
    if not path.is_file():
        raise NasError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):
        raise NasError(f"{path} is not a .keras model file")
    try:
        with zipfile.ZipFile(path) as archive:
            if names.EXPORT_METADATA_FILE not in archive.namelist():
                raise NasError(f"{path} was not written by `nas export` (no "
                               f"{names.EXPORT_METADATA_FILE}): its preprocessing is unknown")
            meta = json.loads(archive.read(names.EXPORT_METADATA_FILE))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise NasError(f"cannot read {path}: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise NasError(f"{path}: {names.EXPORT_METADATA_FILE} is not from this version of nas")
    if not isinstance(meta.get("preprocessing"), dict):
        raise NasError(f"{path}: the model records no preprocessing, so its inputs are unknown")
    return meta


def reads_images(meta: dict) -> bool:
    """True for a model exported from an image search (cnn, cell)."""
    return meta["preprocessing"].get("kind") == "image"


def _load_model(path: Path):
    from mlpnas.training.tf_setup import import_tf

    _, keras = import_tf()
    try:  # safe_mode (the default) refuses to deserialise Python code (lambdas)
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001  any unreadable model is the user's file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise NasError(f"cannot load the model in {path}: {first}") from None


def model_inputs(meta: dict, frame: pd.DataFrame) -> np.ndarray:
    """Raw rows -> model inputs with the exported preprocessing (missing columns: an error).

    Columns read with a fallback (unseen categories, missing values) get a one-line note.
    """
    pre = Preprocessing.from_dict(meta["preprocessing"])
    frame = drop_index_column(frame)
    frame.columns = [str(c) for c in frame.columns]
    for note in pre.new_data_notes(frame):
        warnings.warn(note, DataNote, stacklevel=2)
    return pre.transform(frame)


def predict_inputs(model, meta: dict, x: np.ndarray, proba: bool = False) -> pd.DataFrame:
    """Predicted labels (and class probabilities) for preprocessed inputs; for a regression
    model, numbers in the label's units."""
    probs = np.concatenate([np.asarray(model(x[i:i + 4096], training=False))
                            for i in range(0, len(x), 4096)])
    names = list(meta["class_names"])
    pre = meta["preprocessing"]
    label = pre.get("label", "label")
    if pre.get("task") == "regression":
        values = probs[:, 0].astype("float64") * pre["target_std"] + pre["target_mean"]
        return pd.DataFrame({f"predicted_{label}": values})
    out = pd.DataFrame({f"predicted_{label}": [names[i] for i in probs.argmax(axis=1)]})
    if proba:
        for i, name in enumerate(names):
            out[f"p_{name}"] = probs[:, i]
    return out


def predict_file(model_path: str | os.PathLike, data_path: str | os.PathLike,
                 proba: bool = False) -> pd.DataFrame:
    """Predictions for new data with an exported model: the rows of a CSV for a tabular
    model; for an image model, images in a format `nas search` reads (rows named by file
    or index). The data is checked before TensorFlow loads."""
    meta = read_export_metadata(model_path)
    if proba and meta["preprocessing"].get("task") == "regression":
        raise NasError(f"--proba needs a classifier; {model_path} predicts numbers")
    data_path = Path(data_path)
    if not data_path.exists():
        raise NasError(f"data file not found: {data_path}")
    if reads_images(meta):
        from mlpnas.data.images import ImagePreprocessing, images_for_prediction

        ids, raw = images_for_prediction(data_path, meta["preprocessing"]["input_shape"])
        x = ImagePreprocessing(**meta["preprocessing"]).transform(raw)
    else:
        if data_path.is_dir():
            raise NasError(f"{data_path} is a folder; this model was trained on a table and "
                           "reads a CSV file")
        ids, x = None, model_inputs(meta, read_csv(data_path, min_columns=1))
    out = predict_inputs(_load_model(Path(model_path)), meta, x, proba)
    return out if ids is None else pd.concat([ids.reset_index(drop=True), out], axis=1)
