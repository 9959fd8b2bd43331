"""The network of an exported model in deployment formats, beside its `.keras` file.

    savedmodel  <name>_savedmodel/  a TensorFlow SavedModel (`tf.saved_model.load(path)`,
                                    then `.serve(x)`), written by Keras' `model.export`
    tflite      <name>.tflite       converted from that SavedModel by TensorFlow Lite
    onnx        <name>.onnx         converted by tf2onnx (the onnx extra) from the model's
                                    inference function

Each file holds the network alone, loads without custom objects or `nas`, and takes the
preprocessed inputs (float32, the model's input shape); the preprocessing stays in the
`.keras` file for `nas predict`. TensorFlow is imported only when a format is written.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Sequence

import CONSTANTS as C
from mlpnas.errors import NasError


def format_path(keras_path: Path, fmt: str) -> Path:
    """Where format `fmt` of the model saved at `keras_path` is written."""
    stem = keras_path.with_suffix("")
    return {"keras": keras_path, "savedmodel": Path(f"{stem}_savedmodel"),
            "tflite": stem.with_suffix(".tflite"), "onnx": stem.with_suffix(".onnx")}[fmt]


def check_formats(formats: Sequence[str]) -> list[str]:
    """The formats asked for, known ones only, each once, keras first (always written)."""
    unknown = [f for f in formats if f not in C.EXPORT_FORMATS]
    if unknown:
        raise NasError(f"unknown export format {unknown[0]!r}; choose from: "
                       f"{', '.join(C.EXPORT_FORMATS)}")
    return ["keras"] + [f for f in C.EXPORT_FORMATS if f in formats and f != "keras"]


def save_formats(model: Any, keras_path: Path, formats: Sequence[str]) -> list[Path]:
    """Write the extra formats of `model` (the .keras file is the caller's); their paths."""
    written = []
    for fmt in check_formats(formats)[1:]:
        path = format_path(keras_path, fmt)
        if fmt == "savedmodel":
            save_savedmodel(model, path)
        elif fmt == "tflite":
            save_tflite(model, path, format_path(keras_path, "savedmodel")
                        if "savedmodel" in formats else None)
        else:
            save_onnx(model, path)
        written.append(path)
    return written


def save_savedmodel(model: Any, path: Path) -> None:
    """A SavedModel whose `serve` function is the model in inference mode."""
    model.export(str(path), format="tf_saved_model", verbose=False)


def save_tflite(model: Any, path: Path, saved: Path | None = None) -> None:
    """A TensorFlow Lite flat buffer, converted from the SavedModel `saved` of the model
    (None: one written to a temporary folder)."""
    from mlpnas.training.tf_setup import import_tf

    tf, _ = import_tf()
    with tempfile.TemporaryDirectory() as folder:
        if saved is None:
            saved = Path(folder) / "saved"
            save_savedmodel(model, saved)
        path.write_bytes(tf.lite.TFLiteConverter.from_saved_model(str(saved)).convert())


def save_onnx(model: Any, path: Path) -> None:
    """An ONNX graph of the model in inference mode (needs tf2onnx: the onnx extra)."""
    from mlpnas.training.tf_setup import import_tf

    tf, _ = import_tf()
    try:
        import tf2onnx
    except ImportError:
        raise NasError("--format onnx needs tf2onnx: pip install 'nas[onnx]'") from None
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    spec = tf.TensorSpec((None, *shape), tf.float32, name="features")
    run = tf.function(lambda x: model(x, training=False), input_signature=[spec])
    tf2onnx.convert.from_function(run, input_signature=[spec], opset=C.ONNX_OPSET,
                                  output_path=str(path))
