"""Where children train: in the driver, in local worker processes, or as Ray tasks.

An executor gets the sequences of ONE controller epoch and yields one `ChildResult` per
child, in child order; the driver (the search loop, which keeps the controller) logs and
merges each result as it comes.

One-shot weights in parallel (`--workers N` > 1, or `--ray-address`): every child of a
controller epoch starts from a snapshot of the weight store taken at the start of that
epoch, and the driver merges the trained weights back in child order (index ascending),
so where two children of an epoch trained a layer with the same key, the later child's
weights are the ones kept. A child's result then depends only on the seed, its index
and the snapshot, never on which worker ran it or when: the search is reproducible for
a given seed and N. The serial executor (the default) keeps MLPNAS' own rule instead:
each child starts from the store with every earlier child merged in.

A child may come with a `start` ({"epochs": extra epochs, "weights": its own trained
weights}): it then continues from those weights (successive halving, mlpnas.search.schedule);
the task gets it as its `start` keyword argument, and only then.

A worker or task that dies (killed process, lost node) costs the child one attempt; it
is retried once, then recorded as failed, and the search goes on. A child whose own
training fails (non-finite loss...) is not retried: it would fail again.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import CONSTANTS as C
from mlpnas.errors import NasError

MAX_ATTEMPTS = C.CHILD_MAX_ATTEMPTS


@dataclass
class ChildResult:
    """What came back for one child: an outcome, or the reason it failed."""

    index: int
    outcome: Any = None  # mlpnas.training.child.ChildOutcome when the child trained
    error: str | None = None
    attempts: int = 1
    traceback: str | None = None  # the last frames, when the child's own code raised


def describe_error(exc: BaseException) -> str:
    """One line naming an exception (what the log records for a failed child)."""
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _failed(index: int, exc: BaseException, attempts: int = 1) -> ChildResult:
    """The result of a child whose own code raised `exc` (call inside the except block)."""
    return ChildResult(index, error=describe_error(exc), attempts=attempts,
                       traceback=traceback.format_exc(limit=-8)[-3000:])


def default_task() -> Callable:
    """The unit of work: `mlpnas.training.child.train_child` (imports TensorFlow)."""
    from mlpnas.training.child import train_child

    return train_child


class ChildExecutor(ABC):
    """Runs the children of one controller epoch; yields their results in child order."""

    # True: every child of an epoch starts from the store as it was when the epoch started
    # (the search passes that snapshot); False: from the live store, earlier children of
    # the epoch merged in.
    epoch_snapshot = True

    def __init__(self, space, dataset, config, task: Callable | None = None) -> None:
        self.space, self.dataset, self.config = space, dataset, config
        self.task = task
        self.wait_seconds = 0.0  # driver time spent waiting for children (bench/parallel.py)
        self.startup_seconds = 0.0  # driver time spent starting workers (bench/parallel.py)

    @abstractmethod
    def run(self, seqs: Sequence[Sequence[int]], first_index: int,
            store, starts: Sequence[dict | None] | None = None) -> Iterator[ChildResult]:
        """Train `seqs` (indices first_index, first_index+1, ...) starting from `store`
        (`starts[k]`: where child k continues from, see the module doc)."""

    def connect(self) -> None:  # noqa: B027  (an optional hook: only Ray has a cluster to join)
        """Reach what runs the children before the search opens its event folder."""

    def close(self) -> None:  # noqa: B027  (an optional hook: serial has nothing to release)
        """Release workers and temporary files."""

    def __enter__(self) -> "ChildExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SerialExecutor(ChildExecutor):
    """Children one after another in the driver; each sees every earlier child's weights."""

    epoch_snapshot = False

    def run(self, seqs, first_index, store, starts=None):
        task = self.task or default_task()
        for k, seq in enumerate(seqs):
            index = first_index + k
            start = time.perf_counter()
            try:
                outcome = task(self.space, seq, index, self.dataset, self.config, store,
                               **_start_kw(starts, k))
            except Exception as exc:  # one bad child must not end a long search
                result = _failed(index, exc)
            else:
                result = ChildResult(index, outcome)
            self.wait_seconds += time.perf_counter() - start
            yield result


