"""Event numbering, atomic log writes, and reading MLPNAS's logs as well as ours."""

import os
import pickle

import pytest

from mlpnas import storage
from mlpnas.analysis.summary import top_n
from mlpnas.errors import NasError


def test_event_numbering_never_overwrites(tmp_path):
    (tmp_path / "event7").mkdir()
    (tmp_path / "event7" / "nas_data.pkl").write_bytes(pickle.dumps([]))
    (tmp_path / "notes").mkdir()
    n, path = storage.new_event_dir(tmp_path)
    assert n == 8 and path.name == "event8"
    n2, _ = storage.new_event_dir(tmp_path)
    assert n2 == 9 and (tmp_path / "event7" / "nas_data.pkl").exists()
    assert storage.resolve_event(tmp_path).name == "event9"
    assert storage.resolve_event(tmp_path, "7").name == "event7"
    assert storage.resolve_event(tmp_path, "event8").name == "event8"
    with pytest.raises(NasError, match="no event '3'"):
        storage.resolve_event(tmp_path, "3")


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "nas_data.pkl"
    storage.write_pickle_atomic(path, [[[1, 30], 0.5, None, {}]])

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        storage.write_pickle_atomic(path, [[[1, 30], 0.5, None, {}], [[2, 30], 0.6, None, {}]])
    monkeypatch.undo()
    assert len(storage.read_log(path)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["nas_data.pkl"]  # no temp file left


def test_atomic_writes_get_the_permissions_of_a_plain_write(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    storage.write_pickle_atomic(tmp_path / "nas_data.pkl", [])
    storage.write_json_atomic(tmp_path / "status.json", {})
    for name in ("nas_data.pkl", "status.json"):  # not mkstemp's 0o600
        assert (tmp_path / name).stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_reads_mlpnas_logs(mlpnas_logs):
    for folder in sorted(mlpnas_logs.iterdir()):
        event = storage.load_event(mlpnas_logs, folder.name)
        assert len(event.entries) == 100
        assert all(e.tokens[-1] == 30 for e in event.entries)
        rows = top_n(event, 5)
        assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
        accs = [r["val_accuracy"] for r in rows]
        assert accs == sorted(accs, reverse=True)
        assert max(e.val_accuracy for e in event.entries) == accs[0]
        assert rows[0]["architecture"][-1] == "softmax"


def test_refuses_pickle_that_calls_a_function(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "nas_data.pkl"
    path.write_bytes(pickle.dumps([Payload()]))
    with pytest.raises(NasError, match="unsafe or corrupted pickle.*posix.system|unsafe"):
        storage.read_log(path)
    assert not marker.exists()


def test_truncated_log_names_the_file(tmp_path):
    path = tmp_path / "nas_data.pkl"
    path.write_bytes(pickle.dumps([[[1, 30], 0.5]] * 10)[:-7])
    with pytest.raises(NasError, match=str(path)):
        storage.read_log(path)
