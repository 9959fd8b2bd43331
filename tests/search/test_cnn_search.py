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
                                  "--output", str(out)])
    assert export.exit_code == 0, (export.output, export.exception)
    assert out.exists() and "conv" in export.output


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
