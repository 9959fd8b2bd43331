"""Cost measures of a child (parameters, multiply-adds, file size, CPU latency) and hard limits in the real
child task: a child over a limit is measured but not trained."""

from __future__ import annotations

import pytest

from mlpnas.config import SearchConfig
from mlpnas.data.tabular import prepare_tabular
from mlpnas.spaces.mlp import MLPSpace
from tests.helpers.frames import make_frame

pytest.importorskip("tensorflow")
from mlpnas.training.child import train_child  # noqa: E402
from mlpnas.training.cost import measure_cost, multiply_adds  # noqa: E402
from mlpnas.training.mlp import build_mlp  # noqa: E402

SMALL, LARGE = [3, 30], [25, 25, 30]  # (8, relu) and twice (512, sigmoid), then the output


def test_cost_measures_grow_with_the_model():
    space = MLPSpace()
    small = measure_cost(build_mlp(space, SMALL, 7, 3).model, batch=16, repeats=3)
    large = measure_cost(build_mlp(space, LARGE, 7, 3).model, batch=16, repeats=3)
    assert small["params"] == 7 * 8 + 8 + 8 * 3 + 3
    assert small["macs"] == 7 * 8 + 8 * 3 and large["macs"] == 7 * 512 + 512 * 512 + 512 * 3
    assert small["params"] < large["params"]
    assert small["size_bytes"] < large["size_bytes"]
    assert 4 * large["params"] < large["size_bytes"]  # float32 weights are in the file
    for cost in (small, large):
        assert cost["latency_ms"] > 0 and cost["latency_batch_ms"] > 0
        assert cost["latency_batch"] == 16 and cost["latency_repeats"] == 3
        assert cost["latency_threads"] >= 1


def test_train_child_logs_its_cost_and_skips_a_child_over_the_limit():
    data = prepare_tabular(make_frame(60), "tiny", keep_columns=("score",))
    space = MLPSpace()
    config = SearchConfig(dataset="tiny", space="mlp", child_epochs=1, seed=1)
    trained = train_child(space, SMALL, 0, data, config, None)
    assert {"params", "size_bytes", "latency_ms", "latency_threads"} <= set(trained.meta)
    assert "history" in trained.meta and not trained.meta.get("failed")
    limited = config.with_changes(max_params=trained.meta["params"])
    skipped = train_child(space, LARGE, 1, data, limited, None)
    assert skipped.meta["failed"] and "--max-params" in skipped.meta["over_limit"]
    assert "history" not in skipped.meta and skipped.weights == []
    by_macs = config.with_changes(max_macs=trained.meta["macs"])
    assert not train_child(space, SMALL, 2, data, by_macs, None).meta.get("failed")
    skipped = train_child(space, LARGE, 3, data, by_macs, None)
    assert skipped.meta["failed"] and "--max-macs" in skipped.meta["over_limit"]
    assert skipped.meta["macs"] > trained.meta["macs"] and "latency_ms" not in skipped.meta


def test_multiply_adds_of_convolutions_and_dense_layers():
    import keras

    inputs = keras.Input((8, 8, 2))
    conv = keras.layers.Conv2D(4, 3, padding="same")(inputs)  # 8 x 8 x 4 outputs, 3 x 3 x 2 each
    strided = keras.layers.Conv2D(6, 1, strides=2)(conv)  # 4 x 4 x 6 outputs, 4 each
    depthwise = keras.layers.DepthwiseConv2D(3, padding="same")(strided)  # 4 x 4 x 6, 9 each
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(depthwise))  # 96 x 10
    model = keras.Model(inputs, outputs)
    expected = 8 * 8 * 4 * 18 + 4 * 4 * 6 * 4 + 4 * 4 * 6 * 9 + 96 * 10
    assert multiply_adds(model) == expected
    outer = keras.Sequential([keras.Input((8, 8, 2)), model])  # nested models are counted
    assert multiply_adds(outer) == expected
