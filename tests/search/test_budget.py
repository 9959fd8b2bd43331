"""The search budget through the command line: --time-budget, --patience, --warm-start and
--scheduler halving (rung logging, the reward rule, Ctrl-C and resume inside a rung).

Children are the deterministic fakes of mlpnas.testing; a fake clock stands for wall time
(each child "takes" CHILD_SECONDS), so the time budget is tested without waiting.
"""

from __future__ import annotations

import functools
import json

import pytest

import CONSTANTS as C
from mlpnas import storage
from mlpnas.errors import NasError
from mlpnas.search import checkpoint, schedule
from mlpnas.search.budget import parse_duration, plateau
from mlpnas.storage import LogEntry, names
from mlpnas.testing import ScriptedTask, fake_train_child, no_test_score
from tests.search.test_checkpoint import interrupt, tokens_and_rewards

pytest.importorskip("tensorflow")
from mlpnas.search import loop as search_mod  # noqa: E402
from mlpnas.strategies.random import RandomStrategy  # noqa: E402

CHILD_SECONDS = 10.0
BASE = ["search", "--dataset", "iris", "--strategy", "random", "--space", "mlp"]


@pytest.fixture
def fake(monkeypatch):
    """`nas search` with fake children and a fake clock: each child advances it."""
    clock = {"t": 0.0}

    def tick(n):
        clock["t"] += CHILD_SECONDS

    task = ScriptedTask(fake_train_child, hook=tick)
    monkeypatch.setattr(search_mod.MLPNAS, "elapsed", lambda self: clock["t"])
    monkeypatch.setattr(search_mod, "MLPNAS", functools.partial(
        search_mod.MLPNAS, task=task, test_task=no_test_score))
    return task


def nas(runner, *args, ok=True):
    import cli

    result = runner.invoke(cli.main, list(map(str, args)))
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def status(event):
    return storage.read_json(event / names.STATUS_FILE)


# --- --time-budget ---------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [("90s", 90), ("30m", 1800), ("2h", 7200),
                                           ("1h30m", 5400), (" 1H5S", 3605)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "90", "1.5h", "30x", "m", "0s", "-5m", "1m1h"])
def test_bad_durations_are_one_line_errors(text, runner, tmp_path):
    with pytest.raises(NasError):
        parse_duration(text)
    result = nas(runner, *BASE, "--time-budget", text, "--logs-dir", tmp_path, ok=False)
    assert result.exit_code == 2 and "--time-budget" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "event1").exists()


def test_time_budget_stops_cleanly_and_resumes_with_a_longer_one(runner, tmp_path, fake):
    logs = tmp_path / "L"
    args = [*BASE, "--controller-epochs", 3, "--samples-per-epoch", 3, "--no-one-shot",
            "--logs-dir", logs]
    result = nas(runner, *args, "--time-budget", "35s")
    # 10 s per child: after the 3rd (30 s) the next would end at 40 s > 35 s.
    event = logs / "event1"
    assert fake.calls == 3 and len(storage.read_log(event / names.LOG_FILE)) == 3
    final = status(event)
    assert final["status"] == "finished" and final["stop_reason"].startswith("time budget")
    progress = [line for line in result.output.splitlines() if line.startswith("[")]
    assert progress[-1].endswith("eta 0:00:05")  # the budget's 5 s left, not 6 children's 60 s
    assert "stopped early (time budget" in result.output
    listing = nas(runner, "events", "--logs-dir", logs).output
    assert "finished (time budget)" in listing
    report = tmp_path / "r.html"
    nas(runner, "report", "--logs-dir", logs, "--output", report)
    assert "stopped early, time budget" in report.read_text()
    # The same budget again: the checkpointed estimate starts no child.
    nas(runner, "search", "--resume", "--logs-dir", logs)
    assert fake.calls == 3 and "would be exceeded" in status(event)["stop_reason"]
    # A longer budget continues the same search where it stopped (mid-epoch).
    nas(runner, "search", "--resume", "--logs-dir", logs, "--time-budget", "1m")
    assert len(storage.read_log(event / names.LOG_FILE)) == 6
    nas(runner, *args, "--logs-dir", tmp_path / "R")  # the same search without a budget
    assert tokens_and_rewards(event) == tokens_and_rewards(tmp_path / "R" / "event1")[:6]


# --- --patience ---------------------------------------------------------------------------

def test_plateau_counts_epochs_since_the_best():
    def entry(epoch, acc, **meta):
        return LogEntry(0, (1,), acc, None, {"controller_epoch": epoch, **meta})

    entries = [entry(0, 0.5), entry(1, 0.7), entry(2, 0.6), entry(3, 0.9, stopped_early=True)]
    assert not plateau(entries, 2, 2)
    assert plateau(entries, 3, 2)  # a stopped-early score is no improvement


