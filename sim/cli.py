"""The ``fission`` command line: run an experiment config, check one.

Bad input (a malformed or invalid config, a missing graph file, unknown ids) ends with a
one-line error naming the field or file and line, exit code 2, and nothing written.

Texts are in the planner's language (``sim.lang``): ``--lang zh|en`` before or after the
command, else the system locale. The language is read from the arguments before the
parser is built, so ``--help`` speaks it too, argparse's own words included
(``lang.for_argparse``).

Starting is cheap: this module imports only the standard library at the top (and
``sim.lang``, which is standard library only), and each
command imports what it uses when it runs (``--help`` loads nothing of the simulator;
``validate`` loads the config and study modules, numpy and pydantic, not the engine).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import lang
from sim.lang import _

if TYPE_CHECKING:
    from sim.app.jobs import JobBoard

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C
EXIT_TERMINATED = 143  # ... and one ended by SIGTERM


class _Command(argparse.ArgumentParser):
    """A command's parser that may add its arguments when it is used (``fill``): then
    building the command line does not import what only that command needs."""

    fill: Callable[[argparse.ArgumentParser], None] | None = None

    def parse_known_args(self, args=None, namespace=None):
        if self.fill is not None:
            fill, self.fill = self.fill, None
            fill(self)
        return super().parse_known_args(args, namespace)


# Examples shown at the end of each command's --help.
EXAMPLES = {
    "run": """examples:
  fission run experiments/default.toml
  fission run experiments/lures.toml --replicates 50 --out results/lures50
  fission run my_campaign.toml --set lure.kind=cash --set lure.value=8
  fission run study.toml --workers 2 --xlsx""",
    "validate": """examples:
  fission validate experiments/reward_sweep.toml
  fission validate my_campaign.toml --set reward.budget=5000""",
    "app": """examples:
  fission app
  fission app --results results/lures --port 8060""",
    "report": """examples:
  fission report results/lures
  fission report results/lures --images""",
    "export": """examples:
  fission export results/lures --xlsx""",
    "calibrate": """examples:
  fission calibrate experiments/pilot.toml --daily experiments/pilot.csv --out fits/pilot
  fission calibrate my_pilot.toml --cascades log.txt --min-size 3
  fission calibrate --transactions orders.csv                 # customer value (BG/NBD)
  fission calibrate --transactions orders.csv my_campaign.toml  # and calibrated.toml""",
    "seeds": """examples:
  fission seeds experiments/default.toml --strategy imm --count 50 --out seeds.csv""",
    "completion": """examples:
  fission completion bash > ~/.local/share/bash-completion/completions/fission
  source <(fission completion bash)""",
}


def _examples(text: str) -> str:
    """A command's examples with their heading in the current language."""
    head, _sep, rest = text.partition("\n")
    return {"examples:": _("examples:"), "example:": _("example:")}.get(head, head) + "\n" + rest


def _add_lang(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--lang",
        choices=list(lang.LANGUAGES),
        help=_(
            "language of what is printed and written: zh (简体中文) or en (default: the "
            "system locale, LANG)"
        ),
    )


def language_of(argv: list[str]) -> str | None:
    """The ``--lang`` the arguments ask for ("--lang zh" or "--lang=zh"), or None; an
    unknown one is left to the parser to refuse."""
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value in lang.LANGUAGES:
            return value
    return None


class _Usage(argparse.HelpFormatter):
    """argparse's help, with the usage's continuation lines under its first option in
    display columns: argparse counts characters, and a translated "usage: " of wide
    characters (用法：, 3 characters in 6 columns) left them a column short for each."""

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any) -> str:
        text = super()._format_usage(usage, actions, groups, prefix)
        first, *rest = text.split("\n")
        word = first[: first.find(self._prog)] if self._prog in first else ""
        wide = sum(unicodedata.east_asian_width(c) in "WF" for c in word)
        if not wide:
            return text
        rest = [" " * wide + line if line.startswith(" ") else line for line in rest]
        return "\n".join([first, *rest])


