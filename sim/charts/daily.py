"""Charts over the campaign's days, from the ``daily`` table: the median and 90% band of a
daily column over replicates (``daily_bands``), members joined over time, and the budget
burning down with the share of runs whose budget had run out by each day.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.charts.common import (
    BAND,
    ChartUnavailable,
    _escape,
    _layout,
    _rgba,
    _scenarios,
    bold,
    hover,
    number,
    quantity,
    scenario_colors,
    scenario_order,
)
from sim.lang import _


def daily_bands(daily: pd.DataFrame, column: str, band: tuple[float, float] = BAND) -> pd.DataFrame:
    """Per scenario and day: ``low``, ``median``, ``high`` (the band's quantiles over
    runs), ``mean`` and ``runs`` (how many non-empty values) of a daily column."""
    frame = pd.DataFrame(
        {"scenario": _scenarios(daily), "day": daily["day"], "v": daily[column].astype(float)}
    )
    grouped = frame.dropna(subset=["v"]).groupby(["scenario", "day"], sort=False)["v"]
    quantiles = grouped.quantile([band[0], 0.5, band[1]]).unstack()
    quantiles.columns = ["low", "median", "high"]
    out = quantiles.join(grouped.mean().rename("mean")).join(grouped.size().rename("runs"))
    return out.reset_index().sort_values(["scenario", "day"], kind="stable", ignore_index=True)


def _band_traces(
    fig: go.Figure,
    bands: pd.DataFrame,
    scenarios: Sequence[str],
    unit: str,
    row: int | None = None,
    col: int | None = None,
    *,
    unified: bool = False,
) -> None:
    """Each scenario's 90% band and median line; ``unified``: the hover box names the day
    once at its top (``hovermode="x unified"``), so each line does not repeat it."""
    colors = scenario_colors(scenarios)
    at = {"row": row, "col": col} if row is not None else {}
    for s in scenarios:
        part = bands[bands["scenario"] == s]
        if part.empty:
            continue
        color = colors[s]
        fig.add_trace(
            go.Scatter(
                x=part["day"],
                y=part["high"],
                mode="lines",
                line={"width": 0},
                legendgroup=s,
                showlegend=False,
                hoverinfo="skip",
                name=_("{scenario} 95th percentile").format(scenario=s),
            ),
            **at,
        )
        fig.add_trace(
            go.Scatter(
                x=part["day"],
                y=part["low"],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=_rgba(color, 0.18),
                legendgroup=s,
                showlegend=False,
                hoverinfo="skip",
                name=_("{scenario} 5th percentile").format(scenario=s),
            ),
            **at,
        )
        fig.add_trace(
            go.Scatter(
                x=part["day"],
                y=part["median"],
                mode="lines",
                line={"color": color, "width": 2},
                name=s,
                legendgroup=s,
                customdata=np.c_[part["low"], part["high"], part["runs"]],
                hovertemplate=hover(
                    bold(s)
                    if unified
                    else _("{scenario}, {day}").format(scenario=bold(s), day=quantity("x", "day")),
                    _("median {value}").format(value=quantity("y", unit)),
                    _("90% band {low} to {high}").format(
                        low=number("customdata[0]", unit), high=number("customdata[1]", unit)
                    ),
                    _("over {runs} runs").format(runs="%{customdata[2]}"),
                ),
            ),
            **at,
        )


# Overlaid bands stay readable up to this many scenarios; more get one panel each.
BANDS_AT_MOST = 3


def joins_over_time(daily: pd.DataFrame, *, cumulative: bool = True) -> go.Figure:
    """Members joined per day (``cumulative=False``: ``new_joins``) or so far
    (``cumulative_joined``) by scenario: median line and 90% band over runs. With more
    than ``BANDS_AT_MOST`` scenarios, one panel each (``joins_small_multiples``)."""
    column = "cumulative_joined" if cumulative else "new_joins"
    scenarios = scenario_order(daily)
    if len(scenarios) > BANDS_AT_MOST:
        return joins_small_multiples(daily, cumulative=cumulative)
    bands = daily_bands(daily, column)
    fig = go.Figure()
    _band_traces(fig, bands, scenarios, "people", unified=True)
    title = (
        _("Members joined so far: median and 90% band over replicates")
        if cumulative
        else _("New members per day: median and 90% band over replicates")
    )
    fig.update_xaxes(
        title_text=_("campaign day (day)"),
        unifiedhovertitle={"text": quantity("x", "day")},  # the day, in words
    )
    fig.update_yaxes(
        title_text=_("members joined (people)") if cumulative else _("new joins (people)")
    )
    return _layout(fig, title, height=450, hovermode="x unified")


def joins_small_multiples(
    daily: pd.DataFrame, *, cumulative: bool = True, columns: int = 3
) -> go.Figure:
    """One panel per scenario (shared axes): its median and 90% band, with the other
    scenarios' medians in light grey behind it for comparison."""
    column = "cumulative_joined" if cumulative else "new_joins"
    bands = daily_bands(daily, column)
    scenarios = scenario_order(daily)
    rows = -(-len(scenarios) // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=[_escape(s) for s in scenarios],
        horizontal_spacing=0.04,
        vertical_spacing=0.08,
    )
    for k, s in enumerate(scenarios):
        row, col = k // columns + 1, k % columns + 1
        for other in scenarios:
            if other == s:
                continue
            part = bands[bands["scenario"] == other]
            fig.add_trace(
                go.Scatter(
                    x=part["day"],
                    y=part["median"],
                    mode="lines",
                    line={"color": "#cccccc", "width": 1},
                    showlegend=False,
                    hoverinfo="skip",
                    name=other,
                ),
                row=row,
                col=col,
            )
        _band_traces(fig, bands, [s], "people", row, col)
    title = (
        _(
            "Members joined so far: median and 90% band over replicates, one panel per "
            "scenario (grey: the others)"
        )
        if cumulative
        else _(
            "New members per day: median and 90% band over replicates, one panel per "
            "scenario (grey: the others)"
        )
    )
    for col in range(1, columns + 1):
        fig.update_xaxes(title_text=_("campaign day (day)"), row=rows, col=col)
    for row in range(1, rows + 1):
        fig.update_yaxes(
            title_text=_("members joined (people)") if cumulative else _("new joins (people)"),
            row=row,
            col=1,
        )
    fig.update_layout(showlegend=False)
    return _layout(fig, title, height=260 * rows + 120)