def test_patience_stops_on_a_plateau(runner, tmp_path, fake):
    fake.task = lambda *a, **k: fake_train_child(*a, **k).__class__(
        0.9 - a[2] / 100, {}, [], {})  # the first child is the best one
    logs = tmp_path / "L"
    nas(runner, *BASE, "--controller-epochs", 6, "--samples-per-epoch", 2, "--patience", 2,
        "--no-one-shot", "--logs-dir", logs)
    assert len(storage.read_log(logs / "event1" / names.LOG_FILE)) == 6  # epochs 0, 1, 2
    assert status(logs / "event1")["stop_reason"].startswith("patience")
    assert "finished (patience)" in nas(runner, "events", "--logs-dir", logs).output


# --- --scheduler halving ------------------------------------------------------------------

def test_rungs():
    assert schedule.rung_epochs(9, 3, 9) == [1, 3, 9]
    assert schedule.rung_epochs(150, 3, 4) == [50, 150]
    assert schedule.rung_epochs(1, 3, 9) == [1]  # no room for a lower rung
    assert [schedule.survivors(n, 3) for n in (9, 3, 2)] == [3, 1, 1]


@pytest.mark.parametrize("args, message", [
    (["--scheduler", "halving"], "add --no-one-shot"),
    (["--scheduler", "halving", "--no-one-shot", "--predictor", "--screen", "2",
      "--strategy", "rl"], "leave out --screen")])
def test_halving_refuses_what_it_cannot_honour(runner, tmp_path, args, message):
    result = nas(runner, *BASE, *args, "--logs-dir", tmp_path, ok=False)
    assert result.exit_code == 1 and result.stderr.strip().splitlines()[-1].startswith(
        "Error: --scheduler halving") and message in result.stderr
    assert "Traceback" not in result.stderr


HALVING = [*BASE, "--scheduler", "halving", "--no-one-shot", "--eta", 3,
           "--samples-per-epoch", 9, "--child-epochs", 9]


def test_halving_logs_every_rung_and_rewards_only_full_fidelity(runner, tmp_path, fake,
                                                               monkeypatch):
    told = []
    real_tell = RandomStrategy.tell
    monkeypatch.setattr(RandomStrategy, "tell", lambda self, seqs, rewards, observed=None: (
        told.append((seqs, rewards, observed)), real_tell(self, seqs, rewards, observed))[1])
    logs = tmp_path / "L"
    nas(runner, *HALVING, "--controller-epochs", 1, "--logs-dir", logs)
    entries = storage.read_log(logs / "event1" / names.LOG_FILE)
    assert fake.calls == 9 + 3 + 1 and len(entries) == 9
    stopped = {e.tokens: e for e in entries if e.meta["stopped_early"]}
    full = [e for e in entries if not e.meta["stopped_early"]]
    assert [e.meta["rung"] for e in entries] == [0] * 6 + [1] * 2 + [2]
    assert [len(e.meta["rungs"]) for e in entries] == [1] * 6 + [2] * 2 + [3]
    assert [r["epochs"] for r in full[0].meta["rungs"]] == [1, 3, 9]
    assert full[0].meta["epochs"] == 9 and entries[0].meta["epochs"] == 1
    # Promotion follows the rung's scores: every survivor beat every stopped child there.
    promoted = [e for e in entries if e.meta["rung"] >= 1]
    assert min(e.meta["rungs"][0]["val_accuracy"] for e in promoted) >= max(
        e.val_accuracy for e in entries if e.meta["rung"] == 0)
    # The reward rule: stopped children rank below every full-fidelity score, rung 0 at 0.
    (seqs, rewards, observed), = told
    reward = {tuple(s): r for s, r in zip(seqs, rewards)}
    best_full = min(e.val_accuracy for e in full)
    for tokens, entry in stopped.items():
        assert reward[tokens] < best_full
        if entry.meta["rung"] == 0:
            assert reward[tokens] == 0.0 < entry.val_accuracy
    assert [tuple(s) for s in observed[0]] == [e.tokens for e in full]
    assert status(logs / "event1")["best"]["index"] == full[0].index
    rows = json.loads(nas(runner, "top-n", 9, "--json", "--logs-dir", logs).output)
    assert {r["stopped_early"] for r in rows} == {True, False}
    assert any("[stopped at rung 0, 1 epochs]" in r["description"] for r in rows)


