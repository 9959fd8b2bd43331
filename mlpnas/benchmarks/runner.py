"""`nas bench`: search strategies side by side on tabulated benchmarks (mlpnas.benchmarks.tables).

Each strategy x seed is one search of `budget` evaluations through the same Strategy
classes (and so the same LSTM controller) as `nas search`; a table look-up replaces
training a child. The regret after k evaluations is the table's best mean value minus
the mean value of the incumbent, the best child so far by OBSERVED value (one recorded
run, drawn at random), so a strategy is not credited for knowing the table's means.
No TensorFlow in this module: RL workers import it when they build their controller.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Callable, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.config import SearchConfig
from mlpnas.errors import NasError
from mlpnas.strategies import STRATEGIES, make_strategy
from mlpnas.benchmarks.tables import Table, load_table


@dataclass(frozen=True)
class BenchResult:
    """Regret traces of every search: strategy -> array (seeds, budget)."""

    benchmark: str
    budget: int
    seeds: list[int]
    regret: dict[str, np.ndarray]
    unit: str


def incumbent_regret(table: Table, rows: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Regret after each evaluation: the table optimum minus the incumbent's mean.

    The incumbent is the best row so far by observed value (the first one on ties).
    """
    observed = np.asarray(observed, dtype=float)
    score = observed if table.info.maximize else -observed
    best_at = np.zeros(len(score), dtype=int)
    for k in range(1, len(score)):
        best_at[k] = k if score[k] > score[best_at[k - 1]] else best_at[k - 1]
    return table.regret(np.asarray(rows)[best_at])


def run_search(benchmark: str, strategy: str, seed: int, budget: int,
               config: SearchConfig | None = None) -> np.ndarray:
    """One search of `budget` table look-ups; returns its regret after each evaluation.

    Strategies ask for `config.samples_per_epoch` sequences at a time (the last batch
    may be smaller) and are told the rewards, exactly as in `nas search`.
    """
    config = config or SearchConfig()
    table = load_table(benchmark)
    search = make_strategy(strategy, table.space, config, seed)
    noise = np.random.default_rng([seed, 7])  # which recorded run a look-up returns
    rows: list[int] = []
    observed: list[float] = []
    while len(rows) < budget:
        seqs = search.ask(min(config.samples_per_epoch, budget - len(rows)))
        batch = table.index(seqs)
        values = table.observe(batch, noise)
        search.tell(seqs, table.reward(values).tolist())
        rows.extend(batch.tolist())
        observed.extend(values.tolist())
    return incumbent_regret(table, np.array(rows), np.array(observed))


def _run_task(task: tuple) -> tuple:
    """Worker entry point: (benchmark, strategy, seed, budget, config) -> (..., trace, s)."""
    benchmark, strategy, seed, budget, config = task
    start = time.perf_counter()
    trace = run_search(benchmark, strategy, seed, budget, config)
    return strategy, seed, trace, time.perf_counter() - start


def parse_strategies(text: str | Sequence[str]) -> list[str]:
    """'rl,random' -> ['rl', 'random'], checked and without repeats."""
    names = [s.strip() for s in text.split(",")] if isinstance(text, str) else list(text)
    names = list(dict.fromkeys(n for n in names if n))
    unknown = [n for n in names if n not in STRATEGIES]
    if not names or unknown:
        raise NasError(f"unknown strategies {unknown or names}; choose from: "
                       f"{', '.join(STRATEGIES)}")
    return names