class _CommandUsage(_Usage, argparse.RawDescriptionHelpFormatter):
    """A command's help: its examples (the epilog) as written, line by line."""


def _parser() -> argparse.ArgumentParser:
    from sim.version import __version__

    parser = argparse.ArgumentParser(
        prog="fission",
        formatter_class=_Usage,
        description=_("Rehearse a community referral campaign."),
        epilog=_("`fission COMMAND --help` shows a command's options and examples."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"fission {__version__}",
        help=_("show the version and exit"),
    )
    _add_lang(parser)  # `fission --lang zh run ...` as well as `fission run ... --lang zh`
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Command)

    def command(name: str, **kw) -> argparse.ArgumentParser:
        examples = EXAMPLES.get(name)
        parser = commands.add_parser(
            name,
            epilog=_examples(examples) if examples else None,
            formatter_class=_CommandUsage,
            **kw,
        )
        _add_lang(parser)
        return parser

    run = command("run", help=_("run a study config and write its tables"))
    run.add_argument("config", type=Path, help=_("study config (TOML or YAML)"))
    run.add_argument("--out", type=Path, help=_("results folder (default results/<name>/)"))
    run.add_argument("--replicates", type=int, help=_("override experiment.replicates"))
    run.add_argument("--workers", type=int, default=1, help=_("1: in-process; N: local Dask"))
    run.add_argument("--address", help=_("a running Dask scheduler, e.g. tcp://host:8786"))
    run.add_argument("--fresh", action="store_true", help=_("replace results of another config"))
    run.add_argument(
        "--posterior",
        type=Path,
        help=_("a calibration folder (its posterior.parquet): each replicate draws its behaviour"),
    )
    run.add_argument(
        "--xlsx", action="store_true", help=_("also write the Excel workbook results.xlsx")
    )
    _add_set(run)

    validate = command("validate", help=_("check a config and show its runs"))
    validate.add_argument("config", type=Path)
    validate.add_argument("--replicates", type=int)
    _add_set(validate)

    app = command(
        "app",
        help=_("start the live app (a web page on this machine)"),
        description=_(
            "Start the live app. The page reads and writes only inside the folders "
            "named here (graphs, save dir, results root), by name; beyond loopback every "
            "request needs the token in the printed URL."
        ),
    )
    app.add_argument("--port", type=int, default=8050, help=_("port (default 8050)"))
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help=_("address to listen on (default 127.0.0.1; 0.0.0.0: all, with a token)"),
    )
    app.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help=_("a host name the page may be reached by beyond loopback (repeatable)"),
    )
    app.add_argument(
        "--graphs", type=Path, help=_("folder of edge lists the app offers (default data/graphs)")
    )
    app.add_argument(
        "--save-dir",
        type=Path,
        default=Path("studies"),
        help=_("folder Save as study writes in (default studies/)"),
    )
    app.add_argument(
        "--results-root",
        type=Path,
        default=Path("results"),
        help=_("folder whose results folders the app opens (default results/)"),
    )
    app.add_argument(
        "--results", type=Path, help=_("a results folder (in the root) to open at start")
    )
    app.add_argument("--workers", type=int, help=_("simulation processes (default: cores, max 4)"))
    app.add_argument(
        "--max-people", type=int, help=_("most people in a run's graph (default 1,000,000)")
    )
    app.add_argument(
        "--max-replicates", type=int, help=_("most replicates in a Run (default 1,000)")
    )
    app.add_argument(
        "--max-request-bytes",
        type=int,
        help=_("largest request body, else 413 (default 32,000,000; pinned runs count)"),
    )

    report = command("report", help=_("(re)build report.html from a results folder"))
    report.add_argument("folder", type=Path, help=_("a results folder written by `fission run`"))
    report.add_argument(
        "--images", action="store_true", help=_("also export every chart to images/ (PNG, SVG)")
    )

    export = command("export", help=_("write a results folder's numbers as an Excel workbook"))
    export.add_argument("folder", type=Path, help=_("a results folder written by `fission run`"))
    export.add_argument(
        "--xlsx", action="store_true", required=True, help=_("write results.xlsx (Excel)")
    )

    calibrate = command(
        "calibrate",
        help=_(
            "fit behaviour to a pilot's daily counts or observed cascades, or customer "
            "value to orders"
        ),
    )
    calibrate.add_argument(
        "config",
        type=Path,
        nargs="?",
        help=_(
            "the pilot's config, with [calibration]; with --transactions, optional: a "
            "config to write back with the fitted [value] (calibrated.toml)"
        ),
    )
    data = calibrate.add_mutually_exclusive_group(required=True)
    data.add_argument("--daily", type=Path, help=_("CSV: day, new_joins[, new_invites, ...]"))
    data.add_argument("--cascades", type=Path, help=_("cascades, one a line: user time,..."))
    data.add_argument(
        "--transactions",
        type=Path,
        help=_("orders CSV: customer_id,date,amount (BG/NBD and Gamma-Gamma fit)"),
    )
    calibrate.add_argument("--min-size", type=int, default=1, help=_("cascades of >= N only"))
    calibrate.add_argument(
        "--until",
        help=_("with --transactions: the fit's last day, YYYY-MM-DD (default: last order)"),
    )
    calibrate.add_argument(
        "--out",
        type=Path,
        help=_("fit folder (default fits/<name>/; fits/transactions/ with --transactions)"),
    )
    calibrate.add_argument(
        "--workers", type=int, default=1, help=_("N > 1: parallel, faster, not bit-reproducible")
    )
    calibrate.add_argument(
        "--address", help=_("sample on a running Dask scheduler (not bit-reproducible)")
    )
    _add_set(calibrate)

    optimise = command(
        "optimise", help=_("search the incentive design: what to launch, with its uncertainty")
    )
    optimise.fill = _optimise_arguments  # imported only for `fission optimise`
    seeds = command("seeds", help=_("choose seed users (degree_discount, celf, imm)"))
    seeds.fill = _seeds_arguments  # they import sim.influence: only for `fission seeds`

    completion = command("completion", help=_("print a shell completion script"))
    completion.add_argument("shell", choices=["bash"], help=_("the shell (bash)"))
    return parser


