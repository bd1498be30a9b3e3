"""``fission optimise``: validate the study and its ``[optimise]`` table, search with a
progress bar, print the recommendation in a planner's words, say where the files are.
Everything printed is in the planner's language (``--lang``, ``sim.lang``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.config import ConfigError
from sim.extras import require
from sim.lang import N_, _

EXAMPLE = """example:
  fission optimise experiments/optimise.toml --trials 200 --workers 2 --out results/opt
  fission run results/opt/recommended.toml        # the winner, as an ordinary study"""
EXPLAINED = N_(
    "The study's [optimise] table names the levers (dotted keys with a range or a list of "
    'choices), the objective (maximize = "profit", or two for a Pareto front), '
    "constraints on outcomes' means and risk, and how replicates are spent "
    "(docs/optimise.md). A killed search resumes where it stopped when run again with the "
    "same --out."
)


def examples() -> str:
    """The command's examples and what its table holds, in the current language."""
    return EXAMPLE + "\n\n" + _(EXPLAINED)


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("config", type=Path, help=_("a study with an [optimise] table"))
    command.add_argument(
        "--trials", type=int, help=_("candidates to try (default: optimise.trials)")
    )
    command.add_argument(
        "--out", type=Path, help=_("output folder (default results/<name>-optimise/)")
    )
    command.add_argument(
        "--workers", type=int, default=1, help=_("1: in-process; N: a local Dask cluster")
    )
    command.add_argument("--address", help=_("a running Dask scheduler, e.g. tcp://host:8786"))
    command.add_argument("--fresh", action="store_true", help=_("replace another search in --out"))
    command.add_argument(
        "--posterior",
        type=Path,
        help=_("a calibration folder: optimise the expected outcome over its posterior"),
    )


def optimise_command(args: argparse.Namespace, load, posterior, interrupted: int) -> int:
    """Run ``fission optimise``; ``load`` and ``posterior`` read the study and the
    calibration as ``fission run`` does; ``interrupted`` is the exit code after Ctrl-C."""
    require("optimise", "fission optimise")
    from tqdm import tqdm

    from sim.optimise.search import optimise
    from sim.optimise.space import parse_space
    from sim.optimise.words import sentence

    study = load(args)
    parse_space(study)  # the table's errors before anything is made
    name = study.base.experiment.name
    out = args.out if args.out is not None else Path("results") / f"{name}-optimise"
    if args.workers < 1:
        raise ConfigError(f"--workers: must be at least 1, not {args.workers}")
    bar = tqdm(
        unit=_("run"),
        desc=_("{name}: optimise").format(name=name),
        disable=not sys.stderr.isatty(),
    )
    progress = {"done": 0}

    def advance(done: int, total: int) -> None:
        progress["done"] = done
        bar.total = total
        bar.update(done - bar.n)

    try:
        outcome = optimise(
            study,
            out,
            trials=args.trials,
            workers=args.workers,
            address=args.address,
            fresh=args.fresh,
            posterior=posterior(args.posterior),
            on_progress=advance,
        )
    except KeyboardInterrupt:
        bar.close()
        print(
            "\n"
            + _(
                "fission: stopped. {done} runs are saved in {out}/; run the same command "
                "again to resume the search from there."
            ).format(done=progress["done"], out=out),
            file=sys.stderr,
        )
        return interrupted
    finally:
        bar.close()
    print(
        _(
            "{name}: {trials} trials, {runs} runs ({made} made now, the rest found in {out}/)"
        ).format(
            name=name,
            trials=len(outcome.trials),
            runs=f"{outcome.runs:,}",
            made=f"{outcome.runs_made:,}",
            out=out,
        )
    )
    print(_("Recommended: {sentence}").format(sentence=sentence(outcome)))
    files = sorted(p.name for p in Path(out).iterdir() if p.is_file() and p.suffix != ".lock")
    shown = ", ".join(f for f in files if not f.startswith("."))
    print(_("Written to {out}/ ({files})").format(out=out, files=shown))
    if outcome.recommended is not None:
        print(_("Run the winner: fission run {path}").format(path=out / "recommended.toml"))
    return 0
