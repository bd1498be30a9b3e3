"""How long the default community's Holme-Kim graph takes to build, in a fresh process.

The graph of ``experiments/default.toml`` (``powerlaw_cluster``, its m and p_triangle) at
each ``--n``, built as a planner's run builds it (``build_graph``, the experiment's graph
seed), in a child process started for it. For each size a new, empty numba cache folder
(``NUMBA_CACHE_DIR``) is made and the child runs twice: the first compiles the graph's
loops and writes them to the cache (cold), the second loads them from it (warm), as every
later ``fission run``, Dask worker and app worker does. The child reports its imports,
numba's start (its first compiled call, about 0.4 s warm, which a run pays anyway for its
other compiled loops) with reading the config, then the build alone (``build_graph``:
the edges and the CSR; wall and CPU, the compiling included when cold) and its edges;
the parent adds the whole process's wall time and peak RSS.

``--repo`` times another checkout (e.g. an export of main, for the figures before):

    python benchmarks/bench_holme_kim.py                      # 100,000 and 1,000,000
    python benchmarks/bench_holme_kim.py --n 100000 --repo /tmp/main-export
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import numpy as np
from sim.config import load_config
from sim.graphs import build_graph
from sim.graphs.generators import _ba_targets
t1 = time.perf_counter()
_ba_targets(np.zeros(1), 1)  # numba's start in a process, paid once by any compiled loop
config = load_config("experiments/default.toml", {"graph.n": int(sys.argv[1])})
t2, c2 = time.perf_counter(), time.process_time()
graph = build_graph(config, run_seed=0)
t3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({
    "imports": t1 - t0, "start": t2 - t1, "build": t3 - t2, "build_cpu": c3 - c2,
    "edges": int(graph.n_edges),
    "degree_sum": int(graph.indices.sum()), "m": config.graph.m,
    "p_triangle": config.graph.p_triangle,
}))
"""


def run_child(repo: Path, n: int, cache: str) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(n)], cwd=repo, env=env, stdout=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    out = json.loads(process.stdout.read())
    if status:
        raise SystemExit(f"the child failed (status {status})")
    return {**out, "process": wall, "peak_mib": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout to time")
    args = parser.parse_args()
    print(f"{args.repo}  load average {os.getloadavg()}", flush=True)
    for n in args.n:
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            for label in ("cold", "warm"):
                r = run_child(args.repo, n, cache)
                print(
                    f"n={n:,} m={r['m']} p_triangle={r['p_triangle']} {label}: "
                    f"build {r['build']:.3f} s (CPU {r['build_cpu']:.3f} s), "
                    f"imports {r['imports']:.2f} s, numba start and config {r['start']:.2f} s, "
                    f"process {r['process']:.2f} s, "
                    f"peak {r['peak_mib']:,.0f} MiB; {r['edges']:,} edges "
                    f"(neighbour-id sum {r['degree_sum']:,})",
                    flush=True,
                )
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