def _completion(args: argparse.Namespace) -> int:
    """A bash completion script for the commands and options of this parser."""
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    cases = []
    for name, command in sub.choices.items():
        if isinstance(command, _Command) and command.fill is not None:
            fill, command.fill = command.fill, None
            fill(command)
        options = sorted(o for a in command._actions for o in a.option_strings)
        cases.append(f'        {name}) opts="{" ".join(options)}" ;;')
    print(
        COMPLETION_SCRIPT.replace("@COMMANDS@", " ".join(sub.choices)).replace(
            "@CASES@", "\n".join(cases)
        )
    )
    return 0


COMPLETION_SCRIPT = """# bash completion for fission (from `fission completion bash`)
_fission() {
    local cur="${COMP_WORDS[COMP_CWORD]}" cmd="${COMP_WORDS[1]}" opts=""
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "@COMMANDS@ --help --version --lang" -- "$cur"))
        return
    fi
    case "$cmd" in
@CASES@
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _fission fission
"""


def _seeds_arguments(command: argparse.ArgumentParser) -> None:
    from sim.seeds_command import add_arguments

    add_arguments(command)
    _add_set(command)


def _optimise_arguments(command: argparse.ArgumentParser) -> None:
    from sim.optimise.command import add_arguments, examples

    command.epilog = _examples(examples())
    add_arguments(command)
    _add_set(command)


def _add_set(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=_("override a base config value, e.g. --set lure.value=8 (repeatable)"),
    )


def _overrides(args: argparse.Namespace) -> dict:
    """The command line's changes to the config: ``--set`` and ``--replicates``."""
    from sim.config import parse_assignment

    overrides = dict(parse_assignment(a) for a in args.assignments)
    if getattr(args, "replicates", None) is not None:
        overrides["experiment.replicates"] = args.replicates
    return overrides


