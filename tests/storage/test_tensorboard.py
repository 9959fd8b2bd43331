"""--tensorboard: one scalar per statistic and controller epoch, under the event."""

from __future__ import annotations

import numpy as np
import pytest

from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import prepare_tabular
from mlpnas.testing import no_test_score
from tests.helpers.frames import make_frame

pytest.importorskip("tensorflow")
from mlpnas.search import loop as search_mod  # noqa: E402
from mlpnas.storage import names  # noqa: E402
from mlpnas.training.child import ChildOutcome  # noqa: E402
from mlpnas.storage.tensorboard import ScalarWriter, read_scalars  # noqa: E402


def test_search_writes_scalars_per_controller_epoch(tmp_path):
    def child(space, seq, index, dataset, config, store):
        return ChildOutcome(0.3 + 0.1 * index, {}, [np.zeros(1)], {})

    config = SearchConfig(dataset="tiny", controller_epochs=2, samples_per_epoch=2,
                          controller_train_steps=1, controller_lstm_dim=8,
                          controller_embedding_dim=4, tensorboard=True,
                          logs_dir=str(tmp_path / "L"))
    data = prepare_tabular(make_frame(60), "tiny", keep_columns=("score",))
    event = search_mod.MLPNAS(config, dataset=data, task=child,
                              test_task=no_test_score).search().event_dir
    scalars = read_scalars(event / names.TENSORBOARD_DIR)
    epochs = storage.read_json(event / names.STATUS_FILE)["epochs"]
    assert {"reward/mean", "reward/best_of_epoch", "reward/best_so_far", "controller/baseline",
            "controller/policy_loss", "controller/entropy"} <= set(scalars)
    assert [s for s, _ in scalars["reward/mean"]] == [0, 1]
    assert [v for _, v in scalars["controller/policy_loss"]] == pytest.approx(
        [e["policy_loss"] for e in epochs])
    assert [v for _, v in scalars["reward/best_so_far"]] == pytest.approx([0.4, 0.6])


def test_writer_maps_predictor_tau_and_skips_non_numbers(tmp_path):
    writer = ScalarWriter(tmp_path)
    writer.write(3, {"tau": 0.5, "entropy": float("nan"), "note": "x", "flag": True,
                     "custom": 2})
    writer.close()
    assert read_scalars(tmp_path) == {"predictor/tau": [(3, 0.5)], "search/custom": [(3, 2.0)]}
