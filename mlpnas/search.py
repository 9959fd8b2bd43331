"""The search loop: ask the strategy, build and train each child, log it, tell the rewards.

    for each controller epoch:
        sequences = strategy.ask(samples_per_epoch)
        for each sequence: build -> inherit weights -> train -> score on validation
                           -> store weights -> append to the log (atomic, every child)
        strategy.tell(sequences, rewards)

A child that fails (non-finite loss, out of memory, an exception) is logged as failed
with the reason and gets the worst reward (0.0); the search goes on, and stops only after
`max_consecutive_failures` failures in a row. The test split is read once, at the end,
to score the best child.
"""

from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas import __version__, logs, prediction, screening
from mlpnas.config import SearchConfig
from mlpnas.data import Dataset, load_dataset
from mlpnas.errors import NasError
from mlpnas.space import make_space
from mlpnas.strategies import Strategy, make_strategy
from mlpnas.tfutil import import_tf, seed_everything

tf, keras = import_tf()

from mlpnas.child import build_model, train_child  # noqa: E402  (needs TF set up first)
from mlpnas.generator import WeightStore  # noqa: E402
from mlpnas.trainer import accuracy  # noqa: E402

MAX_CONSECUTIVE_FAILURES = 5
WORST_REWARD = 0.0


@dataclass(frozen=True)
class SearchResult:
    """What a finished search hands back."""

    event_dir: Path
    entries: list
    best_index: int
    best_val_accuracy: float
    test_accuracy: float | None