def _load(args: argparse.Namespace):
    from sim.study import load_study

    return load_study(args.config, _overrides(args))


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim import terminal
    from sim.experiment import run_experiment
    from sim.points import POINTS_FILE
    from sim.store import default_out_dir

    study = _load(args)
    overrides = _overrides(args)
    out = args.out if args.out is not None else default_out_dir(study, overrides)
    name = study.base.experiment.name
    if args.out is None and overrides:
        changes = " ".join(f"{k}={v}" for k, v in overrides.items())
        print(
            _("{name} with {changes}: results go to {out}/ (pass --out to choose)").format(
                name=name, changes=changes, out=out
            )
        )
    bar = tqdm(unit="run", desc=name, disable=not sys.stderr.isatty(), smoothing=0.05)
    progress = {"done": 0, "total": 0}

    def advance(done: int, total: int) -> None:
        progress.update(done=done, total=total)
        bar.total = total
        bar.update(done - bar.n)

    try:
        with _stopped_by_sigterm():
            results = run_experiment(
                study,
                out,
                workers=args.workers,
                address=args.address,
                fresh=args.fresh,
                posterior=_posterior(args.posterior),
                on_progress=advance,
            )
    except KeyboardInterrupt as stop:
        bar.close()
        print(
            "\n"
            + _(
                "fission: stopped. {done} of {total} runs are saved in {out}/; run the same "
                "command again to resume from there."
            ).format(out=out, **progress),
            file=sys.stderr,
        )
        return EXIT_TERMINATED if isinstance(stop, _Terminated) else EXIT_INTERRUPTED
    finally:
        bar.close()
    scenarios = results.runs["scenario"].nunique()
    points = results.runs["point"].nunique()
    print(
        _("{name}: {runs} runs ({scenarios} x {points} x {replicates}), {days} days").format(
            name=name,
            runs=len(results.runs),
            scenarios=lang.ngettext("{n} scenario", "{n} scenarios", scenarios).format(n=scenarios),
            points=lang.ngettext("{n} sweep point", "{n} sweep points", points).format(n=points),
            replicates=lang.ngettext("{n} replicate", "{n} replicates", study.replicates).format(
                n=study.replicates
            ),
            days=study.base.experiment.days,
        )
    )
    if scenarios > 1:
        print(terminal.comparison_text(results.compare()))
        if points > 1:
            print(
                _(
                    "Each scenario's numbers pool its {points} sweep points; point by point below."
                ).format(points=points)
            )
    else:
        print(terminal.summary_text(results.runs, results.config))
    point_table = results.points()
    if point_table is not None:
        print("\n" + _("Point by point (each point's own runs, not pooled):"))
        print(terminal.points_text(point_table, file=str(Path(out) / POINTS_FILE)))
    if args.xlsx:
        _write_workbook(Path(out), results)
    _write_report(Path(out), results)
    files = sorted(p.name for p in Path(out).iterdir() if p.is_file() and p.name[0] != ".")
    print(_("Results written to {out}/ ({files})").format(out=out, files=", ".join(files)))
    return 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a batch scheduler's stop), stopping a run the way Ctrl-C does."""


