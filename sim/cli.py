"""The ``fission`` command line: run an experiment config, check one.

Bad input (a malformed or invalid config, a missing graph file, unknown ids) ends with a
one-line error naming the field or file and line, exit code 2, and nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.config import ConfigError, load_config, parse_assignment

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fission", description="Rehearse a community referral campaign."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run an experiment config and write its tables")
    run.add_argument("config", type=Path, help="experiment config (TOML or YAML)")
    run.add_argument("--out", type=Path, help="results folder (default results/<name>/)")
    run.add_argument("--replicates", type=int, help="override experiment.replicates")
    run.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set lure.value=8 (repeatable)",
    )

    validate = commands.add_parser("validate", help="check a config and show its runs")
    validate.add_argument("config", type=Path)
    validate.add_argument("--set", dest="assignments", action="append", default=[])
    return parser


def _load(args: argparse.Namespace):
    overrides = dict(parse_assignment(a) for a in args.assignments)
    if getattr(args, "replicates", None) is not None:
        overrides["experiment.replicates"] = args.replicates
    return load_config(args.config, overrides)


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.experiment import default_out_dir, run_experiment

    config = _load(args)
    out = args.out if args.out is not None else default_out_dir(config)
    bar = tqdm(
        total=config.experiment.replicates,
        unit="run",
        desc=config.experiment.name,
        disable=not sys.stderr.isatty(),
    )

    def advance(done: int, total: int) -> None:
        bar.update(done - bar.n)

    try:
        results = run_experiment(config, out, on_run_done=advance)
    finally:
        bar.close()
    table = results.summary_table()
    print(f"{config.experiment.name}: {len(results.runs)} runs, {config.experiment.days} days")
    print(table.to_string(float_format=lambda v: f"{v:,.3f}"))
    print(f"Results written to {out}/ (runs.parquet, daily.parquet, config.toml, manifest.json)")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from sim.experiment import expand

    config = _load(args)
    specs = expand(config)
    print(f"{args.config}: valid. {len(specs)} runs of {config.experiment.days} days")
    print(f"graph: {config.graph.kind}; lure: {config.lure.kind}; reward: {config.reward.rule}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        return _validate(args)
    except ConfigError as err:
        print(f"fission: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
