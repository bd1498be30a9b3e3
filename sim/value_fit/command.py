"""``fission calibrate --transactions orders.csv [CONFIG]``: read, check, fit, print the
table and the checks, write the folder. Everything is checked before the fit runs."""

from __future__ import annotations

import argparse
import datetime as dt

from sim import terminal, units
from sim.config import ConfigError, parse_assignment, read_with_overrides
from sim.lang import _
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
    late = (
        _(", {n} first buying after it left out").format(n=f"{c.late_customers:,}")
        if c.late_customers
        else ""
    )
    print(
        _(
            "{file}: {customers} customers, {transactions} transactions ({orders} orders), "
            "{start} to {until}{late}; BG/NBD and {spend}, maximum likelihood"
        ).format(
            file=args.transactions,
            customers=f"{len(c.x):,}",
            transactions=f"{c.transactions:,}",
            orders=f"{c.rows:,}",
            start=c.start,
            until=c.until,
            late=late,
            spend="Gamma-Gamma" if fit.spend is not None else _("fixed spend"),
        )
    )
    band = f"{LEVEL:.0%}"
    header = [
        _("parameter"),
        _("estimate"),
        _("{band} low").format(band=band),
        _("{band} high").format(band=band),
        _("unit"),
    ]
    rows = [
        [e.name, *(f"{v:.4g}" for v in (e.value, e.low, e.high)), units.shown_unit(e.unit)]
        for e in fit.estimates()
    ]
    print(terminal.table(header, rows, keys=0, right=[False, True, True, True, False]))
    print(
        "  "
        + _(
            "({band} intervals: Wald on the log scale from the inverse Hessian; days, yuan)"
        ).format(band=band)
    )
    for line in fit.checks(say=_):
        print(f"  {line}")
    files = ["value.toml", "fit.json"] + (["calibrated.toml"] if calibrated else [])
    print(_("Fit written to {out}/ ({files})").format(out=out, files=", ".join(files)))
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
