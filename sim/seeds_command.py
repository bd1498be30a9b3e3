"""``fission seeds CONFIG``: choose seed users by an optimising strategy and write them.

The CSV (``rank,id,marginal_gain,cumulative_gain,cost``, ids as in the graph file) is what
a planner hands to the operations team; a config uses the list with
``seeds = { strategy = "list", ids = [...] }``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sim.config import ConfigError, parse_assignment
from sim.influence.choose import OPTIMISING, plan_seeds

_SHOWN = 20  # rows printed; the file has them all


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("config", type=Path, help="campaign or study config (its base is used)")
    command.add_argument(
        "--strategy", choices=OPTIMISING, help="default: the config's seeds.strategy"
    )
    command.add_argument("--count", type=int, help="seeds to choose (at most, with a budget)")
    command.add_argument("--out", type=Path, help="write the seeds as CSV here")


def seeds(args: argparse.Namespace) -> int:
    """Run the command; bad input raises ConfigError (the CLI's exit 2)."""
    from tqdm import tqdm

    from sim.study import load_study

    overrides = dict(parse_assignment(a) for a in getattr(args, "assignments", []))
    if args.strategy is not None:
        overrides["seeds.strategy"] = args.strategy
    if args.count is not None:
        if args.count < 0:
            raise ConfigError("--count: must be 0 or more")
        overrides["seeds.count"] = args.count
    config = load_study(args.config, overrides).base
    strategy = config.seeds.strategy
    if strategy not in OPTIMISING:
        raise ConfigError(
            f"seeds.strategy: '{strategy}' is not an optimising strategy; "
            f"pass --strategy ({', '.join(OPTIMISING)})"
        )
    if args.out is not None and not args.out.parent.is_dir():
        raise ConfigError(f"--out: folder not found: {args.out.parent}")
    unit = {"celf": "score", "imm": "RR set"}.get(strategy, "step")
    bar = tqdm(unit=unit, desc=strategy, disable=not sys.stderr.isatty(), smoothing=0.1)

    def advance(done: int, total: int | None) -> None:
        bar.total = total
        bar.update(done - bar.n)

    start = time.perf_counter()
    try:
        choice, graph = plan_seeds(config, on_progress=advance)
    finally:
        bar.close()
    elapsed = time.perf_counter() - start
    table = choice.table(graph)
    unit_name = "paying members" if choice.objective == "paying" else "joins"
    p = f", IC probability {choice.ic_probability:.4g}" if choice.ic_probability else ""
    print(
        f"{config.experiment.name}: {len(table)} seeds by {strategy} on {graph.n:,} people "
        f"({choice.estimator}{p}), {elapsed:.1f} s"
    )
    total = float(table["cumulative_gain"].iloc[-1]) if len(table) else 0.0
    cost = float(table["cost"].sum())
    print(f"expected {unit_name} from these seeds: {total:,.1f}; their cost: {cost:,.2f} yuan")
    shown = table.head(_SHOWN).to_string(
        index=False, float_format=lambda v: f"{v:,.2f}", justify="right"
    )
    print(shown)
    if len(table) > _SHOWN:
        print(f"... {len(table) - _SHOWN} more")
    if args.out is not None:
        table.to_csv(args.out, index=False, float_format="%.10g")
        print(f"Seeds written to {args.out}")
    return 0
