"""What a campaign costs and what it brings, from the ``runs`` table: total cost against paying
members with the efficient frontier (``efficient_frontier``: the lowest cost for the most
paying members), and one outcome's spread over replicates as a box per scenario.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.charts.common import (
    _fmt,
    _layout,
    _scenarios,
    bold,
    hover,
    label,
    quantity,
    scenario_colors,
    scenario_order,
)
from sim.lang import _


def efficient_frontier(cost: Sequence[float], paying: Sequence[float]) -> np.ndarray:
    """Which points are efficient: no other point costs no more (yuan) and brings no
    fewer paying members (people) while being better on one of the two. Returns a
    boolean array aligned with the inputs; points with a missing value are never on it."""
    cost = np.asarray(cost, dtype=float)
    paying = np.asarray(paying, dtype=float)
    on = np.zeros(cost.size, dtype=bool)
    finite = np.flatnonzero(np.isfinite(cost) & np.isfinite(paying))
    order = finite[np.lexsort((-paying[finite], cost[finite]))]  # cheapest first, most paying
    best, last = -np.inf, None
    for i in order:
        if paying[i] > best or (last is not None and (cost[i], paying[i]) == last):
            on[i] = True
            best, last = paying[i], (cost[i], paying[i])
    return on


def cost_vs_paying(runs: pd.DataFrame) -> go.Figure:
    """Total cost (yuan) against paying members (people): each run a point, each
    scenario's mean a large marker, and the efficient frontier (lowest cost for the
    most paying members) drawn through the scenario means — or through all runs when
    there is only one scenario."""
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    names = _scenarios(runs)
    fig = go.Figure()
    for s in scenarios:
        part = runs[names == s]
        fig.add_trace(
            go.Scatter(
                x=part["total_cost"],
                y=part["paying"],
                mode="markers",
                name=s,
                legendgroup=s,
                marker={"color": colors[s], "size": 6, "opacity": 0.45},
                customdata=np.c_[part["run_id"], part["replicate"]],
                hovertemplate=hover(
                    _("{scenario}, run {id} (replicate {replicate})").format(
                        scenario=bold(s), id="%{customdata[0]}", replicate="%{customdata[1]}"
                    ),
                    *_cost_and_paying(),
                ),
            )
        )
    means = (
        pd.DataFrame({"s": names, "c": runs["total_cost"], "p": runs["paying"]})
        .groupby("s", sort=False)
        .agg(cost=("c", "mean"), paying=("p", "mean"), runs=("c", "size"))
        .reindex(scenarios)
    )
    fig.add_trace(
        go.Scatter(
            x=means["cost"],
            y=means["paying"],
            mode="markers",
            name=_("scenario mean"),
            text=list(means.index),
            customdata=means["runs"],
            marker={
                "color": [colors[s] for s in scenarios],
                "size": 16,
                "symbol": "diamond",
                "line": {"color": "black", "width": 1.5},
            },
            hovertemplate=hover(
                _("{scenario}: mean over {runs} runs").format(
                    scenario="<b>%{text}</b>", runs="%{customdata}"
                ),
                *_cost_and_paying(),
            ),
        )
    )
    if len(scenarios) > 1:
        cost, paying, text = means["cost"], means["paying"], list(means.index)
        basis = _("scenario means")
    else:
        cost, paying = runs["total_cost"], runs["paying"]
        text = [_("run {id}").format(id=i) for i in runs["run_id"]]
        basis = _("runs")
    on = efficient_frontier(cost, paying)
    order = np.argsort(np.asarray(cost, dtype=float)[on], kind="stable")
    fig.add_trace(
        go.Scatter(
            x=np.asarray(cost, dtype=float)[on][order],
            y=np.asarray(paying, dtype=float)[on][order],
            text=np.asarray(text, dtype=object)[on][order],
            mode="lines",
            name=_("efficient frontier ({basis})").format(basis=basis),
            line={"color": "black", "dash": "dash", "width": 1.5},
            hovertemplate=hover(
                _("on the efficient frontier: {name}").format(name="<b>%{text}</b>"),
                *_cost_and_paying(),
            ),
        )
    )
    fig.update_xaxes(title_text=_("total cost (yuan)"))
    fig.update_yaxes(title_text=_("paying members (people)"))
    title = _("Cost against paying members, with the efficient frontier")
    return _layout(fig, title, height=500)


def _cost_and_paying() -> tuple[str, str]:
    """Hover lines of a point of the cost-against-paying chart (x: yuan, y: people)."""
    return (
        _("total cost {cost}").format(cost=quantity("x", "yuan")),
        _("paying members {paying}").format(paying=quantity("y", "people")),
    )


def outcome_box(runs: pd.DataFrame, outcome: str) -> go.Figure:
    """One outcome's spread over runs as a box per scenario (the box's line is the
    median, the dashed line the mean); runs where it is empty are left out."""
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    names = _scenarios(runs)
    unit_fmt = _fmt(outcome)
    fig = go.Figure()
    for s in scenarios:
        values = runs.loc[names == s, outcome].astype(float).dropna()
        fig.add_trace(
            go.Box(
                y=values.to_numpy(),
                name=s,
                marker_color=colors[s],
                boxmean=True,
                boxpoints="outliers",
                hoverinfo="y+name",
                yhoverformat=unit_fmt,
            )
        )
    if outcome == "roi":
        fig.add_hline(y=0, line={"color": "grey", "dash": "dot", "width": 1})
    if unit_fmt.endswith("%"):  # shares and ROI read as percentages, ticks as the hover
        fig.update_yaxes(tickformat=".0%")
    fig.update_yaxes(title_text=label(outcome))
    fig.update_xaxes(title_text=_("scenario"))
    titles = {
        "roi": _("ROI by scenario: (margin − cost) ÷ cost, over replicates"),
        "cost_per_paying": _("Cost per paying member by scenario, over replicates"),
    }
    title = titles.get(outcome) or _("{outcome} by scenario, over replicates").format(
        outcome=label(outcome)
    )
    return _layout(fig, title, height=450, showlegend=False)
