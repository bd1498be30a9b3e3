"""Charts of chat groups that live and die (docs/model.md §4): the share of groups alive
week by week (the groups' survival curve, with its band over runs), the activity of a
sample of groups over time, and members joined by how they came.

Built from ``groups`` (groups.parquet: one row per run, group and week) and ``runs``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.charts.common import (
    BAND,
    ChartUnavailable,
    _escape,
    _layout,
    _scenarios,
    bold,
    hover,
    number,
    quantity,
    scenario_colors,
    scenario_order,
)
from sim.charts.value import _band, _bands
from sim.lang import N_, _

# Hints are English (marked for the catalogue); raise them translated: _(GROUPS_HINT).
GROUPS_HINT = N_(
    "This chart needs chat groups that live and die: set `lifecycle = true` in the "
    "config's [groups] section (with a `source`) and run the experiment again."
)
# Members joined by how they came: runs-table columns and their names, in bar order.
CHANNELS = {
    "joined_via_referral": N_("a friend's invitation"),
    "joined_external": N_("on their own (outside channel)"),
    "joined_store": N_("a store's QR code"),
}
SAMPLE_GROUPS = 8  # groups drawn in the activity chart, per scenario


def _need(groups: pd.DataFrame | None) -> pd.DataFrame:
    if groups is None or groups.empty:
        raise ChartUnavailable(_(GROUPS_HINT))
    return groups


def alive_share(groups: pd.DataFrame) -> pd.DataFrame:
    """Per run and week: the share of the run's groups alive at the week's end
    (columns run_id, scenario, day, alive)."""
    frame = groups.assign(scenario=_scenarios(groups))
    out = frame.groupby(["run_id", "scenario", "last_day"], sort=False)["alive"].mean()
    return out.rename("alive").reset_index().rename(columns={"last_day": "day"})


def group_survival(groups: pd.DataFrame | None, runs: pd.DataFrame) -> go.Figure:
    """The share of groups alive at each week's end, campaign and horizon: the median
    over runs and the 90% band, one curve per scenario."""
    share = alive_share(_need(groups))
    bands = _bands(share, "day", "alive")
    scenarios = [s for s in scenario_order(runs) if s in set(share["scenario"])]
    colors = scenario_colors(scenario_order(runs))
    fig = go.Figure()
    for s in scenarios:
        part = bands[bands["scenario"] == s]
        _band(
            fig,
            part,
            "day",
            s,
            colors[s],
            hover(
                _("{scenario}, {day}").format(scenario=bold(s), day=quantity("x", "day")),
                _("{share} of groups alive (median)").format(share=number("y", "share")),
                _("90% band {low} to {high}").format(
                    low=number("customdata[0]", "share"), high=number("customdata[1]", "share")
                ),
            ),
        )
    fig.update_xaxes(title_text=_("days since the campaign started (day)"), rangemode="tozero")
    fig.update_yaxes(title_text=_("groups alive (share)"), range=[0, 1.02], tickformat=".0%")
    return _layout(fig, _("Chat groups still alive (survival of groups)"), height=450)


def group_activity(
    groups: pd.DataFrame | None, runs: pd.DataFrame, sample: int = SAMPLE_GROUPS
) -> go.Figure:
    """Activity at each week's end of ``sample`` groups (evenly spaced numbers) of each
    scenario's first run, one panel per scenario; a dot where a group died."""
    groups = _need(groups).assign(scenario=lambda f: _scenarios(f))
    scenarios = [s for s in scenario_order(runs) if s in set(groups["scenario"])]
    fig = make_subplots(
        rows=len(scenarios),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[_escape(s) for s in scenarios],
        vertical_spacing=0.08,
    )
    colors = scenario_colors(scenario_order(runs))
    for row, s in enumerate(scenarios, start=1):
        part = groups[groups["scenario"] == s]
        run = part[part["run_id"] == part["run_id"].min()]
        numbers = np.unique(run["group"])
        chosen = numbers[np.linspace(0, numbers.size - 1, min(sample, numbers.size)).astype(int)]
        for g in np.unique(chosen):
            one = run[run["group"] == g].sort_values("week")
            fig.add_trace(
                go.Scatter(
                    x=one["last_day"],
                    y=one["activity"],
                    mode="lines",
                    line={"color": colors[s], "width": 1.2},
                    opacity=0.75,
                    showlegend=False,
                    hovertemplate=hover(
                        _("{scenario}, group {group}, {day}").format(
                            scenario=bold(s), group=g, day=quantity("x", "day")
                        ),
                        _("activity {activity}").format(activity="%{y:.2f}"),
                    ),
                ),
                row=row,
                col=1,
            )
            dead = one[~one["alive"].astype(bool)]
            if not dead.empty:
                first = dead.iloc[0]
                fig.add_trace(
                    go.Scatter(
                        x=[first["last_day"]],
                        y=[first["activity"]],
                        mode="markers",
                        marker={"color": colors[s], "symbol": "x", "size": 8},
                        showlegend=False,
                        hovertemplate=hover(
                            _("group {group}: dead by {day}").format(
                                group=g, day=quantity("x", "day")
                            )
                        ),
                    ),
                    row=row,
                    col=1,
                )
        fig.update_yaxes(title_text=_("activity (0-1)"), range=[0, 1.02], row=row, col=1)
    fig.update_xaxes(title_text=_("days since the campaign started (day)"), row=len(scenarios))
    return _layout(
        fig,
        _(
            "Activity of {sample} groups over time (one run per scenario; × where a group died)"
        ).format(sample=sample),
        height=220 * len(scenarios) + 120,
    )


def joins_by_channel(runs: pd.DataFrame) -> go.Figure:
    """Members joined by how they came (invitation, outside channel, a store's QR code):
    mean over runs per scenario, stacked, with the 90% band of the total."""
    present = [c for c in CHANNELS if c in runs.columns and runs[c].notna().any()]
    if not present:
        raise ChartUnavailable(_("These results have no join counts by channel."))
    scenarios = scenario_order(runs)
    names = _scenarios(runs)
    palette = ("#4C78A8", "#F58518", "#54A24B")
    fig = go.Figure()
    for column, color in zip(present, palette, strict=False):
        means = [
            float(runs.loc[names == s, column].astype(float).fillna(0).mean()) for s in scenarios
        ]
        fig.add_trace(
            go.Bar(
                x=[_escape(s) for s in scenarios],
                y=means,
                name=_(CHANNELS[column]),
                marker_color=color,
                hovertemplate=hover(
                    "<b>%{x}</b>",
                    _("{channel}: {n} (mean)").format(
                        channel=_(CHANNELS[column]), n=quantity("y", "people")
                    ),
                ),
            )
        )
    totals = [runs.loc[names == s, "joined"].astype(float) for s in scenarios]
    fig.add_trace(
        go.Scatter(
            x=[_escape(s) for s in scenarios],
            y=[t.mean() for t in totals],
            mode="markers",
            marker={"color": "black", "size": 1},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [t.quantile(BAND[1]) - t.mean() for t in totals],
                "arrayminus": [t.mean() - t.quantile(BAND[0]) for t in totals],
                "color": "black",
            },
            name=_("90% of runs (total)"),
            hovertemplate=hover(
                _("{scenario}: {n} joined in all (mean)").format(
                    scenario="<b>%{x}</b>", n=quantity("y", "people")
                )
            ),
        )
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=_("members joined (people)"))
    return _layout(fig, _("Members joined, by how they came"), height=450)
