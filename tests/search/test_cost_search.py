"""A Pareto search with hard limits, end to end with fake children (mlpnas.testing): children
over a limit are logged with the reason, never trained, never listed or exported."""

from __future__ import annotations

import json

import pytest

from mlpnas import storage
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import prepare_tabular
from mlpnas.search import checkpoint
from mlpnas.storage import names
from mlpnas.testing import ScriptedTask, fake_costed_child, no_test_score
from tests.helpers.frames import make_frame

pytest.importorskip("tensorflow")
from mlpnas.search import loop as search_mod  # noqa: E402

LIMIT = 500  # fake children have 100 * (1 + sum(tokens) % 13) parameters


@pytest.fixture(scope="module")
def limited_search(tmp_path_factory):
    """One evolution search of 9 fake children for accuracy against params, --max-params 500."""
    logs = tmp_path_factory.mktemp("cost") / "LOGS"
    config = SearchConfig(dataset="tiny", space="mlp", strategy="evolution", controller_epochs=3,
                          samples_per_epoch=3, population=3, sample_size=2, seed=3,
                          logs_dir=str(logs), objective="accuracy,params", max_params=LIMIT)
    data = prepare_tabular(make_frame(60), "tiny", keep_columns=("score",))
    lines: list[str] = []
    nas = search_mod.MLPNAS(config, dataset=data, task=fake_costed_child,
                            test_task=no_test_score, progress=lines.append)
    return nas.search(), logs, lines


def test_over_limit_children_are_logged_with_the_reason_and_not_trained(limited_search):
    result, _, _ = limited_search
    over = [e for e in result.entries if e.over_limit]
    assert over and len(over) < len(result.entries)  # the seed gives both kinds
    for entry in result.entries:
        assert (entry.meta["params"] > LIMIT) == bool(entry.over_limit)
    for entry in over:
        assert entry.failed and "> --max-params 500" in entry.error
        assert "history" not in entry.meta  # the fake trains only children within the limit
    assert result.entries[result.best_index].over_limit is None


def test_the_progress_line_says_skipped_not_failed(limited_search):
    result, _, lines = limited_search
    children = [line for line in lines if line.startswith("[")]
    assert len(children) == len(result.entries)
    for entry, line in zip(result.entries, children):
        assert ("SKIPPED (over the limit" in line) == bool(entry.over_limit)
        assert "FAILED" not in line


def test_the_strategy_was_told_score_and_cost_pairs(limited_search):
    result, _, _ = limited_search
    state = checkpoint.load(result.event_dir)["strategy"]
    logged = {e.tokens: e for e in result.entries}
    for tokens, (score, cost) in state["population"]:
        entry = logged[tuple(tokens)]
        assert score == entry.val_accuracy
        assert cost == (float("inf") if entry.over_limit else entry.meta["params"])


def test_top_n_and_its_front_never_list_an_over_limit_child(limited_search, runner):
    import cli

    result, logs, _ = limited_search
    over = {tuple(e.tokens) for e in result.entries if e.over_limit}
    trained = [e for e in result.entries if not e.failed]
    for args in (["top-n", "50", "--json"], ["top-n", "--pareto", "--json"]):
        out = runner.invoke(cli.main, args + ["--logs-dir", str(logs)])
        assert out.exit_code == 0, out.output
        rows = json.loads(out.output)
        assert rows and not {tuple(r["tokens"]) for r in rows} & over
    assert len(json.loads(runner.invoke(cli.main, ["top-n", "50", "--json", "--logs-dir",
                                                   str(logs)]).output)) == len(trained)
    out = runner.invoke(cli.main, ["export", "--logs-dir", str(logs), "--rank",
                                   str(len(trained) + 1), "--output", str(logs / "m.keras")])
    assert out.exit_code != 0 and f"only {len(trained)} trained children" in out.output


def test_a_pareto_search_resumes_with_its_pairs(tmp_path):
    config = SearchConfig(dataset="tiny", space="mlp", strategy="local", controller_epochs=3,
                          samples_per_epoch=2, seed=5, logs_dir=str(tmp_path / "L"),
                          objective="accuracy,latency")
    data = prepare_tabular(make_frame(60), "tiny", keep_columns=("score",))
    whole = search_mod.MLPNAS(config, dataset=data, task=fake_costed_child,
                              test_task=no_test_score).search()

    class Crash(BaseException):
        pass

    task = ScriptedTask(fake_costed_child, raises={4: Crash()})
    with pytest.raises(Crash):
        search_mod.MLPNAS(config.with_changes(logs_dir=str(tmp_path / "R")), dataset=data,
                          task=task, test_task=no_test_score).search()
    resumed = search_mod.MLPNAS(config.with_changes(logs_dir=str(tmp_path / "R")), dataset=data,
                                task=fake_costed_child, test_task=no_test_score,
                                resume=tmp_path / "R" / "event1").search()
    read = storage.read_log
    assert ([e.tokens for e in read(resumed.event_dir / names.LOG_FILE)]
            == [e.tokens for e in read(whole.event_dir / names.LOG_FILE)])


@pytest.mark.parametrize("args, message", [
    (["--objective", "accuracy,flops"], "unknown objective"),
    (["--max-params", "-5"], "--max-params"),
    (["--max-latency-ms", "0"], "--max-latency-ms"),
])
def test_bad_objective_and_limit_values_give_one_line(runner, args, message):
    import cli

    out = runner.invoke(cli.main, ["search", "--dataset", "iris"] + args)
    assert out.exit_code == 2 and message in out.output
    assert len(out.output.strip().splitlines()) == 1 and "Traceback" not in out.output
