"""Take a found architecture away: retrain it from scratch on train + validation, save it
with the preprocessing it needs (`nas export`), and label new rows with it (`nas predict`).

The saved file is an ordinary `.keras` zip (load it with `keras.saving.load_model`) with
one extra entry, nas_export.json: column order, encoders, imputation values, scaler,
label names, the architecture and where it came from. TensorFlow is imported only by the
functions that train or load a model.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import CONSTANTS as C
from mlpnas.analysis.summary import top_n
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import Dataset, Preprocessing, drop_index_column, read_csv
from mlpnas.errors import NasError
from mlpnas.data import load_search_dataset
from mlpnas.storage import names
from mlpnas.storage.events import Event, load_event
from mlpnas.spaces import make_space

FORMAT = 1


@dataclass(frozen=True)
class ExportResult:
    """What `export_model` trained and wrote."""

    path: Path
    description: str
    tokens: list
    epochs: int
    train_rows: int
    test_rows: int
    test_accuracy: float
    search_val_accuracy: float


def _search_config(event: Event) -> SearchConfig:
    if not event.config.get("config"):
        raise NasError(f"{event.path}: no {names.CONFIG_FILE}, so the data it was searched "
                       "on is unknown (a log written by another tool?); cannot retrain")
    return SearchConfig.from_dict(event.config["config"])


def _chosen(event: Event, rank: int) -> dict:
    rows = top_n(event, rank)
    if len(rows) < rank:
        raise NasError(f"--rank {rank}: {event.name} has only {len(rows)} trained children")
    return rows[rank - 1]


def _output_path(output: str | os.PathLike) -> Path:
    path = Path(output)
    if path.suffix != ".keras":
        raise NasError(f"--output must end in .keras (Keras' own format), got {path.name}")
    if not path.parent.is_dir():
        raise NasError(f"folder does not exist: {path.parent}")
    return path


def _search_data(config: SearchConfig, event: Event) -> Dataset:
    data = load_search_dataset(config)  # images for the image spaces
    recorded = event.config.get("dataset", {}).get("fingerprint")
    if recorded and recorded != data.fingerprint:
        raise NasError(f"the data of {config.dataset} changed since {event.name} was searched "
                       f"(fingerprint {recorded} -> {data.fingerprint})")
    return data


def export_model(logs_dir: str | os.PathLike, event: str | None, output: str | os.PathLike,
                 rank: int = C.EXPORT_RANK, epochs: int | None = None) -> ExportResult:
    """Retrain the rank-th best architecture of an event on train + val; save it; test it."""
    ev = load_event(logs_dir, event)
    config, row, path = _search_config(ev), _chosen(ev, rank), _output_path(output)
    data = _search_data(config, ev)
    epochs = int(epochs or config.child_epochs)
    model, test_acc = _retrain(config, row["tokens"], data, epochs)
    model.save(path)
    meta = {"format": FORMAT, "event": str(ev.path), "rank": rank, "tokens": row["tokens"],
            "architecture": row["architecture"], "description": row["description"],
            "epochs": epochs, "test_accuracy": test_acc,
            "search_val_accuracy": row["val_accuracy"], "class_names": list(data.class_names),
            "input_shape": list(data.input_shape),
            "preprocessing": data.preprocessing.to_dict() if data.preprocessing else None}
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(names.EXPORT_METADATA_FILE, json.dumps(meta, indent=2))
    return ExportResult(path, row["description"], row["tokens"], epochs,
                        len(data.y_train) + len(data.y_val), len(data.y_test), test_acc,
                        row["val_accuracy"])


def _retrain(config: SearchConfig, tokens: list, data: Dataset, epochs: int) -> tuple[Any, float]:
    """A fresh model of `tokens` trained on train + val; its test accuracy (read once)."""
    from mlpnas.training.child import build_model
    from mlpnas.training.tf_setup import seed_everything
    from mlpnas.training.trainer import ChildTrainingError, accuracy, fit_evaluate

    seed_everything(config.seed)
    space = make_space(config.space, max_length=config.max_layers, dropout=config.dropout,
                       input_shape=data.input_shape)
    model = build_model(space, tokens, data).model
    x = np.concatenate([data.x_train, data.x_val])
    y = np.concatenate([data.y_train, data.y_val])
    try:  # no validation split is left: the per-epoch "validation" is the training data
        fit_evaluate(model, x, y, x, y, epochs, config.batch_size, config.learning_rate,
                     seed=config.seed)
    except ChildTrainingError as exc:
        raise NasError(f"retraining failed: {exc}") from None
    return model, accuracy(model, data.x_test, data.y_test)


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
    if not meta.get("preprocessing"):
        raise NasError(f"{path}: the model has no tabular preprocessing; predict reads CSVs")
    return meta


def _load_model(path: Path):
    from mlpnas.training.tf_setup import import_tf

    _, keras = import_tf()
    try:  # safe_mode (the default) refuses to deserialise Python code (lambdas)
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001  any unreadable model is the user's file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise NasError(f"cannot load the model in {path}: {first}") from None


def model_inputs(meta: dict, frame: pd.DataFrame) -> np.ndarray:
    """Raw rows -> model inputs with the exported preprocessing (missing columns: an error)."""
    pre = Preprocessing.from_dict(meta["preprocessing"])
    frame = drop_index_column(frame)
    frame.columns = [str(c) for c in frame.columns]
    return pre.transform(frame)


def predict_inputs(model, meta: dict, x: np.ndarray, proba: bool = False) -> pd.DataFrame:
    """Predicted labels (and class probabilities) for preprocessed inputs."""
    probs = np.concatenate([np.asarray(model(x[i:i + 4096], training=False))
                            for i in range(0, len(x), 4096)])
    names = list(meta["class_names"])
    label = meta["preprocessing"]["label"]
    out = pd.DataFrame({f"predicted_{label}": [names[i] for i in probs.argmax(axis=1)]})
    if proba:
        for i, name in enumerate(names):
            out[f"p_{name}"] = probs[:, i]
    return out


def predict_csv(model_path: str | os.PathLike, data_path: str | os.PathLike,
                proba: bool = False) -> pd.DataFrame:
    """Predictions for the rows of a CSV with an exported model (data checked first)."""
    meta = read_export_metadata(model_path)
    data_path = Path(data_path)
    if not data_path.is_file():
        raise NasError(f"data file not found: {data_path}")
    x = model_inputs(meta, read_csv(data_path, min_columns=1))
    return predict_inputs(_load_model(Path(model_path)), meta, x, proba)
