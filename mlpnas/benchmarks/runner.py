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
import heapq
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from typing import Callable, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas.config import SearchConfig
from mlpnas.errors import NasError
from mlpnas.strategies import STRATEGIES, make_strategy
from mlpnas.strategies.screening import plan_epoch
from mlpnas.benchmarks.tables import Table, load_table


@dataclass(frozen=True)
class BenchResult:
    """Traces of every search: strategy -> array (seeds, budget) of regret and distinct rows."""

    benchmark: str
    budget: int
    seeds: list[int]
    regret: dict[str, np.ndarray]
    unit: str
    distinct: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Trace:
    """What one search evaluated, in order: table rows and their observed values."""

    rows: np.ndarray
    observed: np.ndarray


def incumbent_regret(table: Table, rows: np.ndarray, observed: np.ndarray,
                     reevaluate: int = 0) -> np.ndarray:
    """Regret after each evaluation: the table optimum minus the incumbent's mean.

    The incumbent is the best row so far by observed value (the first one on ties). With
    `reevaluate` = K > 0 it is instead the best by table mean (every recorded run) among
    the K distinct rows observed best so far: re-running the top K candidates.
    """
    observed = np.asarray(observed, dtype=float)
    score = observed if table.info.maximize else -observed
    if reevaluate > 0:
        return table.regret(_reevaluated(table, np.asarray(rows), score, reevaluate))
    best_at = np.zeros(len(score), dtype=int)
    for k in range(1, len(score)):
        best_at[k] = k if score[k] > score[best_at[k - 1]] else best_at[k - 1]
    return table.regret(np.asarray(rows)[best_at])


