"""How runs execute: in this process, or on Dask (a local cluster or a running one).

One interface for all three: ``map_unordered(fn, tasks)`` yields each task's result as it
finishes. Results do not depend on the executor: a run is a pure function of its config
and seed. Tasks never print (worker output would break progress bars).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from sim.config import ConfigError
from sim.extras import require

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10
TASK_RETRIES = 3  # a run on a worker that died is retried elsewhere
# Dask starts its workers with MALLOC_TRIM_THRESHOLD_ set (to hand freed memory back to
# the system sooner). Setting it also stops glibc from keeping big freed blocks for the
# next allocation, so each run's arrays of a person each are mapped and faulted in anew
# (at 200,000 people 32,000 page faults and 0.1 s of system time a run, against 1,700 and
# 0.01 s: benchmarks/README.md, "Dask's workers and glibc"). Our local clusters start
# their workers without it, as a run in this process is: not in Dask's config, nor in
# this process's environment while the cluster lives (a nanny runs in this process and
# leaves Dask's setting there; a worker inherits it, restarted too).
TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
GLIBC_TRIM = f"distributed.nanny.pre-spawn-environ.{TRIM_VARIABLE}"
# A Dask worker samples its task thread's stack every 10 ms for the dashboard's profile
# (which our local clusters do not serve): 2-3% of a run's CPU time, off in them.
WORKER_PROFILE = "distributed.worker.profile.enabled"


class Executor(Protocol):
    """What runs tasks: ``map_unordered`` yields ``fn(task)`` for each task as it
    finishes; ``close`` lets its workers go. InProcess and OnDask here; the app's job
    board (``sim.app.jobs``) runs a search's tasks in turn with its other jobs."""

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


class InProcess:
    """Run tasks one after another in this process (``--workers 1``; for debugging)."""

    description = "in-process"

    def prepare(self, fn: Callable[..., Any], *args: Any) -> None:
        """Nothing to hand over: what this process worked out is here already."""

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


class OnDask:
    """Run tasks on a Dask cluster: a ``LocalCluster`` of ``workers`` processes, or the
    scheduler at ``address``. Tasks travel in small batches (``batch_size``); results
    arrive as batches finish. A batch whose worker dies is rescheduled by Dask (up to
    ``TASK_RETRIES`` times), so nothing is lost, and the caller stores each run once, by
    run id, so nothing is duplicated."""

    def __init__(self, *, workers: int | None = None, address: str | None = None) -> None:
        require("dask", "--address" if address is not None else f"--workers {workers}")
        from dask.distributed import Client, LocalCluster

        self._cluster = None
        self._hidden: str | None = None
        self._local = address is None
        self._trim: str | None = None  # this process's MALLOC_TRIM_THRESHOLD_, put back
        if address is not None:
            try:
                self.client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
            except (OSError, TimeoutError) as err:
                raise ConfigError(
                    f"--address {address}: no Dask scheduler answered within "
                    f"{CONNECT_TIMEOUT_S} s ({type(err).__name__})"
                ) from None
            self.description = f"Dask scheduler {address}"
        else:
            import dask

            self._hidden = _hide_main_script()
            self._trim = os.environ.pop(TRIM_VARIABLE, None)
            try:
                with dask.config.set({GLIBC_TRIM: None, WORKER_PROFILE: False}):
                    self._cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                self.client = Client(self._cluster)
            except BaseException:
                self._restore()
                raise
            self.description = f"local Dask cluster of {workers} processes"

    def prepare(self, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` on each worker of a local cluster, before its tasks: they
        are handed what this process worked out (a graph and its groups: 1.7 s to build
        at a million people) instead of each working it out again. A remote cluster's
        workers work it out themselves, at once: sending it over the network to each of
        them could cost more. A worker that starts later, or that the hand-over failed
        on, works it out too: a failure here is logged, never the study's."""
        if self._cluster is None:
            return
        try:
            self.client.run(fn, *args)
        except Exception:
            log.warning("could not hand the workers %s: each works it out", fn.__name__)

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        from dask.distributed import as_completed

        tasks = list(tasks)
        slots = max(1, sum(self.client.nthreads().values()))
        size = batch_size(len(tasks), slots)
        batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        futures = self.client.map(
            _run_batch, [fn] * len(batches), batches, retries=TASK_RETRIES, pure=False
        )
        for future in as_completed(futures):
            yield from future.result()
            future.release()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._restore()

    def _restore(self) -> None:
        """Put back what starting the local cluster took from this process."""
        _restore_main_script(self._hidden)
        self._hidden = None
        if self._local:
            os.environ.pop(TRIM_VARIABLE, None)  # what a nanny may have set since
            if self._trim is not None:
                os.environ[TRIM_VARIABLE] = self._trim
            self._local, self._trim = False, None


def _hide_main_script() -> str | None:
    """Hide the running script's path from the worker processes about to be spawned.

    A spawned process re-runs the parent's ``__main__`` script unless the script guards
    its code with ``if __name__ == "__main__":``; an unguarded ``run_experiment(...,
    workers=2)`` would then start clusters within clusters and fail with pages of
    errors. Workers need nothing from the script (they run ``sim`` functions), so the
    path that multiprocessing reads is taken away while the cluster lives. Returns it,
    for ``_restore_main_script``; None when there is no script (a notebook, ``-m``)."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        return None  # run by module name (``python -m``): spawn imports it, guarded or not
    return main.__dict__.pop("__file__", None)


def _restore_main_script(path: str | None) -> None:
    main = sys.modules.get("__main__")
    if path is not None and main is not None:
        main.__dict__.setdefault("__file__", path)


def batch_size(tasks: int, slots: int) -> int:
    """Runs per Dask task: enough to amortise the scheduler's few milliseconds per task,
    few enough that every worker gets at least eight batches (balance, little lost in
    flight when a worker dies)."""
    return max(1, min(16, tasks // (8 * slots)))


def _run_batch(fn: Callable[[Any], Any], batch: list[Any]) -> list[Any]:
    return [fn(task) for task in batch]


def make_executor(workers: int = 1, address: str | None = None) -> InProcess | OnDask:
    if address is not None:
        return OnDask(address=address)
    if workers < 1:
        raise ConfigError(f"--workers: must be at least 1, not {workers}")
    if workers == 1:
        return InProcess()
    return OnDask(workers=workers)
