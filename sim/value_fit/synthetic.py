"""Orders drawn from BG/NBD and Gamma-Gamma with known parameters, for checking that a
fit recovers them (``scripts/make_orders.py`` writes ``data/transactions/orders.csv``).

Each customer is born (their first order) at a uniform time in the first
``birth_days``; while alive they buy at rate λ ~ Gamma(r, α) per day; after each repeat
order they drop out with probability p ~ Beta(a, b). Every order's value is
Gamma(spend_p, ν) yuan with ν ~ Gamma(spend_q, γ) per customer. Times are continuous
and the file keeps their day: two orders on one day become one transaction when read,
which at these rates (a few per hundred days) changes almost nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Truth:
    """The parameters orders are drawn with (days, yuan)."""

    r: float = 0.6
    alpha: float = 40.0  # days
    a: float = 0.8
    b: float = 3.0
    spend_p: float = 6.0
    spend_q: float = 4.0
    spend_gamma: float = 30.0  # yuan: mean order value pγ/(q−1) = 60 yuan

    def buying(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


def simulate_orders(
    customers: int,
    truth: Truth,
    start: dt.date,
    days: int,
    birth_days: int,
    *,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Orders of ``customers`` customers over ``days`` days from ``start``: a table of
    ``customer_id`` (``c0001``...), ``date`` (ISO text) and ``amount`` (yuan, to the fen),
    by date then customer."""
    rate = rng.gamma(truth.r, 1.0 / truth.alpha, customers)  # per day
    dropout = rng.beta(truth.a, truth.b, customers)
    spend_rate = rng.gamma(truth.spend_q, 1.0 / truth.spend_gamma, customers)
    birth = rng.uniform(0.0, birth_days, customers)
    width = len(str(customers))
    rows = []
    for i in range(customers):
        times = [birth[i]]
        t = birth[i]
        while True:
            t += rng.exponential(1.0 / rate[i])
            if t >= days:
                break
            times.append(t)
            if rng.random() < dropout[i]:
                break
        values = rng.gamma(truth.spend_p, 1.0 / spend_rate[i], len(times))
        name = f"c{i + 1:0{width}d}"
        rows += [(name, int(s), round(float(v), 2)) for s, v in zip(times, values, strict=True)]
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    frame = frame.sort_values(["day", "customer_id"], kind="stable").reset_index(drop=True)
    dates = [start + dt.timedelta(days=int(d)) for d in frame["day"]]
    frame["date"] = [d.isoformat() for d in dates]
    return frame[["customer_id", "date", "amount"]]
