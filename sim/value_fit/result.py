"""A customer-value fit of an orders file: BG/NBD for buying, Gamma-Gamma for spend, the
checks of the fit against the data, and the ``[value]`` table a config uses.

Time is in days and money in yuan throughout (an orders file's amounts are read as
yuan). Orders do not say who is a payer and who a convertible, so the one BG/NBD fit
is written to both ``[value.payer]`` and ``[value.convertible]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sim.config import ConfigError
from sim.lang import N_
from sim.value_fit.likelihood import expected_purchases
from sim.value_fit.mle import LEVEL, Estimate, Z
from sim.value_fit.models import BgNbdFit, GammaGammaFit, fit_bg_nbd, fit_gamma_gamma
from sim.value_fit.orders import Customers

# Fewer customers with repeat orders than this and Gamma-Gamma's three parameters are
# not worth fitting: spend is then "fixed" at the mean value of an order.
MIN_SPEND_CUSTOMERS = 20
INTERVAL_METHOD = (
    f"{LEVEL:.0%} Wald interval on the log parameter (inverse Hessian of the "
    "log-likelihood at the maximum), mapped back; standard errors by the delta method"
)
ROLES = ("payer", "convertible")
ROLE_COMMENTS = {
    "payer": "buy-till-you-die of a payer, from the day they join",
    "convertible": "the same for a convertible after their first order",
}
SPEND_COMMENTS = {
    "spend_p": "Gamma-Gamma shape of an order's value",
    "spend_q": "Gamma-Gamma shape of customers' spend rates",
}


@dataclass(frozen=True)
class ValueFit:
    """BG/NBD and spend fitted to the customers of one orders file."""

    source: str
    customers: Customers
    buying: BgNbdFit  # alpha in days
    spend: GammaGammaFit | None  # None: too few repeat buyers, or no finite mean value
    revenue_per_order: Estimate  # yuan: pγ/(q−1), or the observed mean when spend is fixed
    spend_note: str = ""  # why spend is fixed

    @property
    def spend_model(self) -> str:
        return "gamma_gamma" if self.spend is not None else "fixed"

    def estimates(self) -> list[Estimate]:
        """Every estimate in days and yuan (spend's own three when Gamma-Gamma is used)."""
        rows = self.buying.estimates("days")
        if self.spend is not None:
            rows += self.spend.estimates("yuan")
        return [*rows, self.revenue_per_order]

    def holdout_expected(self) -> float:
        """Expected transactions after ``until`` up to the file's end: Σ over customers of
        E[X(T+τ)] − E[X(T)] (unconditional on their own past, so an honest check)."""
        c = self.customers
        params = self.buying.params
        tau = c.holdout_days
        grow = expected_purchases(c.age + tau, **params) - expected_purchases(c.age, **params)
        return float(grow.sum())

    def checks(self, say: Callable[[str], str] = str) -> list[str]:
        """One line per check of the fit: the optimiser, the intervals, and the model's
        expectations against the data (and the holdout when ``--until`` left one). In
        English (fit.json keeps them so); ``say=sim.lang._`` says them in the current
        language (the terminal)."""
        c = self.customers
        m = self.buying.maximum
        lines = [
            say(
                N_("maximum: {agreeing} of {starts} starts reached log-likelihood {ll} (days)")
            ).format(agreeing=m.agreeing, starts=m.starts, ll=f"{m.log_likelihood:,.2f}"),
            say(N_("intervals: Hessian positive definite"))
            if m.positive_definite
            else say(N_("intervals: Hessian not positive definite: no intervals for BG/NBD")),
            say(
                N_(
                    "repeat purchases up to {until}: observed {observed}, expected {expected} "
                    "(sum of E[X(T)])"
                )
            ).format(
                until=c.until,
                observed=f"{self.buying.repeat_purchases:,}",
                expected=f"{self.buying.expected_repeat_purchases:,.1f}",
            ),
            say(
                N_(
                    "customers with no repeat purchase: observed {observed}, expected "
                    "{expected} (sum of P(X(T) = 0))"
                )
            ).format(
                observed=f"{self.buying.no_repeat:,}",
                expected=f"{self.buying.expected_no_repeat:,.1f}",
            ),
        ]
        if m.at_bound:
            lines.append(
                say(N_("at the edge of the search: {names} (not identified)")).format(
                    names=", ".join(m.at_bound)
                )
            )
        if c.holdout_days > 0:
            n = len(c.x)
            se = float(np.std(c.holdout, ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
            lines.append(
                say(
                    N_(
                        "holdout {until} to {end} ({days} days): observed {observed} "
                        "transactions a customer (SE {se}), expected {expected}"
                    )
                ).format(
                    until=c.until,
                    end=c.end,
                    days=c.holdout_days,
                    observed=f"{c.holdout.mean():.4f}",
                    se=f"{se:.4f}",
                    expected=f"{self.holdout_expected() / n:.4f}",
                )
            )
        if self.spend is not None:
            sp = self.spend
            lines.append(
                say(
                    N_(
                        "mean repeat order value over {customers} repeat buyers: observed "
                        "{observed} yuan, model pγ/(q−1) {model}"
                    )
                ).format(
                    customers=f"{sp.customers:,}",
                    observed=f"{sp.observed_mean_value:.2f}",
                    model=f"{self.revenue_per_order.value:.2f}",
                )
            )
            lines.append(
                say(
                    N_(
                        "spend and frequency: correlation {r} (Gamma-Gamma assumes them "
                        "independent)"
                    )
                ).format(r=f"{sp.frequency_value_correlation:+.3f}")
            )
        else:
            lines.append(
                say(N_("spend: fixed at the mean order value ({why})")).format(why=self.spend_note)
            )
        return lines

    def value_table(self) -> dict[str, Any]:
        """The ``[value]`` table as plain data (estimates rounded to 6 significant digits)."""
        table: dict[str, Any] = {"model": "bg_nbd", "spend": self.spend_model}
        if self.spend is not None:
            p, q, _ = self.spend.maximum.values
            table["spend_p"] = _round(p)
            table["spend_q"] = _round(q)
        buying = {k: _round(v) for k, v in self.buying.params.items()}
        for role in ROLES:
            table[role] = dict(buying)
        return table

    def value_toml(self) -> str:
        """``value.toml``: the ``[value]`` tables and ``behaviour.revenue_per_order``, each
        estimate with its 90% interval and standard error in a comment."""
        c = self.customers
        table = self.value_table()
        lines = [
            f"# Customer value fitted by `fission calibrate --transactions` to {self.source}:",
            f"# {len(c.x):,} customers, {c.transactions:,} transactions "
            f"({self.buying.repeat_purchases:,} repeat), {c.start} to {c.until}.",
            "# Maximum likelihood (BG/NBD, Gamma-Gamma); comments give each estimate's "
            f"{LEVEL:.0%} interval",
            "# (Wald on the log scale, from the inverse Hessian) and standard error. Days, yuan.",
            "# Orders do not say who is a payer and who a convertible: both tables hold the",
            "# same fit.",
            "",
            "[value]",
            'model = "bg_nbd"',
            f'spend = "{self.spend_model}"'
            + ("" if self.spend is not None else f"  # {self.spend_note}"),
        ]
        if self.spend is not None:
            for key, name in (("spend_p", "p"), ("spend_q", "q")):
                estimate = self.spend.maximum.estimate(name)
                lines.append(
                    f"{key} = {_number(table[key])}  # {SPEND_COMMENTS[key]}; {_band(estimate)}"
                )
        for role in ROLES:
            lines += ["", f"[value.{role}]  # {ROLE_COMMENTS[role]}"]
            for estimate in self.buying.estimates("days"):
                unit = f"{estimate.unit}; " if estimate.unit else ""
                value = _number(table[role][estimate.name])
                lines.append(f"{estimate.name} = {value}  # {unit}{_band(estimate)}")
        rpo = self.revenue_per_order
        if self.spend is not None:
            why = [
                "# The mean value of an order, pγ/(q−1) of the Gamma-Gamma fit, yuan; the engine",
                "# sets Gamma-Gamma's γ so that its mean order value is this.",
            ]
        else:
            why = ["# The mean value of a repeat order in the file, yuan (spend is fixed)."]
        lines += [
            "",
            "[behaviour]",
            *why,
            f"revenue_per_order = {_number(_round(rpo.value, 2))}  # yuan; {_band(rpo)}",
        ]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """``fit.json``: estimates, standard errors, intervals, log-likelihoods, counts, the
        window and the checks."""
        c = self.customers

        def model(fit: BgNbdFit | GammaGammaFit, estimates: list[Estimate]) -> dict[str, Any]:
            m = fit.maximum
            return {
                "log_likelihood": m.log_likelihood,
                "customers": fit.customers,
                "starts": m.starts,
                "starts_at_maximum": m.agreeing,
                "at_bound": list(m.at_bound),
                "parameters": {e.name: _estimate_json(e) for e in estimates},
                "covariance_of_log_parameters": _finite(m.log_covariance.tolist()),
            }

        spend = None if self.spend is None else model(self.spend, self.spend.estimates("yuan"))
        return {
            "source": self.source,
            "time_unit": "days",
            "currency": "yuan",
            "interval": INTERVAL_METHOD,
            "window": {
                "first_order": str(c.start),
                "until": str(c.until),
                "last_order": str(c.end),
                "holdout_days": c.holdout_days,
            },
            "orders": c.rows,
            "customers": len(c.x),
            "customers_after_until": c.late_customers,
            "transactions": c.transactions,
            "repeat_transactions": self.buying.repeat_purchases,
            "holdout_transactions": int(c.holdout.sum()),
            "bg_nbd": model(self.buying, self.buying.estimates("days")),
            "spend": self.spend_model,
            "spend_note": self.spend_note,
            "gamma_gamma": spend,
            "revenue_per_order": _estimate_json(self.revenue_per_order),
            "checks": self.checks(),
        }


def fit_customers(customers: Customers, source: str = "") -> ValueFit:
    """Fit BG/NBD to every customer and Gamma-Gamma to those with repeat orders of
    positive mean value; spend is "fixed" when Gamma-Gamma cannot be used."""
    if customers.x.sum() == 0:
        raise ConfigError(
            f"{source}: no customer bought again by {customers.until}; BG/NBD needs "
            "repeat purchases"
        )
    buying = fit_bg_nbd(customers.x, customers.t_x, customers.age)
    repeat = (customers.x > 0) & (customers.mean_value > 0)
    spend, note = None, ""
    if repeat.sum() >= MIN_SPEND_CUSTOMERS:
        spend = fit_gamma_gamma(customers.x[repeat], customers.mean_value[repeat])
        q = spend.maximum.values[1]
        if q <= 1 or not spend.maximum.positive_definite:
            spend, note = None, "Gamma-Gamma fit has no finite mean order value (q <= 1)"
    else:
        note = f"fewer than {MIN_SPEND_CUSTOMERS} customers with repeat orders of value > 0"
    if spend is not None:
        revenue = replace(spend.mean_value("yuan"), name="revenue_per_order")
    else:
        revenue = _observed_mean(customers)
    return ValueFit(source, customers, buying, spend, revenue, note)


def _observed_mean(customers: Customers) -> Estimate:
    """The mean value of a repeat transaction (all of them weighted alike), with the
    normal interval of a mean; NaN when there is none."""
    x = customers.x
    has = x > 0
    values = np.repeat(customers.mean_value[has], x[has].astype(int))  # weights by count
    if len(values) == 0:
        return Estimate("revenue_per_order", 0.0, float("nan"), float("nan"), float("nan"), "yuan")
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    return Estimate("revenue_per_order", mean, se, mean - Z * se, mean + Z * se, "yuan")


def _round(value: float, digits: int | None = None) -> float:
    return round(float(value), digits) if digits is not None else float(f"{value:.6g}")


def _number(value: float) -> str:
    """A TOML float (always with a point or an exponent, so it reads back as a float)."""
    text = repr(float(value))
    return text if ("." in text or "e" in text or "n" in text) else text + ".0"


def _band(e: Estimate) -> str:
    if not math.isfinite(e.se):
        return "no interval (see fit.json)"
    return f"{LEVEL:.0%} {e.low:.4g} to {e.high:.4g} (SE {e.se:.3g})"


def _estimate_json(e: Estimate) -> dict[str, Any]:
    return {
        "estimate": e.value,
        "se": _finite(e.se),
        "low": _finite(e.low),
        "high": _finite(e.high),
        "unit": e.unit,
    }


def _finite(value: Any) -> Any:
    """NaN as null (JSON has no NaN), through lists."""
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value if not (isinstance(value, float) and not math.isfinite(value)) else None
