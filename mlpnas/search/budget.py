"""When a search stops early: a wall-clock budget and a plateau. No TensorFlow.

    --time-budget DURATION   no child is started that would not finish within DURATION
                             (the whole search, over its resumes) by a running estimate
    --patience N             stop after N controller epochs without a better best child

The time estimate is per child epoch: the seconds between consecutive logged jobs of this
run divided by the epochs those jobs were given, times the epochs of the next job (a
successive-halving rung gives its jobs fewer epochs than a full child). The measurements
are checkpointed, so a resumed search starts from the earlier runs' estimate; before the
first job of a search there is none, and that job starts unless the budget is spent.

A search stopped by either rule finishes like any other: the best child is scored on the
test split, status.json says "finished" with `stop_reason`, and `nas events` and the
report show that reason. Its checkpoint keeps the unfinished epoch, so
`nas search --resume N --time-budget LONGER` (or a larger --patience) continues it.
"""

from __future__ import annotations

import re

from mlpnas.errors import NasError

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(text: str) -> float:
    """Seconds in '90s', '30m', '2h', '1h30m'; a one-line error for anything else."""
    value = str(text).strip().lower()
    match = _DURATION.fullmatch(value)
    if not value or match is None or not any(match.groups()):
        raise NasError(f"--time-budget: cannot read {text!r}; give hours, minutes and/or "
                       "seconds such as 90s, 30m, 2h or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise NasError(f"--time-budget must be longer than zero, got {text!r}")
    return float(total)


def format_duration(seconds: float) -> str:
    """'1h30m', '45s': a budget as a user would type it."""
    seconds = int(round(seconds))
    parts = [(seconds // 3600, "h"), (seconds // 60 % 60, "m"), (seconds % 60, "s")]
    return "".join(f"{n}{unit}" for n, unit in parts if n) or "0s"


def remaining_seconds(config, elapsed: float) -> float | None:
    """Seconds left of the time budget (None without one)."""
    if config.time_budget is None:
        return None
    return max(0.0, float(config.time_budget) - elapsed)


def eta_seconds(config, elapsed: float, by_children: float) -> float:
    """The progress line's ETA: the children left at the pace so far, capped by the budget."""
    left = remaining_seconds(config, elapsed)
    return by_children if left is None else min(by_children, left)


def best_by_epoch(entries) -> dict[int, float]:
    """The best full-fidelity validation score logged by each controller epoch's end."""
    best: dict[int, float] = {}
    for entry in entries:
        if entry.failed or entry.meta.get("stopped_early") or entry.controller_epoch is None:
            continue
        epoch = entry.controller_epoch
        best[epoch] = max(best.get(epoch, entry.val_accuracy), entry.val_accuracy)
    return best


def plateau(entries, last_epoch: int, patience: int) -> bool:
    """True when no controller epoch after the best one, up to `last_epoch`, improved it,
    and `patience` epochs have passed since."""
    best = best_by_epoch(entries)
    record, improved_at = None, -1
    for epoch in range(last_epoch + 1):
        if epoch in best and (record is None or best[epoch] > record):
            record, improved_at = best[epoch], epoch
    return last_epoch - improved_at >= patience


class StopRules:
    """The time budget and the patience of one search run; `reason` once one has fired."""

    def __init__(self, config) -> None:
        self.config = config
        self.reason: str | None = None
        self._mark: float | None = None  # elapsed seconds at the last logged job
        self._seconds = 0.0  # measured job time of this run
        self._epochs = 0  # epochs those jobs were given

    def timing(self) -> list[float]:
        """[seconds, epochs] measured so far (for the checkpoint)."""
        return [self._seconds, float(self._epochs)]

    def restore(self, timing: list | None) -> None:
        """Continue from an earlier run's measurements."""
        if timing:
            self._seconds, self._epochs = float(timing[0]), int(timing[1])

    def begin(self, elapsed: float) -> None:
        """The run starts (new or resumed): jobs are timed from here."""
        self._mark = elapsed

    def job_done(self, elapsed: float, epochs: int) -> None:
        """A job given `epochs` epochs has been logged (or checkpointed)."""
        if self._mark is not None:
            self._seconds += max(0.0, elapsed - self._mark)
            self._epochs += max(1, int(epochs))
        self._mark = elapsed

    def estimate(self, epochs: int) -> float | None:
        """Expected seconds of a job given `epochs` epochs (None before the first job)."""
        if self._epochs == 0:
            return None
        return self._seconds / self._epochs * max(1, int(epochs))

    def may_start(self, elapsed: float, epochs: int) -> bool:
        """False (and `reason` set) when a job of `epochs` epochs would overrun the budget."""
        if self.reason is not None:
            return False
        budget = self.config.time_budget
        if budget is None:
            return True
        expected = self.estimate(epochs)
        if expected is None and elapsed >= budget:
            self.reason = (f"time budget: {format_duration(budget)} spent (elapsed "
                           f"{format_duration(elapsed)})")
        elif expected is not None and elapsed + expected > budget:
            self.reason = (f"time budget: {format_duration(budget)} would be exceeded by the "
                           f"next child (elapsed {format_duration(elapsed)}, about "
                           f"{format_duration(expected)} for it)")
        return self.reason is None

    def epoch_done(self, entries, epoch: int) -> bool:
        """False (and `reason` set) once the best child has not improved for --patience
        controller epochs."""
        patience = self.config.patience
        if self.reason is None and patience is not None and plateau(entries, epoch, patience):
            self.reason = (f"patience: the best validation score did not improve for "
                           f"{patience} controller epoch(s)")
        return self.reason is None
