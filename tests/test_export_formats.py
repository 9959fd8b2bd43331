"""`nas export --format`: each deployment file reloads in a fresh process that imports only
TensorFlow (and onnxruntime for ONNX), without nas or custom objects, and predicts as the
Keras model does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlpnas.errors import NasError
from mlpnas.export_formats import check_formats, format_path

LOAD = """
import json, sys
import numpy as np
import tensorflow as tf
folder, formats = sys.argv[1], json.loads(sys.argv[2])
x = np.load(folder + "/x.npy")
out = {}
if "savedmodel" in formats:
    loaded = tf.saved_model.load(folder + "/m_savedmodel")  # kept: it owns the variables
    out["savedmodel"] = loaded.serve(x).numpy().tolist()
if "tflite" in formats:
    lite = tf.lite.Interpreter(model_path=folder + "/m.tflite")
    index = lite.get_input_details()[0]["index"]
    lite.resize_tensor_input(index, x.shape)
    lite.allocate_tensors()
    lite.set_tensor(index, x)
    lite.invoke()
    out["tflite"] = lite.get_tensor(lite.get_output_details()[0]["index"]).tolist()
if "onnx" in formats:
    import onnxruntime
    session = onnxruntime.InferenceSession(folder + "/m.onnx")
    out["onnx"] = session.run(None, {session.get_inputs()[0].name: x})[0].tolist()
out["nas_loaded"] = any(m.split(".")[0] in ("mlpnas", "cli") for m in sys.modules)
print(json.dumps(out))
"""


def test_formats_are_checked_and_named_after_the_keras_file():
    assert check_formats(["tflite", "savedmodel", "tflite"]) == ["keras", "savedmodel", "tflite"]
    with pytest.raises(NasError, match="unknown export format 'pt'"):
        check_formats(["pt"])
    assert format_path(Path("out/m.keras"), "savedmodel") == Path("out/m_savedmodel")
    assert format_path(Path("out/m.keras"), "tflite") == Path("out/m.tflite")


@pytest.mark.slow
def test_every_format_round_trips_in_a_fresh_tensorflow_process(tmp_path):
    pytest.importorskip("tensorflow")
    from mlpnas.export_formats import save_formats
    from mlpnas.spaces.mlp import MLPSpace
    from mlpnas.training.mlp import build_mlp

    formats = ["savedmodel", "tflite"]
    try:
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
        formats.append("onnx")
    except ImportError:
        pass
    model = build_mlp(MLPSpace(), [19, 29, 10, 30], 7, 3).model  # dense, dropout, dense
    x = np.random.default_rng(0).normal(size=(6, 7)).astype("float32")
    expected = np.asarray(model(x, training=False))
    np.save(tmp_path / "x.npy", x)
    written = save_formats(model, tmp_path / "m.keras", formats)
    assert [p.name for p in written] == ["m_savedmodel", "m.tflite", "m.onnx"][:len(formats)]
    run = subprocess.run([sys.executable, "-c", LOAD, str(tmp_path), json.dumps(formats)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out.pop("nas_loaded") is False
    assert sorted(out) == sorted(formats)
    for fmt, predicted in out.items():
        np.testing.assert_allclose(predicted, expected, atol=1e-5, err_msg=fmt)
