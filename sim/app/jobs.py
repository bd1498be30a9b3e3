"""Simulations off the web server's threads: a process pool, a board of jobs, a fair turn.

Why a ``ProcessPoolExecutor`` (and not Dash background callbacks or threads): a run is
CPU-bound numpy and Python, so threads would share one core through the GIL and slow
every other tab's page loads; Dash background callbacks need extra packages (diskcache
and multiprocess, or Celery and Redis) and start a fresh process per call, which would
re-import the engine and rebuild the graph every time. A small pool of long-lived
processes (one per core, at most 4) keeps the server's threads free to answer other
users while simulations run, and each tab only holds a job id (in a ``dcc.Store``)
that it polls. Worker processes keep their built graphs (``sim.graphs`` caches them),
so a planner's next run on the same community skips the graph build.

Fair turns: a job is sent to the pool one run (replicate) at a time, never more runs at
once than there are workers. A dispatcher thread gives each free worker the next run of
the next job in a round robin, so a tab with a thousand replicates and a tab with three
share the workers run by run, and neither waits for the other to finish. A tab has at
most one job going (a second Run is refused until it finishes or is cancelled). Runs are
pure functions of their config and seed (``sim.runs.execute_run``), so the tables put
back together in run order equal ``sim.experiment.run_experiment``'s.

A search (the Optimise tab) is a *driven* job: its runs are not known in advance.
Its driver, a function run in a thread of the server process (``JobBoard.drive``), asks
for runs as it goes through ``JobRuns``, an executor like ``sim.executors``' ones: the
runs it asks for join the same round robin, run by run, as every other job's, and
their outputs come back to the driver as they finish. The driver's return value is the
job's result.

Cancel: a cancelled job sends no more runs; the runs already on a worker finish (at
most one per worker, a replicate long) and are thrown away. The job answers "cancelled"
at once and its tab may run again; a driven job's driver is stopped at its next wait
for a run (``JobStopped``).

Workers are forked from a "forkserver" (never forked from the threaded web server): a
fresh single-threaded process that imports the engine once (``PRELOAD``), so each worker
starts with it imported instead of importing it again (about 2 s of CPU a worker, on
cores the server and the browser share at start). They come from a context object, so
no global start method is changed; the preload is that of this process's forkserver,
which nothing else here uses. ``JobBoard.shutdown`` (called
when the server stops, and at exit) drops queued work and stops the workers.
"""

from __future__ import annotations

import atexit
import collections
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

# What the forkserver imports before it forks a worker: the runs' module (the engine,
# Mesa, pandas, numba) and this one, whose functions the workers call.
PRELOAD = ("sim.app.jobs", "sim.runs")
FORGET_AFTER_S = 10 * 60  # a finished job's result is kept this long (seconds)
_worker_study: tuple[str, Any, Any, dict] | None = None  # in a worker: the last job's study


class TabBusy(Exception):
    """A tab asked for a second job while its first is still going."""


class JobStopped(Exception):
    """Raised in a driven job's driver when the job was cancelled, failed on a worker or
    the app is stopping: it has nothing more to wait for."""


_STOP = object()  # put in a driver's queue: stop waiting for runs

Call = tuple[Callable[..., Any], tuple[Any, ...]]  # a function for a worker, its arguments


@dataclass
class JobStatus:
    """What a tab learns when it polls: state is "queued", "running", "done", "failed",
    "cancelled" or "unknown"; ``done``/``total`` count runs; ``seconds`` since it was
    submitted (or until it finished); ``result`` or ``error`` when finished."""

    state: str
    done: int = 0
    total: int = 0
    seconds: float = 0.0
    result: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class _Job:
    tab: str
    total: int
    todo: collections.deque[Call]  # runs not yet sent to a worker
    started: float
    data: dict[str, Any] | None = None  # a campaign's: its tables are put together at the end
    runs: JobRuns | None = None  # a driven job's: its runs go back to the driver
    in_flight: int = 0
    done: int = 0
    outputs: list[Any] = field(default_factory=list)
    finished: float | None = None
    cancelled: bool = False
    error: str | None = None
    result: dict[str, Any] | None = None


class JobRuns:
    """A driven job's runs, as an executor (``sim.executors.Executor``): the tasks
    ``map_unordered`` is given join the board's round robin, and their results come
    back as they finish; ``progress`` tells the board how far the job is (runs done,
    runs expected). Used by the driver's thread only."""

    def __init__(self, board: JobBoard, job_id: str) -> None:
        self._board, self._job_id = board, job_id
        self._finished: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        calls = [(run_task, (fn, task)) for task in tasks]
        self._board._add_runs(self._job_id, calls)
        for _ in calls:
            output = self._finished.get()
            if output is _STOP:
                raise JobStopped
            yield output

    def progress(self, done: int, total: int) -> None:
        self._board._progress(self._job_id, done, total)

    def close(self) -> None:
        """Nothing to let go: the workers are the board's."""

    def _deliver(self, output: Any) -> None:
        self._finished.put(output)


