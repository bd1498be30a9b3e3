"""Simulations off the web server's threads: a process pool and a board of jobs.

Why a ``ProcessPoolExecutor`` (and not Dash background callbacks or threads): a run is
CPU-bound numpy and Python, so threads would share one core through the GIL and slow
every other tab's page loads; Dash background callbacks need extra packages (diskcache
and multiprocess, or Celery and Redis) and start a fresh process per call, which would
re-import the engine and rebuild the graph every time. A small pool of long-lived
processes (one per core, at most 4) keeps the server's threads free to answer other
users while simulations run, and each tab only holds a job id (in a ``dcc.Store``)
that it polls, so several tabs run and wait independently (beyond the pool's size,
jobs queue). Worker processes keep their built graphs (``sim.graphs`` caches them), so
a planner's next run on the same community skips the graph build.

Workers are started with "spawn" (never "fork" from a threaded web server), from a
context object, so no global start method is changed. A worker reports progress
(runs done of runs in all) through one queue shared by the pool; the board drains it
when a tab polls. ``JobBoard.shutdown`` (called when the server stops, and at exit)
cancels queued jobs and stops the workers.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import uuid
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

FORGET_AFTER_S = 10 * 60  # a finished job's result is kept this long (seconds)
_progress_queue: Any = None  # in a worker: the pool's progress queue


@dataclass
class JobStatus:
    """What a tab learns when it polls: state is "queued", "running", "done", "failed"
    or "unknown"; ``done``/``total`` count runs; ``result`` or ``error`` when finished."""

    state: str
    done: int = 0
    total: int = 0
    seconds: float = 0.0
    result: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class _Job:
    future: Future
    started: float
    done: int = 0
    total: int = 0
    finished: float | None = field(default=None)


def _init_worker(progress: Any) -> None:
    global _progress_queue
    _progress_queue = progress
    # Ctrl-C in the terminal reaches the whole process group: the server stops the
    # workers itself (``shutdown``), so they ignore it rather than print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed").setLevel(logging.ERROR)


def _warm(data: dict[str, Any], base_dir: str) -> bool:
    """Import the engine and build the starting campaign's community in this worker."""
    from sim.experiment import preflight
    from sim.study import expand, parse_study, run_config

    study = parse_study(data, base_dir)
    design = expand(study)
    first = design.runs[0]
    preflight(study, design, {(first.scenario, 0): run_config(study, first.scenario, ())})
    return True


def run_campaign(job_id: str, data: dict[str, Any], base_dir: str) -> dict[str, Any]:
    """Run a campaign's study in memory (``sim.experiment.run_experiment``, the root seed
    of the config) and return its tables and summary. Runs in a worker process."""
    from sim.config import ConfigError
    from sim.experiment import run_experiment
    from sim.study import parse_study

    def report(done: int, total: int) -> None:
        if _progress_queue is not None:
            _progress_queue.put((job_id, done, total))

    try:
        results = run_experiment(parse_study(data, base_dir), on_progress=report)
    except ConfigError as err:
        return {"error": str(err)}
    return {
        "runs": results.runs,
        "daily": results.daily,
        "generations": results.generations,
        "summary": results.summary_table(),
    }


class JobBoard:
    """A process pool and the jobs submitted to it, by id (thread-safe)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._context = multiprocessing.get_context("spawn")
        self._progress = self._context.Queue()
        self._pool: ProcessPoolExecutor | None = None
        self._jobs: dict[str, _Job] = {}
        self._warming: list[Future] = []
        self._lock = threading.Lock()
        atexit.register(self.shutdown)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=self._context,
                initializer=_init_worker,
                initargs=(self._progress,),
            )
        return self._pool

    def warm_up(self, data: dict[str, Any], base_dir: str) -> None:
        """Start the workers and build the starting community in each (in the
        background), so the first Run answers in about a second."""
        with self._lock:
            pool = self._executor()
            self._warming = [pool.submit(_warm, data, base_dir) for _ in range(self.workers)]

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for ``warm_up`` to finish (seconds); whether it did, without error."""
        done, pending = wait(self._warming, timeout=timeout)
        return not pending and all(f.exception() is None for f in done)

    def submit(self, data: dict[str, Any], base_dir: str) -> str:
        """Queue a campaign; returns its job id."""
        job_id = uuid.uuid4().hex
        with self._lock:
            self._forget_old()
            future = self._executor().submit(run_campaign, job_id, data, base_dir)
            self._jobs[job_id] = _Job(future, time.monotonic())
        return job_id

    def poll(self, job_id: str | None) -> JobStatus:
        """A job's state. Polling is idempotent: a finished job answers the same until it
        is forgotten (``FORGET_AFTER_S`` after it finished), so two polls of one tab in
        flight at once both get its result."""
        with self._lock:
            self._drain()
            job = self._jobs.get(job_id or "")
            if job is None:
                return JobStatus("unknown")
            if not job.future.done():
                state = "running" if job.future.running() else "queued"
                return JobStatus(state, job.done, job.total, time.monotonic() - job.started)
            first = job.finished is None
            if first:
                job.finished = time.monotonic()
            seconds = job.finished - job.started
        try:
            result = job.future.result()
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            if first:
                log.exception("simulation job %s lost its worker", job_id)
            with self._lock:
                if self._pool is not None and getattr(self._pool, "_broken", False):
                    self._pool = None
            error = "a simulation worker stopped abruptly (out of memory?); click Run again"
            return JobStatus("failed", job.done, job.total, seconds, error=error)
        except Exception as err:  # a bug in the engine: show it, keep serving
            if first:
                log.exception("simulation job %s failed", job_id)
            return JobStatus("failed", job.done, job.total, seconds, error=repr(err))
        if "error" in result:
            return JobStatus("failed", job.done, job.total, seconds, error=result["error"])
        total = len(result["runs"])
        return JobStatus("done", total, total, seconds, result=result)

    def _drain(self) -> None:
        while True:
            try:
                job_id, done, total = self._progress.get_nowait()
            except (queue.Empty, OSError, ValueError):
                return
            job = self._jobs.get(job_id)
            if job is not None:
                job.done, job.total = max(job.done, done), total

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id, job in list(self._jobs.items()):
            if job.finished is not None and now - job.finished > FORGET_AFTER_S:
                del self._jobs[job_id]
            elif job.future.done() and job.finished is None:
                job.finished = now

    def shutdown(self) -> None:
        """Cancel queued jobs and stop the worker processes, also those in the middle
        of a simulation (its tab will never hear back anyway); idempotent."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            workers = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in workers:
                if process.is_alive():
                    process.terminate()
            for process in workers:
                process.join(timeout=10)
        try:
            self._progress.close()
            self._progress.join_thread()
        except (OSError, ValueError, AssertionError):
            pass
