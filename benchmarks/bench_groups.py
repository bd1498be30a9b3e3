"""What living groups and the store channel add to a run at a million people (issue 14).

The campaign is ``experiments/default.toml`` (its hub groups of at most 200, a 365-day
BG/NBD horizon) on a 1,000,000-person Barabási–Albert graph (m = 5): about 120,000 chat
groups. Each round runs one replicate through the worker's path (``sim.runs.execute_run``:
the model, its run and every table a results folder gets, groups.parquet included) on
the same seed three ways, taking turns (the machine's speed drifts):

* anchor: the campaign as shipped (groups that never die, no store);
* living: ``groups.lifecycle = true`` and the store channel (300 stores, 30 visitors a
  day each, a 5-yuan gift), no existing customers;
* customers: living, and half the groups' people existing customers
  (``groups.customer_share`` 0.5), each drawn as the groups moved them and against the
  baseline.

The added seconds are the medians of (variant − anchor), wall and CPU. The groups' own
parts are timed inside the run: their days over the horizon (``GroupLife.after_campaign``),
the existing customers' loop (``ValueModel.existing_customers``) and groups.parquet's
frame (``ReferralModel.group_weeks``). Peak memory is each variant's in a fresh process
(one replicate, the graph included), started before the parent grows (Linux keeps a
forked child's peak across exec).

    python benchmarks/bench_groups.py                  # 1,000,000 people, 5 rounds
    python benchmarks/bench_groups.py --n 100000 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's sim, whatever is installed
VARIANTS = ("anchor", "living", "customers")
RESULT = "BENCH-GROUPS "


def config(n: int, variant: str):
    from sim.config import apply_overrides, parse_config, read_config_file

    data = read_config_file(ROOT / "experiments" / "default.toml")
    overrides = {"graph.kind": "barabasi_albert", "graph.n": n, "graph.m": 5}
    if variant != "anchor":
        overrides |= {"groups.lifecycle": True, "store.stores": 300, "store.gift": 5.0}
    if variant == "customers":
        overrides["groups.customer_share"] = 0.5
    return parse_config(apply_overrides(data, overrides), base_dir=str(ROOT / "experiments"))


def one_run(cfg, seed: int) -> dict[str, float]:
    """Seconds (wall and CPU) of ``execute_run``, and of the groups' parts inside it."""
    import sim.groups.state as state
    import sim.model as model
    import sim.value.base as value_base
    from sim.runs import RunTask, execute_run
    from sim.study import RunSpec

    parts = {"horizon_groups": 0.0, "customers": 0.0, "groups_table": 0.0}
    patched = [
        (state.GroupLife, "after_campaign", "horizon_groups"),
        (value_base.ValueModel, "existing_customers", "customers"),
        (model.ReferralModel, "group_weeks", "groups_table"),
    ]
    originals = [getattr(cls, name) for cls, name, _ in patched]

    def timed(original, part):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                parts[part] += time.perf_counter() - start

        return wrapper

    for (cls, name, part), original in zip(patched, originals, strict=True):
        setattr(cls, name, timed(original, part))
    try:
        spec = RunSpec(run_id=0, scenario="base", point=0, params=(), replicate=0, seed=seed)
        start, cpu = time.perf_counter(), time.process_time()
        output = execute_run(RunTask(spec, cfg))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        for (cls, name, _), original in zip(patched, originals, strict=True):
            setattr(cls, name, original)
    rows = 0 if output.groups is None else len(output.groups)
    return {"wall": wall, "cpu": cpu, "joined": float(output.summary["joined"].iloc[0])} | {
        "groups_rows": float(rows),
        **parts,
    }


def child(n: int, variant: str) -> None:
    """One replicate of one variant in this fresh process; prints its peak memory."""
    one_run(config(n, variant), 100)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(RESULT + json.dumps({"variant": variant, "peak_rss_mib": peak}))


def peak_memory(n: int, variant: str) -> float:
    command = [sys.executable, __file__, "--n", str(n), "--child", variant]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith(RESULT))
    return json.loads(line[len(RESULT) :])["peak_rss_mib"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="people")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help="which to run (anchor always)"
    )
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.n, args.child)
        return
    variants = ("anchor", *(v for v in args.variants.split(",") if v != "anchor"))

    print(f"{platform.node()} {platform.machine()} Python {platform.python_version()}")
    # First, while this process is small: a child's peak counts what it was forked from.
    print("peak memory, each variant in a fresh process ...", flush=True)
    memory = {v: peak_memory(args.n, v) for v in variants}
    configs = {v: config(args.n, v) for v in variants}
    print(f"warm-up (graph, groups, compiled loops) at {args.n:,} people ...", flush=True)
    for v in variants:
        one_run(configs[v], 1)
    rounds: list[dict[str, dict[str, float]]] = []
    for r in range(args.rounds):
        seed = 100 + r
        runs = {v: one_run(configs[v], seed) for v in variants}
        rounds.append(runs)
        anchor = runs["anchor"]
        cells = []
        for v in variants[1:]:
            x = runs[v]
            cells.append(
                f"{v} +{x['wall'] - anchor['wall']:.2f} s (CPU +{x['cpu'] - anchor['cpu']:.2f}; "
                f"groups' horizon {x['horizon_groups']:.2f}, customers {x['customers']:.2f}, "
                f"groups.parquet frame {x['groups_table']:.2f})"
            )
        print(
            f"round {r + 1}: anchor {anchor['wall']:.2f} s (CPU {anchor['cpu']:.2f}); "
            + "; ".join(cells),
            flush=True,
        )

    def median(v: str, key: str, minus_anchor: bool = False) -> float:
        return statistics.median(
            x[v][key] - (x["anchor"][key] if minus_anchor else 0.0) for x in rounds
        )

    groups_rows = rounds[0][variants[-1]]["groups_rows"]
    print(
        f"median over {args.rounds} rounds, {args.n:,} people, {groups_rows:,.0f} rows of "
        f"groups.parquet a run:"
    )
    print(
        f"  anchor      {median('anchor', 'wall'):.2f} s (CPU {median('anchor', 'cpu'):.2f}), "
        f"peak {memory['anchor']:,.0f} MiB"
    )
    for v in variants[1:]:
        print(
            f"  {v:<11} +{median(v, 'wall', True):.2f} s (CPU +{median(v, 'cpu', True):.2f}) "
            f"per replicate; groups' horizon {median(v, 'horizon_groups'):.2f} s, customers "
            f"{median(v, 'customers'):.2f} s, groups.parquet frame "
            f"{median(v, 'groups_table'):.2f} s; peak {memory[v]:,.0f} MiB "
            f"(+{memory[v] - memory['anchor']:,.0f})"
        )


if __name__ == "__main__":
    main()
