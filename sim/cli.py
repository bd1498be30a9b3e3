"""The ``fission`` command line: run an experiment config, check one.

Bad input (a malformed or invalid config, a missing graph file, unknown ids) ends with a
one-line error naming the field or file and line, exit code 2, and nothing written.

Starting is cheap: this module imports only the standard library at the top, and each
command imports what it uses when it runs (``--help`` loads nothing of the simulator;
``validate`` loads the config and study modules, numpy and pydantic, not the engine).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_BAD_INPUT = 2


class _Command(argparse.ArgumentParser):
    """A command's parser that may add its arguments when it is used (``fill``): then
    building the command line does not import what only that command needs."""

    fill: Callable[[argparse.ArgumentParser], None] | None = None

    def parse_known_args(self, args=None, namespace=None):
        if self.fill is not None:
            fill, self.fill = self.fill, None
            fill(self)
        return super().parse_known_args(args, namespace)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fission", description="Rehearse a community referral campaign."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Command)

    run = commands.add_parser("run", help="run a study config and write its tables")
    run.add_argument("config", type=Path, help="study config (TOML or YAML)")
    run.add_argument("--out", type=Path, help="results folder (default results/<name>/)")
    run.add_argument("--replicates", type=int, help="override experiment.replicates")
    run.add_argument("--workers", type=int, default=1, help="1: in-process; N: local Dask")
    run.add_argument("--address", help="a running Dask scheduler, e.g. tcp://host:8786")
    run.add_argument("--fresh", action="store_true", help="replace results of another config")
    run.add_argument(
        "--posterior",
        type=Path,
        help="a calibration folder (its posterior.parquet): each replicate draws its behaviour",
    )
    _add_set(run)

    validate = commands.add_parser("validate", help="check a config and show its runs")
    validate.add_argument("config", type=Path)
    validate.add_argument("--replicates", type=int)
    _add_set(validate)

    app = commands.add_parser("app", help="start the live app (a web page on this machine)")
    app.add_argument("--results", type=Path, help="a results folder to open at start")
    app.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: all)")
    app.add_argument("--graphs", type=Path, help="folder of edge lists the app offers")
    app.add_argument("--workers", type=int, help="simulation processes (default: cores, max 4)")

    report = commands.add_parser("report", help="(re)build report.html from a results folder")
    report.add_argument("folder", type=Path, help="a results folder written by `fission run`")
    report.add_argument(
        "--images", action="store_true", help="also export every chart to images/ (PNG, SVG)"
    )

    calibrate = commands.add_parser(
        "calibrate", help="fit behaviour to a pilot's daily counts or observed cascades"
    )
    calibrate.add_argument("config", type=Path, help="the pilot's config, with [calibration]")
    data = calibrate.add_mutually_exclusive_group(required=True)
    data.add_argument("--daily", type=Path, help="CSV: day, new_joins[, new_invites, ...]")
    data.add_argument("--cascades", type=Path, help="cascades, one a line: user time,...")
    calibrate.add_argument("--min-size", type=int, default=1, help="cascades of >= N only")
    calibrate.add_argument("--out", type=Path, help="fit folder (default fits/<name>/)")
    calibrate.add_argument(
        "--workers", type=int, default=1, help="N > 1: parallel, faster, not bit-reproducible"
    )
    calibrate.add_argument(
        "--address", help="sample on a running Dask scheduler (not bit-reproducible)"
    )
    _add_set(calibrate)

    optimise = commands.add_parser(
        "optimise",
        help="search the incentive design: what to launch, with its uncertainty",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    optimise.fill = _optimise_arguments  # imported only for `fission optimise`
    seeds = commands.add_parser("seeds", help="choose seed users (degree_discount, celf, imm)")
    seeds.fill = _seeds_arguments  # they import sim.influence: only for `fission seeds`
    return parser


def _seeds_arguments(command: argparse.ArgumentParser) -> None:
    from sim.seeds_command import add_arguments

    add_arguments(command)
    _add_set(command)


def _optimise_arguments(command: argparse.ArgumentParser) -> None:
    from sim.optimise.command import EXAMPLE, add_arguments

    command.epilog = EXAMPLE
    add_arguments(command)
    _add_set(command)


def _add_set(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a base config value, e.g. --set lure.value=8 (repeatable)",
    )


def _load(args: argparse.Namespace):
    from sim.config import parse_assignment
    from sim.study import load_study

    overrides = dict(parse_assignment(a) for a in args.assignments)
    if getattr(args, "replicates", None) is not None:
        overrides["experiment.replicates"] = args.replicates
    return load_study(args.config, overrides)


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.compare import format_comparison
    from sim.experiment import run_experiment
    from sim.store import default_out_dir

    study = _load(args)
    out = args.out if args.out is not None else default_out_dir(study)
    name = study.base.experiment.name
    bar = tqdm(unit="run", desc=name, disable=not sys.stderr.isatty(), smoothing=0.05)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        results = run_experiment(
            study,
            out,
            workers=args.workers,
            address=args.address,
            fresh=args.fresh,
            posterior=_posterior(args.posterior),
            on_progress=advance,
        )
    finally:
        bar.close()
    scenarios = results.runs["scenario"].nunique()
    points = results.runs["point"].nunique()
    print(
        f"{name}: {len(results.runs)} runs ({_count(scenarios, 'scenario')} x "
        f"{_count(points, 'sweep point')} x {_count(study.replicates, 'replicate')}), "
        f"{study.base.experiment.days} days"
    )
    if scenarios > 1:
        print(format_comparison(results.compare()))
    else:
        print(results.summary_table().to_string(float_format=lambda v: f"{v:,.3f}"))
    _write_report(Path(out), results)
    files = sorted(p.name for p in Path(out).iterdir() if p.is_file() and p.name[0] != ".")
    print(f"Results written to {out}/ ({', '.join(files)})")
    return 0


def _write_report(out: Path, results) -> None:
    """report.html beside the tables; a failure is a warning: the tables are safe on disk."""
    from sim.report import write_report

    try:
        write_report(out, results=results)
    except Exception as err:
        print(f"fission: warning: report.html not written: {err}", file=sys.stderr)


def _report(args: argparse.Namespace) -> int:
    from sim.report import write_report

    try:
        path = write_report(args.folder, images=args.images)
    except FileNotFoundError as err:
        print(f"fission: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RuntimeError as err:  # image export (kaleido and Chromium)
        print(f"fission: error: {err}", file=sys.stderr)
        return 1
    print(f"Report written to {path}")
    if args.images:
        print(f"Images written to {args.folder / 'images'}/")
    return 0


def _posterior(folder: Path | None):
    """The posterior of a calibration folder, or None."""
    if folder is None:
        return None
    import pandas as pd

    from sim.config import ConfigError
    from sim.study import posterior_from_frame

    path = folder / "posterior.parquet" if folder.is_dir() else folder
    if not path.is_file():
        raise ConfigError(f"--posterior {folder}: no posterior.parquet there")
    return posterior_from_frame(pd.read_parquet(path), str(path))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _validate(args: argparse.Namespace) -> int:
    """Check everything run would before running: the configs, the study's size, and the
    files they name (``sim.study.check_inputs``); the runs are counted, not listed."""
    from sim.study import BASE_SCENARIO, check_inputs, sweep_points

    study = _load(args)
    notes = check_inputs(study)
    base = study.base
    scenarios = [s.name for s in study.scenarios] or [BASE_SCENARIO]
    points = sweep_points(study.sweep, base.experiment.seed)
    runs = len(scenarios) * len(points) * study.replicates
    print(f"{args.config}: valid. {runs} runs of {base.experiment.days} days")
    print(f"  scenarios ({len(scenarios)}): {', '.join(scenarios)}")
    method = study.sweep.method if study.sweep else "none"
    print(f"  sweep: {method}, {len(points)} points")
    for i, point in enumerate(points[:10]):
        if point:
            print(f"    point {i}: " + ", ".join(f"{k} = {v!r}" for k, v in point))
    if len(points) > 10:
        print(f"    ... {len(points) - 10} more")
    print(f"  replicates: {study.replicates}; root seed {base.experiment.seed}")
    print(f"  graph: {base.graph.kind}; lure: {base.lure.kind}; reward: {base.reward.rule}")
    switched = study.switched_away()
    if switched:
        print("  keys dropped because a kind was switched (the new kind does not take them):")
        for line in switched:
            print(f"    {line}")
    for note in notes:
        print(f"  {note}")
    return 0


def _app(args: argparse.Namespace) -> int:
    import contextlib
    import signal

    from sim.app.server import AppServer

    graphs = {} if args.graphs is None else {"graphs_dir": args.graphs}
    results = None if args.results is None else str(args.results)
    try:
        server = AppServer(
            args.host, args.port, results_dir=results, workers=args.workers, **graphs
        )
    except OSError as err:
        print(f"fission: error: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the workers on SIGTERM too
    print(f"Fission app on {server.url} (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from sim.config import ConfigError  # after parsing: `--help` needs no config

    try:
        if args.command == "run":
            return _run(args)
        if args.command == "app":
            return _app(args)
        if args.command == "report":
            return _report(args)
        if args.command == "calibrate":
            from sim.calibration.command import calibrate

            return calibrate(args)
        if args.command == "optimise":
            from sim.optimise.command import optimise_command

            return optimise_command(args, _load, _posterior)
        if args.command == "seeds":
            from sim.seeds_command import seeds

            return seeds(args)
        return _validate(args)
    except ConfigError as err:
        print(f"fission: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
