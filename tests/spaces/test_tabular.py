"""The tabular space, children trained until validation accuracy stops improving, export
of one model or an ensemble."""

from __future__ import annotations

import collections
import json
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

import CONSTANTS as C
import cli
from mlpnas.storage import names
from mlpnas.errors import NasError
from mlpnas.spaces import make_space, with_space_defaults
from mlpnas.spaces.tabular import TRAINING_CHOICES, TabularSpace
from mlpnas.strategies.random import RandomStrategy


def _space() -> TabularSpace:
    """A space with fixed grids (the tests do not depend on the defaults in CONSTANTS)."""
    training = {**TRAINING_CHOICES, "learning rate": (0.001, 0.003, 0.01),
                "batch size": (64, 128), "weight decay": (0.0, 0.01), "patience": (10, 25)}
    return TabularSpace(units=(64, 128, 256, 512), dropouts=(0.0, 0.1, 0.3), training=training)


def _seq(space: TabularSpace, layers=((512, 0.0), (512, 0.0)), **changes):
    training = {"batch_norm": False, "residual": False, "learning_rate": 0.003,
                "batch_size": 128, "weight_decay": 0.0, "patience": space.values["patience"][0],
                "schedule": "constant", **changes}
    return space.encode(list(layers), **training)


# --- the space --------------------------------------------------------------------------------

def test_random_sampling_explores_every_depth_equally():
    space = make_space("tabular")
    seqs = RandomStrategy(space, seed=0).ask(2000)
    depths = collections.Counter(len(space.parse(s)[0]) for s in seqs)
    assert set(depths) == set(C.TABULAR_DEPTHS)
    # Uniform over whole sequences would give the deepest almost all of them.
    assert max(depths.values()) / min(depths.values()) < 1.3
    assert all(space.is_valid(s) for s in seqs)


def test_encode_parse_and_training_options_round_trip():
    space = _space()
    seq = _seq(space, [(64, 0.1), (256, 0.3), (256, 0.0)], batch_norm=True, residual=True,
               learning_rate=0.01, batch_size=64, weight_decay=0.01, patience=25,
               schedule="cosine")
    assert space.is_complete(seq) and len(seq) == space.length(3)
    layers, training = space.parse(seq)
    assert layers == [(64, 0.1), (256, 0.3), (256, 0.0)]
    assert training["batch norm"] is True and training["schedule"] == "cosine"
    assert space.training_options(seq) == {"learning_rate": 0.01, "batch_size": 64,
                                           "weight_decay": 0.01, "patience": 25,
                                           "schedule": "cosine"}


def test_choices_and_labels_are_readable():
    space = _space()
    seq = _seq(space, [(128, 0.3)], learning_rate=0.001)
    choices = dict(space.choices(seq))
    assert choices["depth"] == 1 and choices["units"] == 128 and choices["dropout"] == 0.3
    assert choices["learning rate"] == 0.001 and choices["batch norm"] is False
    assert space.token_label(0, seq[0]) == "depth 1"
    assert space.token_label(4, seq[4]) == "residual off"
    text = space.describe(seq, 3)
    assert "128 (dropout 0.3)" in text and "lr 0.001" in text
    assert "patience 10" in text
    assert space.decode(seq, 3) == [(128, "relu, dropout 0.3"), (3, "softmax")]
    residual = _seq(space, [(64, 0.0), (64, 0.1)], residual=True, batch_norm=True)
    assert space.decode(residual) == [(64, "relu, batch norm"),
                                      (64, "relu, batch norm, dropout 0.1, residual"), "softmax"]


@pytest.mark.parametrize("mutate", [
    lambda s: s[:-1],                       # incomplete
    lambda s: s + [s[-1]],                  # too long
    lambda s: [s[1]] + s[1:],               # a width where the depth goes
    lambda s: s[:1] + [s[2]] + s[2:],       # a dropout where a width goes
])
def test_invalid_sequences_are_refused(mutate):
    space = _space()
    bad = mutate(_seq(space))
    assert not space.is_valid(bad)
    with pytest.raises(NasError):
        space.validate(bad)


def test_encoding_a_value_outside_the_grid_is_an_error():
    with pytest.raises(NasError, match="not a units choice"):
        _seq(_space(), [(7, 0.0)])