def budget_burndown(daily: pd.DataFrame, runs: pd.DataFrame) -> go.Figure:
    """The budget left each day (yuan; median and 90% band over runs) above, and below
    the share of runs whose budget had run out by each day (``budget_exhausted_day``)."""
    if "budget_left" not in daily.columns or daily["budget_left"].isna().all():
        raise ChartUnavailable(_("The budget is unlimited in every run: nothing burns down."))
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.65, 0.35],
        vertical_spacing=0.08,
    )
    _band_traces(fig, daily_bands(daily, "budget_left"), scenarios, "yuan", 1, 1)
    days = np.arange(0, int(daily["day"].max()) + 1)
    names = _scenarios(runs)
    for s in scenarios:
        exhausted = runs.loc[names == s, "budget_exhausted_day"].astype(float)
        n = len(exhausted)
        out = exhausted.dropna().to_numpy()
        share = (out[None, :] <= days[:, None]).sum(axis=1) / max(n, 1)
        when = (
            _("median day {day}").format(day=f"{np.median(out):.0f}")
            if out.size
            else _("it never ran out")
        )
        fig.add_trace(
            go.Scatter(
                x=days,
                y=share,
                mode="lines",
                line={"color": colors[s], "shape": "hv", "width": 2},
                name=s,
                legendgroup=s,
                showlegend=False,
                hovertemplate=hover(
                    _("{scenario}, {day}: {share} of runs out of budget").format(
                        scenario=bold(s), day=quantity("x", "day"), share="%{y:.0%}"
                    ),
                    _("ran out in {out} of {runs} runs ({when})").format(
                        out=out.size, runs=n, when=when
                    ),
                ),
            ),
            row=2,
            col=1,
        )
    fig.update_yaxes(title_text=_("budget left (yuan)"), rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text=_("runs out of budget (share)"), range=[0, 1.05], row=2, col=1)
    fig.update_xaxes(title_text=_("campaign day (day)"), row=2, col=1)
    return _layout(fig, _("Budget burning down, and the day it ran out"), height=600)