# --- the worker side (runs in a worker process or a Ray task) -------------------------------

_WORKER: dict = {}


def limit_threads(threads: int) -> None:
    """Pin this process's TensorFlow (and OpenMP) to `threads` threads; call before any op."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    from mlpnas.training.tf_setup import import_tf

    tf, _ = import_tf()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already running in this process: keep its pools
        pass


def _init_worker(space, dataset, config, task) -> None:
    """Worker set-up: the data arrives here, once per worker process."""
    from mlpnas.training.tf_setup import seed_everything

    seed_everything(config.seed)
    _WORKER.update(space=space, dataset=dataset, config=config, task=task or default_task(),
                   snapshot=(None, None))


def _store_from(state: dict | None):
    if state is None:
        return None
    from mlpnas.training.weights import WeightStore

    store = WeightStore()
    store.set_state(state)
    return store


def _start_kw(starts: Sequence | None, k: int) -> dict:
    """The task's keyword arguments for child k: {"start": ...} only when it has one."""
    start = starts[k] if starts is not None else None
    return {} if start is None else {"start": start}


def run_task(task: Callable, space, seq, index: int, dataset, config, state: dict | None,
             start: dict | None = None):
    """Train one child from a store snapshot; ("ok", outcome) or ("error", failed result)."""
    try:
        return "ok", task(space, seq, index, dataset, config, _store_from(state),
                          **_start_kw([start], 0))
    except Exception as exc:  # the child's own failure: reported, not retried
        return "error", _failed(index, exc)


def _process_work(seq, index: int, snapshot: str | None, start: dict | None = None):
    """Process-pool job: the snapshot is a file, read once per worker per epoch."""
    path, state = _WORKER["snapshot"]
    if snapshot is not None and path != snapshot:
        with open(snapshot, "rb") as fh:
            state = pickle.load(fh)
        _WORKER["snapshot"] = (snapshot, state)
    return run_task(_WORKER["task"], _WORKER["space"], seq, index, _WORKER["dataset"],
                    _WORKER["config"], state if snapshot is not None else None, start)


def _to_result(index: int, payload, attempts: int) -> ChildResult:
    status, value = payload
    if status == "ok":
        return ChildResult(index, outcome=value, attempts=attempts)
    value.attempts = attempts
    return value


# --- local worker processes -----------------------------------------------------------------

