"""start_child: Keras state reset and seeded between children, TensorFlow's compiled functions kept."""

import numpy as np
import pytest

from mlpnas.training.tf_setup import import_tf, keep_compiled_functions, start_child

tf, keras = import_tf()
from tensorflow.python.eager import context  # noqa: E402


@pytest.fixture
def cache_clears(monkeypatch):
    """Counts the calls that reach TensorFlow's cache clearing (and still clears)."""
    calls = []
    original = context.pywrap_tfe.TFE_ContextClearCaches

    def counting(handle):
        calls.append(handle)
        original(handle)

    monkeypatch.setattr(context.pywrap_tfe, "TFE_ContextClearCaches", counting)
    return calls


def _layer_weights():
    layer = keras.layers.Dense(4)
    layer.build((None, 3))
    return layer.name, [w.numpy() for w in layer.weights]


def test_start_child_resets_names_and_seeds_initial_weights():
    start_child(7)
    name, first = _layer_weights()
    _layer_weights()  # a second layer moves the name counter and the seed generator on
    start_child(7)
    again_name, again = _layer_weights()
    start_child(8)
    _, other = _layer_weights()
    assert again_name == name == "dense"
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.allclose(first[0], other[0])


def test_start_child_keeps_tensorflows_compiled_functions(cache_clears):
    keras.utils.set_random_seed(3)  # what start_child wraps clears them ...
    assert len(cache_clears) == 1
    start_child(3)  # ... start_child does not
    assert len(cache_clears) == 1
    tf.random.set_seed(3)  # and the clearing works again after it
    assert len(cache_clears) == 2


def test_keep_compiled_functions_restores_clearing_after_an_error(cache_clears):
    with pytest.raises(RuntimeError), keep_compiled_functions():
        raise RuntimeError("boom")
    keras.backend.clear_session(free_memory=False)
    assert len(cache_clears) == 1


def test_full_reset_clears_the_caches_and_seeds_the_same(cache_clears):
    start_child(5)
    _, kept = _layer_weights()
    start_child(5, full_reset=True)
    name, full = _layer_weights()
    assert len(cache_clears) >= 1 and name == "dense"
    np.testing.assert_array_equal(kept[0], full[0])


def test_children_ask_for_a_full_reset_every_so_often(monkeypatch):
    import CONSTANTS as C
    from mlpnas.training import child
    from mlpnas.config import SearchConfig
    from mlpnas.data.tabular import prepare_tabular
    from mlpnas.spaces.mlp import MLPSpace
    from tests.helpers.frames import make_frame

    calls = []
    monkeypatch.setattr(child, "start_child", lambda seed, full_reset=False: calls.append(full_reset))
    data = prepare_tabular(make_frame(60), "tiny", keep_columns=("score",))
    config = SearchConfig(dataset="tiny", child_epochs=1)
    for index in (0, 1, C.FULL_RESET_EVERY - 1, C.FULL_RESET_EVERY, 2 * C.FULL_RESET_EVERY):
        child.train_child(MLPSpace(), [1, 30], index, data, config, None)
    assert calls == [False, False, False, True, True]