def test_space_defaults_fill_only_options_not_given():
    options = {"space": "tabular", "child_epochs": 10, "controller_epochs": 10,
               "samples_per_epoch": 10, "one_shot": True}
    out = with_space_defaults(options, given={"controller_epochs"})
    assert out["child_epochs"] == C.TABULAR_MAX_EPOCHS and out["one_shot"] is False
    assert out["samples_per_epoch"] == C.TABULAR_SAMPLES_PER_EPOCH
    assert out["controller_epochs"] == 10
    assert with_space_defaults({**options, "space": "mlp"}, set())["child_epochs"] == 10


# --- building and training --------------------------------------------------------------------

def _data(n: int = 240, d: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, d)) + 0.7 * y[:, None]).astype("float32")
    return x[:160], y[:160], x[160:], y[160:]


def _model(seq, space=None):
    from mlpnas.training.tabular import build_tabular
    from mlpnas.training.tf_setup import seed_everything

    seed_everything(0)
    space = space or _space()
    return build_tabular(space, seq, (5,), 3).model


def test_plain_children_take_the_fast_path_and_others_keras():
    from mlpnas.training.densefit import dense_stack

    space = _space()
    assert dense_stack(_model(_seq(space, [(64, 0.1), (64, 0.0)]))) is not None
    residual = _model(_seq(space, [(64, 0.0), (64, 0.0), (128, 0.0)], residual=True))
    assert dense_stack(residual) is None
    adds = [layer.name for layer in residual.layers if "residual" in layer.name]
    assert adds == ["residual_1"]  # only where the input has the layer's width
    bn = _model(_seq(space, [(64, 0.0)], batch_norm=True))
    assert any("batch_norm" in layer.name for layer in bn.layers)


@pytest.mark.parametrize("batch_norm", [False, True])  # fast path, Keras path
def test_patience_stops_early_and_scores_the_restored_best_epoch(batch_norm):
    from mlpnas.training.trainer import accuracy, fit_evaluate

    x, y, xv, yv = _data()
    model = _model(_seq(_space(), [(64, 0.0)], batch_norm=batch_norm))
    result = fit_evaluate(model, x, y, xv, yv, epochs=200, batch_size=32, learning_rate=0.01,
                          patience=3)
    accs = result.history["val_accuracy"]
    assert result.epochs_run < 200 and result.epochs_run == result.best_epoch + 3
    assert result.val_accuracy == pytest.approx(max(accs))
    assert accs.index(max(accs)) + 1 == result.best_epoch
    assert accuracy(model, xv, yv) == pytest.approx(result.val_accuracy)


def test_without_patience_every_epoch_trains_and_the_last_is_scored():
    from mlpnas.training.trainer import accuracy, fit_evaluate

    x, y, xv, yv = _data()
    model = _model(_seq(_space(), [(64, 0.0)]))
    result = fit_evaluate(model, x, y, xv, yv, epochs=6, batch_size=32, learning_rate=0.01)
    assert result.epochs_run == 6 and result.best_epoch == 6
    assert accuracy(model, xv, yv) == pytest.approx(result.history["val_accuracy"][-1])


def test_weight_decay_and_cosine_schedule_match_keras_on_both_paths():
    from mlpnas.training import densefit, trainer

    x, y, xv, yv = _data()
    perms = trainer.epoch_permutations(len(y), 3, seed=1)
    seq = _seq(_space(), [(64, 0.0), (128, 0.0)])
    fast, slow = _model(seq), _model(seq)
    options = {"weight_decay": 0.05, "schedule": "cosine"}
    _, fast_acc = densefit.train_dense_stack(densefit.dense_stack(fast), x, y, xv, yv, perms,
                                             32, 0.01, "adam", 0, **options)
    _, slow_acc = trainer._fit_keras(slow, x, y, xv, yv, perms, 32, 0.01, "adam", **options)
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    assert fast_acc == pytest.approx(slow_acc)
    plain = _model(seq)
    densefit.train_dense_stack(densefit.dense_stack(plain), x, y, xv, yv, perms, 32, 0.01,
                               "adam", 0)
    assert not np.allclose(plain.get_weights()[0], fast.get_weights()[0], atol=1e-3)


def test_a_child_logs_the_epochs_it_trained():
    from mlpnas.config import SearchConfig
    from mlpnas.data.tabular import load_dataset
    from mlpnas.training.child import train_child

    data = load_dataset("iris", None, (), 0)
    space = make_space("tabular")
    seq = space.encode([(C.TABULAR_UNITS[0], 0.0)], batch_norm=False, residual=False,
                       **{k.replace(" ", "_"): space.values[k][0]
                          for k in ("learning rate", "batch size", "weight decay", "patience",
                                    "schedule")})
    config = SearchConfig(dataset="iris", space="tabular", child_epochs=40, one_shot=False)
    outcome = train_child(space, seq, 0, data, config, None)
    meta = outcome.meta
    assert meta["epochs"] == len(meta["history"]["val_accuracy"]) <= 40
    assert outcome.val_accuracy == pytest.approx(max(meta["history"]["val_accuracy"]))
    assert 1 <= meta["best_epoch"] <= meta["epochs"]
    assert meta["inherited_layers"] == 0


