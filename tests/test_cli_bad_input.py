"""Every bad input to `nas search` (core and resume): one line, non-zero exit, no traceback.

All of these fail before TensorFlow is imported or an event folder is made.
"""

from __future__ import annotations

import pytest

from tests.helpers.frames import make_frame


def write_inputs(tmp_path):
    frame = make_frame(60)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("a,b,label\n")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00garbage\x81\x82")
    (tmp_path / "ragged.csv").write_text('a,b,label\n1,2,x\n3,"4,y\n')
    (tmp_path / "onecol.csv").write_text("a\n1\n2\n3\n")
    frame.assign(label="same").to_csv(tmp_path / "single.csv", index=False)
    few = frame.copy()
    few.loc[:2, "label"] = "rare"
    few.to_csv(tmp_path / "few.csv", index=False)
    frame.assign(a=float("nan")).to_csv(tmp_path / "nan.csv", index=False)
    frame.assign(label=None).to_csv(tmp_path / "nolabel.csv", index=False)
    frame[["score", "label"]].to_csv(tmp_path / "onlyleak.csv", index=False)
    (tmp_path / "folder.csv").mkdir()


CASES = [
    (["--dataset", "nothere.csv"], "dataset not found: nothere.csv"),
    (["--dataset", "empty.csv"], "empty.csv is empty"),
    (["--dataset", "header.csv"], "has a header but no rows"),
    (["--dataset", "binary.csv"], "not a text CSV"),
    (["--dataset", "ragged.csv"], "not parseable as CSV"),
    (["--dataset", "onecol.csv"], "has 1 column"),
    (["--dataset", "single.csv"], "has a single class"),
    (["--dataset", "few.csv"], "too few rows per class"),
    (["--dataset", "nan.csv"], "column(s) with no values at all: a"),
    (["--dataset", "nolabel.csv"], "label column 'label' is empty"),
    (["--dataset", "onlyleak.csv"], "no feature columns left after dropping label leaks"),
    (["--dataset", "folder.csv"], "is a folder"),
    (["--dataset", "few.csv", "--label", "nope"], "unknown label column 'nope'"),
    (["--dataset", "few.csv", "--keep-column", "nope"], "unknown column(s): nope"),
    (["--resume", "abc"], "no event 'abc'"),
    (["--resume", "--dataset", "few.csv"], "event1 cannot be resumed: missing"),
]


@pytest.mark.parametrize("args, message", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_search_input(tmp_path, runner, monkeypatch, args, message):
    import cli

    monkeypatch.chdir(tmp_path)
    write_inputs(tmp_path)
    if args[0] == "--resume":
        (tmp_path / "LOGS" / "event1").mkdir(parents=True)
    result = runner.invoke(cli.main, ["search", *args])
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1 and "Traceback" not in result.stderr  # (data warnings may precede)
    if args[0] != "--resume":
        assert not (tmp_path / "LOGS").exists()
