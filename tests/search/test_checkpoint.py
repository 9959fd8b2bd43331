"""Resume from a crash at chosen points, Ctrl-C handling, and what a resume may change.

Children are replaced by a fast deterministic fake (mlpnas.testing.fake_train_child: the
subject here is the search's state, not training). Its reward depends on the weight store, so a store that was not
restored exactly changes the rewards, the controller updates and the later sequences.
"""

from __future__ import annotations

import functools
import os
import signal
import time

import numpy as np
import pytest

import CONSTANTS as C
from mlpnas.search import checkpoint
from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import prepare_tabular
from mlpnas.errors import NasError, SearchInterrupted
from mlpnas.storage import names
from mlpnas.testing import ScriptedTask, fake_train_child, no_test_score
from tests.helpers.frames import make_frame

pytest.importorskip("tensorflow")
from mlpnas.search import loop as search_mod  # noqa: E402
from mlpnas.training.executors import SerialExecutor  # noqa: E402


class Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs (the failure wrapper does not catch it)."""


@pytest.fixture(scope="module")
def tiny_data():
    return prepare_tabular(make_frame(60), "tiny", keep_columns=("score",))


@pytest.fixture
def fake_children():
    """The fake child task: counts its calls, crashes (`raises`) or runs a `hook` on cue."""
    return ScriptedTask(fake_train_child)


@pytest.fixture
def cli_fake_children(fake_children, monkeypatch):
    """The same fake behind the command line: `nas search` builds its search with it."""
    monkeypatch.setattr(search_mod, "MLPNAS", functools.partial(
        search_mod.MLPNAS, task=fake_children, test_task=no_test_score))
    return fake_children


def config_for(tmp_path, strategy="rl", **changes):
    fields = dict(dataset="tiny", strategy=strategy, controller_epochs=3, samples_per_epoch=3,
                  controller_train_steps=1, controller_lstm_dim=8, controller_embedding_dim=4,
                  logs_dir=str(tmp_path / "LOGS"), seed=3)
    return SearchConfig(**{**fields, **changes})


class SnapshotExecutor(SerialExecutor):
    """In this process, with the rule of the parallel executors: every child of an epoch
    starts from the store as it was when the epoch started."""

    epoch_snapshot = True


def run(config, data, task, resume=None, snapshots=False, test_task=no_test_score):
    nas = search_mod.MLPNAS(config, dataset=data, resume=resume, task=task, test_task=test_task)
    if snapshots:
        nas.executor = SnapshotExecutor(nas.space, nas.dataset, nas.config, task=nas.task)
    return nas.search()


def tokens_and_rewards(event_dir):
    return [(e.tokens, e.val_accuracy) for e in storage.read_log(event_dir / names.LOG_FILE)]


def run_with_crashes(tmp_path, data, task, config, crash_points, snapshots=False):
    """Crash at each point in turn, resume after each crash; the final event folder."""
    event_dir = None
    for crash in crash_points:
        task.calls = 0
        crash(task)
        with pytest.raises(Crash):
            run(config, data, task, resume=event_dir, snapshots=snapshots)
        event_dir = event_dir or max(storage.event_dirs(config.logs_dir).values())
        assert storage.read_json(event_dir / names.STATUS_FILE)["status"] == "failed"
        task.raises = {}
    run(config, data, task, resume=event_dir, snapshots=snapshots)
    return event_dir


def crash_in_child(k):
    def arm(task):
        task.raises = {k: Crash()}
    return arm


def crash_between_checkpoint_and_log(monkeypatch, k):
    """The k-th log write after a checkpoint never happens (killed between the two files)."""
    def arm(task):
        real = checkpoint.storage.write_pickle_atomic
        seen = {"n": 0}

        def write(path, obj):
            real(path, obj)
            if str(path).endswith(names.CHECKPOINT_FILE):
                seen["n"] += 1
                if seen["n"] == k:
                    monkeypatch.setattr(checkpoint.storage, "write_pickle_atomic", real)
                    raise Crash
        monkeypatch.setattr(checkpoint.storage, "write_pickle_atomic", write)
    return arm


def crash_after_tell(monkeypatch):
    """Killed after the controller update, before its checkpoint."""
    def arm(task):
        real, armed = search_mod.MLPNAS._save_strategy, [True]

        def save(self):
            if armed.pop() if armed else False:
                raise Crash
            real(self)
        monkeypatch.setattr(search_mod.MLPNAS, "_save_strategy", save)
    return arm


def interrupt(times):
    """Send this process `times` SIGINTs (each handled before the next is sent)."""
    for _ in range(times):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)


@pytest.mark.parametrize("strategy", ["random", pytest.param("rl", marks=pytest.mark.slow)])
def test_resume_after_crashes_matches_uninterrupted_run(tmp_path, tiny_data, fake_children,
                                                        monkeypatch, strategy):
    config = config_for(tmp_path, strategy)
    reference = run(config, tiny_data, fake_children).event_dir
    # Checkpoint 8 is the 2nd child of epoch 1: the controller has been updated once, the
    # RNG has sampled epoch 1, and the log is one child behind the checkpoint.
    points = [crash_between_checkpoint_and_log(monkeypatch, 8)]
    if strategy == "random":  # the cheap strategy takes a longer chain of crashes
        points = [crash_in_child(2), crash_between_checkpoint_and_log(monkeypatch, 4),
                  crash_after_tell(monkeypatch), crash_in_child(3)]
    resumed = run_with_crashes(tmp_path, tiny_data, fake_children, config, points)
    assert resumed != reference
    expected = tokens_and_rewards(reference)
    assert tokens_and_rewards(resumed) == expected
    assert len(expected) == config.budget
    final, ref_state = checkpoint.load(resumed), checkpoint.load(reference)
    assert final["next_epoch"] == config.controller_epochs and final["pending"] is None
    assert final["epoch_stats"] == ref_state["epoch_stats"]
    assert sorted(final["store"]["weights"]) == sorted(ref_state["store"]["weights"])
    assert storage.read_json(resumed / names.STATUS_FILE)["status"] == "finished"
    resumes = storage.read_json(resumed / names.CONFIG_FILE)["resumed"]
    assert len(resumes) == len(points)


def test_resume_mid_epoch_with_epoch_snapshots_matches_uninterrupted_run(tmp_path, tiny_data,
                                                                         fake_children):
    """Parallel executors' one-shot rule survives a resume in the middle of an epoch: the
    epoch's remaining children start from the epoch-start store, not the restored one."""
    config = config_for(tmp_path, "random")
    serial = tokens_and_rewards(run(config, tiny_data, fake_children).event_dir)
    reference = tokens_and_rewards(run(config, tiny_data, fake_children, snapshots=True).event_dir)
    assert [t for t, _ in reference] == [t for t, _ in serial]
    assert reference != serial  # the rewards see the store: the two rules differ
    # Crashes in the 2nd child of epoch 0, then in the 3rd child of epoch 1 (call 2).
    resumed = run_with_crashes(tmp_path, tiny_data, fake_children, config,
                               [crash_in_child(2), crash_in_child(2)], snapshots=True)
    assert tokens_and_rewards(resumed) == reference


