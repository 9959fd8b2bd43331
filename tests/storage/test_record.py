"""LogEntry, the one record per child, and the MLPNAS list shape it takes in the log file."""

from __future__ import annotations

import pickle

import pytest

from mlpnas import storage
from mlpnas.errors import NasError
from mlpnas.storage import LogEntry


def test_a_record_round_trips_through_the_list_shape():
    record = LogEntry(3, (1, 30), 0.75, 0.7, {"failed": False, "controller_epoch": 1})
    raw = record.to_raw()
    assert raw == [[1, 30], 0.75, 0.7, {"failed": False, "controller_epoch": 1}]
    assert LogEntry.from_raw(3, raw) == record
    raw[3]["failed"] = True  # the list is a copy: the record stays as it was
    assert not record.failed


def test_the_log_file_holds_plain_lists_and_reads_back_as_records(tmp_path):
    records = [LogEntry(0, (5, 30), 0.5, None, {"controller_epoch": 0}),
               LogEntry(1, (7, 30), 0.0, None, {"failed": True, "error": "ValueError: bad"})]
    storage.write_log(tmp_path / "nas_data.pkl", records)
    raw = pickle.loads((tmp_path / "nas_data.pkl").read_bytes())
    assert raw == [[[5, 30], 0.5, None, {"controller_epoch": 0}],
                   [[7, 30], 0.0, None, {"failed": True, "error": "ValueError: bad"}]]
    assert storage.read_log(tmp_path / "nas_data.pkl") == records
    assert records[1].failed and records[1].error == "ValueError: bad" and records[0].error is None


def test_mlpnas_entries_of_two_or_three_fields_become_records():
    assert LogEntry.from_raw(0, [[1, 2, 30], 0.5]) == LogEntry(0, (1, 2, 30), 0.5)
    assert LogEntry.from_raw(1, ([1, 30], 0.5, 0.4)).predicted_accuracy == 0.4
    with pytest.raises(NasError, match="entry 2 is not"):
        LogEntry.from_raw(2, [[1, 30]], "old.pkl")