def _worker_main(conn, threads: int) -> None:
    """A worker process: set up once, then train the children it is sent until told to stop.

    The process starts with nothing but its pipe, so starting it does not wait for it to
    import TensorFlow; the data arrives through the pipe (`_Worker.setup`). Ctrl-C is the
    driver's to handle (it stops after the current child is logged)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads(threads)  # before anything runs TensorFlow
    _init_worker(*conn.recv())
    while True:
        job = conn.recv()
        if job is None:
            break
        conn.send(_process_work(*job))
    # Nothing is left to write: skip the interpreter's teardown of TensorFlow (seconds).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class _Worker:
    """One spawned worker process and the pipe to it; `job` is the child it is training."""

    def __init__(self, ctx, threads: int) -> None:
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(theirs, threads), daemon=True)
        self.process.start()
        theirs.close()
        self.job: tuple | None = None

    def setup(self, initargs: tuple) -> None:
        """Send the worker its data (space, data set, config, task); once, after start."""
        try:
            self.conn.send(initargs)
        except OSError:  # died at start-up: the driver sees it and replaces the worker
            pass

    def ask_to_stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass

    def stop(self) -> None:
        self.ask_to_stop()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


class ProcessExecutor(ChildExecutor):
    """N local worker processes, each pinned to its share of the cores.

    The data set goes to each worker once, when it starts; the weight-store snapshot is
    written to a file once per controller epoch and read once per worker. A worker that
    dies is replaced, and only the child it was training loses an attempt.
    """

    def __init__(self, space, dataset, config, task: Callable | None = None,
                 workers: int = 2) -> None:
        super().__init__(space, dataset, config, task)
        self.workers = int(workers)
        self.threads = max(1, (os.cpu_count() or 1) // self.workers)
        self._pool: list[_Worker] = []
        self._tmp: Path | None = None  # snapshot files, made on first use
        self._starts: dict = {}  # index -> start of the children being run
        self._epoch = 0

    def _spawn(self, count: int = 1) -> list[_Worker]:
        """Start `count` workers, then send each its data: they import TensorFlow at once."""
        import multiprocessing

        start = time.perf_counter()
        ctx = multiprocessing.get_context("spawn")
        started = [_Worker(ctx, self.threads) for _ in range(count)]
        # A send larger than the pipe's buffer (the data set) returns once that worker reads
        # it, after its TensorFlow import; the workers started above import side by side.
        for worker in started:
            worker.setup((self.space, self.dataset, self.config, self.task))
        self.startup_seconds += time.perf_counter() - start
        return started

    def _publish(self, store) -> str | None:
        """Write the epoch's store snapshot once; workers read it by path."""
        if store is None:
            return None
        self._epoch += 1
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="nas-snapshots-"))
        path = self._tmp / f"store-{self._epoch}.pkl"
        with open(path, "wb") as fh:
            pickle.dump(store.get_state(), fh, protocol=pickle.HIGHEST_PROTOCOL)
        return str(path)

    def run(self, seqs, first_index, store, starts=None):
        self._pool += self._spawn(self.workers - len(self._pool))
        snapshot = self._publish(store)
        self._starts = {first_index + k: _start_kw(starts, k).get("start")
                        for k in range(len(seqs))}
        waiting = [(first_index + k, list(map(int, seq))) for k, seq in enumerate(seqs)]
        attempts = {index: 1 for index, _ in waiting}
        done: dict = {}
        for index in sorted(attempts):
            while index not in done:
                self._dispatch(waiting, snapshot)
                self._collect(waiting, attempts, done)
            yield done.pop(index)

    def _dispatch(self, waiting: list, snapshot) -> None:
        for k, worker in enumerate(self._pool):
            if worker.job is None and waiting:
                if not worker.process.is_alive():
                    worker.stop()
                    worker = self._pool[k] = self._spawn()[0]
                worker.job = waiting.pop(0)
                try:
                    worker.conn.send((worker.job[1], worker.job[0], snapshot,
                                      self._starts.get(worker.job[0])))
                except OSError:  # died just now: _collect sees it and requeues the child
                    pass

    def _collect(self, waiting: list, attempts: dict, done: dict) -> None:
        """Wait for a worker to answer or die; record the answer or requeue the child."""
        from multiprocessing.connection import wait

        busy = [w for w in self._pool if w.job is not None]
        start = time.perf_counter()
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
        self.wait_seconds += time.perf_counter() - start
        for k, worker in enumerate(self._pool):
            if worker.job is None or not {worker.conn, worker.process.sentinel} & set(ready):
                continue
            index, seq = worker.job
            worker.job = None
            try:
                done[index] = _to_result(index, worker.conn.recv(), attempts[index])
                continue
            except (EOFError, OSError):  # the worker died while training this child
                worker.stop()
                self._pool[k] = self._spawn()[0]
            if attempts[index] >= MAX_ATTEMPTS:
                done[index] = ChildResult(index, error=f"worker process died "
                                          f"({MAX_ATTEMPTS} attempts)", attempts=MAX_ATTEMPTS)
            else:
                attempts[index] += 1
                waiting.insert(0, (index, seq))

    def close(self) -> None:
        for worker in self._pool:  # all at once, then wait for each
            worker.ask_to_stop()
        for worker in self._pool:
            worker.stop()
        self._pool = []
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


# --- Ray --------------------------------------------------------------------------------------

