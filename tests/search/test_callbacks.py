"""Search callbacks: called in order at each point of the loop, with the logged records."""

from __future__ import annotations

import pytest

from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import prepare_tabular
from mlpnas.errors import NasError
from mlpnas.storage import names
from mlpnas.search.callbacks import Callback
from mlpnas.testing import ScriptedTask, no_test_score
from tests.helpers.frames import make_frame

pytest.importorskip("tensorflow")
from mlpnas.search.loop import MLPNAS  # noqa: E402


class Recorder(Callback):
    """Remembers every call, and what status.json said at the end."""

    def __init__(self) -> None:
        self.calls, self.records, self.stats, self.final_status = [], [], [], None

    def on_search_begin(self, search):
        self.calls.append("begin")

    def on_child_end(self, search, record):
        self.calls.append(f"child {record.index}")
        self.records.append(record)

    def on_epoch_end(self, search, epoch, stats):
        self.calls.append(f"epoch {epoch}")
        self.stats.append(stats)

    def on_search_end(self, search, status, extra):
        self.calls.append(f"end {status}")
        self.final_status = storage.read_json(search.event_dir / names.STATUS_FILE)


@pytest.fixture(scope="module")
def tiny_data():
    return prepare_tabular(make_frame(60), "tiny", keep_columns=("score",))


def config_for(tmp_path, **changes):
    return SearchConfig(**{**dict(dataset="tiny", strategy="random", controller_epochs=2,
                                  samples_per_epoch=2, logs_dir=str(tmp_path / "L")), **changes})


def test_callbacks_see_every_child_and_epoch_in_order(tmp_path, tiny_data):
    recorder, lines = Recorder(), []
    task = ScriptedTask(raises={3: ValueError("bad child")})
    result = MLPNAS(config_for(tmp_path), dataset=tiny_data, task=task, test_task=no_test_score,
                    progress=lines.append, callbacks=[recorder]).search()
    assert recorder.calls == ["begin", "child 0", "child 1", "epoch 0", "child 2", "child 3",
                              "epoch 1", "end finished"]
    assert recorder.records == result.entries  # what the callbacks saw is what the log holds
    assert recorder.records[2].failed and "ValueError: bad child" in recorder.records[2].error
    assert all("mean_reward" in stats for stats in recorder.stats)  # the strategy's statistics
    assert recorder.final_status["status"] == "finished"  # status.json is written first
    assert len(lines) == 4 and "FAILED (ValueError: bad child)" in lines[2]


def test_a_failed_search_ends_its_callbacks_once_with_the_error(tmp_path, tiny_data):
    recorder = Recorder()
    task = ScriptedTask(raises={n: RuntimeError("broken") for n in range(1, 10)})
    with pytest.raises(NasError, match="stopped after 2 failed children"):
        MLPNAS(config_for(tmp_path, max_consecutive_failures=2), dataset=tiny_data, task=task,
               callbacks=[recorder]).search()
    assert recorder.calls == ["begin", "child 0", "child 1", "end failed"]
    assert recorder.final_status["status"] == "failed"
    assert "stopped after 2" in recorder.final_status["error"]