def test_ctrl_c_inside_a_rung_resumes_exactly(runner, tmp_path, fake):
    args = [*HALVING, "--controller-epochs", 2]
    nas(runner, *args, "--logs-dir", tmp_path / "R")
    reference = storage.read_log(tmp_path / "R" / "event1" / names.LOG_FILE)
    fake.calls = 0
    fake.hook = lambda n: n == 11 and interrupt(1)  # the 2nd job of epoch 0's rung 1
    logs = tmp_path / "L"
    result = nas(runner, *args, "--logs-dir", logs, ok=False)
    assert result.exit_code == C.INTERRUPTED_EXIT_CODE
    state = checkpoint.load(logs / "event1")
    assert state["pending"]["halving"]["rung"] == 1 and len(state["entries"]) == 6
    assert len(state["pending"]["halving"]["weights"]) == 3
    nas(runner, "search", "--resume", "--logs-dir", logs)
    resumed = storage.read_log(logs / "event1" / names.LOG_FILE)
    assert [(e.tokens, e.val_accuracy, e.meta["rungs"]) for e in resumed] == [
        (e.tokens, e.val_accuracy, e.meta["rungs"]) for e in reference]


def test_time_budget_counts_rung_epochs(runner, tmp_path, fake):
    """The estimate is per epoch: after nine 1-epoch rung-0 jobs (90 s), a rung-1 job trains
    2 epochs (about 20 s) and would overrun 105 s, where a per-job estimate (10 s) would
    start it."""
    logs = tmp_path / "L"
    nas(runner, *HALVING, "--controller-epochs", 1, "--time-budget", "1m45s",
        "--logs-dir", logs)
    assert fake.calls == 9
    assert status(logs / "event1")["stop_reason"].startswith("time budget")


# --- --warm-start ---------------------------------------------------------------------------

def test_warm_start_primes_the_strategy_and_reuses_scores(runner, tmp_path, fake):
    logs = tmp_path / "L"
    small = ["--max-layers", 2, "--no-one-shot", "--logs-dir", logs]
    nas(runner, *BASE, "--controller-epochs", 2, "--samples-per-epoch", 6, *small)
    earlier = tokens_and_rewards(logs / "event1")
    first = dict(earlier)
    fake.calls = 0
    nas(runner, *BASE[:3], "--strategy", "evolution", "--space", "mlp", "--seed", 7,
        "--population", 30, "--controller-epochs", 2, "--samples-per-epoch", 6, "--warm-start", 1, *small)
    second = logs / "event2"
    info = storage.read_json(second / names.CONFIG_FILE)["warm_start"]
    assert info["event"] == str(logs / "event1") and info["pairs"] == 12
    assert "warm-started from event1" in nas(runner, "events", "--logs-dir", logs).output
    population = checkpoint.load(second)["strategy"]["population"]
    assert [(tuple(s), r) for s, r in population[:12]] == earlier  # primed, in log order
    trained = [t for t, _ in tokens_and_rewards(second)]
    assert not set(trained) & set(first)  # scored before: not trained again
    epochs = status(second)["epochs"]
    reused = sum(e["reused"] for e in epochs)
    assert reused > 0 and fake.calls == len(trained)
    assert len(trained) + reused + sum(e["repeats"] for e in epochs) == 12


@pytest.mark.parametrize("change, message", [
    (["--dataset", "wine"], "searched other data"),
    (["--max-layers", 3], "--max-layers 2 -> 3"),
    (["--space", "tabular"], "searched the mlp space")])
def test_warm_start_refuses_other_data_or_space(runner, tmp_path, fake, change, message):
    logs = tmp_path / "L"
    nas(runner, *BASE, "--controller-epochs", 1, "--samples-per-epoch", 2, "--max-layers", 2,
        "--logs-dir", logs)
    args = [*BASE, "--max-layers", 2, "--logs-dir", logs, "--warm-start", 1]
    result = nas(runner, *args, *change, ok=False)
    last = result.stderr.strip().splitlines()[-1]
    assert result.exit_code == 1 and last.startswith("Error: --warm-start") and message in last
    assert "Traceback" not in result.stderr
    assert sorted(storage.event_dirs(logs)) == [1]  # no event folder for the refused one


def test_a_worker_job_carries_its_start():
    """The worker side of --workers: a job's start reaches the task (the pool's own
    start-up is the executors' tests' business)."""
    import numpy as np

    from mlpnas.config import SearchConfig
    from mlpnas.spaces import make_space
    from mlpnas.training import executors

    space = make_space("mlp", max_length=3)
    executors._init_worker(space, None, SearchConfig(), fake_train_child)
    seq = [1, 2]  # the fake child only sums its tokens
    start = {"epochs": 2, "weights": [np.array([5.0]), np.array([3.0])]}
    status, outcome = executors._process_work(seq, 7, None, start)
    assert status == "ok" and outcome.meta["epochs"] == 2 and outcome.weights[1][0] == 5.0
    status, outcome = executors._process_work(seq, 7, None)
    assert status == "ok" and "epochs" not in outcome.meta  # no start: a full child
