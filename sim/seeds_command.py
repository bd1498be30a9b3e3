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
from sim.lang import N_, _

_SHOWN = 20  # rows printed; the file has them all
# The CSV's columns as the printed table heads them (the file keeps the names).
_HEADINGS = {
    "rank": N_("rank"),
    "id": N_("id"),
    "marginal_gain": N_("marginal gain"),
    "cumulative_gain": N_("cumulative gain"),
    "cost": N_("cost (yuan)"),
}


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("config", type=Path, help=_("campaign or study config (its base is used)"))
    command.add_argument(
        "--strategy", choices=OPTIMISING, help=_("default: the config's seeds.strategy")
    )
    command.add_argument("--count", type=int, help=_("seeds to choose (at most, with a budget)"))
    command.add_argument("--out", type=Path, help=_("write the seeds as CSV here"))


def seeds(args: argparse.Namespace) -> int:
    """Run the command; bad input raises ConfigError (the CLI's exit 2)."""
    from tqdm import tqdm

    from sim import terminal
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
    p = (
        _(", IC probability {p}").format(p=f"{choice.ic_probability:.4g}")
        if choice.ic_probability
        else ""
    )
    print(
        _("{name}: {count} seeds by {strategy} on {people} people ({estimator}{p}), {s} s").format(
            name=config.experiment.name,
            count=len(table),
            strategy=strategy,
            people=f"{graph.n:,}",
            estimator=choice.estimator,
            p=p,
            s=f"{elapsed:.1f}",
        )
    )
    total = float(table["cumulative_gain"].iloc[-1]) if len(table) else 0.0
    cost = float(table["cost"].sum())
    expected = (
        _("expected paying members from these seeds: {total}; their cost: {cost} yuan")
        if choice.objective == "paying"
        else _("expected joins from these seeds: {total}; their cost: {cost} yuan")
    )
    print(expected.format(total=f"{total:,.1f}", cost=f"{cost:,.2f}"))
    head = table.head(_SHOWN)
    rows = [
        [f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row]
        for row in head.itertuples(index=False)
    ]
    headings = [_(_HEADINGS.get(str(c), str(c))) for c in head.columns]
    print(terminal.table(headings, rows, keys=0, right=[True] * len(headings)))
    if len(table) > _SHOWN:
        print(_("... {count} more").format(count=len(table) - _SHOWN))
    if args.out is not None:
        table.to_csv(args.out, index=False, float_format="%.10g")
        print(_("Seeds written to {out}").format(out=args.out))
    return 0
