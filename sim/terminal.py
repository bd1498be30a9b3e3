"""What ``fission run`` prints: the summary of one scenario, the comparison of several and
the sweep point by point, as plain-text tables that fit ``WIDTH`` columns.

Widths are display widths (``display_width``): a Chinese character takes two columns in
a terminal, so names like "优惠券 10" line up. A table wider than ``WIDTH`` is cut into
blocks of columns, each repeating the key columns (scenario, point). Numbers are
formatted by their declared unit (``sim.units``), texts are in the current language
(``sim.lang``). Functions return text; the caller prints it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim import units
from sim.compare import OUTCOMES
from sim.lang import _
from sim.results import SUMMARY_METRICS

WIDTH = 100  # columns a table may take
GAP = "  "  # between columns
KEY_WIDTH = 30  # a longer scenario name is cut, so that outcomes still fit beside it
MAX_POINT_ROWS = 40  # rows of the sweep table printed; the file holds them all


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for wide and full-width characters (CJK),
    0 for combining marks, 1 otherwise."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` display columns (right-aligned if asked)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` display columns, "…" marking a cut."""
    if display_width(text) <= width:
        return text
    out = ""
    for char in text:
        if display_width(out + char) > width - 1:
            break
        out += char
    return out + "…"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    keys: int = 1,
    width: int = WIDTH,
    right: Sequence[bool] | None = None,
) -> str:
    """A plain-text table that fits ``width`` columns: when the columns do not fit side by
    side they are cut into blocks, one under the other, each starting with the first
    ``keys`` columns. ``right`` says which columns are right-aligned (numbers)."""
    right = list(right) if right is not None else [False] * keys + [True] * (len(header) - keys)
    rows = [
        [clip(str(c), KEY_WIDTH) if i < keys else str(c) for i, c in enumerate(r)] for r in rows
    ]
    widths = [
        max(display_width(str(c)) for c in [header[i], *(r[i] for r in rows)])
        for i in range(len(header))
    ]
    key_width = sum(widths[:keys]) + len(GAP) * keys
    blocks: list[list[int]] = []
    block: list[int] = []
    used = key_width
    for i in range(keys, len(header)):
        if block and used + widths[i] > width:
            blocks.append(block)
            block, used = [], key_width
        block.append(i)
        used += widths[i] + len(GAP)
    blocks.append(block)
    out = []
    for block in blocks:
        cols = list(range(keys)) + block
        lines = [
            GAP.join(pad(str(header[c]), widths[c], right=right[c]) for c in cols).rstrip(),
            *(
                GAP.join(pad(str(r[c]), widths[c], right=right[c]) for c in cols).rstrip()
                for r in rows
            ),
        ]
        out.append("\n".join(lines))
    return "\n\n".join(out)


# --------------------------------------------------------------------- one scenario


def summary_text(runs: pd.DataFrame, config: dict | None = None) -> str:
    """One scenario's outcomes, one per row with its unit: the mean and the middle 90% of
    runs; then the budget (in how many runs it ran out, on which day on average), KOL
    fees when they push the total past the budget, and what the starters brought."""
    rows = []
    for metric in SUMMARY_METRICS:
        if metric == "budget_exhausted_day" or metric not in runs.columns:
            continue  # said in words below
        values = runs[metric].astype(float).dropna()
        unit = units.unit_of(metric)
        name = units.name(metric)
        if values.empty:
            rows.append([name, units.UNDEFINED, "", _runs_of(0, len(runs))])
            continue
        low, high = values.quantile(0.05), values.quantile(0.95)
        span = f"{units.number(low, unit)} – {units.number(high, unit)}"
        note = "" if len(values) == len(runs) else _runs_of(len(values), len(runs))
        rows.append([name, units.quantity(values.mean(), unit), span, note])
    header = [_("outcome"), _("mean"), _("90% of runs"), ""]
    lines = [table(header, rows, right=[False, True, True, False])]
    lines.extend(budget_lines(runs, config))
    starters = starters_line(runs)
    if starters:
        lines.append(starters)
    return "\n".join(lines)


