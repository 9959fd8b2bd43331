"""Tiny end-to-end CNN and cell searches: the CLI, the logs, and the read path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlpnas.storage.events import load_event

ROOT = Path(__file__).resolve().parents[2]
FASHION = Path("/usr/share/datasets/fashion-mnist")
TINY = ["--controller-epochs", "1", "--samples-per-epoch", "2", "--child-epochs", "1"]


def run_search(runner, logs: Path, *args: str):
    from cli import main

    result = runner.invoke(main, ["search", *args, *TINY, "--logs-dir", str(logs)])
    assert result.exit_code == 0, (result.output, result.exception)
    return load_event(logs)


@pytest.mark.slow
def test_cnn_search_logs_readable_layer_descriptions(runner, tmp_path):
    import CONSTANTS as C
    from cli import main

    event = run_search(runner, tmp_path, "--space", "cnn", "--dataset", "digits",
                       "--subset", "150", "--max-layers", "2", "--augment")
    assert event.config["space"] == "cnn" and len(event.entries) == 2
    for entry in event.entries:
        assert not entry.failed, entry.meta.get("error")
        assert entry.meta["description"].startswith("conv")
        assert isinstance(entry.meta["inherited_layers"], int)
    top = runner.invoke(main, ["top-n", "2", "--logs-dir", str(tmp_path)])
    assert top.exit_code == 0
    assert all(e.meta["description"] in top.output for e in event.entries)
    plot = runner.invoke(main, ["plot-accuracy", "--logs-dir", str(tmp_path)])
    assert plot.exit_code == 0 and Path(plot.output.strip()).exists()
    out = tmp_path / "cnn.keras"
    export = runner.invoke(main, ["export", "--logs-dir", str(tmp_path), "--epochs", "1",
                                  "--ensemble", "1", "--output", str(out)])
    assert export.exit_code == 0, (export.output, export.exception)
    assert out.exists() and "conv" in export.output
    assert f"held out), {C.IMAGE_EXPORT_SCHEDULE} learning rate" in export.output
    check_image_predictions(runner, out, tmp_path)


@pytest.mark.slow
def test_image_searches_limit_multiply_adds_and_time_by_default(runner, tmp_path):
    import CONSTANTS as C
    from cli import main

    event = run_search(runner, tmp_path, "--space", "cnn", "--dataset", "digits",
                       "--subset", "150", "--max-layers", "2")
    limit = 8 * 8 * C.IMAGE_MACS_PER_PIXEL  # --max-macs auto on 8 x 8 images
    assert event.config["config"]["max_macs"] == limit
    assert event.config["config"]["time_budget"] == C.IMAGE_TIME_BUDGET
    for entry in event.entries:
        assert entry.meta["macs"] > 0
        assert bool(entry.meta.get("over_limit")) == (entry.meta["macs"] > limit)
    unlimited = run_search(runner, tmp_path / "none", "--space", "cnn", "--dataset", "digits",
                           "--subset", "150", "--max-layers", "2", "--max-macs", "none",
                           "--time-budget", "none")
    assert unlimited.config["config"]["max_macs"] is None
    assert unlimited.config["config"]["time_budget"] is None
    bad = runner.invoke(main, ["search", "--space", "cnn", "--max-macs", "lots"])
    assert bad.exit_code == 2 and "Invalid value for '--max-macs'" in bad.output
    assert "Traceback" not in bad.output


def check_image_predictions(runner, model: Path, tmp_path: Path) -> None:
    """`nas predict` on an image model: a folder of images, an IDX file; a CSV is refused."""
    import gzip

    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    from cli import main

    digits = load_digits()
    pixels = (digits.images[:3] * 255 / 16).astype("uint8")
    folder = tmp_path / "new" / "some-class"
    folder.mkdir(parents=True)
    for i, image in enumerate(pixels):
        Image.fromarray(image).save(folder / f"d{i}.png")
    idx = tmp_path / "new-images-idx3-ubyte.gz"
    idx.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + np.array([3, 8, 8], ">u4").tobytes()
                                  + pixels.tobytes()))
    for data, first in ((tmp_path / "new", "file"), (idx, "index")):
        result = runner.invoke(main, ["predict", "--model", str(model), "--data", str(data)])
        assert result.exit_code == 0, (result.output, result.exception)
        lines = result.output.strip().splitlines()
        assert lines[0] == f"{first},predicted_label" and len(lines) == 4
        assert all(line.split(",")[1] in digits.target_names.astype(str) for line in lines[1:])
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n")
    refused = runner.invoke(main, ["predict", "--model", str(model), "--data",
                                   str(tmp_path / "rows.csv")])
    assert refused.exit_code == 1 and "this model reads images: pass a folder of images" in \
        refused.stderr and len(refused.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_cell_search_prints_nas_bench_201_strings_without_tensorflow(runner, tmp_path):
    event = run_search(runner, tmp_path, "--space", "cell", "--dataset", "digits",
                       "--subset", "100")
    assert all(e.meta["description"].startswith("|") for e in event.entries)
    code = ("import sys; from cli import main\n"
            f"try: main(['top-n', '2', '--logs-dir', {str(tmp_path)!r}])\n"
            "except SystemExit: pass\n"
            "assert 'tensorflow' not in sys.modules, 'top-n imported TensorFlow'")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert all(e.meta["description"] in done.stdout for e in event.entries)


@pytest.mark.slow
def test_tiny_cnn_search_on_a_fashion_mnist_subset(runner, tmp_path):
    if not (FASHION / "train-labels-idx1-ubyte.gz").exists():
        pytest.skip(f"{FASHION} absent (apt-get install dataset-fashion-mnist)")
    event = run_search(runner, tmp_path, "--space", "cnn", "--dataset", str(FASHION),
                       "--subset", "100", "--max-layers", "2")
    assert event.config["dataset"]["input_shape"] == [28, 28, 1]
    assert event.config["dataset"]["classes"][0] == "T-shirt/top"
    assert all(not e.failed and 0.0 <= e.val_accuracy <= 1.0 for e in event.entries)
