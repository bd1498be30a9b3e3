"""Engine benchmark: the default campaign on a 1,000,000-person Barabási–Albert graph.

Measures, in a fresh Python process (so the memory figure is the whole run):

* ready to simulate: ``ReferralModel(cfg, rng=seed)`` from nothing, graph generation
  included (target <= 5 s), split into graph generation, chat groups and the rest;
* a replicate: ``model.run()`` of the 30-day default campaign (target <= 2 s each);
* peak resident memory of that process (target < 1 GiB).

The campaign is ``experiments/default.toml`` with its graph replaced by
``{kind = "barabasi_albert", n = 1000000, m = 5}``.

    python benchmarks/bench_engine.py                 # the full benchmark
    python benchmarks/bench_engine.py --n 100000 --replicates 2
    python benchmarks/bench_engine.py --groups random # random chat groups, not communities
    python benchmarks/bench_engine.py --profile       # cProfile of construction and one run
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "experiments" / "default.toml"

TARGET_READY_S = 5.0
TARGET_RUN_S = 2.0
TARGET_RSS_MIB = 1024.0

# Used only when experiments/default.toml is missing: Config() defaults plus a
# double-sided coupon campaign with a budget.
FALLBACK_CAMPAIGN: dict[str, Any] = {
    "experiment": {"days": 30},
    "seeds": {"strategy": "random", "count": 50},
    "lure": {"kind": "coupon", "value": 10.0},
    "reward": {"rule": "double_sided", "amount": 6.0, "invitee_amount": 4.0, "budget": 4000.0},
}

RESULT_PREFIX = "BENCH-RESULT "


def campaign_config(path: Path, n: int, m: int, groups: str) -> tuple[Any, str]:
    """The default campaign with a Barabási–Albert graph of n people; and where it came from."""
    from sim.config import parse_config, read_config_file

    if path.is_file():
        data, base_dir, source = read_config_file(path), path.parent, str(path)
    else:
        data, base_dir, source = dict(FALLBACK_CAMPAIGN), ROOT, "Config() defaults + fallback"
    data["graph"] = {"kind": "barabasi_albert", "n": n, "m": m}
    if groups == "random" and data.get("groups", {}).get("source", "none") != "none":
        attention = data["groups"].get("attention")
        data["groups"] = {"source": "random"}
        if attention is not None:
            data["groups"]["attention"] = attention
        source += " (groups: random)"
    return parse_config(data, base_dir=base_dir), source


class _Timer:
    """Wraps a function and adds up the seconds spent in it (benchmark instrumentation)."""

    def __init__(self, func: Any) -> None:
        self.func = func
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.func(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark in this process; returns the figures."""
    start = time.perf_counter()
    import sim.graphs.groups
    import sim.model
    from sim.model import ReferralModel

    import_s = time.perf_counter() - start
    cfg, source = campaign_config(args.config, args.n, args.m, args.groups)
    print(
        f"config: {source}; days={cfg.experiment.days}, seeds={cfg.seeds.count}, "
        f"kols={cfg.population.kol_count}, groups={cfg.groups.source}, "
        f"lure={cfg.lure.kind}, reward={cfg.reward.rule}, budget={cfg.reward.budget}"
    )

    # Time the phases of the cold construction by wrapping the builders the model calls.
    graph_timer = _Timer(sim.model.build_graph)
    groups_timer = _Timer(sim.graphs.groups.build_groups)  # what groups_of builds with
    sim.model.build_graph, sim.graphs.groups.build_groups = graph_timer, groups_timer
    seeds = [args.seed + r for r in range(args.replicates)]
    start, start_cpu = time.perf_counter(), time.process_time()
    model = ReferralModel(cfg, rng=seeds[0])
    ready_s = time.perf_counter() - start
    ready_cpu = time.process_time() - start_cpu
    sim.model.build_graph, sim.graphs.groups.build_groups = graph_timer.func, groups_timer.func
    graph = model.graph
    print(
        f"graph: {graph.n:,} people, {graph.n_edges:,} friendships; "
        f"{len(model.agents):,} Mesa agent objects"
    )
    print(
        f"ready to simulate: {ready_s:.2f} s, cpu {ready_cpu:.2f} s "
        f"(graph {graph_timer.seconds:.2f} s, "
        f"groups {groups_timer.seconds:.2f} s, "
        f"rest {ready_s - graph_timer.seconds - groups_timer.seconds:.2f} s); "
        f"import sim {import_s:.2f} s"
    )

    run_s: list[float] = []
    run_cpu: list[float] = []
    warm_s: list[float] = []
    for r, seed in enumerate(seeds):
        if r:
            start = time.perf_counter()
            model = ReferralModel(cfg, rng=seed)  # graph and groups cached in this process
            warm_s.append(time.perf_counter() - start)
        start, start_cpu = time.perf_counter(), time.process_time()
        model.run()
        run_s.append(time.perf_counter() - start)
        run_cpu.append(time.process_time() - start_cpu)
        s = model.summary()
        print(
            f"  replicate {r}: run {run_s[-1]:.3f} s, cpu {run_cpu[-1]:.3f} s; "
            f"joined {s['joined']:,}, invited {s['invited']:,}, cost {s['total_cost']:.0f} yuan, "
            f"budget exhausted day {s['budget_exhausted_day']}"
        )
        model.close()  # as the runners do: free the replicate's arrays now, not at gc

    if args.profile:
        _profile(cfg, seeds[-1] + 1)

    return {
        "n": graph.n,
        "edges": graph.n_edges,
        "ready_s": ready_s,
        "ready_cpu_s": ready_cpu,
        "graph_s": graph_timer.seconds,
        "groups_s": groups_timer.seconds,
        "warm_construct_s": statistics.mean(warm_s) if warm_s else None,
        "run_s": run_s,
        "run_cpu_s": run_cpu,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _profile(cfg: Any, seed: int) -> None:
    from sim.graphs import _GRAPH_CACHE
    from sim.model import ReferralModel

    _GRAPH_CACHE.clear()  # build the graph (and its groups) again, under the profiler
    profile = cProfile.Profile()
    model = profile.runcall(ReferralModel, cfg, rng=seed)
    _print_profile("construction, cold (graph and groups built)", profile)
    profile = cProfile.Profile()
    profile.runcall(model.run)
    _print_profile("one replicate: model.run()", profile)


def _print_profile(label: str, profile: cProfile.Profile, top: int = 20) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    print(f"\n--- profile: {label} (top {top} by cumulative time) ---")
    print(out.getvalue().split("\n", 4)[-1].rstrip())


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def report(res: dict[str, Any]) -> None:
    runs, runs_cpu = res["run_s"], res["run_cpu_s"]
    mean_run, mean_cpu = statistics.mean(runs), statistics.mean(runs_cpu)
    ready, ready_cpu = res["ready_s"], res["ready_cpu_s"]
    rss = res["peak_rss_mib"]
    print()
    print(f"=== results: Barabási–Albert n={res['n']:,}, {res['edges']:,} friendships ===")
    print("                      wall        cpu   target        verdict (wall)")
    print(
        f"ready to simulate  {ready:7.2f} s  {ready_cpu:7.2f} s   <= {TARGET_READY_S:.0f} s"
        f"        {verdict(ready <= TARGET_READY_S)}"
    )
    print(f"  graph generation {res['graph_s']:7.2f} s")
    print(f"  chat groups      {res['groups_s']:7.2f} s")
    if res["warm_construct_s"] is not None:
        print(f"  (construction with the graph cached: {res['warm_construct_s']:.2f} s)")
    print(
        f"run per replicate  {mean_run:7.3f} s  {mean_cpu:7.3f} s   <= {TARGET_RUN_S:.0f} s"
        f"        {verdict(mean_run <= TARGET_RUN_S)}"
        f"   (mean of {len(runs)}; min {min(runs):.3f}, max {max(runs):.3f})"
    )
    print(
        f"peak RSS (process) {rss:7.0f} MiB              < {TARGET_RSS_MIB:.0f} MiB"
        f"   {verdict(rss < TARGET_RSS_MIB)}"
    )
    if ready_cpu < 0.8 * ready or mean_cpu < 0.8 * mean_run:
        print(
            "note: cpu time well below wall time: the machine was busy, so wall times are "
            "inflated; cpu times are closer to an idle machine"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="people (default 1,000,000)")
    parser.add_argument("--m", type=int, default=5, help="BA edges per new person (default 5)")
    parser.add_argument("--replicates", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="run seed of the first replicate")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="campaign file")
    parser.add_argument(
        "--groups",
        choices=("config", "random"),
        default="config",
        help="chat groups as the config says (default), or random groups of the same attention",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print cProfile tables (after the timings; raises peak RSS)",
    )
    parser.add_argument(
        "--in-process", action="store_true", help="measure in this process, not a fresh one"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child or args.in_process:
        res = measure(args)
        if args.child:
            print(RESULT_PREFIX + json.dumps(res), flush=True)
            return 0
    else:
        # A fresh interpreter, so the peak memory is the whole run and nothing is cached.
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", *(argv or sys.argv[1:])]
        print(f"python {platform.python_version()}; measuring in a fresh process ...", flush=True)
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        res = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(RESULT_PREFIX):
                res = json.loads(line[len(RESULT_PREFIX) :])
            else:
                print(line, end="", flush=True)
        if proc.wait() != 0 or res is None:
            print(f"benchmark process failed (exit code {proc.returncode})", file=sys.stderr)
            return 1
        # The child's own peak, as the kernel accounted it (KiB on Linux).
        res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report(res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
