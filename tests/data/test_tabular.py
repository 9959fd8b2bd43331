"""Reading, cleaning and splitting tabular data; every bad input is one clear error."""

import warnings

import numpy as np
import pandas as pd
import pytest

from mlpnas.data.tabular import DataWarning, find_dataset, load_dataset, prepare_tabular
from mlpnas.errors import NasError
from tests.helpers.frames import make_frame


def _load(frame, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = prepare_tabular(frame, "t", **kw)
    return ds, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def test_index_column_dropped_and_label_last(tiny_csv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = load_dataset(str(tiny_csv))
    pre = ds.preprocessing
    assert pre.label == "label" and "Unnamed: 0" not in pre.feature_columns
    assert pre.feature_columns == ["a", "b", "colour"]  # 'score' leaks the label
    assert pre.encoded_names == ["a", "b", "colour=green", "colour=red"]
    assert ds.input_shape == (4,) and ds.class_names == ("high", "low", "mid")


def test_leak_dropped_with_warning_unless_kept():
    ds, msgs = _load(make_frame())
    assert "score" in ds.preprocessing.dropped_columns
    assert any("'score'" in m and "label" in m for m in msgs)
    kept, msgs = _load(make_frame(), keep_columns=("score",))
    assert "score" in kept.preprocessing.feature_columns and not kept.preprocessing.dropped_columns
    assert not any("score" in m for m in msgs)


def test_wine_quality_leak(wine_csv):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = load_dataset(str(wine_csv))
    assert list(ds.preprocessing.dropped_columns) == ["quality"]
    assert any("quality" in str(w.message) for w in caught)
    assert ds.n_classes == 3 and ds.input_shape == (11,)


def test_stratified_seeded_split_and_train_only_statistics():
    frame = make_frame(300)
    a, _ = _load(frame, seed=1)
    b, _ = _load(frame, seed=1)
    c, _ = _load(frame, seed=2)
    assert np.array_equal(a.y_val, b.y_val) and np.array_equal(a.x_test, b.x_test)
    assert not np.array_equal(a.x_val, c.x_val)
    for part in (a.y_train, a.y_val, a.y_test):
        assert set(part) == {0, 1, 2}
    train_share = np.bincount(a.y_train) / len(a.y_train)
    val_share = np.bincount(a.y_val) / len(a.y_val)
    assert np.allclose(train_share, val_share, atol=0.05)
    assert len(a.y_train) + len(a.y_val) + len(a.y_test) == 300
    assert np.allclose(a.x_train.mean(axis=0), 0, atol=1e-5)
    assert not np.allclose(a.x_val.mean(axis=0), 0, atol=1e-5)


def test_missing_values_imputed_with_warning():
    frame = make_frame()
    frame.loc[[3, 7], "a"] = np.nan
    frame.loc[5, "colour"] = np.nan
    ds, msgs = _load(frame)
    assert not np.isnan(ds.x_train).any() and not np.isnan(ds.x_val).any()
    assert any("'a'" in m and "2 missing" in m for m in msgs)
    assert any("'colour'" in m for m in msgs)


def test_builtin_and_lookup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_dataset("iris") == "iris"
    (tmp_path / "DATASETS").mkdir()
    make_frame().to_csv(tmp_path / "DATASETS" / "mine.csv", index=False)
    assert find_dataset("mine.csv").name == "mine.csv"
    assert find_dataset("mine").name == "mine.csv"
    ds = load_dataset("iris")
    assert ds.n_classes == 3 and ds.input_shape == (4,)


def _write(tmp_path, text, name="bad.csv", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


@pytest.mark.parametrize("content,message", [
    ("", "is empty"),
    ("a,b,label\n", "no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00garbage", "not a text CSV"),
    ('a,b,label\n1,2,"x\n', "not parseable as CSV"),
])
def test_unreadable_files(tmp_path, content, message):
    path = _write(tmp_path, content, mode="wb" if isinstance(content, bytes) else "w")
    with pytest.raises(NasError, match=message):
        load_dataset(path)


def test_missing_file():
    with pytest.raises(NasError, match="dataset not found: nope.csv"):
        load_dataset("nope.csv")


def test_bad_labels():
    frame = make_frame()
    with pytest.raises(NasError, match="unknown label column 'target'"):
        prepare_tabular(frame, "t", label="target")
    single = frame.assign(label="x")
    with pytest.raises(NasError, match="single class"):
        prepare_tabular(single, "t")
    few = frame.copy()
    few.loc[:2, "label"] = "rare"
    with pytest.raises(NasError, match="too few rows per class.*'rare' \\(3\\)"):
        prepare_tabular(few, "t")
    with pytest.raises(NasError, match="no values at all: a"):
        prepare_tabular(frame.assign(a=np.nan), "t")


def test_non_numeric_everything_is_one_hot():
    frame = pd.DataFrame({"c": ["x", "y", "z"] * 20, "label": ["p", "q"] * 30})
    ds, _ = _load(frame)
    assert ds.input_shape == (3,)
