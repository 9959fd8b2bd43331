"""Successive halving inside each controller epoch (`--scheduler halving`). No TensorFlow.

Each controller epoch trains all its sampled children for a few epochs (rung 0), keeps
the best 1/eta of them (by validation score), trains those further from their own weights
(rung 1), and so on until the survivors have trained --child-epochs in all:

    rung epochs  E / eta^(R-1), ..., E / eta, E       (cumulative, at least 1)
    survivors    n, n // eta, n // eta^2, ...         (at least 1)

R is the largest number of rungs for which both sequences stay at least 1. A child
continues from its own trained weights (the optimizer restarts) for the rung's extra
epochs. A child is logged once, when it stops: at the end of the rung that did not
promote it (meta: `stopped_early`, `rung`, `rungs` = [{epochs, val_accuracy}, ...],
`epochs` = epochs trained in all), or after the last rung.

Rewards: a strategy compares like with like. A child that reached the last rung gets its
validation score, as under the full scheduler. A child stopped at rung k < R-1 gets

    reward = min(scores of the epoch's last-rung children) * k / (R - 1)

so a rung-0 child gets 0 and any stopped child ranks below every full-fidelity one,
higher rungs above lower ones, never a number that reads as a full-fidelity score. Only
the last-rung (sequence, score) pairs reach a predictor (`observed`), and only they can
become the search's best child. Failed children get the failed-child reward.

The rung state (scores so far, survivors, their weights) is part of the epoch's
checkpointed plan, written after every job: a search stopped in the middle of a rung
resumes exactly. Jobs of rung k are seeded with index first + k * HALVING_SEED_STRIDE +
position, so rung 0 trains children exactly as the full scheduler would.
"""

from __future__ import annotations

from types import SimpleNamespace

import CONSTANTS as C
from mlpnas.errors import NasError

SEED_STRIDE = 100_000  # see the module doc: rung k's jobs are seeded from k * SEED_STRIDE


def check_halving(config) -> None:
    """Refuse options successive halving cannot honour (one line each)."""
    if config.scheduler not in C.SCHEDULERS:
        raise NasError(f"unknown scheduler {config.scheduler!r}; choose one of: "
                       f"{', '.join(C.SCHEDULERS)}")
    if config.scheduler != "halving":
        return
    if config.eta < 2:
        raise NasError(f"--eta must be at least 2, got {config.eta}")
    if config.screen > 1:
        raise NasError("--scheduler halving already picks which children train fully; "
                       "leave out --screen")
    if config.one_shot:
        raise NasError("--scheduler halving continues each child from its own weights; "
                       "add --no-one-shot")


def rung_epochs(child_epochs: int, eta: int, n: int) -> list[int]:
    """Cumulative epochs at the end of each rung (the module doc's formula)."""
    rungs = 1
    while eta ** rungs <= n and child_epochs // eta ** rungs >= 1:
        rungs += 1
    return [max(1, round(child_epochs / eta ** (rungs - 1 - k))) for k in range(rungs)]


