"""What a run costs on a Dask worker, against this process: Dask's worker environment
(MALLOC_TRIM_THRESHOLD_) against the one `fission run --workers N` gives its workers.

The same runs (``sim.runs.execute_run``, the function every executor maps: the model and
its tables) three ways, after one warm-up run in each place (imports, numba's cache,
the graph): in this process; on a one-worker ``LocalCluster`` as Dask starts it (its
``distributed.nanny.pre-spawn-environ`` sets MALLOC_TRIM_THRESHOLD_=65536); and on
``sim.executors.OnDask(workers=1)``, which starts its worker without that variable.
Each prints wall time, the CPU time of the process that ran them (user and system) and
its minor page faults, per run. Runs are sent one at a time, so the cluster's own
overhead (a few milliseconds a task) is in the wall time only.

    python benchmarks/bench_dask_workers.py                       # big campaign, 200,000
    python benchmarks/bench_dask_workers.py --people 100000 --campaign default --runs 20
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the repository's sim and benchmarks
    sys.path.insert(0, str(ROOT))


def usage() -> tuple[float, float, int]:
    """This process's user and system CPU time (s) and minor page faults so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime, r.ru_minflt


def tasks(campaign: str, people: int, runs: int, folder: str) -> list:
    from benchmarks.bench_user_targets import DEFAULT, big_campaign
    from sim.config import load_config
    from sim.runs import RunTask
    from sim.study import RunSpec

    path = big_campaign(Path(folder)) if campaign == "big" else DEFAULT
    graph = {"graph.kind": "barabasi_albert", "graph.n": people, "graph.m": 5}
    config = load_config(path, graph)
    return [RunTask(RunSpec(r, "base", 0, (), r, 1000 + r), config) for r in range(runs + 1)]


def run_all(batch: list) -> tuple[float, float, float, int]:
    """Run ``batch[0]`` to warm up, then the rest: (wall s, user s, system s, faults)."""
    from sim.runs import execute_run

    execute_run(batch[0])
    (user, system, faults), started = usage(), time.perf_counter()
    for task in batch[1:]:
        execute_run(task)
    wall = time.perf_counter() - started
    after = usage()
    return wall, after[0] - user, after[1] - system, after[2] - faults


def show(label: str, figures: tuple[float, float, float, int], runs: int) -> None:
    wall, user, system, faults = figures
    print(
        f"{label:<44} per run: {1000 * wall / runs:7.1f} ms wall, {1000 * user / runs:7.1f} ms "
        f"user, {1000 * system / runs:6.1f} ms system, {faults / runs:9,.0f} page faults"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaign", choices=("big", "default"), default="big")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    from dask.distributed import Client, LocalCluster

    from sim.executors import OnDask

    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {time.ctime()}")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{args.campaign} campaign, BA n={args.people:,} m=5, {args.runs} runs each way")
    with tempfile.TemporaryDirectory(prefix="bench-dask-workers-") as folder:
        batch = tasks(args.campaign, args.people, args.runs, folder)
        show("in this process", run_all(batch), args.runs)
        with (
            LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster,
            Client(cluster) as client,
        ):
            show(
                "Dask's LocalCluster (MALLOC_TRIM_THRESHOLD_)",
                client.submit(run_all, batch).result(),
                args.runs,
            )
        ours = OnDask(workers=1)
        try:
            show(
                "sim.executors.OnDask (without it)",
                ours.client.submit(run_all, batch).result(),
                args.runs,
            )
        finally:
            ours.close()
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