def _reevaluated(table: Table, rows: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """After each evaluation, the best-by-mean row among the top k by best observed score."""
    means = table.means if table.info.maximize else -table.means
    best_seen: dict[int, float] = {}
    chosen = np.zeros(len(rows), dtype=int)
    for i, (row, value) in enumerate(zip(rows.tolist(), score.tolist())):
        best_seen[row] = max(value, best_seen.get(row, -np.inf))
        top = heapq.nlargest(k, best_seen, key=best_seen.__getitem__)
        chosen[i] = max(top, key=lambda r: means[r])
    return chosen


def distinct_counts(rows: np.ndarray) -> np.ndarray:
    """Number of distinct rows evaluated after each evaluation."""
    _, first = np.unique(rows, return_index=True)
    new = np.zeros(len(rows), dtype=int)
    new[first] = 1
    return np.cumsum(new)


def largest_first(table: Table, budget: int, seed: int) -> np.ndarray:
    """The `budget` configurations with the largest model size (ties in seeded random order)."""
    if table.sizes is None:
        raise NasError(f"{table.name} records no model sizes: no largest-first baseline")
    tie_break = np.random.default_rng([seed, 8]).random(len(table.sizes))
    return np.lexsort((tie_break, -table.sizes))[:budget]


# Baselines that read the table itself (not search strategies): name -> rows to evaluate.
BASELINES: dict[str, Callable[[Table, int, int], np.ndarray]] = {"largest": largest_first}


def run_search(benchmark: str, strategy: str, seed: int, budget: int,
               config: SearchConfig | None = None) -> Trace:
    """One search of `budget` table look-ups: the rows it evaluated and what it observed.

    Strategies ask for `config.samples_per_epoch` sequences at a time (the last batch
    may be smaller) and are told the rewards, exactly as in `nas search`; with
    `config.screen` > 1 each epoch is planned by the same screening as `nas search`, and
    a candidate already evaluated reuses its observed value without a look-up.
    """
    config = config or SearchConfig()
    table = load_table(benchmark)
    noise = np.random.default_rng([seed, 7])  # which recorded run a look-up returns
    if strategy in BASELINES:
        rows = BASELINES[strategy](table, budget, seed)
        return Trace(rows, table.observe(rows, noise))
    search = _strategy(benchmark, strategy, config, seed)
    rows: list[int] = []
    observed: list[float] = []
    known: dict[tuple, float] = {}
    epoch = idle = 0
    while len(rows) < budget and idle < C.BENCH_MAX_IDLE_EPOCHS:
        m = min(config.samples_per_epoch, budget - len(rows))
        if config.screen > 1 and strategy == "rl":
            plan = plan_epoch(search, replace(config, samples_per_epoch=m), epoch, known)
            seqs = [plan.candidates[i] for i in plan.train][:m]
        else:
            plan, seqs = None, search.ask(m)
        batch = table.index(seqs) if seqs else np.zeros(0, dtype=int)
        values = table.observe(batch, noise)
        rewards = table.reward(values).tolist()
        known.update((tuple(s), r) for s, r in zip(seqs, rewards))
        search.tell(**plan.feedback(rewards)) if plan else search.tell(seqs, rewards)
        rows.extend(batch.tolist())
        observed.extend(values.tolist())
        epoch, idle = epoch + 1, 0 if seqs else idle + 1
    pad = budget - len(rows)  # a screened policy that only proposes known rows stops early
    return Trace(np.array(rows + rows[-1:] * pad), np.array(observed + observed[-1:] * pad))


_REUSABLE: dict = {}  # (benchmark, strategy, config) -> a strategy with reset(seed)


def _strategy(benchmark: str, name: str, config: SearchConfig, seed: int):
    """A fresh strategy; one that can reset (the controller) is reused within the process."""
    key = (benchmark, name, config)
    if key in _REUSABLE:
        _REUSABLE[key].reset(seed)
        return _REUSABLE[key]
    table = load_table(benchmark)
    search = make_strategy(name, table.space, config, seed)
    if config.use_predictor and table.sizes is not None and hasattr(search, "set_cost_feature"):
        search.set_cost_feature(lambda seqs: table.sizes[table.index(seqs)])
    if hasattr(search, "reset"):
        _REUSABLE.clear()  # one at a time: each holds a compiled controller
        _REUSABLE[key] = search
    return search


def _run_task(task: tuple) -> tuple:
    """Worker entry point: (benchmark, strategy, seed, budget, config) -> (..., trace, s)."""
    benchmark, strategy, seed, budget, config = task
    start = time.perf_counter()
    trace = run_search(benchmark, strategy, seed, budget, config)
    return strategy, seed, trace, time.perf_counter() - start


def check_bench_screening(config: SearchConfig, strategies: Sequence[str]) -> None:
    """`--screen` needs the rl strategy's predictor: refuse what cannot screen."""
    if config.screen > 1 and not config.use_predictor:
        raise NasError("--screen needs the accuracy predictor: add --predictor")
    if config.screen > 1 and "rl" not in strategies:
        raise NasError("--screen applies to the rl strategy: add rl to --strategies")


def parse_strategies(text: str | Sequence[str]) -> list[str]:
    """'rl,random' -> ['rl', 'random'], checked and without repeats."""
    names = [s.strip() for s in text.split(",")] if isinstance(text, str) else list(text)
    names = list(dict.fromkeys(n for n in names if n))
    unknown = [n for n in names if n not in STRATEGIES and n not in BASELINES]
    if not names or unknown:
        raise NasError(f"unknown strategies {unknown or names}; choose from: "
                       f"{', '.join([*STRATEGIES, *BASELINES])}")
    return names


def run_bench(benchmark: str, strategies: Sequence[str], budget: int, seeds: Sequence[int],
              config: SearchConfig | None = None, jobs: int = C.BENCH_JOBS,
              progress: Callable[[str], None] | None = None, reevaluate: int = 0) -> BenchResult:
    """Every strategy x seed search; in `jobs` worker processes when jobs > 1.

    Baselines that need what the table lacks (model sizes) are left out, with a note.
    """
    if budget < 1 or not seeds:
        raise NasError("nas bench needs a budget >= 1 and at least one seed")
    table = load_table(benchmark)  # fail early, before any worker starts
    progress = progress or (lambda line: None)
    if table.sizes is None and "largest" in strategies:
        progress(f"largest: left out, {benchmark} records no model sizes")
        strategies = [s for s in strategies if s != "largest"]
    tasks = [(benchmark, s, seed, budget, config) for seed in seeds for s in strategies]
    regret = {s: np.zeros((len(seeds), budget)) for s in strategies}
    distinct = {s: np.zeros((len(seeds), budget), dtype=int) for s in strategies}
    position = {seed: i for i, seed in enumerate(seeds)}
    for done, (strategy, seed, trace, seconds) in enumerate(_execute(tasks, jobs), 1):
        row = position[seed]
        regret[strategy][row] = incumbent_regret(table, trace.rows, trace.observed, reevaluate)
        distinct[strategy][row] = distinct_counts(trace.rows)
        progress(f"[{done:>{len(str(len(tasks)))}}/{len(tasks)}] {strategy:<9} seed {seed}: "
                 f"regret {regret[strategy][row, -1]:.4g} after {budget} evaluations, "
                 f"{distinct[strategy][row, -1]} distinct ({seconds:.1f} s)")
    unit = "accuracy points (%)" if table.info.scale == 100 else table.info.metric
    return BenchResult(benchmark, budget, list(seeds), regret, unit, distinct)


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
    """Two-sided Wilcoxon signed-rank test of paired samples (same seeds); 1.0 if all equal."""
    from scipy.stats import wilcoxon

    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if not np.any(diff):
        return 1.0
    return float(wilcoxon(diff, zero_method="zsplit").pvalue)


def reference(strategies: Sequence[str]) -> str:
    """The strategy the others are tested against: rl when it ran, else the first."""
    return "rl" if "rl" in strategies else strategies[0]


def summarize(result: BenchResult) -> dict:
    """The `--json` object: median and IQR of regret per budget, median distinct rows,
    and paired tests of the reference strategy (rl when it ran, else the first) against
    each other one at every reported budget ("p_value": at the full budget)."""
    budgets = report_budgets(result.budget)
    results = {}
    for strategy, traces in result.regret.items():
        results[strategy] = {}
        for b in budgets:
            q1, med, q3 = np.percentile(traces[:, b - 1], [25, 50, 75])
            cell = {"median_regret": float(med), "iqr": [float(q1), float(q3)]}
            if strategy in result.distinct:
                cell["median_distinct"] = float(np.median(result.distinct[strategy][:, b - 1]))
            results[strategy][str(b)] = cell
    names = list(result.regret)
    ref = reference(names)
    tests = {}
    for s in names:
        if s != ref:
            by_budget = {str(b): p_value(result.regret[ref][:, b - 1], result.regret[s][:, b - 1])
                         for b in budgets}
            tests[s] = {"p_value": by_budget[str(result.budget)], "by_budget": by_budget}
    return {"benchmark": result.benchmark, "budget": result.budget,
            "seeds": len(result.seeds), "results": results, "tests": tests}


def format_summary(result: BenchResult) -> list[str]:
    """Human-readable table: median [q1, q3] regret and median distinct rows per budget,
    paired p-values per budget against the reference strategy."""
    summary = summarize(result)
    budgets = report_budgets(result.budget)
    names = list(result.regret)
    ref = reference(names)
    lines = [f"{result.benchmark}: regret in {result.unit} (median [q1, q3] over "
             f"{len(result.seeds)} seeds) and median distinct evaluations (d), "
             f"by number of evaluations"]
    text = {s: [_cell(summary["results"][s][str(b)]) for b in budgets] for s in names}
    width = 2 + max(len(t) for row in text.values() for t in row)
    lines.append(f"{'strategy':<10}" + "".join(f"{b:>{width}}" for b in budgets))
    lines += [f"{s:<10}" + "".join(f"{t:>{width}}" for t in text[s]) for s in names]
    for s, test in summary["tests"].items():
        lines.append(f"{ref} vs {s}: Wilcoxon signed-rank p = " +
                     ", ".join(f"{p:.3g} @{b}" for b, p in test["by_budget"].items()))
    return lines


def _cell(cell: dict) -> str:
    """'median [q1, q3] d=distinct' for one strategy and budget."""
    text = f"{cell['median_regret']:.4g} [{cell['iqr'][0]:.3g}, {cell['iqr'][1]:.3g}]"
    return text + (f" d={cell['median_distinct']:.0f}" if "median_distinct" in cell else "")