def survivors(alive: int, eta: int) -> int:
    """How many of `alive` children a rung promotes."""
    return max(1, alive // eta)


def stopped_reward(rung: int, rungs: int, full_scores: list[float]) -> float:
    """Reward of a child stopped at `rung` (module doc): below every full-fidelity score."""
    if not full_scores or rungs < 2:
        return C.FAILED_CHILD_REWARD
    return min(full_scores) * rung / (rungs - 1)


# --- the rung state, kept in the epoch's checkpointed plan ----------------------------------

def new_state(train: list[int]) -> dict:
    """Rung 0 with every child of the plan alive."""
    return {"rung": 0, "alive": list(train), "scores": {}, "metas": {}, "weights": {},
            "failed": {}, "stopped": {}}


def _job_start(state: dict, i: int, rungs: list[int]) -> dict:
    k = state["rung"]
    before = rungs[k - 1] if k > 0 else 0
    return {"epochs": rungs[k] - before, "weights": state["weights"].get(i) if k else None}


def _record_job(state: dict, i: int, result) -> None:
    """Keep one job's score, meta and weights in the rung state."""
    if result.error is not None:
        state["failed"][i] = {"error": result.error, "traceback": result.traceback,
                              "attempts": result.attempts}
        return
    outcome = result.outcome
    state["scores"].setdefault(i, []).append(float(outcome.val_accuracy))
    state["metas"].setdefault(i, []).append(dict(outcome.meta))
    state["weights"][i] = outcome.weights


def _rank(state: dict, alive: list[int]) -> list[int]:
    """Alive children best first by this rung's score (ties: plan order); failed last."""
    k = state["rung"]
    ok = [i for i in alive if i not in state["failed"]]
    return sorted(ok, key=lambda i: (-state["scores"][i][k], alive.index(i)))


# --- one controller epoch ------------------------------------------------------------------

def run_epoch(search, epoch: int, stop) -> bool:
    """Successive halving over the epoch's children; False when the time budget stopped
    it (the rung state stays in the checkpoint)."""
    plan = search._epoch_plan(epoch)
    pending = search._pending
    state = pending.setdefault("halving", new_state(plan.train))
    rungs = rung_epochs(search.config.child_epochs, search.config.eta, len(plan.train))
    while state["rung"] < len(rungs):
        if not _run_rung(search, plan, epoch, state, rungs, stop):
            return False
        _close_rung(search, plan, epoch, state, rungs)
    search._finish_epoch(epoch, plan, [], feedback(plan, state, rungs))
    return True


def _run_rung(search, plan, epoch: int, state: dict, rungs: list[int], stop) -> bool:
    """Train what is left of the current rung, checkpointing after each job."""
    k = state["rung"]
    done = [i for i in state["alive"]
            if i in state["failed"] or len(state["scores"].get(i, [])) > k]
    todo = state["alive"][len(done):]
    epochs = _job_start(state, todo[0], rungs)["epochs"] if todo else 0
    if todo and not search.limits.may_start(search.elapsed(), epochs):
        return False
    first = search._pending["first_index"] + k * SEED_STRIDE + len(done)
    results = search.executor.run([plan.candidates[i] for i in todo], first, None,
                                  starts=[_job_start(state, i, rungs) for i in todo])
    for n, (i, result) in enumerate(zip(todo, results), 1):
        _record_job(state, i, result)
        search._checkpoint()
        search.limits.job_done(search.elapsed(), epochs)
        stop.check()
        if n < len(todo) and not search.limits.may_start(search.elapsed(), epochs):
            return False
    return True


def _close_rung(search, plan, epoch: int, state: dict, rungs: list[int]) -> None:
    """Log the children this rung stops, promote the rest, checkpoint."""
    k, alive = state["rung"], state["alive"]
    ranked = _rank(state, alive)
    last = k == len(rungs) - 1
    keep = [] if last else ranked[:survivors(len(alive), search.config.eta)]
    for i in alive:
        if i not in keep:
            _log_child(search, plan, epoch, state, i, rungs, stopped=not last)
            search._check_failures()
    state["alive"] = [i for i in alive if i in keep]
    state["weights"] = {i: w for i, w in state["weights"].items() if i in keep}
    state["rung"] = k + 1
    search._checkpoint()


def _log_child(search, plan, epoch: int, state: dict, i: int, rungs: list[int],
               stopped: bool) -> None:
    """Append child i to the log with its rung history."""
    k = state["rung"]
    scores = state["scores"].get(i, [])
    history = [{"rung": r, "epochs": rungs[r], "val_accuracy": s} for r, s in enumerate(scores)]
    extra = {"scheduler": "halving", "rung": k, "rungs": history, "stopped_early": stopped,
             "epochs": rungs[len(scores) - 1] if scores else 0,
             "rung_epochs": list(rungs)}
    if stopped:
        extra["description"] = (search.space.describe(plan.candidates[i],
                                                      search.dataset.n_classes)
                                + f" [stopped at rung {k}, {extra['epochs']} epochs]")
    state["stopped"][i] = k if stopped else None
    failure = state["failed"].get(i)
    index = len(search.entries)
    if failure is not None:
        result = SimpleNamespace(index=index, error=failure["error"], outcome=None,
                                 traceback=failure["traceback"], attempts=failure["attempts"])
    else:
        meta = dict(state["metas"][i][-1])
        meta["train_seconds"] = sum(m.get("train_seconds", 0.0) for m in state["metas"][i])
        if "best_epoch" in meta:  # counted from the child's first epoch, not its rung's
            meta["best_epoch"] = int(meta["best_epoch"]) + (rungs[len(scores) - 2]
                                                            if len(scores) > 1 else 0)
        outcome = SimpleNamespace(val_accuracy=scores[-1], meta=meta, stored={},
                                  weights=state["weights"].get(i, []))
        result = SimpleNamespace(index=index, error=None, outcome=outcome, traceback=None,
                                 attempts=1)
    search._record_child(plan.candidates[i], epoch, plan.prediction(i), result, extra)


def feedback(plan, state: dict, rungs: list[int]) -> dict:
    """`strategy.tell` arguments: the rewards of the module doc, in candidate order."""
    last = len(rungs) - 1
    full = {i: state["scores"][i][-1] for i in plan.train
            if state["stopped"].get(i) is None and i not in state["failed"]}
    full_scores = list(full.values())
    trained = {}
    for i in plan.train:
        if i in state["failed"]:
            trained[i] = C.FAILED_CHILD_REWARD
        elif i in full:
            trained[i] = full[i]
        else:
            trained[i] = stopped_reward(state["stopped"][i], last + 1, full_scores)
    by_seq = {tuple(plan.candidates[i]): r for i, r in trained.items()}
    rewards = [plan.reused[i] if i in plan.reused else by_seq[tuple(seq)]
               for i, seq in enumerate(plan.candidates)]
    observed = ([plan.candidates[i] for i in full], [full[i] for i in full])
    return {"seqs": plan.candidates, "rewards": rewards, "observed": observed}
