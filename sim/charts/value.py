"""Charts of what members are worth after the campaign (docs/model.md §8): the margin
earned so far against the cost (the payback curve), the share of members still alive
week by week (the survival curve), and value per member by how members came.

Built from ``daily`` (the campaign's days), ``weeks`` (the value horizon, weeks.parquet)
and ``runs``; each curve is the median over runs with its 90% band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim import units
from sim.charts.common import (
    BAND,
    ChartUnavailable,
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
from sim.lang import N_, _

HORIZON_HINT = N_(
    "This chart needs a value horizon: set `horizon_days` in the config's [value] section "
    "(say 365, a year of buying after the campaign) and run the experiment again."
)
# Value per member by how members came: the runs-table columns, in bar order.
SOURCES = {
    "clv_referral": N_("own value: referred"),
    "clv_outside": N_("own value: came on their own"),
    "social_value_seed": N_("brought by: seed users"),
    "social_value_kol": N_("brought by: KOLs"),
    "social_value_referral": N_("brought by: referred members"),
    "social_value_outside": N_("brought by: members who came on their own"),
}


def cumulative_margin(
    daily: pd.DataFrame, weeks: pd.DataFrame | None, gross_margin: float
) -> pd.DataFrame:
    """Per run, the undiscounted margin earned from day 1 to each campaign day and to
    each horizon week's last day: columns ``run_id``, ``scenario``, ``day``, ``margin``
    (yuan). A campaign day's margin is its revenue × the run's margin share: read off
    ``weeks`` where there is a horizon (``cumulative_margin − margin`` of week 1 is the
    campaign's), else ``gross_margin`` (the config's)."""
    campaign = daily[["run_id", "day", "revenue"]].copy()
    campaign["scenario"] = _scenarios(daily)
    campaign = campaign.sort_values(["run_id", "day"], kind="stable")
    revenue = campaign.groupby("run_id", sort=False)["revenue"].cumsum()
    share = pd.Series(gross_margin, index=campaign["run_id"].unique())
    if weeks is not None and not weeks.empty:
        first = weeks.sort_values(["run_id", "week"]).groupby("run_id").first()
        campaign_margin = first["cumulative_margin"] - first["margin"]
        total = campaign.groupby("run_id")["revenue"].sum()
        share = (campaign_margin / total.reindex(campaign_margin.index)).fillna(gross_margin)
    campaign["margin"] = revenue.to_numpy() * campaign["run_id"].map(share).to_numpy()
    frames = [campaign[["run_id", "scenario", "day", "margin"]]]
    if weeks is not None and not weeks.empty:
        horizon = pd.DataFrame(
            {
                "run_id": weeks["run_id"],
                "scenario": _scenarios(weeks),
                "day": weeks["last_day"],
                "margin": weeks["cumulative_margin"],
            }
        )
        frames.append(horizon)
    return pd.concat(frames, ignore_index=True).sort_values(["run_id", "day"], kind="stable")


def _bands(frame: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    grouped = frame.dropna(subset=[y]).groupby(["scenario", x], sort=False)[y]
    out = grouped.quantile([BAND[0], 0.5, BAND[1]]).unstack()
    out.columns = ["low", "median", "high"]
    return out.reset_index().sort_values(["scenario", x], kind="stable")


def _band(
    fig: go.Figure, part: pd.DataFrame, x: str, name: str, color: str, hovertemplate: str
) -> None:
    for edge, fill in (("high", None), ("low", "tonexty")):
        fig.add_trace(
            go.Scatter(
                x=part[x],
                y=part[edge],
                mode="lines",
                line={"width": 0},
                fill=fill,
                fillcolor=_rgba(color, 0.15) if fill else None,
                legendgroup=name,
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=part[x],
            y=part["median"],
            mode="lines",
            line={"color": color, "width": 2},
            name=name,
            legendgroup=name,
            customdata=np.c_[part["low"], part["high"]],
            hovertemplate=hovertemplate,
        )
    )


def payback_curve(
    daily: pd.DataFrame,
    weeks: pd.DataFrame | None,
    runs: pd.DataFrame,
    gross_margin: float,
) -> go.Figure:
    """Margin earned so far (median and 90% band over runs) against each scenario's mean
    total cost (dashed); a marker at the median payback day, with the 5th-95th
    percentile of payback days as its whisker (runs that never paid back left out).
    ``gross_margin``: the config's share of revenue kept, for results with no horizon."""
    curves = cumulative_margin(daily, weeks, gross_margin)
    bands = _bands(curves, "day", "margin")
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    names = _scenarios(runs)
    fig = go.Figure()
    last = float(curves["day"].max())
    for s in scenarios:
        part = bands[bands["scenario"] == s]
        if part.empty:
            continue
        color = colors[s]
        _band(
            fig,
            part,
            "day",
            s,
            color,
            hover(
                _("{scenario}, {day}").format(scenario=bold(s), day=quantity("x", "day")),
                _("margin so far {money} (median)").format(money=quantity("y", "yuan")),
                _("90% band {low} to {high}").format(
                    low=number("customdata[0]", "yuan"), high=number("customdata[1]", "yuan")
                ),
            ),
        )
        cost = float(runs.loc[names == s, "total_cost"].mean())
        fig.add_trace(
            go.Scatter(
                x=[0, last],
                y=[cost, cost],
                mode="lines",
                line={"color": color, "dash": "dash", "width": 1},
                legendgroup=s,
                showlegend=False,
                hovertemplate=hover(
                    _("{scenario}: total cost {cost} (mean)").format(
                        scenario=bold(s), cost=units.quantity(cost, "yuan")
                    )
                ),
            )
        )
        if "payback_day" not in runs.columns:
            continue
        days = runs.loc[names == s, "payback_day"].astype(float)
        paid = days.dropna()
        if paid.empty:
            continue
        low, median, high = paid.quantile([BAND[0], 0.5, BAND[1]])
        fig.add_trace(
            go.Scatter(
                x=[median],
                y=[cost],
                mode="markers",
                marker={"color": color, "size": 11, "symbol": "diamond"},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [high - median],
                    "arrayminus": [median - low],
                    "color": color,
                },
                legendgroup=s,
                showlegend=False,
                hovertemplate=hover(
                    _("{scenario}: paid back on day {day} (median)").format(
                        scenario=bold(s), day=f"{median:.0f}"
                    ),
                    _("90% of runs: day {low} to {high}").format(
                        low=f"{low:.0f}", high=f"{high:.0f}"
                    ),
                    _("{paid} of {runs} runs paid back").format(paid=len(paid), runs=len(days)),
                ),
            )
        )
    fig.update_xaxes(title_text=_("days since the campaign started (day)"), rangemode="tozero")
    fig.update_yaxes(title_text=_("margin earned so far (yuan)"), rangemode="tozero")
    return _layout(
        fig,
        _("Payback: margin earned so far against the cost (dashed), payback day (◆)"),
        height=480,
    )


