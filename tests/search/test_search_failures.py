"""Failed children: logged with the reason, worst reward, search goes on; a streak stops it."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

import CONSTANTS as C
from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import prepare_tabular
from mlpnas.errors import NasError
from mlpnas.storage import names
from mlpnas.strategies.base import Strategy
from mlpnas.testing import ScriptedTask, no_test_score
from tests.helpers.frames import make_frame

tf = pytest.importorskip("tensorflow")
from mlpnas.search import loop as search_mod  # noqa: E402
from mlpnas.training.child import ChildOutcome  # noqa: E402


@pytest.fixture(scope="module")
def tiny_data():
    return prepare_tabular(make_frame(60), "tiny", keep_columns=("score",))


def config_for(tmp_path, **changes):
    return SearchConfig(**{**dict(dataset="tiny", strategy="random", controller_epochs=2,
                                  samples_per_epoch=3, child_epochs=1,
                                  logs_dir=str(tmp_path / "LOGS")), **changes})


class SigmoidOnly(Strategy):
    """Always the same sigmoid MLP: NaN inputs give it a NaN loss (relu would hide them)."""

    def ask(self, m):
        return [[1, 30]] * m

    def get_state(self):
        return {}

    def set_state(self, state):
        pass


def test_non_finite_loss_fails_the_child_and_a_streak_stops_the_search(tmp_path, tiny_data):
    x = tiny_data.x_train.copy()
    x[0, 0] = np.nan  # a real child trained on this gets a NaN loss
    broken = dataclasses.replace(tiny_data, x_train=x)
    config = config_for(tmp_path, max_consecutive_failures=2)
    with pytest.raises(NasError, match=r"stopped after 2 failed children in a row .*non-finite"):
        search_mod.MLPNAS(config, dataset=broken, strategy=SigmoidOnly()).search()
    event = storage.resolve_event(config.logs_dir)
    entries = storage.read_log(event / names.LOG_FILE)
    assert len(entries) == 2 and all(e.failed for e in entries)
    assert all(e.val_accuracy == C.FAILED_CHILD_REWARD for e in entries)
    assert "ChildTrainingError: non-finite training loss" in entries[0].meta["error"]
    assert "fit_evaluate" in entries[0].meta["traceback"]
    status = storage.read_json(event / names.STATUS_FILE)
    assert status["status"] == "failed" and "stopped after 2" in status["error"]


def test_failures_get_the_worst_reward_and_the_search_goes_on(tmp_path, tiny_data):
    errors = {1: MemoryError("out of host memory"),
              2: tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor"),
              4: ValueError("bad child")}
    told = []

    def child(space, seq, index, dataset, config, store):
        return ChildOutcome(0.5 + index / 100, {}, [np.zeros(1)], {})

    nas = search_mod.MLPNAS(config_for(tmp_path, max_consecutive_failures=3), dataset=tiny_data,
                            task=ScriptedTask(child, raises=errors), test_task=no_test_score)
    real_tell = nas.strategy.tell
    nas.strategy.tell = lambda seqs, rewards, **kw: told.append(list(rewards)) or real_tell(
        seqs, rewards, **kw)
    result = nas.search()
    assert [e.failed for e in result.entries] == [True, True, False, True, False, False]
    assert "MemoryError: out of host memory" in result.entries[0].meta["error"]
    assert "ResourceExhaustedError" in result.entries[1].meta["error"]
    assert told[0][:2] == [C.FAILED_CHILD_REWARD] * 2 and told[1][0] == C.FAILED_CHILD_REWARD
    assert result.best_index == 5


def test_cli_reports_the_streak_in_one_line(tmp_path, runner, monkeypatch):
    import cli

    def child(*args):
        raise RuntimeError("always broken")

    # `nas search` builds its search with this broken child task.
    monkeypatch.setattr(search_mod, "MLPNAS", functools.partial(search_mod.MLPNAS, task=child))
    args = ["search", "--dataset", "iris", "--strategy", "random", "--controller-epochs", "3",
            "--samples-per-epoch", "2", "--max-consecutive-failures", "3",
            "--logs-dir", str(tmp_path / "L")]
    result = runner.invoke(cli.main, args)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 2  # the dataset line and the one-line error
    assert "stopped after 3 failed children in a row" in result.stderr
    assert len(storage.read_log(tmp_path / "L" / "event1" / names.LOG_FILE)) == 3
    result = runner.invoke(cli.main, ["events", "--logs-dir", str(tmp_path / "L")])
    assert "3/6" in result.output and "failed" in result.output
    result = runner.invoke(cli.main, ["top-n", "--logs-dir", str(tmp_path / "L")])
    assert result.exit_code == 1 and "no trained children" in result.stderr


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_max_consecutive_failures_must_be_positive(runner, value):
    import cli

    result = runner.invoke(cli.main, ["search", "--max-consecutive-failures", value])
    assert result.exit_code == 2 and "--max-consecutive-failures" in result.stderr
