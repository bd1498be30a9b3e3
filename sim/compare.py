"""Scenarios side by side: mean and 90% interval of each outcome, the best per outcome,
and whether each scenario's difference from the best is distinguishable from noise.

Only outcomes with a declared direction (``Output.better``) have a best; costs are
shown beside them unranked (``Output.context``: total cost, owner and activity costs).
An outcome that is undefined in a run (cost per paying member with nobody paying or
nothing spent) is left out of that run's numbers, never counted as zero.

Scenarios run on common random numbers (replicate r of every scenario uses the same
seed), so differences are paired by (sweep point, replicate): the paired difference's
95% t-interval excluding zero means the difference is real at the replicates run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.registry import compared_outcomes

# Outcome: True when more is better, False when less is, None when it is not ranked (the
# declarations' ``better``, sim.registry).
OUTCOMES: dict[str, bool | None] = {
    o.name: None if o.better is None else o.better == "more" for o in compared_outcomes()
}
UNDEFINED = "–"  # how a number that does not exist is shown
CONFIDENCE = 0.95


def paired_interval(diff: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Two-sided t-interval of the mean of paired differences (NaN pairs dropped)."""
    diff = diff[np.isfinite(diff)]
    if diff.size == 0:
        return (np.nan, np.nan)
    mean = float(diff.mean())
    if diff.size < 2:
        return (-np.inf, np.inf)
    se = float(diff.std(ddof=1)) / np.sqrt(diff.size)
    from scipy import stats  # about a second to import: only when a comparison needs it

    half = float(stats.t.ppf(0.5 + confidence / 2, diff.size - 1)) * se
    return (mean - half, mean + half)


def compare(runs: pd.DataFrame, outcomes: dict[str, bool | None] | None = None) -> pd.DataFrame:
    """The comparison table: one row per (scenario, outcome).

    Columns: mean, p5, p95 (the 90% interval over the runs where the outcome is
    defined), runs (how many), best (this scenario has the best mean; never on an
    outcome whose direction is None), diff (mean paired difference from the best),
    diff_low/diff_high (its 95% interval) and indistinct (the difference from the best
    is not distinguishable from noise at the replicates run; False for the best itself).
    """
    if outcomes is None:  # those of the declared outcomes these runs have
        outcomes = {name: more for name, more in OUTCOMES.items() if name in runs}
    scenarios = list(dict.fromkeys(runs["scenario"]))
    keyed = runs.set_index(["scenario", "point", "replicate"]).sort_index()
    rows = []
    for outcome, higher in outcomes.items():
        values = {s: keyed.loc[s, outcome].astype(float) for s in scenarios}
        means = {s: float(v.mean()) if v.notna().any() else np.nan for s, v in values.items()}
        ranked = [s for s in scenarios if np.isfinite(means[s])]
        best = None
        if ranked and higher is not None:
            best = (max if higher else min)(ranked, key=lambda s: means[s])
        for s in scenarios:
            v = values[s].dropna()
            row = {
                "scenario": s,
                "outcome": outcome,
                "mean": means[s],
                "p5": float(v.quantile(0.05)) if len(v) else np.nan,
                "p95": float(v.quantile(0.95)) if len(v) else np.nan,
                "runs": len(v),
                "best": s == best,
                "diff": np.nan,
                "diff_low": np.nan,
                "diff_high": np.nan,
                "indistinct": False,
            }
            if best is not None and s != best:
                paired = values[s].to_frame("a").join(values[best].to_frame("b"), how="inner")
                diff = (paired["a"] - paired["b"]).to_numpy()
                low, high = paired_interval(diff)
                row.update(
                    diff=float(np.nanmean(diff)) if np.isfinite(diff).any() else np.nan,
                    diff_low=low,
                    diff_high=high,
                    indistinct=bool(low <= 0 <= high),  # False when nothing to pair
                )
            rows.append(row)
    return pd.DataFrame(rows)


def format_comparison(table: pd.DataFrame) -> str:
    """A plain-text table for the terminal: 'mean [p5, p95]' per outcome, '*' marks the
    best scenario, '~' one not distinguishable from the best."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    cells: dict[str, list[str]] = {"scenario": scenarios}
    for outcome in outcomes:
        part = table[table["outcome"] == outcome].set_index("scenario")
        column = []
        for s in scenarios:
            r = part.loc[s]
            mark = "*" if r["best"] else ("~" if r["indistinct"] else " ")
            column.append(f"{format_interval(r['mean'], r['p5'], r['p95'])}{mark}")
        cells[outcome] = column
    frame = pd.DataFrame(cells)
    legend = "* best   ~ not distinguishable from the best (paired, 95%)   [5th, 95th percentile]"
    return frame.to_string(index=False) + "\n" + legend


def format_number(value: float) -> str:
    """A number as the comparison table shows it: thousands separators, 3 significant
    decimals below 1, "–" when undefined."""
    if not np.isfinite(value):
        return UNDEFINED
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.3f}"


def format_interval(mean: float, low: float, high: float) -> str:
    """ "mean [low, high]" as the comparison shows it; "–" alone when undefined."""
    if not np.isfinite(mean):
        return UNDEFINED
    return f"{format_number(mean)} [{format_number(low)}, {format_number(high)}]"