# --- search, analyze, export, predict through the CLI ----------------------------------------

@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    root = tmp_path_factory.mktemp("tabular")
    runner = CliRunner()
    result = runner.invoke(cli.main, ["search", "--dataset", "iris", "--logs-dir", str(root),
                                      "--strategy", "random", "--controller-epochs", "1",
                                      "--samples-per-epoch", str(C.ANALYZE_MIN_CHILDREN),
                                      "--child-epochs", "20"])
    assert result.exit_code == 0, result.output
    return root, runner


@pytest.mark.slow
def test_default_search_is_tabular_and_analysable(searched):
    from mlpnas.storage.events import load_event

    root, runner = searched
    event = load_event(root, None)
    assert event.config["config"]["space"] == C.DEFAULT_SPACE == "tabular"
    assert event.config["config"]["one_shot"] is False
    assert all(1 <= e.meta["epochs"] <= 20 for e in event.entries)
    result = runner.invoke(cli.main, ["top-n", "3", "--logs-dir", str(root), "--json"])
    rows = json.loads(result.output)
    assert all("best_epoch" in row and "lr " in row["description"] for row in rows)
    result = runner.invoke(cli.main, ["analyze", "--logs-dir", str(root), "--json",
                                      "--output", str(root / "choices.png")])
    assert result.exit_code == 0, result.output
    measured = {row["choice"] for row in json.loads(result.output)["effects"]}
    assert {"depth", "learning rate", "batch size", "patience"} <= measured


@pytest.mark.slow
@pytest.mark.parametrize("args,members", [([], C.TABULAR_EXPORT_ENSEMBLE),
                                          (["--ensemble", "1"], 1), (["--ensemble", "2"], 2),
                                          (["--ensemble", "2", "--same-architecture"], 2)])
def test_export_retrains_for_the_found_epochs_and_averages_an_ensemble(searched, args,
                                                                       members, tmp_path):
    from mlpnas.analysis.summary import top_n
    from mlpnas.storage.events import load_event
    from mlpnas.training.tf_setup import import_tf

    _, keras = import_tf()
    root, runner = searched
    out = tmp_path / "m.keras"
    result = runner.invoke(cli.main, ["export", "--logs-dir", str(root), "--output", str(out)]
                           + args)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        meta = json.loads(archive.read(names.EXPORT_METADATA_FILE))
    best = top_n(load_event(root, None), 1)[0]
    assert len(meta["members"]) == members
    assert meta["members"][0]["epochs"] == best["best_epoch"]
    assert len({m["seed"] for m in meta["members"]}) == members
    if "--same-architecture" in args:
        assert meta["members"][0]["tokens"] == meta["members"][1]["tokens"]
    elif members > 1:
        assert meta["members"][0]["tokens"] != meta["members"][1]["tokens"]
    model = keras.saving.load_model(out, compile=False)  # no custom objects
    x = np.zeros((2, model.input_shape[-1]), "float32")  # iris: 4 features and their bins
    np.testing.assert_allclose(np.asarray(model(x)).sum(axis=1), 1.0, rtol=1e-5)
    test_acc = float(result.output.split("test accuracy: ")[1].split()[0])
    assert test_acc == pytest.approx(meta["test_accuracy"], abs=1e-4)
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame.drop(columns=["target"])
    csv = tmp_path / "rows.csv"
    frame.to_csv(csv, index=False)
    result = runner.invoke(cli.main, ["predict", "--model", str(out), "--data", str(csv)])
    assert result.exit_code == 0 and len(result.output.strip().splitlines()) == 151


@pytest.mark.slow
@pytest.mark.parametrize("args,message", [
    (["--ensemble", "9"], "--ensemble 9: "),
    (["--ensemble", "0"], "Invalid value for '--ensemble'"),
])
def test_export_bad_ensemble_is_one_line(searched, args, message, tmp_path):
    root, runner = searched
    result = runner.invoke(cli.main, ["export", "--logs-dir", str(root), "--output",
                                      str(tmp_path / "m.keras")] + args)
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output
