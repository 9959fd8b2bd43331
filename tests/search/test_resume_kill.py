"""A real search killed with SIGKILL at a random point and resumed equals an uninterrupted one.

Two searches start at once in the same LOGS folder (the reference and the victim): they
must get different events and never write into each other's files. The victim is killed
after a random number of logged children plus a random delay (so sometimes in the middle
of training, sometimes in the middle of writing), then resumed in a new process.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from mlpnas.search import checkpoint
from mlpnas import storage
from mlpnas.storage import names
from tests.helpers import ROOT

pytest.importorskip("tensorflow")

BUDGET_ARGS = ["--dataset", "iris", "--controller-epochs", "2", "--samples-per-epoch", "2",
               "--child-epochs", "1", "--seed", "7"]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}


def start_search(logs_dir, *extra):
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "search", *BUDGET_ARGS,
                             "--logs-dir", str(logs_dir), *extra], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def read_until_children(proc, k):
    """Read the victim's output until its event is known and k children are logged."""
    event, done = None, 0
    while done < k or event is None:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("event: ") and event is None:
            event = line.split("event: ", 1)[1].strip()
        done += line.startswith("[")
    return event


def log_of(event_dir):
    return [(e.tokens, e.val_accuracy, e.meta["child_index"], e.meta["controller_epoch"])
            for e in storage.read_log(event_dir / names.LOG_FILE)]


@pytest.mark.slow
def test_sigkill_at_a_random_point_then_resume(tmp_path):
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    k, delay = rng.randrange(4), rng.uniform(0.0, 2.0)
    logs_dir = tmp_path / "LOGS"
    reference, victim = start_search(logs_dir), start_search(logs_dir)
    event = read_until_children(victim, k)
    time.sleep(delay)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    victim.stdout.close()
    note = f"(kill seed {seed}: after {k} children + {delay:.2f}s)"
    assert event, f"the victim printed no event line {note}"
    event_dir = storage.resolve_event(logs_dir, event)
    partial = log_of(event_dir)  # the log of a killed search loads
    assert len(partial) <= 4 and not storage.event_is_locked(event_dir)
    resumed = subprocess.run([sys.executable, str(ROOT / "cli.py"), "search", "--resume",
                              event_dir.name, "--logs-dir", str(logs_dir)], cwd=ROOT, env=ENV,
                             capture_output=True, text=True, timeout=300)
    out, _ = reference.communicate(timeout=300)
    assert reference.returncode == 0, note
    if victim.returncode == 0:  # it had finished before the kill: nothing to resume
        assert "already finished" in resumed.stderr, note
    else:
        assert resumed.returncode == 0, f"{note} {resumed.stderr[-2000:]}"
    ref_dir = storage.resolve_event(logs_dir, out.split("event: ", 1)[1].split()[0])
    assert ref_dir != event_dir
    expected, final = log_of(ref_dir), log_of(event_dir)
    assert [e[2] for e in final] == [0, 1, 2, 3], note  # none duplicated, none missing
    assert final[:len(partial)] == partial, note  # nothing logged was trained again
    assert [e[0] for e in final] == [e[0] for e in expected], note  # same sequences
    assert final == expected, note  # and the same rewards
    for path, pid in ((ref_dir, reference.pid), (event_dir, None)):
        status = storage.read_json(path / names.STATUS_FILE)
        assert status["status"] == "finished" and status["children"] == 4
        assert pid is None or status["pid"] == pid  # each process wrote only its own event
    assert checkpoint.load(event_dir)["next_epoch"] == 2