def test_every_crash_point_with_random_strategy(tmp_path, tiny_data, fake_children):
    config = config_for(tmp_path, "random", controller_epochs=2)
    expected = tokens_and_rewards(run(config, tiny_data, fake_children).event_dir)
    for k in range(1, config.budget + 1):
        event = run_with_crashes(tmp_path, tiny_data, fake_children, config, [crash_in_child(k)])
        assert tokens_and_rewards(event) == expected, f"crash in child {k}"


def test_extending_the_budget_continues_the_same_sequences(tmp_path, tiny_data, fake_children):
    long = config_for(tmp_path, "random", controller_epochs=4)
    expected = tokens_and_rewards(run(long, tiny_data, fake_children).event_dir)
    short = run(long.with_changes(controller_epochs=2), tiny_data, fake_children).event_dir
    with pytest.raises(NasError, match="already finished"):
        run(long.with_changes(controller_epochs=2), tiny_data, fake_children, resume=short)
    run(long, tiny_data, fake_children, resume=short)
    assert tokens_and_rewards(short) == expected
    assert storage.read_json(short / names.CONFIG_FILE)["budget"] == long.budget


def test_first_ctrl_c_stops_after_the_current_child(tmp_path, tiny_data, fake_children):
    fake_children.hook = lambda n: n == 2 and interrupt(1)
    config = config_for(tmp_path, "random")
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the suite runs under nohup
    with pytest.raises(SearchInterrupted, match=r"after 2 of 9 children.*--resume 1"):
        run(config, tiny_data, fake_children)
    event = storage.resolve_event(config.logs_dir)
    assert len(storage.read_log(event / names.LOG_FILE)) == 2
    assert storage.read_json(event / names.STATUS_FILE)["status"] == "interrupted"
    assert signal.getsignal(signal.SIGINT) is before  # the search restores the handler


