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

A search may stop before its last epoch (--time-budget, --patience: mlpnas.search.budget)
and still finishes cleanly; `--scheduler halving` runs each epoch as successive halving
(mlpnas.search.schedule); `--warm-start` primes the strategy from an earlier event
(mlpnas.search.warmstart).

The whole state is checkpointed after every child and every epoch (mlpnas.search.checkpoint),
so `resume=<event folder>` continues a killed or interrupted search exactly. The first
Ctrl-C stops after the current child is logged; a second one stops at once.

Each child is one `LogEntry` record. The loop writes its event folder through an
`EventWriter` (mlpnas.storage.writer) and reports through callbacks (progress line,
status.json, TensorBoard: mlpnas.search.callbacks); a strategy saves its own files.
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
from mlpnas import __version__
from mlpnas.search import checkpoint, schedule, warmstart
from mlpnas.search.budget import StopRules
from mlpnas.search.callbacks import Callback, CallbackList, default_callbacks
from mlpnas import storage
from mlpnas.storage import LogEntry
from mlpnas.storage.writer import EventWriter
from mlpnas.analysis import predictor_quality as prediction
from mlpnas.storage import names
from mlpnas.strategies import screening
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import Dataset
from mlpnas.errors import NasError, SearchInterrupted
from mlpnas.training.executors import ChildExecutor, ChildResult, make_executor
from mlpnas.data import load_search_dataset
from mlpnas.spaces import make_space, reads_images
from mlpnas.strategies import make_strategy, objectives
from mlpnas.strategies.base import Strategy
from mlpnas.training.tf_setup import import_tf, seed_everything

tf, keras = import_tf()

from mlpnas.training.child import build_model, train_child  # noqa: E402  (needs TF set up first)
from mlpnas.training.weights import WeightStore  # noqa: E402
from mlpnas.training.trainer import score  # noqa: E402


@dataclass(frozen=True)
class SearchResult:
    """What a finished search hands back."""

    event_dir: Path
    entries: list[LogEntry]
    best_index: int
    best_val_accuracy: float
    test_accuracy: float | None


def versions() -> dict:
    """Versions of what produced a log."""
    import pandas

    return {"nas": __version__, "python": platform.python_version(),
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "pandas": pandas.__version__}


def score_on_test(space, tokens: Sequence[int], dataset: Dataset, weights: list) -> float:
    """Accuracy (regression: R^2) of a trained child (its weights) on the test split."""
    keras.backend.clear_session()
    child = build_model(space, list(tokens), dataset)
    child.model.set_weights(weights)
    return score(child.model, dataset.x_test, dataset.y_test)


