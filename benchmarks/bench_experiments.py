"""Experiment throughput: many runs end to end, and the Dask path's per-run overhead.

Targets (issue "Experiments"):
  * 1,000 runs of a 100,000-person, 30-day campaign on 2 local workers: <= 300 s end to end
    (config parsing, cluster start, graph built once per worker, every run, the writes).
  * Per-run overhead of the Dask path over in-process runs, tiny graph, 500 runs: < 10 ms.
    Measured on a one-worker cluster so parallelism cannot hide overhead:
    (wall time on Dask - wall time in-process) / runs, cluster start excluded.

Run from the repository root:  python benchmarks/bench_experiments.py [--runs 1000]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from sim.config import load_config
from sim.experiment import run_experiment
from sim.study import parse_study

ROOT = Path(__file__).resolve().parents[1]


def throughput(runs: int, people: int, workers: int) -> float:
    config = load_config(
        ROOT / "experiments" / "default.toml",
        {"graph.n": people, "experiment.replicates": runs, "experiment.name": "bench"},
    )
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        results = run_experiment(config, Path(folder) / "out", workers=workers)
        elapsed = time.perf_counter() - start
    assert len(results.runs) == runs
    return elapsed


def dask_overhead(runs: int) -> tuple[float, float]:
    from dask.distributed import LocalCluster

    data = {
        "experiment": {"replicates": runs, "days": 30},
        "graph": {"kind": "barabasi_albert", "n": 200, "m": 2},
        "seeds": {"count": 5},
    }
    study = parse_study(data)
    run_experiment(study)  # warm the graph cache and imports in this process
    start = time.perf_counter()
    run_experiment(study)
    in_process = time.perf_counter() - start
    with LocalCluster(
        n_workers=1, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:
        run_experiment(study, address=cluster.scheduler_address)  # warm the worker
        start = time.perf_counter()
        run_experiment(study, address=cluster.scheduler_address)
        on_dask = time.perf_counter() - start
    return in_process, on_dask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--overhead-runs", type=int, default=500)
    args = parser.parse_args()

    elapsed = throughput(args.runs, args.people, args.workers)
    met = "met" if elapsed <= 300 else "NOT met"
    print(
        f"{args.runs} runs x {args.people:,} people x 30 days on {args.workers} workers: "
        f"{elapsed:.1f} s end to end ({elapsed / args.runs * 1000:.0f} ms/run); "
        f"target <= 300 s: {met}"
    )
    in_process, on_dask = dask_overhead(args.overhead_runs)
    per_run = (on_dask - in_process) / args.overhead_runs * 1000
    met = "met" if per_run < 10 else "NOT met"
    print(
        f"{args.overhead_runs} tiny runs: in-process {in_process:.2f} s, one Dask worker "
        f"{on_dask:.2f} s; overhead {per_run:.2f} ms/run; target < 10 ms: {met}"
    )


if __name__ == "__main__":
    main()