def _init_worker() -> None:
    # Ctrl-C in the terminal reaches the whole process group: the server stops the
    # workers itself (``shutdown``), so they ignore it rather than print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed").setLevel(logging.ERROR)


WARM_UP = "warm-up"  # the job id of the workers' warm-up run (never a uuid's hex)


def _warm(data: dict[str, Any], base_dir: str) -> dict[str, Any]:
    """The starting campaign's first run in this worker, as the planner's Run does it
    (``run_one``): the engine imported, its compiled loops loaded (compiled, on a machine
    with no numba cache yet: tens of seconds), its community built and kept
    (``sim.graphs``), its tables made. Its output goes back to the server, which puts it
    together as it will the first Run's (``JobBoard.warm_up``)."""
    return run_one(WARM_UP, data, base_dir, 0)


def run_one(job_id: str, data: dict[str, Any], base_dir: str, run_id: int) -> dict[str, Any]:
    """One run of a campaign's study (its root seed), as ``run_experiment`` would run it:
    ``{"output": RunOutput}``, or ``{"error": message}`` for a config the engine refuses
    (no file's text in it: ``shown_to_others``). Runs in a worker process, which keeps
    the last job's parsed study, so a job's later runs skip parsing it."""
    global _worker_study
    from sim.config import ConfigError
    from sim.config.errors import shown_to_others
    from sim.runs import RunTask, execute_run
    from sim.study import expand, parse_study, run_config

    try:
        if _worker_study is None or _worker_study[0] != job_id:
            study = parse_study(data, base_dir)
            _worker_study = (job_id, study, expand(study), {})
        _, study, design, configs = _worker_study
        spec = design.runs[run_id]
        key = (spec.scenario, spec.point, spec.draw)
        if key not in configs:
            configs[key] = run_config(study, spec.scenario, design.points[spec.point], spec.draw)
        return {"output": execute_run(RunTask(spec, configs[key]))}
    except ConfigError as err:
        return {"error": shown_to_others(err)}


def run_task(fn: Callable[[Any], Any], task: Any) -> dict[str, Any]:
    """One run of a driven job, in a worker process: ``{"output": fn(task)}``, or
    ``{"error": message}`` for a config the engine refuses (no file's text in it)."""
    from sim.config import ConfigError
    from sim.config.errors import shown_to_others

    try:
        return {"output": fn(task)}
    except ConfigError as err:
        return {"error": shown_to_others(err)}


def tables(data: dict[str, Any], outputs: list[Any]) -> dict[str, Any]:
    """A job's runs put together in run order, as ``run_experiment`` returns them in
    memory: the runs, daily and generations tables and the summary of the runs."""
    from sim.results import Results

    outputs = sorted(outputs, key=lambda o: o.run_id)
    frames = {
        "runs": pd.concat([o.summary for o in outputs], ignore_index=True),
        "daily": pd.concat([o.daily for o in outputs], ignore_index=True),
        "generations": pd.concat([o.generations for o in outputs], ignore_index=True),
    }
    results = Results(frames["runs"], frames["daily"], frames["generations"], config=data)
    return {**frames, "summary": results.summary_table()}