def test_second_ctrl_c_stops_at_once(tmp_path, tiny_data, fake_children):
    fake_children.hook = lambda n: n == 2 and interrupt(2)
    config = config_for(tmp_path, "random")
    with pytest.raises(SearchInterrupted, match="after 1 of 9"):
        run(config, tiny_data, fake_children)
    event = storage.resolve_event(config.logs_dir)
    run(config, tiny_data, fake_children, resume=event)
    assert len(storage.read_log(event / names.LOG_FILE)) == config.budget


def test_cli_ctrl_c_exits_130_with_resume_hint(tmp_path, runner, cli_fake_children):
    import cli

    cli_fake_children.hook = lambda n: n == 1 and interrupt(1)
    args = ["search", "--dataset", "iris", "--strategy", "random", "--controller-epochs", "2",
            "--samples-per-epoch", "2", "--logs-dir", str(tmp_path / "L")]
    result = runner.invoke(cli.main, args)
    assert result.exit_code == C.INTERRUPTED_EXIT_CODE
    assert "nas search --resume 1" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    result = runner.invoke(cli.main, ["search", "--resume", "--logs-dir", str(tmp_path / "L")])
    assert result.exit_code == 0, result.output + result.stderr
    assert len(storage.read_log(tmp_path / "L" / "event1" / names.LOG_FILE)) == 4


@pytest.mark.parametrize("option, value", [("--dataset", "wine"), ("--seed", "5"),
                                           ("--samples-per-epoch", "3"),
                                           ("--strategy", "rl"), ("--controller-epochs", "1")])
def test_resume_refuses_options_that_change_the_search(tmp_path, runner, cli_fake_children,
                                                       option, value):
    import cli

    logs_dir = str(tmp_path / "L")
    base = ["search", "--dataset", "iris", "--strategy", "random", "--controller-epochs", "2",
            "--samples-per-epoch", "2", "--logs-dir", logs_dir]
    cli_fake_children.raises = {2: Crash()}
    with pytest.raises(Crash):
        runner.invoke(cli.main, base, catch_exceptions=False)
    result = runner.invoke(cli.main, ["search", "--resume", "1", "--logs-dir", logs_dir,
                                      option, value])
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert option.lstrip("-") in result.stderr or "extend" in result.stderr


@pytest.mark.parametrize("event, message", [("7", "no event '7'"),
                                            ("", "event1 cannot be resumed: missing")])
def test_resume_without_a_resumable_event(tmp_path, runner, mlpnas_logs, event, message):
    import shutil

    import cli

    shutil.copytree(mlpnas_logs / "event1051", tmp_path / "L" / "event1")
    result = runner.invoke(cli.main, ["search", "--resume", event, "--logs-dir",
                                      str(tmp_path / "L")])
    assert result.exit_code == 1 and message in result.stderr
    result = runner.invoke(cli.main, ["search", "--resume", "--logs-dir", str(tmp_path / "no")])
    assert result.exit_code == 1 and "no events" in result.stderr


def crashed_search(tmp_path, data, task):
    """(config, event folder) of a one-epoch search killed in its 2nd child."""
    config = config_for(tmp_path, "random", controller_epochs=1)
    task.raises = {2: Crash()}
    with pytest.raises(Crash):
        run(config, data, task)
    return config, storage.resolve_event(config.logs_dir)


def test_resume_refuses_a_missing_or_corrupt_checkpoint(tmp_path, tiny_data, fake_children):
    config, event = crashed_search(tmp_path, tiny_data, fake_children)
    (event / names.CHECKPOINT_FILE).write_bytes(b"\x80\x04garbage")
    with pytest.raises(NasError, match="checkpoint.pkl: .*corrupted"):
        run(config, tiny_data, fake_children, resume=event)
    (event / names.CHECKPOINT_FILE).unlink()
    with pytest.raises(NasError, match="missing .*checkpoint.pkl"):
        run(config, tiny_data, fake_children, resume=event)


