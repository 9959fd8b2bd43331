"""Messy CSVs through `nas search`: what the data layer reads, drops, warns and reports.

The `data_only` fixture (conftest) replaces the search loop by a stub that stops right after
the data is loaded, so these tests run the real CLI and data layer without training.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def base_frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Two numeric features that predict a binary label only partly."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame({"a": np.round(rng.normal(size=n) + y, 3),
                         "b": np.round(rng.normal(size=n), 3),
                         "label": np.array(["no", "yes"])[y]})


def lines_with(lines: list[str], *words: str) -> list[str]:
    return [line for line in lines if all(w in line for w in words)]


def test_missing_value_spellings_are_missing_and_counted(data_only):
    frame = base_frame().astype({"a": object})
    tokens = ["?", "NA", "N/A", "null", "", "-", " ? "]
    frame.loc[:len(tokens) - 1, "a"] = tokens
    code, lines, data = data_only(frame)
    assert code == 1 and lines[-1] == "Error: stub: data loaded"
    assert data.preprocessing.encoded_names == ["a", "b"]  # still one numeric feature
    assert lines_with(lines, "missing values: 7 imputed in 1 column(s) (a)")
    assert data.summary()["missing_values"] == {"a": 7}


def test_a_stray_word_in_a_numeric_column_is_missing_with_a_warning(data_only):
    frame = base_frame().astype({"b": object})
    frame.loc[4, "b"] = "oops"
    _, lines, data = data_only(frame)
    assert data.preprocessing.encoded_names == ["a", "b"]
    assert lines_with(lines, "warning: column 'b': 1 value(s) that are not numbers ('oops')")


def test_inf_is_missing_with_a_warning_naming_the_column(data_only):
    frame = base_frame()
    frame.loc[[1, 2], "b"] = [np.inf, -np.inf]
    _, lines, data = data_only(frame)
    assert lines_with(lines, "warning: column 'b': 2 infinite value(s) (inf) treated as missing")
    assert np.isfinite(data.x_train).all() and np.isfinite(data.x_test).all()


def test_id_and_free_text_columns_dropped_with_a_note(data_only):
    frame = base_frame()
    frame.insert(0, "customer", [f"c{i:05d}" for i in range(len(frame))])
    frame.insert(1, "row_id", np.arange(1000, 1000 + len(frame))[::-1])
    frame.insert(2, "comment", [f"tasted of oak and cherry, batch {i}" for i in range(len(frame))])
    _, lines, data = data_only(frame)
    assert data.preprocessing.encoded_names == ["a", "b"]
    for col, why in (("customer", "ID-like"), ("row_id", "ID-like"), ("comment", "free text")):
        assert len(lines_with(lines, f"dropped column {col!r}: {why}")) == 1
    assert data.preprocessing.dropped_columns["comment"] == "free text"


def test_dates_and_times_become_one_numeric_feature_each(data_only):
    frame = base_frame()
    frame.insert(2, "sold", pd.date_range("2021-03-01", periods=len(frame), freq="7h").strftime(
        "%Y-%m-%d %H:%M"))
    frame.insert(3, "opens", [f"{h % 24:02d}:30" for h in range(len(frame))])
    _, lines, data = data_only(frame)
    names = data.preprocessing.encoded_names
    assert names == ["a", "b", "sold (days since 1970-01-01)", "opens (hours since midnight)"]
    assert lines_with(lines, "note: column 'sold' holds dates")
    assert lines_with(lines, "note: column 'opens' holds times of day")


def test_high_cardinality_categorical_is_capped_with_a_note(data_only):
    import CONSTANTS as C

    frame = base_frame(400)
    frame.insert(0, "city", [f"town{i % 90}" for i in range(len(frame))])
    _, lines, data = data_only(frame)
    city = [n for n in data.preprocessing.encoded_names if n.startswith("city=")]
    assert len(city) == C.CATEGORY_MAX_LEVELS + 1 and city[-1] == "city=(other)"
    assert lines_with(lines, "note: column 'city' has", "distinct values (in training): kept "
                             f"the {C.CATEGORY_MAX_LEVELS} most frequent")


def leak_frame(n: int = 300, seed: int = 1) -> pd.DataFrame:
    """A 5-level score, its coarsened band, a mostly-empty column, a noisy label copy."""
    rng = np.random.default_rng(seed)
    score = rng.integers(1, 6, n)
    frame = pd.DataFrame({"x": np.round(rng.normal(size=n) + score, 3)})
    frame["sparse"] = np.nan
    frame.loc[:2, "sparse"] = [1.0, 2.0, 3.0]
    flipped = np.where(rng.random(n) < 0.03, rng.integers(1, 6, n), score)
    frame["copy"] = np.array(list("_ABCDE"))[flipped]
    frame["band"] = np.where(score >= 4, "good", "poor")
    frame["score"] = score
    return frame


def test_leaks_judged_on_training_rows_both_directions_and_suspected(data_only):
    _, lines, data = data_only(leak_frame(), "--label", "score")
    dropped = data.preprocessing.dropped_columns
    assert dropped == {"band": "is determined by the label (a coarsened copy of it)"}
    assert lines_with(lines, "dropped column 'band'", "coarsened copy", "--keep-column band")
    suspected = lines_with(lines, "suspected label leak: column 'copy' alone predicts 'score'")
    assert len(suspected) == 1 and "cross-validated accuracy" in suspected[0]
    assert "copy" in data.preprocessing.feature_columns  # suspected: kept
    assert not lines_with(lines, "'sparse'", "leak")  # NaN is a value: no false leak
    assert not lines_with(lines, "'x'", "leak")


def test_column_that_determines_the_label_is_dropped_unless_kept(data_only):
    frame = leak_frame().drop(columns=["copy"])
    _, lines, data = data_only(frame, "--label", "band")
    assert data.preprocessing.dropped_columns == {"score": "determines the label exactly"}
    _, lines, kept = data_only(frame, "--label", "band", "--keep-column", "score")
    assert "score" in kept.preprocessing.feature_columns


def test_wine_quality_label_quality_drops_its_coarsened_copy(data_only, wine_csv):
    _, lines, data = data_only(None, "--dataset", str(wine_csv), "--label", "quality")
    assert list(data.preprocessing.dropped_columns) == ["quality_label"]
    assert lines_with(lines, "dropped column 'quality_label'", "coarsened copy")


def test_yardstick_twins_and_small_split_caveats(data_only):
    frame = base_frame(20)
    frame = pd.concat([frame, frame.iloc[:6]], ignore_index=True)  # repeated rows
    _, lines, data = data_only(frame)
    assert lines_with(lines, f"majority-class rate: {data.majority_rate:.4f}")
    twins = data.summary()["heldout_twins"]
    assert lines_with(lines, f"held-out twins: {twins['val']} of {len(data.y_val)} validation "
                             f"and {twins['test']} of {len(data.y_test)} test rows")
    assert lines_with(lines, "warning: the validation split has", "(under 30)")


def test_twins_are_counted_with_features_and_label(data_only):
    frame = base_frame(300)
    frame = pd.concat([frame, frame], ignore_index=True)  # every row twice
    _, _, data = data_only(frame)
    twins = data.summary()["heldout_twins"]
    assert 0 < twins["val"] <= len(data.y_val) and 0 < twins["test"] <= len(data.y_test)
    _, _, unique = data_only(base_frame(600))
    assert unique.summary()["heldout_twins"] == {"val": 0, "test": 0}


def test_more_features_than_training_rows_warns(data_only):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(np.round(rng.normal(size=(60, 80)), 3), columns=[f"f{i}" for i in range(80)])
    frame["label"] = np.where(frame["f0"] > 0, "p", "n")
    _, lines, _ = data_only(frame)
    assert lines_with(lines, "80 features for", "training rows: more features than rows")