def budget_lines(runs: pd.DataFrame, config: dict | None = None) -> list[str]:
    """The budget in words: how many runs ran out and on which day on average; KOL fees
    named as outside the budget when the total cost exceeds it."""
    budget = ((config or {}).get("reward") or {}).get("budget")
    lines = []
    if "budget_exhausted_day" in runs.columns:
        days = runs["budget_exhausted_day"].astype(float).dropna()
        if budget is None:
            lines.append(_("budget: unlimited"))
        elif days.empty:
            lines.append(
                _("budget: {budget} yuan, lasted in every run").format(
                    budget=units.number(float(budget), "yuan")
                )
            )
        else:
            lines.append(
                _(
                    "budget: {budget} yuan, ran out in {out} of {runs} runs, "
                    "on day {day} on average"
                ).format(
                    budget=units.number(float(budget), "yuan"),
                    out=len(days),
                    runs=len(runs),
                    day=units.number(days.mean(), "day"),
                )
            )
    if budget is not None and "kol_cost" in runs.columns:
        fees = float(runs["kol_cost"].mean())
        over = int((runs["total_cost"] > float(budget)).sum())
        if fees > 0 and over > 0:
            lines.append(
                _(
                    "KOL fees: {fees} yuan per run, paid outside the budget (total cost is "
                    "over it in {over} of {runs} runs)"
                ).format(fees=units.number(fees, "yuan"), over=over, runs=len(runs))
            )
    return lines


def starters_line(runs: pd.DataFrame) -> str:
    """What one seed user and one KOL brought in on average (empty without the columns)."""
    parts = []
    phrases = (("k_seeds", _("a seed user {k}")), ("k_kols", _("a KOL {k}")))
    for column, phrase in phrases:
        if column in runs.columns and runs[column].notna().any():
            k = units.number(float(runs[column].mean()), "people per member")
            parts.append(phrase.format(k=k))
    if not parts:
        return ""
    return _("starters: people brought in, on average: {list}").format(list=_(", ").join(parts))


def _runs_of(some: int, runs: int) -> str:
    return _("{some} of {runs} runs").format(some=some, runs=runs)


# ------------------------------------------------------------------ several scenarios


def comparison_text(compared: pd.DataFrame, *, width: int = WIDTH) -> str:
    """The comparison (``sim.compare.compare``) as a table: "mean [5th, 95th]" per
    outcome with its unit in the heading, ``*`` the best, ``~`` not distinguishable."""
    outcomes = list(dict.fromkeys(compared["outcome"]))
    scenarios = list(dict.fromkeys(compared["scenario"]))
    keyed = compared.set_index(["scenario", "outcome"])
    rows = []
    for s in scenarios:
        row = [str(s)]
        for o in outcomes:
            r = keyed.loc[(s, o)]
            mark = "*" if r["best"] else ("~" if r["indistinct"] else " ")
            row.append(units.interval(r["mean"], r["p5"], r["p95"], units.unit_of(o)) + mark)
        rows.append(row)
    header = [_("scenario"), *(units.heading(o) for o in outcomes)]
    legend = _(
        "mean [5th, 95th percentile] over runs. * best; ~ not distinguishable from the best\n"
        "(paired test, 95%). Total cost is shown, not ranked: a cost alone is no decision."
    )
    return table(header, rows, width=width) + "\n" + legend


# ------------------------------------------------------------------------- a sweep


def points_text(points: pd.DataFrame, *, width: int = WIDTH, file: str = "") -> str:
    """The sweep point by point (``sim.points.point_table``): one row per scenario and
    point with the swept values, "mean [5th, 95th]" of each outcome and the runs."""
    columns = list(points.columns)
    params = columns[columns.index("point") + 1 : columns.index("outcome")]
    outcomes = [o for o in dict.fromkeys(points["outcome"]) if OUTCOMES.get(o, True) is not None]
    outcomes += [o for o in dict.fromkeys(points["outcome"]) if o not in outcomes]
    several = points["scenario"].nunique() > 1
    keyed = points.set_index(["scenario", "point", "outcome"])
    rows = []
    for (s, p), part in points.groupby(["scenario", "point"], sort=False):
        row = [str(s)] if several else []
        row += [str(p), *(_param_text(part[k].iloc[0]) for k in params)]
        row.append(str(int(part["runs"].max())))
        for o in outcomes:
            r = keyed.loc[(s, p, o)]
            row.append(units.interval(r["mean"], r["p5"], r["p95"], units.unit_of(o)))
        rows.append(row)
    keys = (1 if several else 0) + 1 + len(params)
    header = ([_("scenario")] if several else []) + [_("point"), *params, _("runs")]
    header += [units.heading(o) for o in outcomes]
    shown = rows[:MAX_POINT_ROWS]
    text = table(header, shown, keys=keys, width=width)
    if len(rows) > len(shown):
        more = _("… {count} more rows in {file}").format(count=len(rows) - len(shown), file=file)
        text += "\n" + more
    return text + "\n" + _("mean [5th, 95th percentile] over each point's runs")


def _param_text(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:,.4g}"
    return str(value)
