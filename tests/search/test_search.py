"""A tiny end-to-end search: logs after every child, seeded, failures recorded."""

import json
import warnings

import pytest

from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import prepare_tabular
from mlpnas.strategies.base import Strategy
from mlpnas.testing import ScriptedTask
from tests.helpers.frames import make_frame


@pytest.fixture(scope="module")
def tiny():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare_tabular(make_frame(90), "tiny", seed=0)


def _config(tmp_path, **kw):
    base = dict(dataset="tiny", controller_epochs=2, samples_per_epoch=2, child_epochs=1,
                max_layers=3, logs_dir=str(tmp_path), controller_train_steps=1)
    base.update(kw)
    return SearchConfig(**base)


@pytest.mark.slow
def test_search_logs_every_child_as_it_goes(tmp_path, tiny):
    from mlpnas.search.loop import MLPNAS

    seen = []

    def progress(line):
        # The log on disk already holds the child this line reports.
        seen.append(len(storage.read_log(tmp_path / "event1" / "nas_data.pkl")))

    result = MLPNAS(_config(tmp_path), dataset=tiny, progress=progress).search()
    assert seen == [1, 2, 3, 4]
    raw = storage.read_raw_log(result.event_dir / "nas_data.pkl")
    assert len(raw) == 4
    tokens, acc, pred, meta = raw[0]
    assert isinstance(tokens, list) and all(type(t) is int for t in tokens)
    assert 0.0 <= acc <= 1.0 and pred is None
    for key in ("layers", "params", "epochs", "train_seconds", "inherited_layers",
                "controller_epoch"):
        assert key in meta
    assert [e[3]["controller_epoch"] for e in raw] == [0, 0, 1, 1]
    config = json.loads((result.event_dir / "config.json").read_text())
    assert config["seed"] == 0 and config["dataset"]["fingerprint"] == tiny.fingerprint
    assert "tensorflow" in config["versions"]
    status = json.loads((result.event_dir / "status.json").read_text())
    assert status["status"] == "finished" and status["children"] == 4
    assert len(status["epochs"]) == 2 and 0 <= status["test_accuracy"] <= 1
    assert (result.event_dir / "controller.weights.h5").exists()
    assert result.test_accuracy == status["test_accuracy"]


@pytest.mark.slow
def test_same_seed_same_sequences(tmp_path, tiny):
    from mlpnas.search.loop import MLPNAS

    runs = []
    for _ in range(2):
        res = MLPNAS(_config(tmp_path, seed=5), dataset=tiny).search()
        runs.append([e.tokens for e in res.entries])
    assert runs[0] == runs[1]  # including the epoch sampled after a controller update


class Fixed(Strategy):
    """Test double: proposes the given sequences in order."""

    name = "fixed"

    def __init__(self, seqs):
        self.seqs = list(seqs)

    def ask(self, m):
        out, self.seqs = self.seqs[:m], self.seqs[m:]
        return out

    def get_state(self):
        return {}

    def set_state(self, state):
        pass


@pytest.mark.slow
def test_one_shot_records_inherited_layers(tmp_path, tiny):
    from mlpnas.search.loop import MLPNAS

    seqs = [[19, 30], [19, 10, 30], [5, 30]]
    on = MLPNAS(_config(tmp_path, controller_epochs=1, samples_per_epoch=3), dataset=tiny,
                strategy=Fixed(seqs)).search()
    # [19, 30]: nothing stored yet; [19, 10, 30]: (4 -> 128 relu); [5, 30]: nothing shared.
    assert [e.meta["inherited_layers"] for e in on.entries] == [0, 1, 0]
    off = MLPNAS(_config(tmp_path, controller_epochs=1, samples_per_epoch=3, one_shot=False),
                 dataset=tiny, strategy=Fixed(seqs)).search()
    assert [e.meta["inherited_layers"] for e in off.entries] == [0, 0, 0]


def test_failed_child_is_logged_and_search_goes_on(tmp_path, tiny):
    from mlpnas.search.loop import MLPNAS
    from mlpnas.training.child import train_child

    flaky = ScriptedTask(train_child, raises={2: RuntimeError("simulated out of memory")})
    seqs = [[19, 30], [5, 30], [6, 30], [7, 30]]
    res = MLPNAS(_config(tmp_path), dataset=tiny, strategy=Fixed(seqs), task=flaky).search()
    assert len(res.entries) == 4
    failed = [e for e in res.entries if e.failed]
    assert len(failed) == 1 and failed[0].val_accuracy == 0.0
    assert "simulated out of memory" in failed[0].meta["error"]
