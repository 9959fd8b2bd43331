"""The command line through click's CliRunner: a tiny search, analysis, bad input."""

import json
import subprocess
import sys

import pytest

from cli import main
from tests.helpers import ROOT


def _run(runner, *args):
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.slow
def test_search_then_top_n_and_plot(runner, tmp_path, tiny_csv):
    logs_dir = tmp_path / "LOGS"
    res = _run(runner, "search", "--dataset", tiny_csv, "--controller-epochs", 1,
               "--samples-per-epoch", 2, "--child-epochs", 1, "--max-layers", 3,
               "--logs-dir", logs_dir, "--seed", 3)
    assert res.exit_code == 0, res.output
    assert "warning: dropped column 'score'" in res.stderr
    assert "[1/2]" in res.stdout and "[2/2]" in res.stdout and "eta" in res.stdout
    assert "best child's test accuracy" in res.stdout
    assert (logs_dir / "event1" / "nas_data.pkl").exists()

    res = _run(runner, "top-n", 5, "--json", "--logs-dir", logs_dir)
    rows = json.loads(res.stdout)
    assert [r["rank"] for r in rows] == [1, 2]
    assert rows[0]["val_accuracy"] >= rows[1]["val_accuracy"]
    assert rows[0]["architecture"][-1] == "(3, 'softmax')"
    assert set(rows[0]) >= {"rank", "tokens", "architecture", "val_accuracy"}

    out = tmp_path / "plots" / "acc.png"
    res = _run(runner, "plot-accuracy", "--logs-dir", logs_dir, "--output", out)
    assert res.exit_code == 0 and res.stdout.strip() == str(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_top_n_reads_mlpnas_logs(runner, mlpnas_logs):
    res = _run(runner, "top-n", 3, "--logs-dir", mlpnas_logs, "--event", "1051")
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[0].lstrip().startswith("1.") and "predicted" in lines[0]
    rows = json.loads(_run(runner, "top-n", 2, "--json", "--logs-dir", mlpnas_logs,
                           "--event", "event9208").stdout)
    assert "predicted_accuracy" not in rows[0] and rows[0]["tokens"][-1] == 30


def _bad(runner, *args):
    res = runner.invoke(main, [str(a) for a in args])
    assert res.exit_code != 0
    assert "Traceback" not in res.output + res.stderr
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error"), res.stderr
    return err[0]


def test_bad_input_is_one_line_error(runner, tmp_path, tiny_csv):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\x01\x02\xff\xfe binary")
    one_class = tmp_path / "one.csv"
    one_class.write_text("a,b,label\n" + "1,2,x\n" * 20)
    all_nan = tmp_path / "nan.csv"
    all_nan.write_text("a,b,label\n" + "".join(f"{i},,{'xy'[i % 2]}\n" for i in range(20)))
    few = tmp_path / "few.csv"
    few.write_text("a,label\n" + "".join(f"{i},{'x' if i < 18 else 'y'}\n" for i in range(20)))
    cases = [
        (("search", "--dataset", tmp_path / "missing.csv"), "dataset not found"),
        (("search", "--dataset", empty), "is empty"),
        (("search", "--dataset", garbage), "not a text CSV"),
        (("search", "--dataset", tiny_csv, "--label", "nope"), "unknown label column 'nope'"),
        (("search", "--dataset", one_class), "single class"),
        (("search", "--dataset", all_nan), "no values at all: b"),
        (("search", "--dataset", few), "too few rows per class"),
        (("search", "--dataset", tiny_csv, "--child-epochs", 0), "--child-epochs"),
        (("top-n", 5, "--logs-dir", tmp_path / "none"), "no events"),
        (("top-n", 5, "--logs-dir", tmp_path, "--event", 4), "no event"),
    ]
    (tmp_path / "event1").mkdir()
    (tmp_path / "event1" / "nas_data.pkl").write_bytes(b"\x80\x04garbage")
    cases.append((("top-n", 5, "--logs-dir", tmp_path), "nas_data.pkl"))
    for args, message in cases:
        assert message in _bad(runner, *args), args
    assert not (tmp_path / "LOGS").exists()  # bad data never creates an event


def test_help_does_not_import_tensorflow():
    code = ("import sys; from click.testing import CliRunner; from cli import main; "
            "r = CliRunner().invoke(main, ['top-n', '--help']); "
            "assert r.exit_code == 0; print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("command", ["search", "top-n", "plot-accuracy"])
def test_help_has_examples(runner, command):
    res = _run(runner, command, "--help")
    assert res.exit_code == 0 and "Examples:" in res.stdout


def test_descriptions_quote_dropout_like_decoding(tmp_path, runner):
    from mlpnas.storage import write_pickle_atomic

    (tmp_path / "event1").mkdir()
    meta = {"layers": ["(128, 'relu')", "dropout", "(3, 'softmax')"], "controller_epoch": 0}
    write_pickle_atomic(tmp_path / "event1" / "nas_data.pkl", [[[19, 29, 30], 0.7, None, meta]])
    res = _run(runner, "top-n", 1, "--logs-dir", tmp_path)
    assert "[(128, 'relu'), 'dropout', 'softmax']" in res.stdout
