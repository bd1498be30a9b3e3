"""The cascade and who joined it: members, share of joins and K-factor by generation
(``generation_table``, from generations.parquet or members.parquet), and the segment mix
of joined members (``segment_table``: payer / convertible / junk).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from sim.charts.common import (
    GENERATIONS_HINT,
    MEMBERS_HINT,
    ChartUnavailable,
    _layout,
    _scenarios,
    bold,
    hover,
    number,
    scenario_colors,
    scenario_order,
)
from sim.lang import N_, _

# -------------------------------------------------------------------------- cascade


def generation_table(
    runs: pd.DataFrame,
    *,
    generations: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The cascade by generation per scenario, pooled over runs.

    From the per-run cascade table ``generations`` (generations.parquet: run_id,
    generation, members, k_factor) when given, else from ``members`` (members.parquet,
    for results written before generations.parquet existed). Columns: scenario,
    generation, ``members`` (people, mean per run; generation 0 holds seeds, KOLs and
    outside joiners), ``joins`` (people who joined, summed over runs), ``join_share``
    (share of the scenario's joins in this generation), ``k`` (people the generation
    brought in ÷ its members: the K-factor of that generation) and ``runs``.
    """
    if generations is not None:
        per_run = generations[["run_id", "generation", "members"]].copy()
        per_run["brought"] = (generations["k_factor"] * generations["members"]).round()
        external = runs.set_index("run_id")["joined_external"]
        per_run["joins"] = np.where(
            per_run["generation"] == 0,
            per_run["run_id"].map(external),
            per_run["members"],
        )
    elif members is not None:
        per_run = (
            members.assign(joins=(members["role"].astype(str) == "member").astype(int))
            .groupby(["run_id", "generation"], sort=True)
            .agg(members=("node", "size"), joins=("joins", "sum"), brought=("invites", "sum"))
            .reset_index()
        )
    else:
        raise ChartUnavailable(_(GENERATIONS_HINT))
    scenario = pd.Series(_scenarios(runs).to_numpy(), index=runs["run_id"])
    per_run["scenario"] = per_run["run_id"].map(scenario)
    n_runs = scenario.groupby(scenario, sort=False).size()
    pooled = (
        per_run.groupby(["scenario", "generation"], sort=False)[["members", "joins", "brought"]]
        .sum()
        .reset_index()
    )
    pooled["runs"] = pooled["scenario"].map(n_runs)
    total_joins = pooled.groupby("scenario")["joins"].transform("sum")
    pooled["join_share"] = np.where(total_joins > 0, pooled["joins"] / total_joins, np.nan)
    pooled["k"] = pooled["brought"] / pooled["members"]
    pooled["members"] = pooled["members"] / pooled["runs"]
    order = {s: i for i, s in enumerate(scenario_order(runs))}
    pooled = pooled.sort_values(
        ["scenario", "generation"], key=lambda c: c.map(order) if c.name == "scenario" else c
    )
    columns = ["scenario", "generation", "members", "joins", "join_share", "k", "runs"]
    return pooled[columns].reset_index(drop=True)


