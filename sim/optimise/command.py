"""``fission optimise``: validate the study and its ``[optimise]`` table, search with a
progress bar, print the recommendation in a planner's words, say where the files are."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.config import ConfigError
from sim.extras import require

EXAMPLE = """example:
  fission optimise experiments/optimise.toml --trials 200 --workers 2 --out results/opt
  fission run results/opt/recommended.toml        # the winner, as an ordinary study

The study's [optimise] table names the levers (dotted keys with a range or a list of
choices), the objective (maximize = "paying", or two for a Pareto front), constraints on
outcomes' means and risk, and how replicates are spent (docs/optimise.md). A killed
search resumes where it stopped when run again with the same --out."""


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("config", type=Path, help="a study with an [optimise] table")
    command.add_argument("--trials", type=int, help="candidates to try (default: optimise.trials)")
    command.add_argument(
        "--out", type=Path, help="output folder (default results/<name>-optimise/)"
    )
    command.add_argument("--workers", type=int, default=1, help="1: in-process; N: local Dask")
    command.add_argument("--address", help="a running Dask scheduler, e.g. tcp://host:8786")
    command.add_argument("--fresh", action="store_true", help="replace another search in --out")
    command.add_argument(
        "--posterior",
        type=Path,
        help="a calibration folder: optimise the expected outcome over its posterior",
    )


def optimise_command(args: argparse.Namespace, load, posterior) -> int:
    """Run ``fission optimise``; ``load`` and ``posterior`` read the study and the
    calibration as ``fission run`` does."""
    require("optimise", "fission optimise")
    from tqdm import tqdm

    from sim.optimise.recommend import sentence
    from sim.optimise.search import optimise
    from sim.optimise.space import parse_space

    study = load(args)
    parse_space(study)  # the table's errors before anything is made
    name = study.base.experiment.name
    out = args.out if args.out is not None else Path("results") / f"{name}-optimise"
    if args.workers < 1:
        raise ConfigError(f"--workers: must be at least 1, not {args.workers}")
    bar = tqdm(unit="run", desc=f"{name}: optimise", disable=not sys.stderr.isatty())

    def advance(done: int, total: int) -> None:
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
    finally:
        bar.close()
    told = len(outcome.trials)
    print(
        f"{name}: {told} trials, {outcome.runs:,} runs ({outcome.runs_made:,} made now, "
        f"the rest found in {out}/)"
    )
    print(f"Recommended: {sentence(outcome)}")
    files = sorted(p.name for p in Path(out).iterdir() if p.is_file() and p.suffix != ".lock")
    print(f"Written to {out}/ ({', '.join(f for f in files if not f.startswith('.'))})")
    if outcome.recommended is not None:
        print(f"Run the winner: fission run {out / 'recommended.toml'}")
    return 0