def _ray_work(task, space, seq, index, dataset, config, state, start=None):
    """Ray task body: one CPU, so one TensorFlow thread."""
    limit_threads(1)
    from mlpnas.training.tf_setup import seed_everything

    seed_everything(config.seed)
    return run_task(task or default_task(), space, seq, index, dataset, config, state, start)


class RayExecutor(ChildExecutor):
    """Children as Ray tasks on an existing cluster; at most `workers` running at a time.

    The data set goes to the object store once per search, the weight-store snapshot once
    per controller epoch; tasks receive references. Cluster nodes need this package
    importable (installed, or the same folder on a shared filesystem).
    """

    def __init__(self, space, dataset, config, task: Callable | None = None,
                 workers: int = 2, address: str = "auto") -> None:
        super().__init__(space, dataset, config, task)
        try:
            import ray
        except ImportError:
            raise NasError("--ray-address needs Ray: pip install 'nas[ray]'") from None

        self.ray, self.address = ray, address
        self.workers = int(workers)
        self._owns_ray = False
        self._remote = self._data = self._task = None

    def connect(self) -> None:
        """Join the cluster (unless this process already has) and ship the data, once."""
        if self._remote is not None:
            return
        ray = self.ray
        if not ray.is_initialized():
            root = str(Path(__file__).resolve().parents[1])
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
            try:
                ray.init(address=self.address, log_to_driver=False, configure_logging=False,
                         runtime_env={"env_vars": {"PYTHONPATH": path}})
            except Exception as exc:  # noqa: BLE001  no cluster, wrong address, version clash
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
                raise NasError(f"cannot join a Ray cluster at --ray-address {self.address}: "
                               f"{reason} (start one with `ray start --head`, or leave out "
                               "--ray-address)") from None
            self._owns_ray = True
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_ray_work)
        self._data = ray.put(self.dataset)  # once per search
        self._task = ray.put(self.task)

    def _submit(self, seq, index: int, state_ref, start=None):
        return self._remote.remote(self._task, self.space, seq, index, self._data,
                                   self.config, state_ref, start)

    def run(self, seqs, first_index, store, starts=None):
        ray = self.ray
        self.connect()
        state_ref = ray.put(store.get_state()) if store is not None else None
        jobs = [(first_index + k, list(map(int, seq))) for k, seq in enumerate(seqs)]
        attempts = {i: 1 for i, _ in jobs}
        waiting, running, done = list(jobs), {}, {}
        for index, _ in jobs:
            while index not in done:
                while waiting and len(running) < self.workers:
                    i, seq = waiting.pop(0)
                    start = _start_kw(starts, i - first_index).get("start")
                    running[self._submit(seq, i, state_ref, start)] = (i, seq)
                start = time.perf_counter()
                ready, _ = ray.wait(list(running), num_returns=1)
                self.wait_seconds += time.perf_counter() - start
                i, seq = running.pop(ready[0])
                try:
                    done[i] = _to_result(i, ray.get(ready[0]), attempts[i])
                except ray.exceptions.RayError as exc:  # worker or node lost
                    if attempts[i] >= MAX_ATTEMPTS:
                        done[i] = ChildResult(i, error=describe_error(exc), attempts=attempts[i])
                    else:
                        attempts[i] += 1
                        waiting.insert(0, (i, seq))
            yield done.pop(index)

    def close(self) -> None:
        if self._owns_ray and self.ray.is_initialized():
            self.ray.shutdown()
        self._owns_ray, self._remote = False, None


def make_executor(space, dataset, config, task: Callable | None = None) -> ChildExecutor:
    """The executor the configuration asks for (`workers`, `ray_address`)."""
    if config.ray_address:
        return RayExecutor(space, dataset, config, task, workers=config.workers,
                           address=config.ray_address)
    if config.workers > 1:
        return ProcessExecutor(space, dataset, config, task, workers=config.workers)
    return SerialExecutor(space, dataset, config, task)