def survival_curve(weeks: pd.DataFrame | None, runs: pd.DataFrame) -> go.Figure:
    """The share of joined members who may still buy, week by week after the campaign
    (median and 90% band over runs): junk members and cash hunters who left are never
    counted as alive."""
    if weeks is None or weeks.empty:
        raise ChartUnavailable(_(HORIZON_HINT))
    joined = runs.set_index("run_id")["joined"].astype(float)
    frame = pd.DataFrame(
        {
            "scenario": _scenarios(weeks),
            "day": weeks["last_day"],
            "alive": weeks["alive"] / weeks["run_id"].map(joined).replace(0, np.nan),
        }
    )
    bands = _bands(frame, "day", "alive")
    colors = scenario_colors(scenario_order(runs))
    fig = go.Figure()
    for s in scenario_order(runs):
        part = bands[bands["scenario"] == s]
        if not part.empty:
            _band(
                fig,
                part,
                "day",
                s,
                colors[s],
                hover(
                    _("{scenario}, {day}").format(scenario=bold(s), day=quantity("x", "day")),
                    _("{share} of joined members alive (median)").format(
                        share=number("y", "share")
                    ),
                    _("90% band {low} to {high}").format(
                        low=number("customdata[0]", "share"),
                        high=number("customdata[1]", "share"),
                    ),
                ),
            )
    fig.update_xaxes(title_text=_("days since the campaign started (day)"))
    fig.update_yaxes(title_text=_("joined members still alive (share)"), range=[0, 1.02])
    return _layout(fig, _("Members still buying after the campaign (survival)"), height=450)


def value_by_source(runs: pd.DataFrame) -> go.Figure:
    """Value per member by how members came: each group's own lifetime value, and the
    lifetime value of the people each group brought (social value, 社交价值); mean over
    runs with the 5th-95th percentile as whiskers."""
    present = [c for c in SOURCES if c in runs.columns and runs[c].notna().any()]
    if not present:
        raise ChartUnavailable(
            _(
                "These results have no value columns: run the experiment again with this "
                "version of Fission."
            )
        )
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    names = _scenarios(runs)
    fig = go.Figure()
    for s in scenarios:
        part = runs.loc[names == s, present].astype(float)
        mean = part.mean()
        low, high = part.quantile(BAND[0]), part.quantile(BAND[1])
        fig.add_trace(
            go.Bar(
                x=[_(SOURCES[c]) for c in present],
                y=mean.to_numpy(),
                name=s,
                marker_color=colors[s],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (high - mean).to_numpy(),
                    "arrayminus": (mean - low).to_numpy(),
                },
                customdata=np.c_[low.to_numpy(), high.to_numpy()],
                hovertemplate=hover(
                    _("{scenario}, {source}").format(scenario=bold(s), source="%{x}"),
                    _("{money} per member (mean)").format(money=quantity("y", "yuan per person")),
                    _("90% of runs: {low} to {high}").format(
                        low=number("customdata[0]", "yuan per person"),
                        high=number("customdata[1]", "yuan per person"),
                    ),
                ),
            )
        )
    fig.update_yaxes(title_text=_("discounted margin per member (yuan per person)"))
    fig.update_layout(barmode="group")
    return _layout(fig, _("Lifetime value per member, by how members came"), height=450)