class JobBoard:
    """A process pool, the jobs submitted to it by id, and the dispatcher that feeds the
    pool run by run in a round robin over jobs (thread-safe)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(PRELOAD))
        self._pool: ProcessPoolExecutor | None = None
        self._jobs: dict[str, _Job] = {}
        self._turns: collections.deque[str] = collections.deque()  # jobs with runs to send
        self._busy = 0  # runs on workers now
        self._warming: list[Future] = []
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._stopping = False
        self._dispatcher = threading.Thread(target=self._dispatch, name="fission-jobs", daemon=True)
        self._dispatcher.start()
        atexit.register(self.shutdown)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=self._context, initializer=_init_worker
            )
        return self._pool

    def warm_up(
        self,
        data: dict[str, Any],
        base_dir: str,
        then: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """Start the workers and warm each with the starting campaign's first run (in
        the background); then, in a thread of this process, put one of those runs
        together as a finished job's tables and hand them to ``then`` (the app draws
        them). The first Run then finds everything loaded: in the workers the engine,
        its compiled loops and the community; here the engine's run module (unpickling
        a run's output imports it: about 3 s) and whatever ``then`` uses. ``then`` is
        skipped when a job was submitted before the warm-up's runs came back: its own
        tables and charts load the same code, and doing that work twice on a busy
        machine only delays them."""
        with self._lock:
            pool = self._executor()
        runs = [pool.submit(_warm, data, base_dir) for _ in range(self.workers)]
        received: Future = Future()
        threading.Thread(
            target=self._receive_warm_up,
            args=(runs, data, then, received),
            name="fission-warm-up",
            daemon=True,
        ).start()
        self._warming = [*runs, received]

    def _receive_warm_up(
        self,
        runs: list[Future],
        data: dict[str, Any],
        then: Callable[[dict[str, Any]], None] | None,
        received: Future,
    ) -> None:
        try:
            answers = [run.result() for run in runs]
            if "error" in answers[0]:
                raise RuntimeError(answers[0]["error"])
            result = tables(data, [answers[0]["output"]])
            with self._lock:
                asked = bool(self._jobs)
            if then is not None and not asked:  # a Run asked for meanwhile does it itself
                then(result)
        except Exception as err:  # the first Run tells the planner what is wrong
            if not self._stopping:
                log.warning("the warm-up failed: the first Run will be slower", exc_info=True)
            received.set_exception(err)
        else:
            received.set_result(True)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for ``warm_up`` to finish (seconds); whether it did, without error."""
        done, pending = wait(self._warming, timeout=timeout)
        return not pending and all(f.exception() is None for f in done)

    def submit(self, data: dict[str, Any], base_dir: str, runs: int, tab: str | None = None) -> str:
        """Queue a campaign of ``runs`` runs for the tab ``tab`` (None: a tab of its own);
        returns its job id. ``TabBusy`` when the tab has a job going."""
        job_id = uuid.uuid4().hex
        with self._lock:
            self._forget_old()
            tab = tab or job_id
            self._refuse_busy(tab)
            todo = collections.deque((run_one, (job_id, data, base_dir, i)) for i in range(runs))
            self._jobs[job_id] = _Job(tab, runs, todo, time.monotonic(), data=data)
            self._turns.append(job_id)
            self._wake.notify_all()
        return job_id

    def drive(self, driver: Callable[[JobRuns], dict[str, Any]], tab: str | None = None) -> str:
        """Queue a driven job for the tab ``tab`` (a search): ``driver(runs)`` runs in a
        thread of this process, sends its runs to the workers through ``runs``
        (``JobRuns``) and returns the job's result. Returns the job id; ``TabBusy``
        when the tab has a job going."""
        job_id = uuid.uuid4().hex
        with self._lock:
            self._forget_old()
            tab = tab or job_id
            self._refuse_busy(tab)
            job = _Job(tab, 0, collections.deque(), time.monotonic(), runs=JobRuns(self, job_id))
            self._jobs[job_id] = job
        thread = threading.Thread(
            target=self._drive, args=(job, driver), name="fission-driver", daemon=True
        )
        thread.start()
        return job_id

    def _refuse_busy(self, tab: str) -> None:
        if any(j.tab == tab and j.finished is None for j in self._jobs.values()):
            raise TabBusy("This tab's run is still going: wait for it, or Cancel it first.")

    def _drive(self, job: _Job, driver: Callable[[JobRuns], dict[str, Any]]) -> None:
        """A driven job's thread: its driver's result, or why it failed, in words fit for
        the page (a config error's field, else the kind of error; details to the log)."""
        from sim.config import ConfigError
        from sim.config.errors import shown_to_others

        assert job.runs is not None
        result, error = None, None
        try:
            result = driver(job.runs)
        except JobStopped:
            return  # cancelled, failed on a worker, or stopping: the job says which
        except ConfigError as err:
            error = shown_to_others(err)
        except Exception as err:  # a bug: logged; its text may quote a file
            log.exception("driven job failed")
            error = f"the search failed ({type(err).__name__}); the server's log has details"
        with self._lock:
            if job.finished is None:
                job.result, job.error = result, error
                job.finished = time.monotonic()

    def _add_runs(self, job_id: str, calls: list[Call]) -> None:
        """A driven job's next runs, to be sent in turn (``JobStopped`` if it is over)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.finished is not None or self._stopping:
                raise JobStopped
            job.todo.extend(calls)
            if calls and job_id not in self._turns:
                self._turns.append(job_id)
            self._wake.notify_all()

    def _progress(self, job_id: str, done: int, total: int) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.finished is None:
                job.done, job.total = done, total

    def cancel(self, job_id: str | None, tab: str | None = None) -> bool:
        """Stop a job: no more of its runs start; whether it was going (and is the
        tab's, when ``tab`` is given)."""
        with self._lock:
            job = self._jobs.get(job_id or "")
            if job is None or job.finished is not None or (tab is not None and job.tab != tab):
                return False
            job.cancelled = True
            job.outputs.clear()
            self._end(job)
            return True

    def _end(self, job: _Job, error: str | None = None) -> None:
        """Finish a job now (lock held): no more of its runs start, its driver (if any)
        stops waiting."""
        job.error = error if job.error is None else job.error
        job.todo.clear()
        job.finished = time.monotonic()
        if job.runs is not None:
            job.runs._deliver(_STOP)

    def poll(self, job_id: str | None) -> JobStatus:
        """A job's state. Polling is idempotent: a finished job answers the same until it
        is forgotten (``FORGET_AFTER_S`` after it finished), so two polls of one tab in
        flight at once both get its result."""
        with self._lock:
            job = self._jobs.get(job_id or "")
            if job is None:
                return JobStatus("unknown")
            if job.finished is None:
                state = "running" if job.done or job.in_flight else "queued"
                return JobStatus(state, job.done, job.total, time.monotonic() - job.started)
            seconds = job.finished - job.started
            if job.cancelled:
                return JobStatus("cancelled", job.done, job.total, seconds)
            if job.error is not None:
                return JobStatus("failed", job.done, job.total, seconds, error=job.error)
            if job.result is None and job.data is not None:
                job.result = tables(job.data, job.outputs)
                job.outputs = []
            done = job.total if job.runs is None else job.done
            return JobStatus("done", done, job.total, seconds, result=job.result)

    def _dispatch(self) -> None:
        """The dispatcher thread: while a worker is free, send it the next run of the
        next job in turn. The pool is called without holding the board's lock: the pool
        runs done callbacks (which take it) under its own lock."""
        while True:
            with self._lock:
                picked = self._next_run()
                while picked is None and not self._stopping:
                    self._wake.wait()
                    picked = self._next_run()
                if self._stopping:
                    return
                job_id, (fn, args) = picked
                pool = self._executor()
            try:
                future = pool.submit(fn, *args)
            except RuntimeError:  # the pool broke or is shutting down
                future = Future()
                future.set_exception(BrokenProcessPool("the pool is gone"))
            future.add_done_callback(lambda f, j=job_id: self._run_done(j, f))

    def _next_run(self) -> tuple[str, Call] | None:
        """The next job in turn and its next run, counted as on a worker (lock held)."""
        while self._busy < self.workers and self._turns:
            job_id = self._turns.popleft()
            job = self._jobs.get(job_id)
            if job is None or job.finished is not None or not job.todo:
                continue
            call = job.todo.popleft()
            if job.todo:
                self._turns.append(job_id)  # back of the line: the others go first
            job.in_flight += 1
            self._busy += 1
            return job_id, call
        return None

    def _run_done(self, job_id: str, future: Future) -> None:
        with self._lock:
            self._busy -= 1
            self._wake.notify_all()
            job = self._jobs.get(job_id)
            if job is None:
                return
            job.in_flight -= 1
            error = self._error_of(job_id, future)
            if job.finished is not None:  # cancelled, or failed already: thrown away
                return
            if error is not None:
                self._end(job, error)
            elif job.runs is not None:
                job.runs._deliver(future.result()["output"])
            else:
                job.outputs.append(future.result()["output"])
                job.done += 1
                if not job.todo and not job.in_flight:
                    job.finished = time.monotonic()

    def _error_of(self, job_id: str, future: Future) -> str | None:
        """What went wrong with one run, in words fit for the page (details to the log)."""
        try:
            result = future.result()
        except CancelledError:
            return "the app is stopping"
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            if self._stopping:
                return "the app is stopping"
            log.exception("simulation job %s lost its worker", job_id)
            if self._pool is not None and getattr(self._pool, "_broken", False):
                self._pool = None
            return "a simulation worker stopped abruptly (out of memory?); click Run again"
        except Exception as err:  # a bug in the engine: logged; its text may quote a file
            log.exception("simulation job %s failed", job_id)
            return f"the simulation failed ({type(err).__name__}); the server's log has details"
        return result.get("error")

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id, job in list(self._jobs.items()):
            if job.finished is not None and now - job.finished > FORGET_AFTER_S:
                del self._jobs[job_id]

    def shutdown(self) -> None:
        """Drop queued runs and stop the worker processes, also those in the middle of
        a simulation (its tab will never hear back anyway); idempotent."""
        with self._lock:
            self._stopping = True
            self._turns.clear()
            self._wake.notify_all()
            for job in self._jobs.values():
                if job.runs is not None and job.finished is None:
                    self._end(job, "the app is stopping")
            pool, self._pool = self._pool, None
        if pool is not None:
            workers = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in workers:
                if process.is_alive():
                    process.terminate()
            for process in workers:
                process.join(timeout=10)
