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

The whole state is checkpointed after every child and every epoch (mlpnas.search.checkpoint),
so `resume=<event folder>` continues a killed or interrupted search exactly. The first
Ctrl-C stops after the current child is logged; a second one stops at once.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

import CONSTANTS as C
from mlpnas import __version__
from mlpnas.search import checkpoint
from mlpnas import storage
from mlpnas.analysis import predictor_quality as prediction
from mlpnas.storage import names
from mlpnas.strategies import screening
from mlpnas.config import SearchConfig
from mlpnas.data.tabular import Dataset
from mlpnas.errors import NasError, SearchInterrupted
from mlpnas.training.executors import ChildExecutor, ChildResult, make_executor
from mlpnas.data import load_search_dataset
from mlpnas.spaces import make_space
from mlpnas.strategies import make_strategy
from mlpnas.strategies.base import Strategy
from mlpnas.training.tf_setup import import_tf, seed_everything

tf, keras = import_tf()

from mlpnas.training.child import build_model, train_child  # noqa: E402  (needs TF set up first)
from mlpnas.training.weights import WeightStore  # noqa: E402
from mlpnas.training.trainer import accuracy  # noqa: E402


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


def _train_child(*args):
    """`train_child`, looked up when called (so tests can replace it in this module)."""
    return train_child(*args)


