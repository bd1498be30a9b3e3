"""A sweep, point by point: the mean and 90% interval of each compared outcome at every
(scenario, sweep point), so that results of different parameter values are never pooled
into one interval without saying so.

``point_table(runs, params)`` is the long table (one row per scenario, point and
outcome); ``wide_point_table`` the same with one row per (scenario, point), as
``sweep_points.csv`` and the Excel workbook hold it. Only saved tables are read: no
engine, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.compare import OUTCOMES

POINTS_FILE = "sweep_points.csv"  # written beside the tables of a study with a sweep
STATISTICS = ("mean", "p5", "p95")


def point_table(
    runs: pd.DataFrame, params: Sequence[str], outcomes: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per (scenario, point, outcome): the swept parameters' values at the
    point, ``mean``, ``p5`` and ``p95`` (the 5th and 95th percentile: the middle 90% of
    the point's runs, in the outcome's unit) over the runs where the outcome is defined,
    and ``runs`` (how many). Scenarios and points keep their design order; ``outcomes``
    defaults to the compared ones (``sim.compare.OUTCOMES``) these runs have."""
    params = [p for p in params if p in runs.columns]
    if outcomes is None:
        outcomes = [o for o in OUTCOMES if o in runs.columns]
    scenarios = list(dict.fromkeys(runs["scenario"]))
    rows = []
    for (scenario, point), part in runs.groupby(["scenario", "point"], sort=False):
        at = {p: part[p].iloc[0] for p in params}  # one value per point by construction
        for outcome in outcomes:
            values = part[outcome].astype(float).dropna()
            empty = values.empty
            rows.append(
                {
                    "scenario": scenario,
                    "point": int(point),
                    **at,
                    "outcome": outcome,
                    "mean": np.nan if empty else float(values.mean()),
                    "p5": np.nan if empty else float(values.quantile(0.05)),
                    "p95": np.nan if empty else float(values.quantile(0.95)),
                    "runs": int(values.size),
                }
            )
    columns = ["scenario", "point", *params, "outcome", *STATISTICS, "runs"]
    table = pd.DataFrame(rows, columns=columns)
    order = {s: i for i, s in enumerate(scenarios)}
    table = table.sort_values(
        ["scenario", "point"],
        key=lambda c: c.map(order) if c.name == "scenario" else c,
        kind="stable",
    )
    return table.reset_index(drop=True)


def wide_point_table(table: pd.DataFrame) -> pd.DataFrame:
    """``point_table`` with one row per (scenario, point): the parameters, ``runs`` (of
    the point) and ``<outcome> mean``, ``<outcome> p5``, ``<outcome> p95`` per outcome."""
    keys = list(table.columns[: list(table.columns).index("outcome")])
    outcomes = list(dict.fromkeys(table["outcome"]))
    base = table.drop_duplicates(["scenario", "point"])[keys].reset_index(drop=True)
    counts = table.groupby(["scenario", "point"], sort=False)["runs"].max().to_numpy()
    base["runs"] = counts
    for outcome in outcomes:
        part = table[table["outcome"] == outcome].reset_index(drop=True)
        for stat in STATISTICS:
            base[f"{outcome} {stat}"] = part[stat].to_numpy()
    return base
