"""--numeric-encoding piecewise: standardized inputs plus a piecewise-linear encoding of
each numeric column over training quantile bins, reproduced for new rows."""

import warnings

import numpy as np
import pandas as pd
import pytest

import CONSTANTS as C
from mlpnas.data.tabular import (DataWarning, Preprocessing, numeric_positions,
                                 piecewise_bins, piecewise_linear, prepare_tabular,
                                 quantile_bin_edges)
from mlpnas.errors import NasError
from tests.helpers.frames import make_frame


def _prepare(frame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return prepare_tabular(frame, "t", seed=1, **kw)


def test_piecewise_linear_is_zero_below_a_bin_one_above_it_and_linear_within():
    got = piecewise_linear(np.array([-1.0, 0.5, 1.0, 2.0, 5.0]), np.array([0.0, 1.0, 3.0]))
    np.testing.assert_allclose(got, [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1]])


def test_bin_edges_are_training_quantiles_and_skip_columns_with_two_values():
    x = np.column_stack([np.arange(100.0), np.tile([0.0, 1.0], 50), np.arange(100.0) ** 2])
    edges = quantile_bin_edges(x, [0, 1, 2], bins=4)
    assert set(edges) == {"0", "2"}  # the binary column gains nothing from bins
    np.testing.assert_allclose(edges["0"], np.quantile(x[:, 0], [0, 0.25, 0.5, 0.75, 1]))


def test_small_data_gets_fewer_bins():
    assert piecewise_bins(10_000) == C.PIECEWISE_BINS
    assert piecewise_bins(7 * C.PIECEWISE_MIN_ROWS_PER_BIN + 3) == 7
    assert piecewise_bins(5) == 2
    x = np.arange(300.0)[:, None]
    assert len(quantile_bin_edges(x, [0])["0"]) - 1 == piecewise_bins(300)


def test_numeric_positions_step_over_one_hot_columns():
    pre = Preprocessing("y", ["a", "b"], ["n1", "c", "n2", "d"],
                        categorical={"c": ["x", "y", "z"], "d": ["p"]}, other=["d"])
    assert numeric_positions(pre) == [0, 4]


def test_piecewise_inputs_follow_the_standard_ones_and_new_rows_get_the_same_encoding():
    frame = make_frame(600).drop(columns=["score"])
    plain, piecewise = _prepare(frame), _prepare(frame, numeric_encoding="piecewise")
    pre = piecewise.preprocessing
    assert pre.numeric_encoding == "piecewise" and set(pre.bin_edges) == {"0", "1"}
    bins = piecewise_bins(len(piecewise.y_train))
    assert 2 < bins <= C.PIECEWISE_BINS
    n_bins = sum(len(e) - 1 for e in pre.bin_edges.values())
    assert n_bins == 2 * bins  # a and b are continuous: every bin is kept
    assert piecewise.input_shape == (plain.input_shape[0] + n_bins,)
    np.testing.assert_allclose(piecewise.x_train[:, :plain.input_shape[0]], plain.x_train)
    extra = piecewise.x_train[:, plain.input_shape[0]:]
    assert extra.min() == 0.0 and extra.max() == 1.0
    # A column's bins sum to where its value lies among the training quantiles.
    a_bins = extra[:, :bins].sum(axis=1)
    ranks = pd.Series(piecewise.x_train[:, 0]).rank(pct=True).to_numpy()
    assert np.corrcoef(a_bins, ranks)[0, 1] > 0.99
    # The exported preprocessing (a JSON round trip) encodes raw rows identically.
    again = Preprocessing.from_dict(pre.to_dict())
    rows = frame.iloc[:10]
    np.testing.assert_allclose(again.transform(rows), pre.transform(rows), atol=1e-6)
    assert again.transform(rows).shape == (10, piecewise.input_shape[0])


def test_preprocessing_saved_before_the_encoding_existed_reads_as_standard():
    pre = _prepare(make_frame(120).drop(columns=["score"])).preprocessing
    old = {k: v for k, v in pre.to_dict().items() if k not in ("numeric_encoding", "bin_edges")}
    again = Preprocessing.from_dict(old)
    assert again.numeric_encoding == "standard"
    rows = make_frame(5, seed=2).drop(columns=["score"])
    np.testing.assert_allclose(again.transform(rows), pre.transform(rows))


def test_unknown_numeric_encoding_is_one_clear_error():
    with pytest.raises(NasError, match="unknown numeric encoding 'bins'; choose one of: "
                                       "standard, piecewise"):
        _prepare(make_frame(60), numeric_encoding="bins")