def run_bench(benchmark: str, strategies: Sequence[str], budget: int, seeds: Sequence[int],
              config: SearchConfig | None = None, jobs: int = C.BENCH_JOBS,
              progress: Callable[[str], None] | None = None) -> BenchResult:
    """Every strategy x seed search; in `jobs` worker processes when jobs > 1."""
    if budget < 1 or not seeds:
        raise NasError("nas bench needs a budget >= 1 and at least one seed")
    table = load_table(benchmark)  # fail early, before any worker starts
    progress = progress or (lambda line: None)
    tasks = [(benchmark, s, seed, budget, config) for seed in seeds for s in strategies]
    regret = {s: np.zeros((len(seeds), budget)) for s in strategies}
    position = {seed: i for i, seed in enumerate(seeds)}
    for done, (strategy, seed, trace, seconds) in enumerate(_execute(tasks, jobs), 1):
        regret[strategy][position[seed]] = trace
        progress(f"[{done:>{len(str(len(tasks)))}}/{len(tasks)}] {strategy:<9} seed {seed}: "
                 f"regret {trace[-1]:.4g} after {budget} evaluations ({seconds:.1f} s)")
    unit = "accuracy points (%)" if table.info.scale == 100 else table.info.metric
    return BenchResult(benchmark, budget, list(seeds), regret, unit)


def _execute(tasks: list, jobs: int):
    """Results of the tasks as they finish (in this process when jobs <= 1)."""
    jobs = max(1, min(jobs, len(tasks), os.cpu_count() or 1))
    if jobs == 1:
        yield from map(_run_task, tasks)
        return
    # spawn: workers start clean (TensorFlow must not be forked after it started).
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        for future in as_completed([pool.submit(_run_task, task) for task in tasks]):
            yield future.result()


def report_budgets(budget: int) -> list[int]:
    """Budgets at which regret is reported: the standard ones up to `budget`, and `budget`."""
    return sorted({b for b in C.BENCH_REPORT_BUDGETS if b < budget} | {budget})


def p_value(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided Mann-Whitney U test of two samples (1.0 when they are all equal)."""
    from scipy.stats import mannwhitneyu

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if np.ptp(np.concatenate([a, b])) == 0:
        return 1.0
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def reference(strategies: Sequence[str]) -> str:
    """The strategy the others are tested against: rl when it ran, else the first."""
    return "rl" if "rl" in strategies else strategies[0]


def summarize(result: BenchResult) -> dict:
    """The `--json` object: median and IQR of regret per budget, tests of rl vs the rest.

    The tests compare final regrets (at the full budget) of the reference strategy (rl
    when it ran, else the first one) with each other strategy.
    """
    results = {}
    for strategy, traces in result.regret.items():
        results[strategy] = {}
        for b in report_budgets(result.budget):
            q1, med, q3 = np.percentile(traces[:, b - 1], [25, 50, 75])
            results[strategy][str(b)] = {"median_regret": float(med),
                                         "iqr": [float(q1), float(q3)]}
    names = list(result.regret)
    ref = reference(names)
    tests = {s: {"p_value": p_value(result.regret[ref][:, -1], result.regret[s][:, -1])}
             for s in names if s != ref}
    return {"benchmark": result.benchmark, "budget": result.budget,
            "seeds": len(result.seeds), "results": results, "tests": tests}


def format_summary(result: BenchResult) -> list[str]:
    """Human-readable table: median [q1, q3] per budget, p-values per budget vs rl."""
    summary = summarize(result)
    budgets = report_budgets(result.budget)
    names = list(result.regret)
    ref = reference(names)
    lines = [f"{result.benchmark}: regret in {result.unit} (median [q1, q3] over "
             f"{len(result.seeds)} seeds), by number of evaluations"]
    cells = {s: [summary["results"][s][str(b)] for b in budgets] for s in names}
    text = {s: [f"{c['median_regret']:.4g} [{c['iqr'][0]:.3g}, {c['iqr'][1]:.3g}]"
                for c in row] for s, row in cells.items()}
    width = 2 + max(len(t) for row in text.values() for t in row)
    lines.append(f"{'strategy':<10}" + "".join(f"{b:>{width}}" for b in budgets))
    lines += [f"{s:<10}" + "".join(f"{t:>{width}}" for t in text[s]) for s in names]
    for s in names:
        if s != ref:
            ps = [p_value(result.regret[ref][:, b - 1], result.regret[s][:, b - 1])
                  for b in budgets]
            lines.append(f"{ref} vs {s}: Mann-Whitney p = " +
                         ", ".join(f"{p:.3g} @{b}" for p, b in zip(ps, budgets)))
    return lines