class MLPNAS:
    """One architecture search, from configuration to a complete event folder."""

    def __init__(self, config: SearchConfig | None = None, dataset: Dataset | None = None,
                 strategy: Strategy | None = None,
                 progress: Callable[[str], None] | None = None,
                 resume: Path | None = None,
                 on_event: Callable[[Path], None] | None = None,
                 executor: ChildExecutor | None = None) -> None:
        self.config = config or SearchConfig()
        screening.check_screening(self.config)
        seed_everything(self.config.seed)
        self.dataset = dataset or load_search_dataset(self.config)
        self.space = make_space(self.config.space, max_length=self.config.max_layers,
                                dropout=self.config.dropout,
                                input_shape=self.dataset.input_shape)
        self.strategy = strategy or make_strategy(self.config.strategy, self.space,
                                                  self.config, self.config.seed)
        self.store = WeightStore()
        # Where children train: in this process, worker processes or Ray tasks.
        self.executor = executor or make_executor(self.space, self.dataset, self.config,
                                                  task=_train_child)
        self.progress = progress or (lambda line: None)
        self.on_event = on_event or (lambda path: None)  # told the event folder once open
        self.entries: list = []
        self.epoch_stats: list = []
        self.event_dir: Path | None = Path(resume) if resume is not None else None
        self._resume = resume is not None
        self._best: tuple[float, int, list] | None = None  # (accuracy, index, weights)
        self._next_epoch = 0
        # The current epoch's sampled sequences until its rewards are told.
        self._pending: dict | None = None
        self._started = 0.0
        self._elapsed_before = 0.0  # seconds spent before a resume
        self._lock = None
        self._board = None
        self._layer_files: checkpoint.LayerFiles | None = None  # see mlpnas.search.checkpoint

    # --- state (see mlpnas.search.checkpoint) ------------------------------------------------------

    def get_state(self) -> dict:
        """Everything needed to continue this search exactly where it is."""
        return {"entries": self.entries, "epoch_stats": self.epoch_stats, "best": self._best,
                "store": self.store.shared_state(), "strategy": self.strategy.get_state(),
                "next_epoch": self._next_epoch, "pending": self._pending,
                "elapsed_seconds": self._elapsed()}

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

    def _elapsed(self) -> float:
        return self._elapsed_before + (time.perf_counter() - self._started)

    def _checkpoint(self) -> None:
        if self._layer_files is None:
            self._layer_files = checkpoint.LayerFiles(self.event_dir)
        checkpoint.save(self.event_dir, self.get_state(), self._layer_files)

    # --- event files ------------------------------------------------------------------------

    def _open_event(self) -> None:
        """A new event folder, or the resumed one with its state restored; lock it."""
        if self._resume:
            self._lock = storage.lock_event(self.event_dir)
            try:
                self._restore()
            except BaseException:
                self._close()
                raise
        else:
            _, self.event_dir = storage.new_event_dir(self.config.logs_dir)
            self._lock = storage.lock_event(self.event_dir)
            self._start_event()
        if self.config.tensorboard:
            from mlpnas.storage.tensorboard import ScalarWriter

            self._board = ScalarWriter(self.event_dir / names.TENSORBOARD_DIR)
        self.on_event(self.event_dir)

    def _restore(self) -> None:
        checkpoint.check_dataset(self.event_dir, self.dataset.summary())
        self.set_state(checkpoint.load(self.event_dir))
        done = self._pending is None and self._next_epoch >= self.config.controller_epochs
        status = storage.read_json(self.event_dir / names.STATUS_FILE).get("status")
        if done and status == "finished":  # else only the final test is left to do
            raise NasError(f"{self.event_dir.name} is already finished ({len(self.entries)} "
                           "children); extend it with a larger --controller-epochs")
        info = storage.read_json(self.event_dir / names.CONFIG_FILE)
        info.setdefault("resumed", []).append({
            "command": " ".join(sys.argv), "children_done": len(self.entries),
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        info.update(config=self.config.to_dict(), budget=self.config.budget)
        storage.write_json_atomic(self.event_dir / names.CONFIG_FILE, info)
        self._checkpoint()  # the log again equals the checkpoint's entries
        self._write_status("running")

    def _start_event(self) -> None:
        storage.write_json_atomic(self.event_dir / names.CONFIG_FILE, {
            "config": self.config.to_dict(), "seed": self.config.seed,
            "budget": self.config.budget, "dataset": self.dataset.summary(),
            "space": self.space.name, "strategy": getattr(self.strategy, "name", "custom"),
            "versions": versions(), "command": " ".join(sys.argv),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        if self.dataset.preprocessing is not None:
            storage.write_json_atomic(self.event_dir / names.DATASET_FILE,
                                   self.dataset.preprocessing.to_dict())
        self._checkpoint()
        self._write_status("running")

    def _write_status(self, status: str, **extra) -> None:
        best = None
        if self._best is not None:
            acc, index, _ = self._best
            best = {"index": index, "val_accuracy": acc, "tokens": self.entries[index][0]}
        storage.write_json_atomic(self.event_dir / names.STATUS_FILE, {
            "status": status, "children": len(self.entries), "budget": self.config.budget,
            "best": best, "epochs": self.epoch_stats,
            "elapsed_seconds": self._elapsed(), "pid": os.getpid(), **extra})

    # --- one child ----------------------------------------------------------------------------

    def _record_child(self, seq: list[int], epoch: int, predicted: float | None,
                      result: ChildResult) -> float:
        """Log one child's result as it arrives (see mlpnas.training.executors), merge its weights,
        print its line. A failed child gets the worst reward; the search goes on."""
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
            if self._best is None or acc > self._best[0]:
                self._best = (acc, index, outcome.weights)
        self.entries.append([list(map(int, seq)), float(acc), predicted, meta])
        self._checkpoint()
        self._print_child(index, seq, acc, meta)
        return acc

    def _print_child(self, index: int, seq: Sequence[int], acc: float, meta: dict) -> None:
        done, total = index + 1, self.config.budget
        elapsed = self._elapsed()
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
        """Run (or resume) the whole search; the event folder is consistent at every child."""
        self._started = time.perf_counter()
        self._open_event()
        try:
            with checkpoint.graceful_sigint("stopping after the current child is logged "
                                            "(Ctrl-C again to stop at once)") as stop:
                for epoch in range(self._next_epoch, self.config.controller_epochs):
                    # Predictions are made before any of these children trains (None without
                    # a predictor), and may pick which ones train.
                    plan = self._epoch_plan(epoch)
                    rewards = [e[1] for e in self.entries[self._pending["first_index"]:]]
                    todo = plan.train[len(rewards):]
                    results = self.executor.run([plan.candidates[i] for i in todo],
                                                len(self.entries), self._epoch_store())
                    for i, result in zip(todo, results):
                        rewards.append(self._record_child(plan.candidates[i], epoch,
                                                          plan.prediction(i), result))
                        self._check_failures()
                        stop.check()
                    self._finish_epoch(epoch, plan, rewards)
            test_acc = self._test_best()
            self._write_status("finished", test_accuracy=test_acc)
        except KeyboardInterrupt:
            self._write_status("interrupted")
            raise SearchInterrupted(
                f"interrupted after {len(self.entries)} of {self.config.budget} children; "
                f"resume with: {checkpoint.resume_hint(self.event_dir)}") from None
        except BaseException as exc:
            self._write_status("failed", error=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            self._close()
        acc, index, _ = self._best if self._best else (float("nan"), -1, None)
        return SearchResult(self.event_dir, storage.read_log(self.event_dir / names.LOG_FILE),
                            index, acc, test_acc)

    # --- screening and predictor quality ----------------------------------------------------

    def _plan_epoch(self, epoch: int) -> screening.EpochPlan:
        """This epoch's candidates and which of them to train (mlpnas.strategies.screening)."""
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

    def _finish_epoch(self, epoch: int, plan: screening.EpochPlan, rewards: list) -> None:
        """Tell the rewards, record the epoch's statistics, checkpoint the new state."""
        stats = self.strategy.tell(**plan.feedback(rewards))
        self.epoch_stats.append({"epoch": epoch, **{k: float(v) for k, v in stats.items()},
                                 **self._screening_stats(plan, epoch)})
        self._pending, self._next_epoch = None, epoch + 1
        self._save_strategy()
        self._checkpoint()
        if self._board is not None:  # after the checkpoint: a resume never repeats a point
            best = self._best[0] if self._best else C.FAILED_CHILD_REWARD
            self._board.write(epoch, {**stats, "best_so_far": best})
        self._write_status("running")

    def _check_failures(self) -> None:
        """Stop the search after too many failed children in a row (the log stays intact)."""
        limit = self.config.max_consecutive_failures
        if self._consecutive_failures() >= limit:
            raise NasError(f"stopped after {limit} failed children in a row (last: "
                           f"{self.entries[-1][3]['error']}); the log is intact in "
                           f"{self.event_dir}")

    def _close(self) -> None:
        self.executor.close()
        if self._board is not None:
            self._board.close()
            self._board = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _save_strategy(self) -> None:
        self.strategy.save(self.event_dir)

    def _test_best(self) -> float | None:
        """Accuracy of the best child on the test split: the only time test data is read."""
        if self._best is None:
            return None
        _, index, weights = self._best
        keras.backend.clear_session()
        child = build_model(self.space, self.entries[index][0], self.dataset)
        child.model.set_weights(weights)
        return accuracy(child.model, self.dataset.x_test, self.dataset.y_test)
