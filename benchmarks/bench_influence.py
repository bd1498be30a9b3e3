"""Optimised seed selection: IMM at a million people, degree discount, CELF's two estimators.

Targets (issue "Choosing seeds and KOLs"):
  * IMM, 1,000,000-person Barabási–Albert graph (m = 5), k = 50, IC p = 0.01,
    epsilon = 0.1, ell = 1: <= 60 s on one core; memory reported (peak of the numpy
    arrays IMM allocates, by tracemalloc, and the process's peak RSS).
  * CELF timings: on live-edge worlds (CA-GrQc, p = 0.01, k = 50) and on the simulator
    itself (experiments/seeds.toml's campaign, 10,000 people, k = 10).

p = 0.01 is below this graph's epidemic threshold (<k>/(<k^2> - <k>) = 0.022): above it,
every RR set holds a sizeable share of the million people and no RR-set method fits in
memory. The default campaign's fitted p (0.039) is above it.

Run from the repository root:  python benchmarks/bench_influence.py [--p 0.01] [--skip-engine]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np

from sim.config import GraphConfig
from sim.graphs import Graph, generate, read_edgelist
from sim.influence import Greedy, LiveEdgeWorlds, degree_discount, imm, plan_seeds

ROOT = Path(__file__).resolve().parents[1]
GRAPHS = ROOT / "data" / "graphs"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    """Wall and CPU time of a block (CPU close to wall: the machine was not busy)."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:.1f} s (CPU {self.cpu:.1f} s)"


def million(probabilities: list[float], count: int, epsilon: float) -> None:
    start = time.perf_counter()
    graph = generate(
        GraphConfig(kind="barabasi_albert", n=1_000_000, m=5), np.random.default_rng(1)
    )
    built = time.perf_counter() - start
    degree = graph.out_degree().astype(np.float64)
    threshold = degree.mean() / ((degree**2).mean() - degree.mean())
    print(
        f"graph: {graph.n:,} people, {graph.n_edges:,} friendships, built in {built:.1f} s; "
        f"IC threshold about {threshold:.3f}; peak RSS so far {peak_rss_mb():,.0f} MB"
    )

    with Timer() as timer:
        chosen = degree_discount(graph, count, probabilities[0])
    print(f"degree discount, k = {count}: {timer.wall:.2f} s ({chosen.size} seeds)")
    for p in probabilities:
        imm_at(graph, p, count, epsilon)


def imm_at(graph: Graph, p: float, count: int, epsilon: float) -> None:
    tracemalloc.start()
    with Timer() as timer:
        result = imm(graph, count, p, np.random.default_rng(2), epsilon=epsilon, ell=1.0)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    met = "met" if timer.wall <= 60 else "NOT met"
    print(
        f"IMM, k = {count}, p = {p}, epsilon = {epsilon}: {timer}; target <= 60 s: "
        f"{met}. {result.rr_sets:,} RR sets (final selection; the sampling phase drew its "
        f"own), OPT lower bound {result.lower_bound:,.0f}, estimated spread "
        f"{result.gains.sum():,.0f} people. Peak of IMM's own allocations "
        f"{traced / 2**20:,.0f} MB; process peak RSS {peak_rss_mb():,.0f} MB"
    )


def celf_live_edge(worlds: int) -> None:
    graph = read_edgelist(GRAPHS / "CA-GrQc.txt.gz", directed=False, delimiter=None)
    with Timer() as timer:
        estimator = LiveEdgeWorlds(graph, 0.01, worlds, np.random.default_rng(1))
        greedy = Greedy(estimator, np.arange(graph.n)).extend(50)
    print(
        f"CELF on live-edge worlds, CA-GrQc ({graph.n:,} people, all candidates), p = 0.01, "
        f"k = 50, {worlds} worlds: {timer}, {greedy.evaluations:,} scores "
        f"({greedy.evaluations / graph.n:.2f} per candidate)"
    )


def celf_engine(simulations: int, count: int) -> None:
    from sim.study import load_study

    overrides = {
        "seeds.strategy": "celf",
        "seeds.count": count,
        "seeds.simulations": simulations,
    }
    config = load_study(ROOT / "experiments" / "seeds.toml", overrides).base
    with Timer() as timer:
        choice, graph = plan_seeds(config)
    runs = choice.details["evaluations"] * simulations
    print(
        f"CELF on the simulator, seeds.toml campaign ({graph.n:,} people, "
        f"{choice.details['candidates']} candidates), k = {count}, {simulations} simulations: "
        f"{timer}, {choice.details['evaluations']} scores = {runs:,} campaigns "
        f"({timer.wall / max(runs, 1) * 1000:.1f} ms each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--p", type=float, nargs="+", default=[0.01], help="IC probabilities for IMM"
    )
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--epsilon", type=float, default=0.1)
    parser.add_argument("--skip-engine", action="store_true", help="skip CELF on the simulator")
    args = parser.parse_args()
    million(args.p, args.count, args.epsilon)
    for worlds in (200, 1000):
        celf_live_edge(worlds)
    if not args.skip_engine:
        celf_engine(simulations=8, count=10)


if __name__ == "__main__":
    main()
