"""Charts of what abuse and the platform do to a campaign (docs/model.md §14): the money
each design lost to fake accounts beside what reached genuine members, and the campaign's
survival against the platform (the share of runs not yet cut off, day by day).

Built from ``runs`` alone (the risk columns: ``fraud_loss``, ``cut_off_day``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.charts.common import (
    BAND,
    ChartUnavailable,
    _layout,
    _scenarios,
    bold,
    hover,
    number,
    quantity,
    scenario_colors,
    scenario_order,
)
from sim.lang import N_, _

# Hints are English (marked for the catalogue); raise them translated: _(FRAUD_HINT).
FRAUD_HINT = N_(
    "These results model no fake accounts: set `rate` in the config's [fraud] section (or "
    "`self_rate`, `ring_rate` in [collusion]) and run the experiment again."
)
PLATFORM_HINT = N_(
    "These results model no platform risk: set `base_hazard` or `share_hazard` in the "
    "config's [platform] section and run the experiment again."
)


def fraud_loss_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per scenario (in order): mean yuan of lures and rewards that reached genuine members
    (``genuine``), mean lost to fake accounts (``fraud``), and the 5th and 95th percentile
    of the loss over runs (``low``, ``high``). Scenarios without fake accounts count 0."""
    if "fraud_loss" not in runs.columns or runs["fraud_loss"].isna().all():
        raise ChartUnavailable(_(FRAUD_HINT))
    names = _scenarios(runs)
    loss = runs["fraud_loss"].astype(float).fillna(0.0)
    paid = runs["lure_cost"].astype(float) + runs["reward_cost"].astype(float)
    rows = []
    for s in scenario_order(runs):
        mine = names == s
        rows.append(
            {
                "scenario": s,
                "genuine": float((paid[mine] - loss[mine]).mean()),
                "fraud": float(loss[mine].mean()),
                "low": float(loss[mine].quantile(BAND[0])),
                "high": float(loss[mine].quantile(BAND[1])),
            }
        )
    return pd.DataFrame(rows)


def fraud_loss_by_design(runs: pd.DataFrame) -> go.Figure:
    """Money lost to fraud by design: each scenario's incentive money (lures and rewards,
    mean over runs) split into what reached genuine members and what fake accounts took,
    the loss's 90% band over runs as a whisker."""
    table = fraud_loss_table(runs)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=table["scenario"],
            y=table["genuine"],
            name=_("paid to genuine members"),
            marker_color="#9db4c0",
            hovertemplate=hover(
                "<b>%{x}</b>",
                _("{money} to genuine members (mean)").format(money=quantity("y", "yuan")),
            ),
        )
    )
    fig.add_trace(
        go.Bar(
            x=table["scenario"],
            y=table["fraud"],
            name=_("lost to fake accounts"),
            marker_color="#c0392b",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (table["high"] - table["fraud"]).to_numpy(),
                "arrayminus": (table["fraud"] - table["low"]).to_numpy(),
            },
            customdata=np.c_[table["low"], table["high"]],
            hovertemplate=hover(
                "<b>%{x}</b>",
                _("{money} lost to fraud (mean)").format(money=quantity("y", "yuan")),
                _("90% of runs: {low} to {high}").format(
                    low=number("customdata[0]", "yuan"), high=number("customdata[1]", "yuan")
                ),
            ),
        )
    )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=_("design (scenario)"))
    fig.update_yaxes(title_text=_("lures and rewards paid (yuan)"))
    return _layout(fig, _("Money lost to fraud, by design"), height=450)


def platform_survival_table(runs: pd.DataFrame, days: int) -> pd.DataFrame:
    """Per scenario and day 0 … ``days``: the share of runs the platform had not cut off
    by the end of that day (``surviving``). Every run is watched to the last day, so
    this is the plain share (no censoring)."""
    if "cut_off_day" not in runs.columns or "cut_off" not in runs.columns:
        raise ChartUnavailable(_(PLATFORM_HINT))
    names = _scenarios(runs)
    modelled = runs["cut_off"].notna()
    cut = runs["cut_off_day"].astype("Float64").fillna(np.inf).astype(float)
    frames = []
    day = np.arange(days + 1)
    for s in scenario_order(runs):
        mine = (names == s) & modelled
        if not mine.any():
            continue
        surviving = (cut[mine].to_numpy()[None, :] > day[:, None]).mean(axis=1)
        frames.append(pd.DataFrame({"scenario": s, "day": day, "surviving": surviving}))
    if not frames:
        raise ChartUnavailable(_(PLATFORM_HINT))
    return pd.concat(frames, ignore_index=True)


def platform_survival(runs: pd.DataFrame, days: int) -> go.Figure:
    """The campaign's survival against the platform: the share of runs still running
    (not cut off) at the end of each day, per design."""
    table = platform_survival_table(runs, days)
    colors = scenario_colors(scenario_order(runs))
    fig = go.Figure()
    for s, part in table.groupby("scenario", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["day"],
                y=part["surviving"],
                name=str(s),
                mode="lines",
                line={"shape": "hv", "color": colors[str(s)], "width": 2},
                hovertemplate=hover(
                    _("{scenario}, {day}").format(scenario=bold(str(s)), day=quantity("x", "day")),
                    _("{share} of runs not cut off").format(share=number("y", "share")),
                ),
            )
        )
    fig.update_xaxes(title_text=_("campaign day (day)"), range=[0, days])
    fig.update_yaxes(title_text=_("runs not cut off by the platform (share)"), range=[0, 1.02])
    return _layout(fig, _("The campaign against the platform (survival)"), height=450)
