"""``fission calibrate``: validate everything, fit (with progress bars), print the table,
write the folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.config import ConfigError, parse_assignment
from sim.extras import require
from sim.lang import N_, _

# tqdm's bar without its rate (generations per second says little, in no language)
BAR_FORMAT = (
    "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"
)
KINDS = {"daily": N_("the pilot's daily counts"), "cascades": N_("observed cascades")}


class ProgressBars:
    """The terminal's bars of a calibration (tqdm, on stderr when it is a terminal): the
    ABC-SMC generations finished of at most ``max_generations`` with the simulations so
    far, then the predictive check's runs. Called with each ``sim.calibration.Progress``;
    ``close()`` at the end. (The acceptance threshold is not shown: with pyabc's adaptive
    distance its scale changes from one generation to the next.)"""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar: Any = None
        self.stage: str | None = None

    def __call__(self, progress: Any) -> None:
        from tqdm import tqdm

        if progress.stage != self.stage:
            self.close()
            self.stage = progress.stage
            fit = progress.stage == "fit"
            self.bar = tqdm(
                total=progress.total,
                desc=_("fitting: ABC-SMC generations") if fit else _("checking the fit: runs"),
                bar_format=BAR_FORMAT,
                disable=not self.enabled,
            )
        self.bar.update(progress.done - self.bar.n)
        if progress.simulations:
            self.bar.set_postfix_str(
                _("{simulations} simulations").format(simulations=f"{progress.simulations:,}")
            )

    def close(self) -> None:
        """Close the bar on screen; a fit that stopped early (its threshold reached)
        ends its bar full: its work is done."""
        if self.bar is not None:
            if self.stage == "fit" and self.bar.n < self.bar.total:
                self.bar.total = self.bar.n
                self.bar.refresh()
            self.bar.close()
            self.bar = None


def calibrate(args: argparse.Namespace) -> int:
    if args.config is None:
        raise ConfigError("calibrate: give the pilot's config (only --transactions goes without)")
    if args.until is not None:
        raise ConfigError("--until applies to --transactions only")
    require("calibration", "fission calibrate")  # before reading anything: fail fast
    from sim import terminal
    from sim.calibration import (
        calibrate_cascades,
        calibrate_daily,
        check_out,
        check_texts,
        load_calibration,
        read_cascades,
        read_pilot,
        write_fit,
    )

    if args.workers < 1:
        raise ConfigError(f"--workers {args.workers}: must be at least 1")
    overrides = dict(parse_assignment(a) for a in args.assignments)
    problem = load_calibration(args.config, overrides)
    out = args.out if args.out is not None else Path("fits") / problem.config.experiment.name
    check_out(out)
    days = problem.config.experiment.days
    bars = ProgressBars()
    try:
        if args.daily is not None:
            if args.min_size != 1:
                raise ConfigError("--min-size applies to --cascades only")
            fit = calibrate_daily(
                problem,
                read_pilot(args.daily, days),
                workers=args.workers,
                address=args.address,
                on_progress=bars,
            )
        else:
            cascades = read_cascades(args.cascades, args.min_size)
            fit = calibrate_cascades(
                problem,
                cascades,
                min_size=args.min_size,
                workers=args.workers,
                address=args.address,
                on_progress=bars,
            )
    finally:
        bars.close()
    write_fit(fit, out)
    print(
        _(
            "{name}: ABC-SMC on {kind}, {generations} generations, {simulations} simulations, "
            "final threshold {epsilon}, distance {distance}"
        ).format(
            name=problem.config.experiment.name,
            kind=_(KINDS.get(fit.kind, fit.kind)),
            generations=fit.generations,
            simulations=f"{fit.simulations:,}",
            epsilon=f"{fit.epsilon:.4g}",
            distance=f"{fit.distance:.4g}",
        )
    )
    header = [_("parameter"), _("estimate (median)"), _("90% low"), _("90% high")]
    rows = [
        [row.parameter, *(f"{v:.4g}" for v in (row.estimate, row.low, row.high))]
        for row in fit.table.itertuples(index=False)
    ]
    # keys=0: a parameter's key is never cut short
    print(terminal.table(header, rows, keys=0, right=[False, True, True, True]))
    for text in check_texts(fit):
        print(f"  {text}")
    print(
        _("Fit written to {out}/ (posterior.parquet, summary.json, report.html, ...)").format(
            out=out
        )
    )
    if args.workers > 1 or args.address is not None:
        print("  " + _("(parallel sampling: this fit is not bit-reproducible; --workers 1 is)"))
    return 0