def test_resume_refuses_changed_data_and_a_running_event(tmp_path, tiny_data, fake_children):
    config, event = crashed_search(tmp_path, tiny_data, fake_children)
    other = prepare_tabular(make_frame(60, seed=1), "tiny", keep_columns=("score",))
    with pytest.raises(NasError, match="changed since"):
        run(config, other, fake_children, resume=event)
    held = storage.lock_event(event)
    try:
        with pytest.raises(NasError, match="another running search"):
            run(config, tiny_data, fake_children, resume=event)
    finally:
        held.close()
    fake_children.raises = {}
    run(config, tiny_data, fake_children, resume=event)
    assert len(storage.read_log(event / names.LOG_FILE)) == config.budget


def test_interrupted_in_the_final_test_resumes_only_the_test(tmp_path, tiny_data, fake_children):
    def interrupted(*args):
        raise KeyboardInterrupt

    config = config_for(tmp_path, "random", controller_epochs=1)
    with pytest.raises(SearchInterrupted, match="after 3 of 3"):
        run(config, tiny_data, fake_children, test_task=interrupted)
    event = storage.resolve_event(config.logs_dir)
    trained = fake_children.calls
    assert run(config, tiny_data, fake_children, resume=event,
               test_task=lambda *args: 0.25).test_accuracy == 0.25
    assert fake_children.calls == trained  # no child trained again
    assert storage.read_json(event / names.STATUS_FILE)["status"] == "finished"
    with pytest.raises(NasError, match="already finished"):
        run(config, tiny_data, fake_children, resume=event)


def _state(store, best=None, pending=None):
    return {"entries": [storage.LogEntry(0, (1, 30), 0.5)], "epoch_stats": [], "best": best,
            "store": {"weights": store}, "strategy": {}, "next_epoch": 0, "pending": pending,
            "elapsed_seconds": 0.0}


def test_layer_files_write_only_what_changed_and_load_back(tmp_path):
    layers = checkpoint.LayerFiles(tmp_path)
    a, b = [np.ones((3, 2), "float32"), np.zeros(2, "float32")], [np.full(4, 2.0, "float32")]
    store = {("dense", 1): a, ("dense", 2): b}
    checkpoint.save(tmp_path, _state(store, best=(0.5, 0, a)), layers)
    folder = tmp_path / names.CHECKPOINT_LAYERS_DIR
    first = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(first) == 2  # the best child's weights are layer a's: one file
    store[("dense", 2)] = [np.full(4, 3.0, "float32")]  # a child replaced one layer
    checkpoint.save(tmp_path, _state(store, best=(0.5, 0, a), pending={"store": {
        "weights": {("dense", 1): a}}}), layers)
    second = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(second) == 2 and len(set(second) - set(first)) == 1  # one new, the old one gone
    assert {k: v for k, v in second.items() if k in first} == {
        k: v for k, v in first.items() if k in second}  # the unchanged layer was not rewritten
    loaded = checkpoint.load(tmp_path)
    np.testing.assert_array_equal(loaded["store"]["weights"][("dense", 2)][0], np.full(4, 3.0))
    np.testing.assert_array_equal(loaded["best"][2][0], a[0])
    np.testing.assert_array_equal(loaded["pending"]["store"]["weights"][("dense", 1)][1], a[1])
    assert (tmp_path / names.CHECKPOINT_FILE).stat().st_size < a[0].nbytes + 2000


def test_missing_layer_file_is_a_one_line_error(tmp_path):
    checkpoint.save(tmp_path, _state({("dense", 1): [np.ones(3, "float32")]}))
    for path in (tmp_path / names.CHECKPOINT_LAYERS_DIR).iterdir():
        path.unlink()
    with pytest.raises(NasError, match="incomplete checkpoint: cannot read .*layers"):
        checkpoint.load(tmp_path)


def test_checkpoints_with_inline_weights_still_load(tmp_path):
    state = _state({("dense", 1): [np.ones(3, "float32")]}, best=(0.5, 0, [np.ones(2)]))
    raw_entries = [[[1, 30], 0.5, None, {"controller_epoch": 0}]]  # as the file holds them
    storage.write_pickle_atomic(tmp_path / names.CHECKPOINT_FILE,
                                {"format": 1, **state, "entries": raw_entries})
    loaded = checkpoint.load(tmp_path)
    assert loaded["entries"] == [storage.LogEntry(0, (1, 30), 0.5, None, {"controller_epoch": 0})]
    np.testing.assert_array_equal(loaded["store"]["weights"][("dense", 1)][0], np.ones(3))
    np.testing.assert_array_equal(loaded["best"][2][0], np.ones(2))
