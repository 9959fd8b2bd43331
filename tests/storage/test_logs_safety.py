"""Hostile and broken logs: code in a pickle never runs; broken events fail alone, clearly."""

from __future__ import annotations

import copyreg
import os
import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlpnas import storage
from mlpnas.errors import NasError
from mlpnas.storage import names
from tests.helpers import ROOT


class Payload:
    """Unpickling this runs a shell command (what a hostile log would do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def hostile_pickles(marker: Path) -> dict[str, bytes]:
    """Pickles that each call os.system when loaded with plain pickle.loads."""
    cmd = f"touch {marker}".encode()
    protocol0 = b"cos\nsystem\n(S'" + cmd + b"'\ntR."
    inst = b"(S'" + cmd + b"'\nios\nsystem\n."
    entries = [[[1, 30], 0.5], [[2, 30], Payload(marker)]]
    in_array = np.array([Payload(marker)], dtype=object)
    dotted = (b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x05numpy\x8c\x0dndarray.tofile"
              b"\x93.")
    copyreg.add_extension("posix", "system", 0x7ACE)  # referenced by an EXT opcode
    try:
        ext = pickle.dumps(Payload(marker), protocol=2)
    finally:
        copyreg.remove_extension("posix", "system", 0x7ACE)
    return {"protocol0-global": protocol0, "inst-opcode": inst,
            "reduce-p2": pickle.dumps(Payload(marker), protocol=2),
            "stack-global-p4": pickle.dumps(Payload(marker), protocol=4),
            "nested-in-entries": pickle.dumps(entries, protocol=4),
            "inside-object-array": pickle.dumps([[[1, 30], in_array]], protocol=4),
            "dotted-name": dotted, "ext-registry": ext}


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "payload-ran"


def test_the_payloads_are_live(marker):
    """Control: plain pickle.loads does run them (so the refusal below is meaningful)."""
    pickle.loads(hostile_pickles(marker)["stack-global-p4"])
    assert marker.exists()


@pytest.mark.parametrize("kind", sorted(hostile_pickles(Path("x"))))
def test_crafted_pickle_is_refused_and_does_not_run(marker, kind):
    data = hostile_pickles(marker)[kind]
    with pytest.raises(NasError) as info:
        storage.safe_unpickle(data, "evil.pkl")
    assert "evil.pkl" in str(info.value) and "\n" not in str(info.value)
    assert not marker.exists()


def test_cli_refuses_a_hostile_log_in_one_line(tmp_path, marker, runner):
    import cli

    event = tmp_path / "L" / "event1"
    event.mkdir(parents=True)
    (event / names.LOG_FILE).write_bytes(hostile_pickles(marker)["nested-in-entries"])
    for args in (["top-n", "3"], ["plot-accuracy"]):
        result = runner.invoke(cli.main, args + ["--logs-dir", str(tmp_path / "L")])
        assert result.exit_code == 1
        assert "refused to load posix.system" in result.stderr or "os.system" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not marker.exists()


def test_own_and_mlpnas_values_still_load(mlpnas_logs):
    entries = [[[1, 5, 30], np.float64(0.61), np.float32(0.45),
                {"history": {"loss": [0.5]}, "layers": ["(8, 'relu')"]}],
               [[np.int64(2), 30], 0.7, None, {"failed": True, "error": "x"}]]
    state = {"rng": np.random.default_rng(0).bit_generator.state,
             "weights": {("dense", 4, 8, "relu"): [np.ones((4, 8), "float32")]},
             "iterations": np.array(3, dtype="int64")}
    back = storage.safe_unpickle(pickle.dumps([entries, state], protocol=4))
    assert back[0][1][3]["error"] == "x"
    assert back[1]["weights"][("dense", 4, 8, "relu")][0].shape == (4, 8)
    for path in sorted(mlpnas_logs.glob("event*/" + names.LOG_FILE)):
        assert len(storage.read_log(path)) > 0


def write_log(path: Path, n: int = 6) -> bytes:
    rng = np.random.default_rng(0)
    entries = [[[int(t) for t in rng.integers(1, 29, 2)] + [30], float(rng.random()), None,
                {"controller_epoch": i // 2, "history": {"loss": [0.3, 0.2]}}] for i in range(n)]
    storage.write_pickle_atomic(path, entries)
    return path.read_bytes()


def test_truncated_log_names_the_file(tmp_path):
    path = tmp_path / names.LOG_FILE
    data = write_log(path)
    for cut in range(0, len(data) - 1, 7):
        path.write_bytes(data[:cut])
        with pytest.raises(NasError, match=str(path)):
            storage.read_log(path)


def test_corrupted_bytes_give_a_clear_error_or_a_valid_log(tmp_path):
    """Random byte changes: either a log that still reads, or a NasError; nothing else."""
    path = tmp_path / names.LOG_FILE
    data = bytearray(write_log(path))
    rng = random.Random(0)
    errors = 0
    for _ in range(600):
        bad = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            bad[rng.randrange(len(bad))] = rng.randrange(256)
        path.write_bytes(bytes(bad))
        try:
            storage.read_log(path)
        except NasError as exc:
            errors += 1
            assert str(path) in str(exc) and "\n" not in str(exc)
    assert errors > 0


@pytest.mark.parametrize("content, message", [
    (pickle.dumps({"not": "a list"}), "expected a list"),
    (pickle.dumps([[[1, 30]]]), "entry 0 is not"),
    (pickle.dumps([[["a", 30], 0.5]]), "non-numeric"),
    (pickle.dumps([[[float("inf"), 30], 0.5]]), "non-numeric"),
    (pickle.dumps([[[1, 30], 0.5, "high"]]), "non-numeric"),
    (b"", "truncated or corrupted"),
    (b"PK\x03\x04 this is a zip, not a pickle", "corrupted"),
])
def test_malformed_logs(tmp_path, content, message):
    path = tmp_path / names.LOG_FILE
    path.write_bytes(content)
    with pytest.raises(NasError, match=message):
        storage.read_log(path)


def test_broken_events_fail_alone(tmp_path, runner):
    import cli

    root = tmp_path / "L"
    for n in (1, 2, 3, 4):
        (root / f"event{n}").mkdir(parents=True)
        write_log(root / f"event{n}" / names.LOG_FILE)
    (root / "event2" / names.LOG_FILE).unlink()
    (root / "event3" / names.LOG_FILE).write_bytes(b"\x80\x04\x95garbage")
    storage.write_json_atomic(root / "event4" / names.CONFIG_FILE, {"budget": 6})  # no status.json
    result = runner.invoke(cli.main, ["events", "--logs-dir", str(root)])
    assert result.exit_code == 0
    lines = result.output.splitlines()[1:]
    assert [line.split()[0] for line in lines] == ["1", "2", "3", "4"]
    assert "6/?" in lines[0] and "broken" not in lines[0]
    assert f"missing log file: {root / 'event2' / names.LOG_FILE}" in lines[1]
    assert "broken" in lines[2] and str(root / "event3" / names.LOG_FILE) in lines[2]
    assert f"missing file: {root / 'event4' / names.STATUS_FILE}" in lines[3]
    for event, ok in (("1", True), ("2", False), ("3", False)):
        result = runner.invoke(cli.main, ["top-n", "2", "--event", event,
                                          "--logs-dir", str(root)])
        assert (result.exit_code == 0) == ok
        if not ok:
            assert names.LOG_FILE in result.stderr and "Traceback" not in result.stderr


def test_event_lock_is_exclusive_and_released(tmp_path):
    held = storage.lock_event(tmp_path)
    assert storage.event_is_locked(tmp_path)
    with pytest.raises(NasError, match="another running search"):
        storage.lock_event(tmp_path)
    held.close()
    assert not storage.event_is_locked(tmp_path)
    storage.lock_event(tmp_path).close()


RACE = """
import sys, os
from mlpnas import storage
for _ in range(15):
    number, path = storage.new_event_dir(sys.argv[1])
    storage.write_json_atomic(path / "owner.json", {"pid": os.getpid()})
    print(number)
"""


def test_racing_processes_get_distinct_events(tmp_path):
    root = tmp_path / "LOGS"
    procs = [subprocess.Popen([sys.executable, "-c", RACE, str(root)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    numbers = []
    pids = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        numbers += [int(x) for x in out.split()]
        pids.append(proc.pid)
    assert sorted(numbers) == list(range(1, 46))
    owners = [storage.read_json(p / "owner.json")["pid"] for p in storage.event_dirs(root).values()]
    assert sorted(owners) == sorted(pids * 15)
    shutil.rmtree(root)
