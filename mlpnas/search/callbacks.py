"""What a search does besides searching: the progress line, status.json, TensorBoard.

The loop (mlpnas.search.loop) calls every callback at four points, in the manner of
keras-tuner's and syne-tune's tuner callbacks:

    on_search_begin(search)                 the event folder is open (new or resumed)
    on_child_end(search, record)            a child is logged and checkpointed
    on_epoch_end(search, epoch, stats)      the strategy was told the epoch's rewards
    on_search_end(search, status, extra)    finished, interrupted or failed (always once)

A callback reads the search through its public view (`entries`, `best_entry`, `epoch_stats`,
`elapsed()`, `writer`, `config`, `space`, `dataset`) and never changes it. No TensorFlow
at import; the TensorBoard callback loads it when it opens its writer.
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

import CONSTANTS as C
from mlpnas.search.budget import eta_seconds
from mlpnas.storage import LogEntry, names


class Callback:
    """Base class: every hook does nothing, so a callback overrides only what it needs."""

    def on_search_begin(self, search) -> None:
        """The event folder is open and the state restored; nothing trained yet in this run."""

    def on_child_end(self, search, record: LogEntry) -> None:
        """`record` was appended to the log (trained or failed)."""

    def on_epoch_end(self, search, epoch: int, stats: dict) -> None:
        """The strategy returned `stats` from telling epoch `epoch`'s rewards."""

    def on_search_end(self, search, status: str, extra: dict) -> None:
        """The search ended with `status` ('finished', 'interrupted', 'failed')."""


class CallbackList(Callback):
    """Several callbacks called in order, as one."""

    def __init__(self, callbacks: Sequence[Callback]) -> None:
        self.callbacks = list(callbacks)

    def on_search_begin(self, search) -> None:
        for callback in self.callbacks:
            callback.on_search_begin(search)

    def on_child_end(self, search, record: LogEntry) -> None:
        for callback in self.callbacks:
            callback.on_child_end(search, record)

    def on_epoch_end(self, search, epoch: int, stats: dict) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(search, epoch, stats)

    def on_search_end(self, search, status: str, extra: dict) -> None:
        for callback in self.callbacks:
            callback.on_search_end(search, status, extra)


def format_seconds(seconds: float) -> str:
    """h:mm:ss."""
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def best_accuracy(search) -> float | None:
    """The best validation accuracy so far (None before the first trained child)."""
    best = search.best_entry
    return None if best is None else best.val_accuracy


class ProgressLine(Callback):
    """One line per child: what it is, its score, the best so far, elapsed time and ETA."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo

    def on_child_end(self, search, record: LogEntry) -> None:
        done, total = record.index + 1, search.config.budget
        elapsed = search.elapsed()
        eta = eta_seconds(search.config, elapsed, elapsed / done * (total - done))
        best = best_accuracy(search)
        best = float("nan") if best is None else best
        score = f"FAILED ({record.error})" if record.failed else f"val_acc {record.val_accuracy:.4f}"
        if record.over_limit:
            score = f"SKIPPED ({record.over_limit})"
        described = search.space.describe(list(record.tokens), search.dataset.n_classes)
        self.echo(f"[{done:>{len(str(total))}}/{total}] {described}  {score}  "
                  f"best {best:.4f}  elapsed {format_seconds(elapsed)}  "
                  f"eta {format_seconds(eta)}")

    def on_search_end(self, search, status: str, extra: dict) -> None:
        if extra.get("stop_reason"):
            self.echo(f"stopped early ({extra['stop_reason']})")


class StatusFile(Callback):
    """status.json: 'running' with the progress so far, then how the search ended."""

    def on_search_begin(self, search) -> None:
        self.write(search, "running")

    def on_epoch_end(self, search, epoch: int, stats: dict) -> None:
        self.write(search, "running")

    def on_search_end(self, search, status: str, extra: dict) -> None:
        self.write(search, status, extra)

    @staticmethod
    def write(search, status: str, extra: dict | None = None) -> None:
        """Write the search's current status."""
        best = search.best_entry
        if best is not None:
            best = {"index": best.index, "val_accuracy": best.val_accuracy,
                    "tokens": list(best.tokens)}
        search.writer.write_status({
            "status": status, "children": len(search.entries), "budget": search.config.budget,
            "best": best, "epochs": search.epoch_stats,
            "elapsed_seconds": search.elapsed(), "pid": os.getpid(), **(extra or {})})


class TensorBoard(Callback):
    """One scalar per statistic and controller epoch under <event>/tensorboard."""

    def __init__(self) -> None:
        self.board = None

    def on_search_begin(self, search) -> None:
        from mlpnas.storage.tensorboard import ScalarWriter

        self.board = ScalarWriter(search.writer.path / names.TENSORBOARD_DIR)

    def on_epoch_end(self, search, epoch: int, stats: dict) -> None:
        best = best_accuracy(search)
        best = C.FAILED_CHILD_REWARD if best is None else best
        self.board.write(epoch, {**stats, "best_so_far": best})

    def on_search_end(self, search, status: str, extra: dict) -> None:
        if self.board is not None:
            self.board.close()
            self.board = None


def default_callbacks(config, progress: Callable[[str], None] | None) -> list[Callback]:
    """The callbacks every search has: progress (when echoed), status, TensorBoard (opt-in)."""
    callbacks: list[Callback] = [StatusFile()]
    if progress is not None:
        callbacks.insert(0, ProgressLine(progress))
    if config.tensorboard:
        callbacks.append(TensorBoard())
    return callbacks
