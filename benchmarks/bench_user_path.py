"""An extra replicate through `fission run`, against cynetdiff's cascade (issue 19, target 1).

The independent-cascade special case (``experiments/validation/independent_cascade.toml``)
on a 1,000,000-person Barabási–Albert graph (m = 5), T = 0.05, 50 random seeds and 400
days, run the way a planner runs it: ``fission run CONFIG --out DIR --replicates R --fresh``
(``sim.cli.main`` in this process, so that the graph is built once, as a planner's later
runs in one session would find it: the graph is not what is measured). The extra replicate
costs (time with 21 replicates − time with 1) / 20, which takes out what a run costs once
(reading the config, preflight, the report). In the same process, right after, cynetdiff's
``IndependentCascadeModel`` runs the same cascades to completion: each replicate's own 50
seeds (``sim.influence.choose_starters``), on the same edges. Rounds alternate the two, since
the machine's speed drifts; the figures are medians over rounds. Target: ratio <= 1.0.
CPU time (this process's user + system) is printed beside wall time, and the load average
at the start and end: on a shared machine CPU time is closer to what a quiet one gives.

    python benchmarks/bench_user_path.py                 # the full benchmark (needs .[bench])
    python benchmarks/bench_user_path.py --n 100000 --rounds 2
    python benchmarks/bench_user_path.py --workers 2 --extra 60   # both cores, Dask

With ``--workers 2`` both runs start a local Dask cluster (2-4 s, varying by a second or
so), which the difference takes out only on average: hence more extra replicates.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
IC_CONFIG = ROOT / "experiments" / "validation" / "independent_cascade.toml"


def settings(args: argparse.Namespace) -> list[str]:
    """The --set arguments that make the validation config the benchmark's campaign."""
    values = {
        "graph.kind": '"barabasi_albert"',  # switching the kind drops mean_degree
        "graph.n": str(args.n),
        "graph.m": str(args.m),
        "graph.resample": "false",
        "behaviour.accept_probability": str(args.t),
        "seeds.count": str(args.seeds),
        "experiment.days": str(args.days),
        "experiment.seed": str(args.seed),
    }
    return [part for key, value in values.items() for part in ("--set", f"{key}={value}")]


def fission_run(args: argparse.Namespace, replicates: int, out: Path) -> tuple[float, float]:
    """Seconds of one `fission run` with this many replicates (its output swallowed):
    wall and CPU time."""
    from sim.cli import main

    argv = ["run", str(IC_CONFIG), "--out", str(out), "--fresh", "--replicates", str(replicates)]
    argv += ["--workers", str(args.workers)] if args.workers > 1 else []
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv + settings(args))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if code != 0:
        raise SystemExit(f"fission run exited {code}")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--m", type=int, default=5)
    parser.add_argument("--t", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--extra", type=int, default=20, help="replicates beyond the first")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="fission run --workers (1: in-process, the target's path; N: a local Dask "
        "cluster, whose start each run pays: use a larger --extra)",
    )
    args = parser.parse_args()

    from sim.config import load_config, parse_assignment
    from sim.graphs import build_graph
    from sim.influence import choose_starters
    from sim.results import Results
    from sim.rootseed import derive_seed

    print(f"python {platform.python_version()}, {platform.machine()}")
    print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    folder = Path(tempfile.mkdtemp(prefix="bench-user-path-"))
    start = time.perf_counter()
    fission_run(args, 1, folder / "warm")  # builds the graph, compiles the kernels
    warm = time.perf_counter() - start
    print(f"warm-up `fission run` (graph built, kernels compiled): {warm:.1f} s")

    # The same campaign's graph and each replicate's seeds, for cynetdiff.
    assignments = settings(args)[1::2]
    config = load_config(IC_CONFIG, dict(parse_assignment(a) for a in assignments))
    run_seeds = [derive_seed(args.seed, "replicate", r) for r in range(1 + args.extra)]
    graph = build_graph(config, run_seeds[0])
    seed_sets = [choose_starters(config, graph, s).seeds.tolist() for s in run_seeds]
    try:
        from cynetdiff.models import IndependentCascadeModel
    except ImportError:
        raise SystemExit('cynetdiff is not installed: pip install -e ".[bench]"') from None
    ic = IndependentCascadeModel(
        graph.indptr[:-1].astype(np.uint32),
        graph.indices.astype(np.uint32),
        activation_prob=args.t,
        rng=args.seed,
    )
    ic.set_seeds(seed_sets[0])
    ic.advance_until_completion()  # warm-up

    extra, extra_cpu, cascade, cascade_cpu, sizes_engine, sizes_cyn = [], [], [], [], [], []
    for round_ in range(args.rounds):
        one, one_cpu = fission_run(args, 1, folder / "one")
        many, many_cpu = fission_run(args, 1 + args.extra, folder / "many")
        per_extra = (many - one) / args.extra
        start, cpu = time.perf_counter(), time.process_time()
        for seeds in seed_sets[1:]:
            ic.set_seeds(seeds)
            ic.advance_until_completion()
            sizes_cyn.append(ic.get_num_activated_nodes())
        per_cascade = (time.perf_counter() - start) / args.extra
        cascade_cpu.append((time.process_time() - cpu) / args.extra)
        extra.append(per_extra)
        extra_cpu.append((many_cpu - one_cpu) / args.extra)
        cascade.append(per_cascade)
        runs = Results.load(folder / "many").runs
        sizes_engine.extend((runs["joined"] + args.seeds).tolist()[1:])
        print(
            f"round {round_ + 1}: fission run 1 replicate {one:.2f} s, {1 + args.extra} "
            f"replicates {many:.2f} s: {per_extra * 1000:.0f} ms per extra replicate "
            f"(CPU {extra_cpu[-1] * 1000:.0f} ms); cynetdiff {per_cascade * 1000:.0f} ms "
            f"per cascade (CPU {cascade_cpu[-1] * 1000:.0f} ms)"
        )
    e, c = statistics.median(extra), statistics.median(cascade)
    e_cpu, c_cpu = statistics.median(extra_cpu), statistics.median(cascade_cpu)
    mean_e, mean_c = statistics.fmean(sizes_engine), statistics.fmean(sizes_cyn)
    print(f"\nIC on BA n={args.n:,} m={args.m}, T={args.t}, {args.seeds} seeds, {args.days} days")
    if args.workers > 1:
        print(
            f"fission run --workers {args.workers} (a local Dask cluster; CPU figures count "
            "this process only, not its workers); cynetdiff: one core"
        )
    print(
        f"extra replicate through fission run: {e * 1000:.0f} ms, CPU {e_cpu * 1000:.0f} ms "
        f"(medians of {args.rounds})"
    )
    print(f"cynetdiff cascade, same seeds:       {c * 1000:.0f} ms, CPU {c_cpu * 1000:.0f} ms")
    if args.workers > 1:  # the target compares one core with one
        print(f"ratio {e / c:.2f}: {args.workers} processes against one (no verdict)")
    else:
        print(f"ratio {e / c:.2f}, CPU {e_cpu / c_cpu:.2f} (target <= 1.0: ", end="")
        print("MET)" if e / c <= 1.0 else "NOT MET)")
    print(f"mean final size: engine {mean_e:,.0f}, cynetdiff {mean_c:,.0f}")
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