@contextlib.contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """While running a study, SIGTERM stops it as Ctrl-C does: the runs finished but not
    yet written (``sim.parts`` writes them in batches) go to disk before the process
    ends, instead of being lost with it. The earlier handler is back afterwards."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return

    def stop(signum: int, frame: object) -> None:
        raise _Terminated

    earlier = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, earlier)


def _write_report(out: Path, results) -> None:
    """report.html beside the tables; a failure is a warning: the tables are safe on disk."""
    from sim.report import write_report

    try:
        write_report(out, results=results)
    except Exception as err:
        print(
            _("fission: warning: report.html not written: {err}").format(err=err),
            file=sys.stderr,
        )


def _write_workbook(out: Path, results) -> None:
    """results.xlsx beside the tables; a failure is a warning: the tables are safe on disk."""
    from sim.export import write_workbook

    try:
        write_workbook(out, results=results)
    except Exception as err:
        print(
            _("fission: warning: results.xlsx not written: {err}").format(err=err),
            file=sys.stderr,
        )


def _export(args: argparse.Namespace) -> int:
    from sim.export import write_workbook
    from sim.messages import shown
    from sim.report import write_report

    try:
        path = write_workbook(args.folder)
        # the report links to the workbook: rewrite it if there is one
        if (args.folder / "report.html").is_file():
            write_report(args.folder)
    except FileNotFoundError as err:
        print(_("fission: error: {err}").format(err=shown(str(err))), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(_("Workbook written to {path}").format(path=path))
    return 0


def _report(args: argparse.Namespace) -> int:
    from sim.messages import shown
    from sim.report import write_report

    try:
        path = write_report(args.folder, images=args.images)
    except FileNotFoundError as err:
        print(_("fission: error: {err}").format(err=shown(str(err))), file=sys.stderr)
        return EXIT_BAD_INPUT
    except RuntimeError as err:  # image export (kaleido and Chromium)
        print(_("fission: error: {err}").format(err=err), file=sys.stderr)
        return 1
    print(_("Report written to {path}").format(path=path))
    if args.images:
        print(_("Images written to {folder}/").format(folder=args.folder / "images"))
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


def _validate(args: argparse.Namespace) -> int:
    """Check everything run would before running: the configs, the study's size, and the
    files they name (``sim.study.check_inputs``); the runs are counted, not listed."""
    from sim.study import BASE_SCENARIO, check_inputs, sweep_points

    study = _load(args)
    notes = check_inputs(study)
    space = None
    if study.optimise is not None:  # checked as `fission optimise` would, before "valid"
        from sim.optimise.space import parse_space

        space = parse_space(study)
    base = study.base
    scenarios = [s.name for s in study.scenarios] or [BASE_SCENARIO]
    points = sweep_points(study.sweep, base.experiment.seed)
    runs = len(scenarios) * len(points) * study.replicates
    print(
        _("{config}: valid. {runs} runs of {days} days").format(
            config=args.config, runs=runs, days=base.experiment.days
        )
    )
    print(
        "  "
        + _("scenarios ({count}): {names}").format(count=len(scenarios), names=", ".join(scenarios))
    )
    method = study.sweep.method if study.sweep else _("none")
    print("  " + _("sweep: {method}, {count} points").format(method=method, count=len(points)))
    for i, point in enumerate(points[:10]):
        if point:
            values = ", ".join(f"{k} = {v!r}" for k, v in point)
            print("    " + _("point {i}: {values}").format(i=i, values=values))
    if len(points) > 10:
        print("    " + _("... {count} more").format(count=len(points) - 10))
    print(
        "  "
        + _("replicates: {replicates}; root seed {seed}").format(
            replicates=study.replicates, seed=base.experiment.seed
        )
    )
    print(
        "  "
        + _("graph: {graph}; lure: {lure}; reward: {reward}").format(
            graph=base.graph.kind, lure=base.lure.kind, reward=base.reward.rule
        )
    )
    switched = study.switched_away()
    if switched:
        print(
            "  " + _("keys dropped because a kind was switched (the new kind does not take them):")
        )
        for line in switched:
            print(f"    {line}")
    if space is not None:
        levers = ", ".join(lever.key for lever in space.levers)
        goals = ", ".join(o.outcome for o in space.objectives)
        print(
            "  "
            + _("optimise: {count} levers ({levers}); objective {goals}").format(
                count=len(space.levers), levers=levers, goals=goals
            )
        )
    for note in notes:
        print(f"  {note}")
    return 0


def _app(args: argparse.Namespace) -> int:
    import contextlib
    import signal
    import threading

    from sim.app.folders import DEFAULT_GRAPHS_DIR, Folders
    from sim.app.limits import Limits
    from sim.app.server import AppServer

    given = {
        name: value
        for name in ("max_people", "max_replicates", "max_request_bytes")
        if (value := getattr(args, name)) is not None
    }
    limits = Limits(**given)
    graphs = args.graphs if args.graphs is not None else DEFAULT_GRAPHS_DIR
    folders = Folders(graphs=graphs, save=args.save_dir, results=args.results_root)
    try:
        server = AppServer(
            args.host,
            args.port,
            folders=folders,
            results_name=_results_name(args.results, args.results_root),
            limits=limits,
            allow_hosts=tuple(args.allow_host),
            workers=args.workers,
        )
    except OSError as err:
        print(
            _("fission: error: cannot listen on {host}:{port}: {err}").format(
                host=args.host, port=args.port, err=err
            ),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the workers on SIGTERM too
    print(_("Fission app on {url} (Ctrl-C to stop)").format(url=server.url))
    if server.token:
        print("  " + _("Reachable beyond this machine: open the URL above (it carries the token)."))
    print(
        "  "
        + _("Graphs from {graphs}/; studies saved in {save}/").format(
            graphs=graphs, save=args.save_dir
        )
    )
    print("  " + _("Results folders from {root}/").format(root=args.results_root))
    threading.Thread(target=_say_when_warm, args=(server.board,), daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def _say_when_warm(board: JobBoard) -> None:
    """Tell the planner when the workers have warmed up (imports, compiled loops, the
    starting community built): from then on the first Run answers at full speed."""
    if board.wait_ready():
        print("  " + _("Simulation workers ready: Run answers at full speed now."), flush=True)


def _results_name(folder: Path | None, root: Path) -> str | None:
    """``--results`` as a name inside ``--results-root`` (a path inside it, or a name)."""
    if folder is None:
        return None
    from sim.config import ConfigError

    real, real_root = folder.resolve(), root.resolve()
    if not real.is_relative_to(real_root) and not folder.is_absolute() and ".." not in folder.parts:
        real = (root / folder).resolve()  # a name inside the root
    if real == real_root or not real.is_relative_to(real_root):
        raise ConfigError(f"--results {folder}: not a folder inside --results-root {root}")
    return real.relative_to(real_root).as_posix()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    lang.set_language(language_of(argv))  # before the parser: --help speaks it too
    with lang.for_argparse():  # and argparse's own words ("usage:", "error:")
        args = _parser().parse_args(argv)
    from sim.config import ConfigError  # after parsing: `--help` needs no config

    try:
        if args.command == "run":
            return _run(args)
        if args.command == "app":
            return _app(args)
        if args.command == "report":
            return _report(args)
        if args.command == "calibrate" and args.transactions is not None:
            from sim.value_fit.command import calibrate_transactions

            return calibrate_transactions(args)
        if args.command == "export":
            return _export(args)
        if args.command == "completion":
            return _completion(args)
        if args.command == "calibrate":
            from sim.calibration.command import calibrate

            return calibrate(args)
        if args.command == "optimise":
            from sim.optimise.command import optimise_command

            return optimise_command(args, _load, _posterior, EXIT_INTERRUPTED)
        if args.command == "seeds":
            from sim.seeds_command import seeds

            return seeds(args)
        return _validate(args)
    except ConfigError as err:
        from sim.messages import shown

        print(_("fission: error: {err}").format(err=shown(str(err))), file=sys.stderr)
        return EXIT_BAD_INPUT


def console() -> None:
    """The ``fission`` command (and ``python -m sim``): ``main`` on the process's
    arguments, then exit with its code."""
    code = main()
    # At exit Python's last garbage collection walks every object still alive (the
    # report's plotly figures, pandas', pydantic's and numba's): 0.8 s after a run at a
    # million people, a tenth of the command. Everything is written and closed by now,
    # and the process is about to hand its memory back whole, so the objects are frozen
    # out of that walk (atexit handlers still run).
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
