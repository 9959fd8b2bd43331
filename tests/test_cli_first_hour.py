"""What a newcomer meets through the CLI: the shipped data, one-line actionable errors,
options that do not apply, which event a reader read, and output paths handled one way."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlpnas import storage
from mlpnas.storage import names
from tests.helpers import ROOT


def one_line_error(result, exit_code: int = 1) -> str:
    assert result.exit_code == exit_code, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error")]
    assert errors == lines[-1:] and "Traceback" not in result.stderr, result.stderr
    return errors[0]


def small_csv(path, n: int = 60) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    pd.DataFrame({"a": rng.normal(size=n) + y, "label": np.array(["p", "q"])[y]}).to_csv(
        path, index=False)


def test_wine_quality_ships_with_its_attribution():
    readme = (ROOT / "DATASETS" / "README.md").read_text()
    assert (ROOT / "DATASETS" / "wine-quality.csv").is_file()
    for needed in ("Cortez", "CC BY 4.0", "quality_label", "determines"):
        assert needed in readme
    import subprocess

    ignored = subprocess.run(["git", "check-ignore", "-q", "DATASETS/wine-quality.csv"],
                             cwd=ROOT)
    assert ignored.returncode == 1  # not ignored: it is committed


def test_image_space_on_a_csv_says_what_it_reads(data_only, tmp_path):
    small_csv(tmp_path / "t.csv")
    code, lines, _ = data_only(None, "--dataset", "t.csv", "--space", "cnn")
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith("Error: t.csv is not an image set: image spaces read an image "
                               "folder") and "leave out --space" in lines[0]


def test_image_folder_with_the_default_space_hints_space_cnn(data_only, tmp_path):
    (tmp_path / "pictures" / "cats").mkdir(parents=True)
    code, lines, _ = data_only(None, "--dataset", "pictures")
    assert code == 1 and lines == ["Error: pictures is a folder, not a CSV file (for a folder of "
                                   "images, add --space cnn or --space cell)"]


@pytest.mark.parametrize("args, named", [(["--subset", "10"], "--subset"),
                                         (["--augment"], "--augment"),
                                         (["--subset", "10", "--augment"], "--subset and --augment")])
def test_image_options_with_tabular_data_warn(data_only, tmp_path, args, named):
    small_csv(tmp_path / "t.csv")
    _, lines, data = data_only(None, "--dataset", "t.csv", *args)
    assert data is not None
    from CONSTANTS import DEFAULT_SPACE

    assert f"warning: {named} apply only to image spaces (--space cnn, cell); ignored for " \
           f"tabular data with --space {DEFAULT_SPACE}" in lines
    _, quiet, _ = data_only(None, "--dataset", "t.csv")
    assert not [line for line in quiet if "apply only" in line]


def test_ray_address_without_a_cluster_is_one_actionable_line(tmp_path, runner, monkeypatch):
    ray = pytest.importorskip("ray")
    import cli

    def no_cluster(**_):
        raise ConnectionError("Could not find any running Ray instance. Please specify the "
                              "one to connect to by setting `--address`.")

    monkeypatch.setattr(ray, "init", no_cluster)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    result = runner.invoke(cli.main, ["search", "--dataset", "iris", "--ray-address", "auto",
                                      "--controller-epochs", "1", "--samples-per-epoch", "1",
                                      "--logs-dir", str(tmp_path / "L")])
    line = one_line_error(result)
    assert line == ("Error: cannot join a Ray cluster at --ray-address auto: Could not find any "
                    "running Ray instance. Please specify the one to connect to by setting "
                    "`--address`. (start one with `ray start --head`, or leave out --ray-address)")
    assert not storage.event_dirs(tmp_path / "L")  # no failed event left behind


def write_event(root, number: int, entries=None, broken: bool = False,
                dataset: str = "wine-quality.csv"):
    path = root / f"event{number}"
    path.mkdir(parents=True)
    if broken:
        (path / names.LOG_FILE).write_bytes(b"\x80\x04garbage")
        return path
    if entries is None:
        entries = [[[9, 30], 0.61, None, {}], [[13, 29, 30], 0.72, None, {}]]
    storage.write_pickle_atomic(path / names.LOG_FILE, entries)
    storage.write_json_atomic(path / names.CONFIG_FILE, {
        "dataset": {"name": dataset, "majority_rate": 0.6286, "classes": ["a", "b", "c"]},
        "space": "mlp", "strategy": "rl"})
    return path


def test_top_n_names_its_event_and_skips_broken_newest_ones(tmp_path, runner):
    import cli

    write_event(tmp_path, 1)
    write_event(tmp_path, 2, entries=[])  # a search that failed before its first child
    write_event(tmp_path, 3, broken=True)
    result = runner.invoke(cli.main, ["top-n", "2", "--logs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    heading, first, second = result.stdout.strip().splitlines()
    assert heading == ("event1: wine-quality.csv, mlp space, rl; validation accuracy, "
                       "majority-class rate 0.6286")
    assert first.split()[:2] == ["1.", "0.7200"] and second.split()[:2] == ["2.", "0.6100"]
    note = result.stderr.strip().splitlines()
    assert len(note) == 1 and note[0].startswith("note: reading event1, the newest readable "
                                                 "event; skipped event3 (")
    assert "event2 (no children yet)" in note[0]
    named = runner.invoke(cli.main, ["top-n", "--logs-dir", str(tmp_path), "--event", "3"])
    assert "nas_data.pkl" in one_line_error(named)  # asked for by name: its own error
    as_json = runner.invoke(cli.main, ["top-n", "--logs-dir", str(tmp_path), "--json"])
    assert [r["val_accuracy"] for r in json.loads(as_json.stdout)] == [0.72, 0.61]


@pytest.mark.parametrize("command, suffix", [("plot-accuracy", ".png"), ("plot-distribution", ".png"),
                                             ("report", ".html")])
def test_output_paths_get_their_extension_and_a_missing_folder_is_refused(
        tmp_path, runner, command, suffix):
    import cli

    write_event(tmp_path / "L", 1)
    base = [command, "--logs-dir", str(tmp_path / "L"), "--output"]
    result = runner.invoke(cli.main, base + [str(tmp_path / "xnoext")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tmp_path / f"xnoext{suffix}")
    assert (tmp_path / f"xnoext{suffix}").is_file() and not (tmp_path / "xnoext").exists()
    missing = runner.invoke(cli.main, base + [str(tmp_path / "nodir" / f"x{suffix}")])
    assert "folder does not exist" in one_line_error(missing, 2)
    assert not (tmp_path / "nodir").exists()


def test_predict_refuses_a_missing_output_folder(tmp_path, runner):
    import cli

    (tmp_path / "m.keras").write_text("x")
    result = runner.invoke(cli.main, ["predict", "--model", str(tmp_path / "m.keras"), "--data",
                                      "x.csv", "--output", str(tmp_path / "no" / "p.csv")])
    assert "folder does not exist" in one_line_error(result, 2)


def test_compare_warns_when_events_searched_different_data(tmp_path, runner):
    import cli

    write_event(tmp_path, 1)
    write_event(tmp_path, 2, dataset="iris")
    args = ["compare", "1", "2", "--logs-dir", str(tmp_path)]
    result = runner.invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == ("warning: these events differ in dataset (iris, "
                                     "wine-quality.csv): their accuracies are not directly "
                                     "comparable")
    write_event(tmp_path, 3)
    same = runner.invoke(cli.main, ["compare", "1", "3", "--logs-dir", str(tmp_path)])
    assert same.exit_code == 0 and same.stderr == ""


@pytest.mark.parametrize("args, encoding", [
    ([], "piecewise"), (["--space", "mlp"], "standard"),
    (["--numeric-encoding", "standard"], "standard"),
    (["--space", "mlp", "--numeric-encoding", "piecewise"], "piecewise")])
def test_numeric_encoding_follows_the_space_unless_chosen(data_only, tmp_path, args, encoding):
    small_csv(tmp_path / "t.csv")
    code, lines, data = data_only(None, "--dataset", "t.csv", *args)
    assert data.preprocessing.numeric_encoding == encoding
    described = [line for line in lines if line.startswith("dataset t.csv")][0]
    if encoding == "piecewise":
        from mlpnas.data.tabular import piecewise_bins

        inputs = 1 + piecewise_bins(len(data.y_train))
        assert data.input_shape == (inputs,)
        assert (f"1 features ({inputs} inputs with the piecewise-linear encoding "
                "of 1 numeric ones)") in described
    else:
        assert data.input_shape == (1,) and "1 features, 2 classes" in described


def test_numeric_encoding_bad_value_and_image_spaces(data_only, tmp_path):
    small_csv(tmp_path / "t.csv")
    code, lines, _ = data_only(None, "--dataset", "t.csv", "--numeric-encoding", "bins")
    assert code == 2 and "Invalid value for '--numeric-encoding'" in lines[-1]
    _, lines, _ = data_only(None, "--dataset", "digits", "--space", "cnn",
                            "--numeric-encoding", "piecewise")
    assert ("warning: --numeric-encoding applies only to tabular data; ignored for "
            "--space cnn") in lines
