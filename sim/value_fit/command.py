"""``fission calibrate --transactions orders.csv [CONFIG]``: read, check, fit, print the
table and the checks, write the folder. Everything is checked before the fit runs."""

from __future__ import annotations

import argparse
import datetime as dt

import pandas as pd

from sim.config import ConfigError, parse_assignment, read_with_overrides
from sim.value_fit.folder import DEFAULT_OUT, calibrated_config, check_out, write_value_fit
from sim.value_fit.mle import LEVEL
from sim.value_fit.orders import read_orders, summarise
from sim.value_fit.result import fit_customers


def calibrate_transactions(args: argparse.Namespace) -> int:
    if args.min_size != 1:
        raise ConfigError("--min-size applies to --cascades only")
    if args.workers != 1 or args.address is not None:
        raise ConfigError("--workers and --address apply to --daily and --cascades only")
    until = _date(args.until)
    config = None
    if args.config is not None:
        overrides = dict(parse_assignment(a) for a in args.assignments)
        data, base_dir = read_with_overrides(args.config, overrides)
        _validate(data, base_dir)
        config = (data, base_dir)
    elif args.assignments:
        raise ConfigError("--set changes a config: give one after the orders file")
    out = check_out(args.out if args.out is not None else DEFAULT_OUT)
    customers = summarise(read_orders(args.transactions), until)
    fit = fit_customers(customers, str(args.transactions))
    calibrated = None
    if config is not None:
        calibrated = calibrated_config(config[0], config[1], fit)
        _validate(calibrated, config[1])
    note = (
        f"{args.config} with [value] and behaviour.revenue_per_order fitted by\n"
        f"`fission calibrate --transactions {args.transactions}` (value.toml and fit.json "
        "beside this file)."
    )
    write_value_fit(fit, out, calibrated, note)

    c = customers
    late = f", {c.late_customers:,} first buying after it left out" if c.late_customers else ""
    print(
        f"{args.transactions}: {len(c.x):,} customers, {c.transactions:,} transactions "
        f"({c.rows:,} orders), {c.start} to {c.until}{late}; BG/NBD and "
        f"{'Gamma-Gamma' if fit.spend is not None else 'fixed spend'}, maximum likelihood"
    )
    band = f"{LEVEL:.0%}"
    table = pd.DataFrame(
        [(e.name, e.value, e.low, e.high, e.unit) for e in fit.estimates()],
        columns=["parameter", "estimate", f"{band} low", f"{band} high", "unit"],
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"  ({band} intervals: Wald on the log scale from the inverse Hessian; days, yuan)")
    for line in fit.checks():
        print(f"  {line}")
    files = ["value.toml", "fit.json"] + (["calibrated.toml"] if calibrated else [])
    print(f"Fit written to {out}/ ({', '.join(files)})")
    return 0


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--until {text}: not an ISO date (YYYY-MM-DD)") from None


def _validate(data: dict, base_dir: str) -> None:
    """The calibrated config as ``fission run`` reads it."""
    from sim.study import parse_study

    parse_study(data, base_dir)