def _fmt_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def versions() -> dict:
    """Versions of what produced a log."""
    import pandas

    return {"nas": __version__, "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "pandas": pandas.__version__}


class MLPNAS:
    """One architecture search, from configuration to a complete event folder."""

    def __init__(self, config: SearchConfig | None = None, dataset: Dataset | None = None,
                 strategy: Strategy | None = None,
                 progress: Callable[[str], None] | None = None,
                 max_consecutive_failures: int = MAX_CONSECUTIVE_FAILURES) -> None:
        self.config = config or SearchConfig()
        screening.check_screening(self.config)
        seed_everything(self.config.seed)
        self.dataset = dataset or load_dataset(self.config.dataset, self.config.label,
                                               self.config.keep_columns, self.config.seed)
        self.space = make_space(self.config.space, max_length=self.config.max_layers,
                                dropout=self.config.dropout)
        self.strategy = strategy or make_strategy(self.config.strategy, self.space,
                                                  self.config, self.config.seed)
        self.store = WeightStore()
        self.progress = progress or (lambda line: None)
        self.max_consecutive_failures = max_consecutive_failures
        self.entries: list = []
        self.epoch_stats: list = []
        self.event_dir: Path | None = None
        self._best: tuple[float, int, list] | None = None  # (accuracy, index, weights)
        self._started = 0.0

    # --- event files ------------------------------------------------------------------------

    def _start_event(self) -> None:
        _, self.event_dir = logs.new_event_dir(self.config.logs_dir)
        logs.write_json_atomic(self.event_dir / C.CONFIG_FILE, {
            "config": self.config.to_dict(), "seed": self.config.seed,
            "budget": self.config.budget, "dataset": self.dataset.summary(),
            "space": self.space.name, "strategy": getattr(self.strategy, "name", "custom"),
            "versions": versions(), "command": " ".join(sys.argv),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        if self.dataset.preprocessing is not None:
            logs.write_json_atomic(self.event_dir / C.DATASET_FILE,
                                   self.dataset.preprocessing.to_dict())
        logs.write_pickle_atomic(self.event_dir / C.LOG_FILE, [])
        self._write_status("running")

    def _write_status(self, status: str, **extra) -> None:
        best = None
        if self._best is not None:
            acc, index, _ = self._best
            best = {"index": index, "val_accuracy": acc, "tokens": self.entries[index][0]}
        logs.write_json_atomic(self.event_dir / C.STATUS_FILE, {
            "status": status, "children": len(self.entries), "budget": self.config.budget,
            "best": best, "epochs": self.epoch_stats,
            "elapsed_seconds": time.perf_counter() - self._started, **extra})

    # --- one child ----------------------------------------------------------------------------

    def _run_child(self, seq: list[int], epoch: int, predicted: float | None) -> float:
        """Train one child inside the failure wrapper, log it, print its line.

        Serial semantics: the child starts from the weight store as it is now (every
        earlier child merged in), and its own weights are merged right after it.
        """
        index = len(self.entries)
        meta = {"layers": self.space.layer_strings(seq, self.dataset.n_classes),
                "controller_epoch": epoch, "child_index": index,
                "epochs": self.config.child_epochs, "failed": False}
        store = self.store if self.config.one_shot else None
        try:
            outcome = train_child(self.space, seq, index, self.dataset, self.config, store)
        except Exception as exc:  # one bad child must not end a long search
            acc = WORST_REWARD
            meta.update(failed=True, error=f"{type(exc).__name__}: {str(exc)[:300]}")
        else:
            acc = outcome.val_accuracy
            meta.update(outcome.meta)
            self.store.merge(outcome.stored)
            if self._best is None or acc > self._best[0]:
                self._best = (acc, index, outcome.weights)
        self.entries.append([list(map(int, seq)), float(acc), predicted, meta])
        logs.write_pickle_atomic(self.event_dir / C.LOG_FILE, self.entries)
        self._print_child(index, seq, acc, meta)
        return acc

    def _print_child(self, index: int, seq: Sequence[int], acc: float, meta: dict) -> None:
        done, total = index + 1, self.config.budget
        elapsed = time.perf_counter() - self._started
        eta = elapsed / done * (total - done)
        best = self._best[0] if self._best else float("nan")
        score = f"FAILED ({meta['error']})" if meta["failed"] else f"val_acc {acc:.4f}"
        self.progress(f"[{done:>{len(str(total))}}/{total}] "
                      f"{self.space.describe(seq, self.dataset.n_classes)}  {score}  "
                      f"best {best:.4f}  elapsed {_fmt_seconds(elapsed)}  eta {_fmt_seconds(eta)}")

    def _consecutive_failures(self) -> int:
        count = 0
        for entry in reversed(self.entries):
            if not entry[3].get("failed"):
                break
            count += 1
        return count

    # --- the loop ------------------------------------------------------------------------------

    def search(self) -> SearchResult:
        """Run the whole search; the event folder is complete and consistent at every child."""
        self._started = time.perf_counter()
        self._start_event()
        try:
            for epoch in range(self.config.controller_epochs):
                # Predictions are made before any of these children trains (issue 4:
                # hybrid predictor; None without one), and may pick which ones train.
                plan = self._plan_epoch(epoch)
                rewards = []
                for i in plan.train:
                    rewards.append(self._run_child(plan.candidates[i], epoch, plan.prediction(i)))
                    if self._consecutive_failures() >= self.max_consecutive_failures:
                        raise NasError(f"stopped after {self.max_consecutive_failures} failed "
                                       f"children in a row (last: {self.entries[-1][3]['error']})")
                stats = self.strategy.tell(**plan.feedback(rewards))
                self.epoch_stats.append({"epoch": epoch, **{k: float(v) for k, v in stats.items()},
                                         **self._screening_stats(plan, epoch)})
                self._save_strategy()
                self._write_status("running")
        except KeyboardInterrupt:
            self._write_status("interrupted")
            raise
        except BaseException as exc:
            self._write_status("failed", error=f"{type(exc).__name__}: {exc}")
            raise
        test_acc = self._test_best()
        self._write_status("finished", test_accuracy=test_acc)
        acc, index, _ = self._best if self._best else (float("nan"), -1, None)
        return SearchResult(self.event_dir, logs.read_log(self.event_dir / C.LOG_FILE),
                            index, acc, test_acc)

    # --- screening and predictor quality (issue 4) ------------------------------------------

    def _plan_epoch(self, epoch: int) -> screening.EpochPlan:
        """This epoch's candidates and which of them to train (mlpnas.screening)."""
        known: dict = {}
        for tokens, acc, _, meta in self.entries:
            if not meta.get("failed"):
                known.setdefault(tuple(tokens), acc)
        return screening.plan_epoch(self.strategy, self.config, epoch, known)

    def _screening_stats(self, plan: screening.EpochPlan, epoch: int) -> dict:
        """Reuse counts and the predictor's quality on this epoch's unseen children."""
        out = plan.stats() if plan.dedupe else {}
        if plan.predicted is not None:
            out.update(prediction.epoch_quality(self.entries, epoch))
        return out

    def _save_strategy(self) -> None:
        controller = getattr(self.strategy, "controller", None)
        if controller is not None:
            controller.save_weights(str(self.event_dir / C.CONTROLLER_WEIGHTS_FILE))

    def _test_best(self) -> float | None:
        """Accuracy of the best child on the test split: the only time test data is read."""
        if self._best is None:
            return None
        _, index, weights = self._best
        keras.backend.clear_session()
        child = build_model(self.space, self.entries[index][0], self.dataset)
        child.model.set_weights(weights)
        return accuracy(child.model, self.dataset.x_test, self.dataset.y_test)
