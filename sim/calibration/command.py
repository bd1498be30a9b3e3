"""``fission calibrate``: validate everything, fit, print the table, write the folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.config import ConfigError, parse_assignment
from sim.extras import require
from sim.lang import _


def calibrate(args: argparse.Namespace) -> int:
    if args.config is None:
        raise ConfigError("calibrate: give the pilot's config (only --transactions goes without)")
    if args.until is not None:
        raise ConfigError("--until applies to --transactions only")
    require("calibration", "fission calibrate")  # before reading anything: fail fast
    from sim.calibration import (
        calibrate_cascades,
        calibrate_daily,
        check_out,
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
    if args.daily is not None:
        if args.min_size != 1:
            raise ConfigError("--min-size applies to --cascades only")
        fit = calibrate_daily(
            problem, read_pilot(args.daily, days), workers=args.workers, address=args.address
        )
    else:
        cascades = read_cascades(args.cascades, args.min_size)
        fit = calibrate_cascades(
            problem, cascades, min_size=args.min_size, workers=args.workers, address=args.address
        )
    write_fit(fit, out)
    print(
        _(
            "{name}: ABC-SMC on {kind}, {generations} generations, {simulations} simulations, "
            "final threshold {epsilon}, distance {distance}"
        ).format(
            name=problem.config.experiment.name,
            kind=fit.kind,
            generations=fit.generations,
            simulations=fit.simulations,
            epsilon=f"{fit.epsilon:.4g}",
            distance=f"{fit.distance:.4g}",
        )
    )
    table = fit.table[["parameter", "estimate", "low", "high"]].rename(
        columns={
            "parameter": _("parameter"),
            "estimate": _("estimate (median)"),
            "low": _("90% low"),
            "high": _("90% high"),
        }
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for key, value in fit.checks.items():
        print(f"  {key}: {value:.4g}")
    print(
        _("Fit written to {out}/ (posterior.parquet, summary.json, report.html, ...)").format(
            out=out
        )
    )
    if args.workers > 1 or args.address is not None:
        print("  " + _("(parallel sampling: this fit is not bit-reproducible; --workers 1 is)"))
    return 0
