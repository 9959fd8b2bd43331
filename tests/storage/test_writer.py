"""EventWriter: the event folder a search writes through, locked while it is open."""

from __future__ import annotations

import pytest

from mlpnas import storage
from mlpnas.errors import NasError
from mlpnas.storage import names
from mlpnas.storage.writer import EventWriter


def test_new_events_are_numbered_and_locked_until_closed(tmp_path):
    first = EventWriter.create(tmp_path)
    assert first.path == tmp_path / "event1" and storage.event_is_locked(first.path)
    with pytest.raises(NasError, match="another running search"):
        EventWriter.reopen(first.path)
    with EventWriter.create(tmp_path) as second:
        assert second.path.name == "event2"  # never the open one
    first.close()
    first.close()  # closing twice is harmless
    assert not storage.event_is_locked(first.path)
    with EventWriter.reopen(first.path) as again:
        assert storage.event_is_locked(again.path)
    assert not storage.event_is_locked(first.path)


def test_json_files_land_where_readers_look(tmp_path):
    with EventWriter.create(tmp_path) as writer:
        writer.write_config({"space": "mlp", "budget": 4})
        writer.write_dataset({"label": "quality"})
        writer.write_status({"status": "running", "children": 0})
        assert writer.read_config() == {"space": "mlp", "budget": 4}
        assert writer.read_status()["status"] == "running"
    assert storage.read_json(writer.path / names.CONFIG_FILE)["budget"] == 4
    assert storage.read_json(writer.path / names.DATASET_FILE) == {"label": "quality"}
    assert storage.read_json(writer.path / names.STATUS_FILE)["children"] == 0