def generation_sizes(
    runs: pd.DataFrame,
    *,
    generations: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> go.Figure:
    """Members per generation (people, mean per run) by scenario, as grouped bars."""
    table = generation_table(runs, generations=generations, members=members)
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    fig = go.Figure()
    for s in scenarios:
        part = table[table["scenario"] == s]
        fig.add_trace(
            go.Bar(
                x=part["generation"],
                y=part["members"],
                name=s,
                marker_color=colors[s],
                customdata=part["runs"],
                hovertemplate=hover(
                    _("{scenario}, generation {g}").format(scenario=bold(s), g="%{x}"),
                    _("{n} members per run (mean over {runs} runs)").format(
                        n=number("y", "people"), runs="%{customdata}"
                    ),
                ),
            )
        )
    fig.update_xaxes(title_text=_("generation (0 = seeds, KOLs, outside joiners)"), dtick=1)
    fig.update_yaxes(title_text=_("members per run (people)"))
    title = _("Cascade: members in each generation")
    return _layout(fig, title, height=450, barmode="group")


# Stacked segments the share chart draws at most: generations past the last but one are
# drawn as one segment. A weak cascade on a big graph runs to 100 generations and more,
# which no one can tell apart in a stack (and each segment is a trace: about 2 ms to draw).
SHARE_SEGMENTS = 12


def generation_share(
    runs: pd.DataFrame,
    *,
    generations: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> go.Figure:
    """Share of each scenario's joins by generation (generation 0: outside channel),
    as stacked horizontal bars adding up to 1; generations from ``SHARE_SEGMENTS - 1`` on
    are one segment ("generation 11 and later")."""
    table = generation_table(runs, generations=generations, members=members)
    scenarios = scenario_order(runs)
    last = SHARE_SEGMENTS - 1  # the first generation of the pooled segment
    deeper = bool((table["generation"] > last).any())
    table = table.assign(segment=table["generation"].clip(upper=last))
    table = table.groupby(["scenario", "segment"], sort=False)[["joins", "join_share"]].sum(
        min_count=1
    )
    table = table.reset_index()
    segments = sorted(table["segment"].unique())
    palette = sample_colorscale(
        "Viridis", [i / max(len(segments) - 1, 1) for i in range(len(segments))]
    )
    fig = go.Figure()
    for g, color in zip(segments, palette, strict=True):
        part = table[table["segment"] == g].set_index("scenario").reindex(scenarios)
        name = _("generation {g}").format(g=g)
        if g == last and deeper:
            name = _("generation {g} and later").format(g=g)
        fig.add_trace(
            go.Bar(
                y=scenarios,
                x=part["join_share"].fillna(0.0),
                orientation="h",
                name=name,
                marker_color=color,
                customdata=part["joins"].fillna(0),
                hovertemplate=hover(
                    _("{scenario}, {generation}").format(scenario="<b>%{y}</b>", generation=name),
                    _("{share} of joins ({n} people over all runs)").format(
                        share=number("x", "share"), n=number("customdata", "people")
                    ),
                ),
            )
        )
    fig.update_xaxes(title_text=_("share of joins (share)"), range=[0, 1], tickformat=".0%")
    fig.update_yaxes(title_text=_("scenario"), autorange="reversed")
    height = max(160 + 40 * len(scenarios), 300)
    title = _("Cascade: share of joins by generation")
    return _layout(fig, title, height=height, barmode="stack")


def k_by_generation(
    runs: pd.DataFrame,
    *,
    generations: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> go.Figure:
    """The K-factor: people brought in per member. Left, ordinary members by generation
    (1, 2, …; generation g brought in g + 1), one line per scenario; right, what one seed
    user and one KOL brought in (``k_seeds``, ``k_kols`` of the runs), apart, because
    starters share far more and would flatten every other line. Above 1 the cascade
    grows."""
    table = generation_table(runs, generations=generations, members=members)
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    names = _scenarios(runs)
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.68, 0.32],
        horizontal_spacing=0.1,
        subplot_titles=[_("members, by generation"), _("starters (mean per starter)")],
    )
    for s in scenarios:
        part = table[(table["scenario"] == s) & (table["generation"] >= 1)]
        part = part[part["members"] > 0]
        fig.add_trace(
            go.Scatter(
                x=part["generation"],
                y=part["k"],
                mode="lines+markers",
                name=s,
                legendgroup=s,
                line={"color": colors[s]},
                customdata=part["members"],
                hovertemplate=hover(
                    _("{scenario}, generation {g}").format(scenario=bold(s), g="%{x}"),
                    _("K = {k} people brought in per member").format(
                        k=number("y", "people per member")
                    ),
                    _("({n} members per run)").format(n=number("customdata", "people")),
                ),
            ),
            row=1,
            col=1,
        )
    starters = (("k_seeds", _("per seed")), ("k_kols", _("per KOL")))
    kinds = [(c, t) for c, t in starters if c in runs]
    for s in scenarios:
        values = [float(runs.loc[names == s, c].astype(float).mean()) for c, _t in kinds]
        fig.add_trace(
            go.Bar(
                x=[t for _c, t in kinds],
                y=values,
                name=s,
                legendgroup=s,
                showlegend=False,
                marker_color=colors[s],
                hovertemplate=hover(
                    _("{scenario}: {k} people brought in {per}").format(
                        scenario=bold(s), k=number("y", "people per member"), per="%{x}"
                    )
                ),
            ),
            row=1,
            col=2,
        )
    fig.add_hline(y=1, line={"color": "grey", "dash": "dot", "width": 1}, row=1, col=1)
    fig.update_xaxes(
        title_text=_("generation (1 = invited by the starters)"), dtick=1, row=1, col=1
    )
    fig.update_yaxes(
        title_text=_("K (people brought in per member)"), rangemode="tozero", row=1, col=1
    )
    fig.update_yaxes(title_text=_("people brought in per starter"), row=1, col=2)
    return _layout(
        fig,
        _("Cascade: K-factor, members by generation and starters apart"),
        height=450,
        barmode="group",
    )


# ------------------------------------------------------------------- member quality

SEGMENTS = ("payer", "convertible", "junk")
SEGMENT_COLORS = {"payer": "#2a9d8f", "convertible": "#8ab6d6", "junk": "#c4c4c4"}
# The segments in the planner's words (the 271 rule, domain.md §2), for legends.
SEGMENT_NAMES = {"payer": N_("payer"), "convertible": N_("convertible"), "junk": N_("junk")}


def segment_table(runs: pd.DataFrame, *, members: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who joined, by segment, per scenario: ``people`` (summed over runs),
    ``per_run`` (people, mean per run) and ``share`` of the scenario's joined members.
    From the runs' ``joined_payer``/``joined_convertible``/``joined_junk`` columns, or
    from ``members`` for results written before those columns existed."""
    names = _scenarios(runs)
    columns = [f"joined_{seg}" for seg in SEGMENTS]
    if all(c in runs.columns for c in columns):
        counts = runs[columns].set_axis(list(SEGMENTS), axis=1).groupby(names, sort=False).sum()
    elif members is not None:
        joined = members[members["role"].astype(str) == "member"]
        scenario = pd.Series(names.to_numpy(), index=runs["run_id"])
        counts = (
            pd.crosstab(joined["run_id"].map(scenario), joined["segment"].astype(str))
            .reindex(columns=list(SEGMENTS), fill_value=0)
            .reindex(scenario_order(runs), fill_value=0)
        )
    else:
        raise ChartUnavailable(_(MEMBERS_HINT))
    n_runs = names.groupby(names, sort=False).size()
    rows = []
    for s in scenario_order(runs):
        total = counts.loc[s].sum()
        for seg in SEGMENTS:
            people = int(counts.loc[s, seg])
            rows.append(
                {
                    "scenario": s,
                    "segment": seg,
                    "people": people,
                    "per_run": people / n_runs[s],
                    "share": people / total if total else np.nan,
                }
            )
    return pd.DataFrame(rows)


def segment_mix(runs: pd.DataFrame, *, members: pd.DataFrame | None = None) -> go.Figure:
    """Segment mix of joined members per scenario (payer / convertible / junk, the 271
    rule), as stacked horizontal bars adding up to 1."""
    table = segment_table(runs, members=members)
    scenarios = scenario_order(runs)
    fig = go.Figure()
    for seg in SEGMENTS:
        part = table[table["segment"] == seg].set_index("scenario").reindex(scenarios)
        fig.add_trace(
            go.Bar(
                y=scenarios,
                x=part["share"].fillna(0.0),
                orientation="h",
                name=_(SEGMENT_NAMES[seg]),
                marker_color=SEGMENT_COLORS[seg],
                customdata=part["per_run"],
                hovertemplate=hover(
                    _("{scenario}: {segment}").format(
                        scenario="<b>%{y}</b>", segment=_(SEGMENT_NAMES[seg])
                    ),
                    _("{share} of joined members").format(share=number("x", "share")),
                    _("{n} people per run (mean)").format(n=number("customdata", "people")),
                ),
            )
        )
    fig.update_xaxes(
        title_text=_("share of joined members (share)"), range=[0, 1], tickformat=".0%"
    )
    fig.update_yaxes(title_text=_("scenario"), autorange="reversed")
    height = max(160 + 40 * len(scenarios), 300)
    title = _("Member quality: who joined, by segment")
    return _layout(fig, title, height=height, barmode="stack")
