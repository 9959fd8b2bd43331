"""What a search leaves on disk: event folders, the per-child record, atomic files. No TensorFlow.

    files.py        atomic writes, JSON, the safe pickle reader
    record.py       LogEntry (one trained child) and the log file of an event
    events.py       event folders: numbering, locks, reading one event
    listing.py      the events of a logs folder at a glance (`nas events`)
    writer.py       the event writer the search loop writes through
    tensorboard.py  TensorBoard scalars (imports TensorFlow when used)

The names most callers need are importable from here.
"""

from mlpnas.storage.events import (Event, event_dirs, event_is_locked,  # noqa: F401
                                   load_event, lock_event, new_event_dir, resolve_event)
from mlpnas.storage.files import (read_json, safe_unpickle, write_json_atomic,  # noqa: F401
                                  write_pickle_atomic)
from mlpnas.storage.record import (LogEntry, normalize_entry, read_log,  # noqa: F401
                                   read_raw_log, write_log)
