"""Executors: serial and snapshot semantics, worker processes, retry after a killed worker."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from mlpnas.config import SearchConfig
from mlpnas.data.tabular import prepare_tabular
from mlpnas.testing import CrashingTask
from mlpnas.training.executors import ProcessExecutor, SerialExecutor, make_executor
from mlpnas.spaces.mlp import MLPSpace
from tests.helpers.frames import make_frame


def tiny(tmp_path, **changes):
    """A small data set, its space, a config for 1-epoch children and 3 valid sequences."""
    data = prepare_tabular(make_frame(90).drop(columns="score"), "tiny", "label")
    space = MLPSpace()
    seqs = [[1, space.output_id], [5, space.dropout_id, space.output_id],
            [1, 6, space.output_id]]
    config = SearchConfig(child_epochs=1, batch_size=16, logs_dir=str(tmp_path), **changes)
    return data, space, config, seqs


def test_make_executor_follows_the_config(tmp_path):
    data, space, config, _ = tiny(tmp_path)
    assert isinstance(make_executor(space, data, config), SerialExecutor)
    parallel = make_executor(space, data, config.with_changes(workers=2))
    assert isinstance(parallel, ProcessExecutor) and parallel.workers == 2


def test_serial_executor_reports_a_failing_child_and_goes_on(tmp_path):
    data, space, config, seqs = tiny(tmp_path)

    def task(space, seq, index, dataset, config, store):
        if index == 1:
            raise ValueError("boom")
        return index

    results = list(SerialExecutor(space, data, config, task).run(seqs, 0, None))
    assert [r.outcome for r in results] == [0, None, 2]
    assert results[1].error == "ValueError: boom"


@pytest.mark.slow
def test_worker_processes_retry_a_killed_worker_and_are_reproducible(tmp_path):
    from mlpnas.training.mlp import dense_key
    from mlpnas.training.weights import WeightStore

    data, space, config, seqs = tiny(tmp_path)
    store = WeightStore()
    width = data.input_shape[0]
    store.weights[dense_key(("input",), width, 8, "sigmoid")] = [np.ones((width, 8), "float32"),
                                                    np.zeros(8, "float32")]
    before = store.get_state()
    crashes = CrashingTask({1: 1}, tmp_path)  # child 1 takes its worker down once
    with ProcessExecutor(space, data, config, crashes, workers=2) as executor:
        first = list(executor.run(seqs, 0, store))
        again = list(executor.run(seqs, 0, store))
    assert [r.index for r in first] == [0, 1, 2]
    assert [r.error for r in first] == [None, None, None]
    assert first[1].attempts == 2 and first[0].attempts == 1
    assert first[0].outcome.meta["inherited_layers"] == 1  # the snapshot reached the worker
    # same index, same snapshot: same training, whichever worker ran it
    assert [r.outcome.meta["history"] for r in first] == [r.outcome.meta["history"] for r in again]
    assert store.get_state().keys() == before.keys()  # the driver merges, not the workers


def test_ray_address_without_ray_installed_says_how_to_get_it(monkeypatch, tmp_path, runner):
    import cli

    data = tmp_path / "tiny.csv"
    make_frame(90).drop(columns="score").to_csv(data, index=False)
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    result = runner.invoke(cli.main, ["search", "--dataset", str(data), "--ray-address",
                                      "auto", "--logs-dir", str(tmp_path / "logs")])
    assert result.exit_code == 1
    assert "pip install 'nas[ray]'" in result.output + (result.stderr or "")
    assert "Traceback" not in result.output
