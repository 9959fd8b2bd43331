"""nas export / nas predict: a retrained model that labels raw rows as the search's split did."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import _builtin_frame, load_dataset, stratified_split
from mlpnas.storage import names

pytest.importorskip("tensorflow")


def make_event(root, dataset="iris", fingerprint=None, with_config=True):
    """An event folder as a search leaves it: config.json and a log of two children."""
    path = root / "event1"
    path.mkdir(parents=True)
    storage.write_pickle_atomic(path / names.LOG_FILE, [[[9, 30], 0.9, None, {}],
                                                 [[13, 29, 30], 0.8, None, {}]])
    if with_config:
        config = SearchConfig(dataset=dataset, child_epochs=3, seed=1, logs_dir=str(root))
        summary = load_dataset("iris", seed=1).summary()
        summary["fingerprint"] = fingerprint or summary["fingerprint"]
        storage.write_json_atomic(path / names.CONFIG_FILE, {"config": config.to_dict(),
                                                      "dataset": summary})
    return root


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One real export (trains for 3 epochs) shared by the tests of this module."""
    from click.testing import CliRunner

    import cli

    root = make_event(tmp_path_factory.mktemp("exp") / "L")
    out = root.parent / "model.keras"
    result = CliRunner().invoke(cli.main, ["export", "--logs-dir", str(root), "--rank", "2",
                                           "--no-all-rows",  # predict reproduces the test
                                           "--output", str(out), "--format", "savedmodel"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_export_retrains_on_train_and_val_and_reports_test_accuracy(exported):
    out, text = exported
    assert ("retrained from scratch for 3 epochs on 126 rows of iris (train + validation: the "
            "same split as the search, test held out)") in text
    assert "(24 rows; majority-class rate 0.3333): the retrained model" in text and "[(64, 'sigmoid'), 'dropout', (3, 'softmax')]" in text
    with zipfile.ZipFile(out) as archive:
        meta = __import__("json").loads(archive.read(names.EXPORT_METADATA_FILE))
    assert meta["tokens"] == [13, 29, 30] and meta["rank"] == 2
    assert meta["preprocessing"]["feature_columns"][0] == "sepal length (cm)"
    import keras

    model = keras.saving.load_model(out)  # an ordinary .keras file
    assert model.output_shape == (None, 3)
    saved = out.parent / "model_savedmodel"  # --format savedmodel: the same network
    assert f"saved: {saved} (the network alone" in text
    import tensorflow as tf

    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    loaded = tf.saved_model.load(str(saved))
    np.testing.assert_allclose(loaded.serve(x).numpy(), model(x), atol=1e-6)


def test_predict_on_raw_test_rows_reproduces_the_reported_accuracy(exported, tmp_path, runner):
    import cli

    out, text = exported
    reported = float(text.split("test accuracy: ")[1].split()[0])
    frame = _builtin_frame("iris")
    names = sorted(frame["label"].unique())
    _, _, test = stratified_split(frame["label"].map(names.index).to_numpy(), seed=1)
    rows = frame.iloc[test].sample(frac=1.0, random_state=0)  # order must not matter
    shuffled = rows[list(reversed(rows.columns))]  # nor column order; label column ignored
    shuffled.to_csv(tmp_path / "new.csv", index=False)
    result = runner.invoke(cli.main, ["predict", "--model", str(out), "--data",
                                      str(tmp_path / "new.csv"), "--proba"])
    assert result.exit_code == 0, result.stderr
    pred = pd.read_csv(io.StringIO(result.output))
    assert list(pred.columns) == ["predicted_label"] + [f"p_{n}" for n in names]
    assert np.allclose(pred[[f"p_{n}" for n in names]].sum(axis=1), 1.0, atol=1e-4)
    accuracy = float(np.mean(pred["predicted_label"].to_numpy() == rows["label"].to_numpy()))
    assert accuracy == pytest.approx(reported, abs=1e-4)
    result = runner.invoke(cli.main, ["predict", "--model", str(out), "--data",
                                      str(tmp_path / "new.csv"), "--output",
                                      str(tmp_path / "p.csv")])
    assert result.exit_code == 0
    assert pd.read_csv(tmp_path / "p.csv").columns.tolist() == ["predicted_label"]


def bad_csvs(tmp_path):
    frame = _builtin_frame("iris").head(4)
    frame.drop(columns=["petal width (cm)"]).to_csv(tmp_path / "missing.csv", index=False)
    words = frame.astype({"sepal length (cm)": object})
    words.loc[0, "sepal length (cm)"] = "long"
    words.to_csv(tmp_path / "words.csv", index=False)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text(",".join(frame.columns) + "\n")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x81garbage")


@pytest.mark.parametrize("data, message", [
    ("missing.csv", "missing column(s) in the data: petal width (cm)"),
    ("empty.csv", "is empty"), ("header.csv", "has a header but no rows"),
    ("binary.csv", "not a text CSV"), ("nothere.csv", "data file not found"),
])
def test_predict_bad_data(exported, tmp_path, runner, data, message):
    import cli

    bad_csvs(tmp_path)
    result = runner.invoke(cli.main, ["predict", "--model", str(exported[0]), "--data",
                                      str(tmp_path / data)])
    assert result.exit_code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_predict_imputes_unreadable_values_with_a_note(exported, tmp_path, runner):
    import cli

    bad_csvs(tmp_path)
    result = runner.invoke(cli.main, ["predict", "--model", str(exported[0]), "--data",
                                      str(tmp_path / "words.csv")])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 5  # header + 4 rows
    note = result.stderr.strip()
    assert note.startswith("note: column 'sepal length (cm)': 1 missing or unreadable value(s) "
                           "imputed with ") and len(note.splitlines()) == 1


def bad_models(tmp_path, good):
    (tmp_path / "text.keras").write_text("not a zip")
    with zipfile.ZipFile(tmp_path / "plain.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "broken.keras", "w") as dst:
        for name in src.namelist():
            if name != "model.weights.h5":
                dst.writestr(name, src.read(name))
        dst.writestr("model.weights.h5", b"truncated")


@pytest.mark.parametrize("model, message", [
    ("nothere.keras", "model file not found"), ("text.keras", "is not a .keras model file"),
    ("plain.keras", "was not written by `nas export`"),
    ("broken.keras", "cannot load the model"),
])
def test_predict_bad_models(exported, tmp_path, runner, model, message):
    import cli

    bad_models(tmp_path, exported[0])
    _builtin_frame("iris").head(3).to_csv(tmp_path / "ok.csv", index=False)
    result = runner.invoke(cli.main, ["predict", "--model", str(tmp_path / model), "--data",
                                      str(tmp_path / "ok.csv")])
    assert result.exit_code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("setup, args, message", [
    ({}, ["--output", "m.h5"], "must end in .keras"),
    ({}, ["--output", "nodir/m.keras"], "folder does not exist"),
    ({}, ["--rank", "3", "--output", "m.keras"], "--rank 3: event1 has only 2"),
    ({}, ["--event", "4", "--output", "m.keras"], "no event '4'"),
    ({"with_config": False}, ["--output", "m.keras"], "no config.json"),
    ({"fingerprint": "0123"}, ["--output", "m.keras"], "changed since event1"),
    ({"dataset": "gone.csv", "fingerprint": "x"}, ["--output", "m.keras"],
     "dataset not found: gone.csv"),
])
def test_export_bad_input(tmp_path, runner, monkeypatch, setup, args, message):
    import cli

    monkeypatch.chdir(tmp_path)
    make_event(tmp_path / "L", **setup)
    result = runner.invoke(cli.main, ["export", "--logs-dir", "L"] + args)
    assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "m.keras").exists()


def test_predict_counts_unseen_categories_in_a_note(tmp_path, runner, monkeypatch):
    import cli
    from tests.helpers.frames import make_frame

    monkeypatch.chdir(tmp_path)
    make_frame(150).drop(columns=["score"]).to_csv("colours.csv", index=False)
    path = tmp_path / "L" / "event1"
    path.mkdir(parents=True)
    storage.write_pickle_atomic(path / names.LOG_FILE, [[[9, 30], 0.9, None, {}]])
    config = SearchConfig(dataset="colours.csv", child_epochs=1, seed=1, logs_dir="L")
    storage.write_json_atomic(path / names.CONFIG_FILE, {
        "config": config.to_dict(), "dataset": load_dataset("colours.csv", seed=1).summary()})
    export = runner.invoke(cli.main, ["export", "--logs-dir", "L", "--output", "c.keras"])
    assert export.exit_code == 0, export.output
    new = make_frame(6, seed=3).drop(columns=["score", "label"])
    new.loc[[0, 1, 2], "colour"] = ["blue", "blue", "?"]
    new.to_csv("new.csv", index=False)
    result = runner.invoke(cli.main, ["predict", "--model", "c.keras", "--data", "new.csv"])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 7
    notes = result.stderr.strip().splitlines()
    assert notes[0] == ("note: column 'colour': 2 row(s) with a category not seen in training "
                        "('blue'): encoded as no category")
    assert notes[1].startswith("note: column 'colour': 1 missing or unreadable value(s) imputed")
    assert len(notes) == 2


def test_export_tests_on_held_out_rows_then_saves_the_members_retrained_on_every_row(
        tmp_path, runner, monkeypatch):
    import json

    import cli
    from mlpnas.training import trainer

    trained_rows, real_fit = [], trainer.fit_evaluate

    def spy(model, x, y, *args, **kwargs):
        trained_rows.append(len(x))
        return real_fit(model, x, y, *args, **kwargs)

    monkeypatch.setattr(trainer, "fit_evaluate", spy)
    root = make_event(tmp_path / "L")
    out = tmp_path / "all.keras"
    result = runner.invoke(cli.main, ["export", "--logs-dir", str(root), "--ensemble", "2",
                                      "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert trained_rows == [126, 126, 150, 150]  # iris: tested on 24 rows, then every row
    assert "test accuracy: " in result.output and "(24 rows" in result.output
    assert ("saved model: the same 2 models retrained on all 150 rows (test included), so the "
            "test figure above estimates it conservatively") in result.output
    with zipfile.ZipFile(out) as archive:
        meta = json.loads(archive.read(names.EXPORT_METADATA_FILE))
    assert meta["all_rows"] is True and 0 <= meta["test_accuracy"] <= 1
    import keras

    saved = keras.saving.load_model(out)
    assert len([layer for layer in saved.layers if layer.name.startswith("member_")]) == 2
    trained_rows.clear()
    held = runner.invoke(cli.main, ["export", "--logs-dir", str(root), "--ensemble", "1",
                                    "--no-all-rows", "--output", str(tmp_path / "held.keras")])
    assert held.exit_code == 0 and trained_rows == [126]
    assert "test accuracy:" in held.output and "saved model:" not in held.output


def test_export_schedule_replaces_each_members_learning_rate_schedule(tmp_path, runner,
                                                                     monkeypatch):
    import json

    import cli
    from mlpnas.training import trainer

    schedules, real_fit = [], trainer.fit_evaluate

    def spy(model, x, y, *args, **kwargs):
        schedules.append(kwargs.get("schedule", "constant"))
        return real_fit(model, x, y, *args, **kwargs)

    monkeypatch.setattr(trainer, "fit_evaluate", spy)
    root = make_event(tmp_path / "L")
    out = tmp_path / "cos.keras"
    result = runner.invoke(cli.main, ["export", "--logs-dir", str(root), "--ensemble", "2",
                                      "--schedule", "cosine", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert schedules == ["cosine"] * 4  # tested members, then the members on every row
    assert result.output.count(", cosine learning rate") == 2
    with zipfile.ZipFile(out) as archive:
        meta = json.loads(archive.read(names.EXPORT_METADATA_FILE))
    assert [m["schedule"] for m in meta["members"]] == ["cosine", "cosine"]
    schedules.clear()
    own = runner.invoke(cli.main, ["export", "--logs-dir", str(root), "--no-all-rows",
                                   "--output", str(tmp_path / "own.keras")])
    assert own.exit_code == 0 and schedules == ["constant"]  # the mlp space's own training
    assert "learning rate" not in own.output
    bad = runner.invoke(cli.main, ["export", "--logs-dir", str(root), "--schedule", "step",
                                   "--output", str(tmp_path / "bad.keras")])
    assert bad.exit_code == 2 and "Invalid value for '--schedule'" in bad.output
    assert "Traceback" not in bad.output and not (tmp_path / "bad.keras").exists()


def test_export_refuses_an_unknown_schedule_before_reading_anything(tmp_path):
    import CONSTANTS as C
    from mlpnas.errors import NasError
    from mlpnas.export import export_model
    from mlpnas.training.densefit import SCHEDULES

    assert set(C.EXPORT_SCHEDULES) == set(SCHEDULES)  # what both trainer paths implement
    with pytest.raises(NasError, match="unknown schedule 'step': choose from constant, cosine"):
        export_model(tmp_path / "no-logs", None, tmp_path / "m.keras", schedule="step")
    assert not (tmp_path / "m.keras").exists()