class MLPNAS:
    """One architecture search, from configuration to a complete event folder.

    `task` trains one child (default: `mlpnas.training.child.train_child`) and `test_task`
    scores the best child on the test split (default: `score_on_test`); tests pass fakes
    (mlpnas.testing). `callbacks` are called besides the default ones (progress line when
    `progress` is given, status.json, TensorBoard when configured).
    """

    def __init__(self, config: SearchConfig | None = None, dataset: Dataset | None = None,
                 strategy: Strategy | None = None,
                 progress: Callable[[str], None] | None = None,
                 resume: Path | None = None,
                 on_event: Callable[[Path], None] | None = None,
                 executor: ChildExecutor | None = None,
                 task: Callable | None = None,
                 test_task: Callable | None = None,
                 callbacks: Sequence[Callback] = ()) -> None:
        self.config = config or SearchConfig()
        screening.check_screening(self.config)
        objectives.objective_of(self.config)  # bad values refused before the data loads
        schedule.check_halving(self.config)
        seed_everything(self.config.seed)
        self.dataset = dataset or load_search_dataset(self.config)
        self.config = objectives.resolve_max_macs(self.config, self.dataset.input_shape,
                                                  reads_images(self.config.space))
        self.objective = objectives.objective_of(self.config)
        self.space = make_space(self.config.space, max_length=self.config.max_layers,
                                dropout=self.config.dropout,
                                input_shape=self.dataset.input_shape)
        self.strategy = strategy or make_strategy(self.config.strategy, self.space,
                                                  self.config, self.config.seed)
        screening.give_cost_feature(self.strategy, self.config, self.space, self.dataset)
        self.store = WeightStore()
        self.task = task or train_child
        self.test_task = test_task or score_on_test
        # Where children train: in this process, worker processes or Ray tasks.
        self.executor = executor or make_executor(self.space, self.dataset, self.config,
                                                  task=self.task)
        self.callbacks = CallbackList([*default_callbacks(self.config, progress), *callbacks])
        self.on_event = on_event or (lambda path: None)  # told the event folder once open
        self.entries: list[LogEntry] = []
        self.epoch_stats: list = []
        self.writer: EventWriter | None = None
        self._resume_dir = Path(resume) if resume is not None else None
        self._best: tuple[float, int, list] | None = None  # (accuracy, index, weights)
        self._next_epoch = 0
        # The current epoch's sampled sequences until its rewards are told.
        self._pending: dict | None = None
        self._started = 0.0
        self._elapsed_before = 0.0  # seconds spent before a resume
        self._layer_files: checkpoint.LayerFiles | None = None  # see mlpnas.search.checkpoint
        self.limits = StopRules(self.config)  # --time-budget, --patience (search.budget)
        self._warm_known: dict = {}  # tokens -> score the --warm-start event logged

    @property
    def event_dir(self) -> Path | None:
        """The event folder (None until the search opens it)."""
        return self.writer.path if self.writer is not None else self._resume_dir

    @property
    def best_entry(self) -> LogEntry | None:
        """The record of the best trained child so far (None before the first one)."""
        return None if self._best is None else self.entries[self._best[1]]

    def elapsed(self) -> float:
        """Seconds this search has run, over all its resumes."""
        return self._elapsed_before + (time.perf_counter() - self._started)

    # --- state (see mlpnas.search.checkpoint) ------------------------------------------------------

    def get_state(self) -> dict:
        """Everything needed to continue this search exactly where it is."""
        return {"entries": self.entries, "epoch_stats": self.epoch_stats, "best": self._best,
                "store": self.store.shared_state(), "strategy": self.strategy.get_state(),
                "next_epoch": self._next_epoch, "pending": self._pending,
                "elapsed_seconds": self.elapsed(), "warm_known": self._warm_known,
                "job_timing": self.limits.timing()}

    def set_state(self, state: dict) -> None:
        """Restore what get_state returned."""
        self.entries = list(state["entries"])
        self.epoch_stats = list(state["epoch_stats"])
        self._best = state["best"]
        self.store.set_state(state["store"])
        self.strategy.set_state(state["strategy"])
        self._next_epoch = int(state["next_epoch"])
        self._pending = state["pending"]
        self._elapsed_before = float(state.get("elapsed_seconds", 0.0))
        self._warm_known = dict(state.get("warm_known") or {})
        self.limits.restore(state.get("job_timing"))

    def _checkpoint(self) -> None:
        if self._layer_files is None:
            self._layer_files = checkpoint.LayerFiles(self.event_dir)
        checkpoint.save(self.event_dir, self.get_state(), self._layer_files)

    # --- the event folder ----------------------------------------------------------------------

    def _open_event(self) -> None:
        """A new event folder, or the resumed one with its state restored; locked."""
        if self._resume_dir is not None:
            self.writer = EventWriter.reopen(self._resume_dir)
            try:
                self._restore()
            except BaseException:
                self._close()
                raise
        else:
            self.writer = EventWriter.create(self.config.logs_dir)
            self._start_event()

    def _restore(self) -> None:
        checkpoint.check_dataset(self.event_dir, self.dataset.summary())
        self.set_state(checkpoint.load(self.event_dir))
        done = self._pending is None and self._next_epoch >= self.config.controller_epochs
        if done and self.writer.read_status().get("status") == "finished":
            raise NasError(f"{self.event_dir.name} is already finished ({len(self.entries)} "
                           "children); extend it with a larger --controller-epochs")
        info = self.writer.read_config()
        info.setdefault("resumed", []).append({
            "command": " ".join(sys.argv), "children_done": len(self.entries),
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        info.update(config=self.config.to_dict(), budget=self.config.budget)
        self.writer.write_config(info)
        self._checkpoint()  # the log again equals the checkpoint's entries

    def _start_event(self) -> None:
        self.writer.write_config({
            "config": self.config.to_dict(), "seed": self.config.seed,
            "budget": self.config.budget, "dataset": self.dataset.summary(),
            "space": self.space.name, "strategy": getattr(self.strategy, "name", "custom"),
            "versions": versions(), "command": " ".join(sys.argv),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        if self.dataset.preprocessing is not None:
            self.writer.write_dataset(self.dataset.preprocessing.to_dict())
        self._checkpoint()

    # --- one child ----------------------------------------------------------------------------

    def _record_child(self, seq: list[int], epoch: int, predicted: float | None,
                      result: ChildResult, extra: dict | None = None) -> float:
        """Log one child's result as it arrives (see mlpnas.training.executors), merge its weights,
        tell the callbacks. A failed child gets the worst reward; the search goes on.
        `extra` meta (a scheduler's) is logged too; a child it marks `stopped_early` never
        becomes the best one."""
        index = result.index
        meta = {"layers": self.space.layer_strings(seq, self.dataset.n_classes),
                "description": self.space.describe(seq, self.dataset.n_classes),
                "controller_epoch": epoch, "child_index": index,
                "epochs": self.config.child_epochs, "failed": False,
                "attempts": result.attempts}
        if result.error is not None:
            acc = C.FAILED_CHILD_REWARD
            meta.update(failed=True, error=result.error, traceback=result.traceback)
        else:
            outcome = result.outcome
            acc = outcome.val_accuracy
            meta.update(outcome.meta)
            self.store.merge(outcome.stored)
        meta.update(extra or {})
        if result.error is None and not meta["failed"] and not meta.get("stopped_early"):
            if self._best is None or acc > self._best[0]:
                self._best = (acc, index, outcome.weights)
        record = LogEntry(index, tuple(map(int, seq)), float(acc), predicted, meta)
        self.entries.append(record)
        self._checkpoint()
        self.callbacks.on_child_end(self, record)
        return acc

    def _consecutive_failures(self) -> int:
        count = 0
        for entry in reversed(self.entries):
            if not entry.failed or entry.over_limit:  # a skipped child is not a failure
                break
            count += 1
        return count

    # --- the loop ------------------------------------------------------------------------------

    def search(self) -> SearchResult:
        """Run (or resume) the whole search; the event folder is consistent at every child."""
        self._started = time.perf_counter()
        warm = warmstart.prepare(self) if self._resume_dir is None else None
        self.executor.connect()  # a cluster that cannot be reached leaves no event behind
        self._open_event()
        if warm is not None:
            warm.prime(self)
        self.limits.begin(self.elapsed())
        stop = None
        try:
            self.callbacks.on_search_begin(self)
            self.on_event(self.event_dir)
            with checkpoint.graceful_sigint("stopping after the current child is logged "
                                            "(send it again to stop at once)") as stop:
                for epoch in range(self._next_epoch, self.config.controller_epochs):
                    if not self.limits.epoch_done(self.entries, epoch - 1):
                        break
                    if not self._run_epoch(epoch, stop):
                        break
            test_acc = self._test_best()
            reason = {"stop_reason": self.limits.reason} if self.limits.reason else {}
            self.callbacks.on_search_end(self, "finished", {"test_accuracy": test_acc, **reason})
        except KeyboardInterrupt:
            self.callbacks.on_search_end(self, "interrupted", {})
            raise SearchInterrupted(
                f"interrupted after {len(self.entries)} of {self.config.budget} children; "
                f"resume with: {checkpoint.resume_hint(self.event_dir)}",
                stop.exit_code if stop is not None else C.INTERRUPTED_EXIT_CODE) from None
        except BaseException as exc:
            self.callbacks.on_search_end(self, "failed", {"error": f"{type(exc).__name__}: {exc}"})
            raise
        finally:
            self._close()
        acc, index, _ = self._best if self._best else (float("nan"), -1, None)
        return SearchResult(self.event_dir, storage.read_log(self.event_dir / names.LOG_FILE),
                            index, acc, test_acc)

    def _run_epoch(self, epoch: int, stop: checkpoint.StopRequest) -> bool:
        """Ask (or restore) the epoch's plan, train what is left of it, tell the rewards.
        False when the time budget stopped it before its end."""
        if self.config.scheduler == "halving":
            return schedule.run_epoch(self, epoch, stop)
        # Predictions are made before any of these children trains (None without a
        # predictor), and may pick which ones train.
        plan = self._epoch_plan(epoch)
        rewards = [e.val_accuracy for e in self.entries[self._pending["first_index"]:]]
        todo = plan.train[len(rewards):]
        epochs = self.config.child_epochs
        if todo and not self.limits.may_start(self.elapsed(), epochs):
            return False
        results = self.executor.run([plan.candidates[i] for i in todo],
                                    len(self.entries), self._epoch_store())
        for n, (i, result) in enumerate(zip(todo, results), 1):
            rewards.append(self._record_child(plan.candidates[i], epoch,
                                              plan.prediction(i), result))
            self.limits.job_done(self.elapsed(), epochs)
            self._check_failures()
            stop.check()
            if n < len(todo) and not self.limits.may_start(self.elapsed(), epochs):
                return False
        self._finish_epoch(epoch, plan, rewards)
        return True

    # --- screening and predictor quality ------------------------------------------------------

    def _plan_epoch(self, epoch: int) -> screening.EpochPlan:
        """This epoch's candidates and which of them to train (mlpnas.strategies.screening)."""
        known: dict = {} if self.config.warm_start_retrain else dict(self._warm_known)
        for entry in self.entries:
            if not entry.failed and not entry.meta.get("stopped_early"):
                known.setdefault(entry.tokens, entry.val_accuracy)
        return screening.plan_epoch(self.strategy, self.config, epoch, known)

    def _screening_stats(self, plan: screening.EpochPlan, epoch: int) -> dict:
        """Reuse counts and the predictor's quality on this epoch's unseen children."""
        out = plan.stats() if plan.dedupe else {}
        if plan.predicted is not None:
            out.update(prediction.epoch_quality(self.entries, epoch))
        return out

    def _epoch_plan(self, epoch: int) -> screening.EpochPlan:
        """This epoch's plan: made now (and checkpointed), or restored by a resume."""
        if self._pending is None or self._pending["epoch"] != epoch:
            plan = self._plan_epoch(epoch)
            self._pending = {"epoch": epoch, "plan": screening.plan_state(plan),
                             "first_index": len(self.entries)}
            if self.config.one_shot and self.executor.epoch_snapshot:
                self._pending["store"] = self.store.shared_state()  # see _epoch_store
            self._checkpoint()
        return screening.plan_from_state(self._pending["plan"])

    def _epoch_store(self) -> WeightStore | None:
        """The weight store this epoch's children start from (None: one-shot is off).

        Serial: the live store, so each child sees every earlier child's weights. Parallel
        executors (mlpnas.training.executors): the store as it was when the epoch started. That
        snapshot is part of the epoch's checkpointed plan, so a search resumed in the
        middle of an epoch starts the epoch's remaining children from it too, not from the
        restored store (which has the epoch's finished children merged in), and gives the
        same results as an uninterrupted run.
        """
        if not self.config.one_shot:
            return None
        if not self.executor.epoch_snapshot:
            return self.store
        if "store" not in self._pending:  # resumed with workers after a serial start
            self._pending["store"] = self.store.shared_state()
        snapshot = WeightStore()
        snapshot.set_state(self._pending["store"])
        return snapshot

    def _finish_epoch(self, epoch: int, plan: screening.EpochPlan, rewards: list,
                      feedback: dict | None = None) -> None:
        """Tell the rewards (or a scheduler's `feedback`) as the objective wants them
        (mlpnas.strategies.objectives), record the epoch's statistics, checkpoint the new
        state."""
        told = feedback or plan.feedback(rewards)
        stats = self.strategy.tell(**objectives.feedback(told, self.objective, self.strategy,
                                                         self.entries))
        self.epoch_stats.append({"epoch": epoch, **{k: float(v) for k, v in stats.items()},
                                 **self._screening_stats(plan, epoch)})
        self._pending, self._next_epoch = None, epoch + 1
        self._save_strategy()
        self._checkpoint()
        # After the checkpoint: a resume never repeats an epoch's TensorBoard point.
        self.callbacks.on_epoch_end(self, epoch, stats)

    def _check_failures(self) -> None:
        """Stop the search after too many failed children in a row (the log stays intact)."""
        limit = self.config.max_consecutive_failures
        if self._consecutive_failures() >= limit:
            raise NasError(f"stopped after {limit} failed children in a row (last: "
                           f"{self.entries[-1].error}); the log is intact in "
                           f"{self.event_dir}")

    def _close(self) -> None:
        self.executor.close()
        if self.writer is not None:
            self.writer.close()

    def _save_strategy(self) -> None:
        self.strategy.save(self.event_dir)

    def _test_best(self) -> float | None:
        """Accuracy of the best child on the test split: the only time test data is read."""
        if self._best is None:
            return None
        _, index, weights = self._best
        return self.test_task(self.space, self.entries[index].tokens, self.dataset, weights)
