"""Figure builders: pure functions from Fission's saved tables to plotly figures.

The static report (``sim.report``) and the live app (``sim.app``) draw the same charts
with these functions. Each takes DataFrames shaped like the experiment's tables
(``runs``, ``daily``, ``members``, ``sensitivity``; docs/outputs.md defines every column)
and returns a ``plotly.graph_objects.Figure``; none reads files, runs a model or prints.
When a chart cannot be drawn from what it was given (no per-member table, an unlimited
budget, a referral tree too big to draw), the builder raises ``ChartUnavailable`` whose
message tells a planner what is missing and how to get it.

Conventions, shared by every chart:

* one colour per scenario (``scenario_colors``), in the order scenarios first appear;
* spread over replicates is the median and the 5th-95th percentile band (a 90% band);
* titles say what is shown, axis titles carry units (people, yuan, days, share, ratio),
  and hover text gives the numbers.

Building blocks that compute numbers (``daily_bands``, ``efficient_frontier``,
``generation_table``, ``segment_table``, ``local_linear``, ``tree_layout``) are public
too, so tests and the app can check or reuse the numbers behind a chart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative, sample_colorscale
from plotly.subplots import make_subplots

from sim.compare import format_number
from sim.experiment import SENSITIVITY_OUTCOMES

TEMPLATE = "plotly_white"
BAND = (0.05, 0.95)  # the 90% band over replicates
TREE_MAX_MEMBERS = 3000  # referral trees with more members are not drawn
SWEEP_OUTCOMES: tuple[str, ...] = SENSITIVITY_OUTCOMES
SEGMENTS = ("payer", "convertible", "junk")
SEGMENT_COLORS = {"payer": "#2a9d8f", "convertible": "#8ab6d6", "junk": "#c4c4c4"}
MEMBERS_HINT = (
    "This chart needs the per-member table (members.parquet). Set "
    "`write_members = true` in the config's [experiment] section (or add "
    "`--set experiment.write_members=true`) and run the experiment again."
)
GENERATIONS_HINT = (
    "This chart needs the cascade table (generations.parquet, written by every run of "
    "this version of Fission) or the per-member table (members.parquet). Run the "
    "experiment again to get it."
)

# Outcome -> (axis title with unit, d3 number format for hover text).
LABELS: dict[str, tuple[str, str]] = {
    "joined": ("members joined (people)", ",.0f"),
    "paying": ("paying members (people)", ",.0f"),
    "total_cost": ("total cost (yuan)", ",.0f"),
    "cost_per_paying": ("cost per paying member (yuan per person)", ",.2f"),
    "roi": ("ROI (ratio; 0 = break-even)", ",.2f"),
    "junk_share": ("junk share of joined (share)", ".3f"),
    "k_factor": ("K-factor (share)", ".3f"),
    "cac": ("cost per joined member (yuan per person)", ",.2f"),
    "revenue": ("revenue (yuan)", ",.0f"),
    "peak_day": ("peak day (day)", ".0f"),
    "budget_exhausted_day": ("day the budget ran out (day)", ".0f"),
}


# Outcome -> a short heading with its unit, for table columns and small panels.
SHORT_LABELS: dict[str, str] = {
    "joined": "joined (people)",
    "paying": "paying (people)",
    "total_cost": "total cost (yuan)",
    "cost_per_paying": "cost per paying (yuan)",
    "roi": "ROI (ratio)",
    "junk_share": "junk share",
    "k_factor": "K-factor",
}


class ChartUnavailable(ValueError):
    """A chart cannot be drawn from the tables given; the message says why and what to do."""


# ---------------------------------------------------------------------------- helpers


def label(outcome: str) -> str:
    """An outcome's axis title with its unit (the column name for unknown columns)."""
    return LABELS.get(outcome, (outcome, ""))[0]


def short_label(outcome: str) -> str:
    """A short heading with the unit, for table columns and small panels."""
    return SHORT_LABELS.get(outcome, label(outcome))


def _fmt(outcome: str) -> str:
    return LABELS.get(outcome, ("", ",.4g"))[1] or ",.4g"


def scenario_order(frame: pd.DataFrame) -> list[str]:
    """Scenario names in the order they first appear (``["base"]`` without the column)."""
    if "scenario" not in frame.columns:
        return ["base"]
    return [str(s) for s in dict.fromkeys(frame["scenario"])]


def _scenarios(frame: pd.DataFrame) -> pd.Series:
    if "scenario" not in frame.columns:
        return pd.Series("base", index=frame.index)
    return frame["scenario"].astype(str)


def scenario_colors(scenarios: Iterable[str]) -> dict[str, str]:
    """One colour per scenario, stable for a given order (plotly's palette, then Dark24)."""
    palette = list(qualitative.Plotly) + list(qualitative.Dark24)
    return {s: palette[i % len(palette)] for i, s in enumerate(scenarios)}


def _rgba(color: str, alpha: float) -> str:
    color = color.lstrip("#")
    r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _layout(fig: go.Figure, title: str, **kwargs: Any) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0.01, "xanchor": "left"},
        margin={"l": 70, "r": 20, "t": 60, "b": 60},
        hoverlabel={"namelength": -1},
        **kwargs,
    )
    return fig


# ---------------------------------------------------------------- comparison table


def comparison_cells(table: pd.DataFrame) -> pd.DataFrame:
    """The CLI's comparison table as cells: one row per (scenario, outcome) with
    ``text`` ("mean [p5, p95]" formatted as ``fission run`` prints it) and ``mark``
    ("best", "indistinct" — not distinguishable from the best — or "").

    ``table`` is ``sim.compare.compare(runs)`` (``Results.compare()``).
    """
    rows = []
    for r in table.itertuples(index=False):
        mark = "best" if r.best else ("indistinct" if r.indistinct else "")
        text = f"{format_number(r.mean)} [{format_number(r.p5)}, {format_number(r.p95)}]"
        rows.append({"scenario": r.scenario, "outcome": r.outcome, "text": text, "mark": mark})
    return pd.DataFrame(rows, columns=["scenario", "outcome", "text", "mark"])


def comparison_figure(table: pd.DataFrame) -> go.Figure:
    """The comparison table as a plotly Table: best cell per outcome in bold green with
    ``*``, cells not distinguishable from the best with ``~`` (as in the terminal)."""
    cells = comparison_cells(table)
    scenarios = list(dict.fromkeys(cells["scenario"]))
    outcomes = list(dict.fromkeys(cells["outcome"]))
    keyed = cells.set_index(["outcome", "scenario"])
    values, fills = [scenarios], [["#f7f7f7"] * len(scenarios)]
    for outcome in outcomes:
        column, fill = [], []
        for s in scenarios:
            text, mark = keyed.loc[(outcome, s), ["text", "mark"]]
            column.append(f"<b>{text} *</b>" if mark == "best" else text + (" ~" if mark else ""))
            fill.append("#d8f0e4" if mark == "best" else ("#eef5fb" if mark else "white"))
        values.append(column)
        fills.append(fill)
    fig = go.Figure(
        go.Table(
            header={"values": ["scenario"] + [short_label(o) for o in outcomes], "align": "left"},
            cells={"values": values, "fill_color": fills, "align": "left", "height": 26},
            columnwidth=[1.2] + [1.0] * len(outcomes),
        )
    )
    height = 150 + 32 * len(scenarios)
    title = "Scenarios compared: mean [5th, 95th percentile]; * best, ~ not distinguishable"
    fig = _layout(fig, title, height=height, width=1400)
    return fig.update_layout(margin={"l": 15, "r": 15, "t": 50, "b": 15})


# ------------------------------------------------------------------- joins over time


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
    fmt: str,
    row: int | None = None,
    col: int | None = None,
) -> None:
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
                name=f"{s} 95th percentile",
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
                name=f"{s} 5th percentile",
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
                hovertemplate=(
                    f"<b>{_escape(s)}</b>, day %{{x}}<br>median %{{y:{fmt}}} {unit}"
                    f"<br>90% band %{{customdata[0]:{fmt}}} to %{{customdata[1]:{fmt}}}"
                    "<br>over %{customdata[2]} runs<extra></extra>"
                ),
            ),
            **at,
        )


def _escape(text: str) -> str:
    """Text safe inside a plotly hovertemplate (no %{...} or HTML interpretation)."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("%", "&#37;")
    )


def joins_over_time(daily: pd.DataFrame, *, cumulative: bool = True) -> go.Figure:
    """Members joined per day (``cumulative=False``: ``new_joins``) or so far
    (``cumulative_joined``) by scenario: median line and 90% band over runs."""
    column = "cumulative_joined" if cumulative else "new_joins"
    bands = daily_bands(daily, column)
    fig = go.Figure()
    _band_traces(fig, bands, scenario_order(daily), "people", ",.0f")
    what = "Members joined so far" if cumulative else "New members per day"
    fig.update_xaxes(title_text="campaign day (day)")
    fig.update_yaxes(title_text=f"{'members joined' if cumulative else 'new joins'} (people)")
    return _layout(
        fig, f"{what}: median and 90% band over replicates", height=450, hovermode="x unified"
    )


# ------------------------------------------------------------ cost against paying


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
                hovertemplate=(
                    f"<b>{_escape(s)}</b> run %{{customdata[0]}} (replicate %{{customdata[1]}})"
                    "<br>cost %{x:,.0f} yuan<br>paying %{y:,.0f} people<extra></extra>"
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
            name="scenario mean",
            text=list(means.index),
            customdata=means["runs"],
            marker={
                "color": [colors[s] for s in scenarios],
                "size": 16,
                "symbol": "diamond",
                "line": {"color": "black", "width": 1.5},
            },
            hovertemplate=(
                "<b>%{text}</b> mean over %{customdata} runs<br>cost %{x:,.1f} yuan"
                "<br>paying %{y:,.1f} people<extra></extra>"
            ),
        )
    )
    if len(scenarios) > 1:
        cost, paying, text = means["cost"], means["paying"], list(means.index)
        basis = "scenario means"
    else:
        cost, paying = runs["total_cost"], runs["paying"]
        text = [f"run {i}" for i in runs["run_id"]]
        basis = "runs"
    on = efficient_frontier(cost, paying)
    order = np.argsort(np.asarray(cost, dtype=float)[on], kind="stable")
    fig.add_trace(
        go.Scatter(
            x=np.asarray(cost, dtype=float)[on][order],
            y=np.asarray(paying, dtype=float)[on][order],
            text=np.asarray(text, dtype=object)[on][order],
            mode="lines",
            name=f"efficient frontier ({basis})",
            line={"color": "black", "dash": "dash", "width": 1.5},
            hovertemplate=(
                "efficient: <b>%{text}</b><br>cost %{x:,.1f} yuan"
                "<br>paying %{y:,.1f} people<extra></extra>"
            ),
        )
    )
    fig.update_xaxes(title_text="total cost (yuan)")
    fig.update_yaxes(title_text="paying members (people)")
    return _layout(fig, "Cost against paying members, with the efficient frontier", height=500)


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
    fig.update_yaxes(title_text=label(outcome))
    fig.update_xaxes(title_text="scenario")
    title = {
        "roi": "ROI by scenario: (margin − cost) ÷ cost, over replicates",
        "cost_per_paying": "Cost per paying member by scenario, over replicates",
    }.get(outcome, f"{label(outcome)} by scenario, over replicates")
    return _layout(fig, title, height=450, showlegend=False)


# --------------------------------------------------------------------------- budget


def budget_burndown(daily: pd.DataFrame, runs: pd.DataFrame) -> go.Figure:
    """The budget left each day (yuan; median and 90% band over runs) above, and below
    the share of runs whose budget had run out by each day (``budget_exhausted_day``)."""
    if "budget_left" not in daily.columns or daily["budget_left"].isna().all():
        raise ChartUnavailable("The budget is unlimited in every run: nothing burns down.")
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.65, 0.35],
        vertical_spacing=0.08,
    )
    _band_traces(fig, daily_bands(daily, "budget_left"), scenarios, "yuan", ",.0f", 1, 1)
    days = np.arange(0, int(daily["day"].max()) + 1)
    names = _scenarios(runs)
    for s in scenarios:
        exhausted = runs.loc[names == s, "budget_exhausted_day"].astype(float)
        n = len(exhausted)
        out = exhausted.dropna().to_numpy()
        share = (out[None, :] <= days[:, None]).sum(axis=1) / max(n, 1)
        median = f"median day {np.median(out):.0f}" if out.size else "never"
        fig.add_trace(
            go.Scatter(
                x=days,
                y=share,
                mode="lines",
                line={"color": colors[s], "shape": "hv", "width": 2},
                name=s,
                legendgroup=s,
                showlegend=False,
                hovertemplate=(
                    f"<b>{_escape(s)}</b>, day %{{x}}: %{{y:.0%}} of runs out of budget"
                    f"<br>ran out in {out.size} of {n} runs ({median})<extra></extra>"
                ),
            ),
            row=2,
            col=1,
        )
    fig.update_yaxes(title_text="budget left (yuan)", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="runs out of budget (share)", range=[0, 1.05], row=2, col=1)
    fig.update_xaxes(title_text="campaign day (day)", row=2, col=1)
    return _layout(fig, "Budget burning down, and the day it ran out", height=600)


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
        raise ChartUnavailable(GENERATIONS_HINT)
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
                hovertemplate=(
                    f"<b>{_escape(s)}</b>, generation %{{x}}<br>%{{y:,.1f}} members per run"
                    " (mean over %{customdata} runs)<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title_text="generation (0 = seeds, KOLs, outside joiners)", dtick=1)
    fig.update_yaxes(title_text="members per run (people)")
    return _layout(fig, "Cascade: members in each generation", height=450, barmode="group")


def generation_share(
    runs: pd.DataFrame,
    *,
    generations: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> go.Figure:
    """Share of each scenario's joins by generation (generation 0: outside channel),
    as stacked horizontal bars adding up to 1."""
    table = generation_table(runs, generations=generations, members=members)
    scenarios = scenario_order(runs)
    gens = sorted(table["generation"].unique())
    palette = sample_colorscale("Viridis", [i / max(len(gens) - 1, 1) for i in range(len(gens))])
    fig = go.Figure()
    for g, color in zip(gens, palette, strict=True):
        part = table[table["generation"] == g].set_index("scenario").reindex(scenarios)
        fig.add_trace(
            go.Bar(
                y=scenarios,
                x=part["join_share"].fillna(0.0),
                orientation="h",
                name=f"generation {g}",
                marker_color=color,
                customdata=part["joins"].fillna(0),
                hovertemplate=(
                    f"<b>%{{y}}</b>, generation {g}<br>%{{x:.1%}} of joins"
                    " (%{customdata:,.0f} people over all runs)<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title_text="share of joins (share)", range=[0, 1], tickformat=".0%")
    fig.update_yaxes(title_text="scenario", autorange="reversed")
    height = max(160 + 40 * len(scenarios), 300)
    return _layout(fig, "Cascade: share of joins by generation", height=height, barmode="stack")


def k_by_generation(
    runs: pd.DataFrame,
    *,
    generations: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
) -> go.Figure:
    """K-factor of each generation by scenario: people a generation brought in ÷ its
    members (the next generation's size ÷ this one's). Above 1 the cascade grows."""
    table = generation_table(runs, generations=generations, members=members)
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    fig = go.Figure()
    for s in scenarios:
        part = table[table["scenario"] == s]
        fig.add_trace(
            go.Scatter(
                x=part["generation"],
                y=part["k"],
                mode="lines+markers",
                name=s,
                line={"color": colors[s]},
                customdata=part["members"],
                hovertemplate=(
                    f"<b>{_escape(s)}</b>, generation %{{x}}<br>K = %{{y:.3f}} people per "
                    "member<br>(%{customdata:,.1f} members per run)<extra></extra>"
                ),
            )
        )
    fig.add_hline(y=1, line={"color": "grey", "dash": "dot", "width": 1})
    fig.update_xaxes(title_text="generation (0 = seeds, KOLs, outside joiners)", dtick=1)
    fig.update_yaxes(title_text="K (people brought in per member)")
    return _layout(fig, "Cascade: K-factor by generation", height=450)


# ------------------------------------------------------------------- member quality


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
        raise ChartUnavailable(MEMBERS_HINT)
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
                name=seg,
                marker_color=SEGMENT_COLORS[seg],
                customdata=part["per_run"],
                hovertemplate=(
                    f"<b>%{{y}}</b>: {seg}<br>%{{x:.1%}} of joined members"
                    "<br>%{customdata:,.1f} people per run (mean)<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title_text="share of joined members (share)", range=[0, 1], tickformat=".0%")
    fig.update_yaxes(title_text="scenario", autorange="reversed")
    height = max(160 + 40 * len(scenarios), 300)
    return _layout(fig, "Member quality: who joined, by segment", height=height, barmode="stack")


# --------------------------------------------------------------------------- sweeps


def swept_parameters(runs: pd.DataFrame, config: dict[str, Any] | None = None) -> list[str]:
    """The swept parameters' columns of ``runs``: the keys of the sweep in the resolved
    config (``Results.config``); none without a sweep."""
    keys = ((config or {}).get("sweep") or {}).get("params", {})
    return [k for k in keys if k in runs.columns]


def log_parameters(config: dict[str, Any] | None) -> set[str]:
    """Swept parameters declared on a log scale (``log = true``) in the config."""
    params = ((config or {}).get("sweep") or {}).get("params", {})
    return {k for k, v in params.items() if isinstance(v, dict) and v.get("log")}


def local_linear(
    x: Sequence[float], y: Sequence[float], *, frac: float = 0.6, points: int = 40
) -> tuple[np.ndarray, np.ndarray]:
    """A smoothed trend of y on x: local-linear regression with tricube weights over
    the nearest ``frac`` of the points, evaluated at ``points`` evenly spaced x
    (LOWESS without its robustness passes). Missing values are dropped; returns empty
    arrays when fewer than 3 points or a single x value remain. A straight line is
    reproduced exactly."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3 or np.ptp(x) == 0:
        return np.empty(0), np.empty(0)
    grid = np.linspace(x.min(), x.max(), points)
    dx = x[None, :] - grid[:, None]  # (points, n)
    k = min(x.size, max(3, math.ceil(frac * x.size)))
    reach = np.partition(np.abs(dx), k - 1, axis=1)[:, k - 1]
    reach = np.maximum(reach * 1.000001, np.ptp(x) * 1e-9)
    w = np.clip(1 - (np.abs(dx) / reach[:, None]) ** 3, 0, None) ** 3
    sw, swx, swy = w.sum(1), (w * dx).sum(1), (w * y).sum(1)
    swxx, swxy = (w * dx * dx).sum(1), (w * dx * y).sum(1)
    den = sw * swxx - swx**2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(np.abs(den) > 1e-12 * sw * swxx, (sw * swxy - swx * swy) / den, 0.0)
        fit = (swy - slope * swx) / sw
    return grid, fit


def sweep_scatter(
    runs: pd.DataFrame,
    params: Sequence[str],
    outcomes: Sequence[str] = SWEEP_OUTCOMES,
    *,
    log_params: Iterable[str] = (),
) -> go.Figure:
    """Each outcome (rows) against each swept parameter (columns): every run a point,
    and a smoothed trend per scenario (``local_linear``; on log-scale parameters the
    trend is fitted on log x)."""
    params = list(params)
    if not params:
        raise ChartUnavailable("This study has no sweep: there is no parameter to plot against.")
    outcomes = [o for o in outcomes if o in runs.columns]
    log_params = set(log_params)
    scenarios = scenario_order(runs)
    colors = scenario_colors(scenarios)
    names = _scenarios(runs)
    fig = make_subplots(
        rows=len(outcomes),
        cols=len(params),
        shared_xaxes="columns",
        shared_yaxes="rows",
        horizontal_spacing=0.03,
        vertical_spacing=0.03,
    )
    for i, outcome in enumerate(outcomes, 1):
        fmt = _fmt(outcome)
        for j, param in enumerate(params, 1):
            log = param in log_params
            for s in scenarios:
                part = runs[names == s]
                x = part[param].astype(float).to_numpy()
                y = part[outcome].astype(float).to_numpy()
                first = i == 1 and j == 1
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=y,
                        mode="markers",
                        name=s,
                        legendgroup=s,
                        showlegend=first,
                        marker={"color": colors[s], "size": 4, "opacity": 0.4},
                        hovertemplate=(
                            f"<b>{_escape(s)}</b><br>{_escape(param)} = %{{x:,.4g}}"
                            f"<br>{_escape(outcome)} = %{{y:{fmt}}}<extra></extra>"
                        ),
                    ),
                    row=i,
                    col=j,
                )
                if log:
                    gx, gy = local_linear(np.log(np.where(x > 0, x, np.nan)), y)
                    gx = np.exp(gx)
                else:
                    gx, gy = local_linear(x, y)
                fig.add_trace(
                    go.Scatter(
                        x=gx,
                        y=gy,
                        mode="lines",
                        name=f"{s} trend",
                        legendgroup=s,
                        showlegend=False,
                        line={"color": colors[s], "width": 2.5},
                        hovertemplate=(
                            f"<b>{_escape(s)}</b> trend<br>{_escape(param)} = %{{x:,.4g}}"
                            f"<br>{_escape(outcome)} ≈ %{{y:{fmt}}}<extra></extra>"
                        ),
                    ),
                    row=i,
                    col=j,
                )
            if i == len(outcomes):
                fig.update_xaxes(title_text=param, row=i, col=j)
            if log:
                fig.update_xaxes(type="log", dtick="D2", row=i, col=j)
        fig.update_yaxes(title_text=short_label(outcome), row=i, col=1)
    return _layout(
        fig,
        "Sweep: each outcome against each swept parameter (points: runs; lines: trend)",
        height=220 * len(outcomes) + 120,
    )


def sobol_bars(sensitivity: pd.DataFrame) -> go.Figure:
    """Sobol indices of a sobol sweep (``sensitivity.parquet``): first-order S1 and
    total ST per parameter (bars, with their 95% confidence half-widths), one panel per
    outcome (columns) and scenario (rows). S1 is the share of the outcome's variance a
    parameter explains alone; ST includes its interactions."""
    if sensitivity is None or sensitivity.empty:
        raise ChartUnavailable(
            'No Sobol indices: they are computed for a sweep with method = "sobol".'
        )
    scenarios = [str(s) for s in dict.fromkeys(sensitivity["scenario"])]
    outcomes = list(dict.fromkeys(sensitivity["outcome"]))
    titles = [
        short_label(o) + (f" — {s}" if len(scenarios) > 1 else "")
        for s in scenarios
        for o in outcomes
    ]
    fig = make_subplots(
        rows=len(scenarios),
        cols=len(outcomes),
        shared_yaxes=True,
        subplot_titles=titles,
        horizontal_spacing=0.02,
        vertical_spacing=0.12 if len(scenarios) > 1 else 0.0,
    )
    kinds = {"S1": ("first order S1", "#1f77b4"), "ST": ("total ST", "#ff7f0e")}
    for i, s in enumerate(scenarios, 1):
        for j, outcome in enumerate(outcomes, 1):
            part = sensitivity[(sensitivity["scenario"] == s) & (sensitivity["outcome"] == outcome)]
            for key, (name, color) in kinds.items():
                fig.add_trace(
                    go.Bar(
                        x=part["parameter"],
                        y=part[key],
                        name=name,
                        legendgroup=key,
                        showlegend=i == 1 and j == 1,
                        marker_color=color,
                        error_y={"type": "data", "array": part[f"{key}_conf"], "width": 3},
                        customdata=part[f"{key}_conf"],
                        hovertemplate=(
                            f"<b>{_escape(outcome)}</b>: %{{x}}<br>{key} = %{{y:.3f}}"
                            " ± %{customdata:.3f}<extra></extra>"
                        ),
                    ),
                    row=i,
                    col=j,
                )
        fig.update_yaxes(title_text="Sobol index (share of variance)", row=i, col=1)
    fig.update_xaxes(tickangle=-30)
    return _layout(
        fig,
        "Sensitivity: Sobol indices of each outcome (bars ± 95% confidence)",
        height=380 * len(scenarios) + 80,
        barmode="group",
    )


# ---------------------------------------------------------------- the referral tree


def representative_run(runs: pd.DataFrame, scenario: str | None = None) -> int:
    """The run_id of a typical run: in ``scenario`` (default: the first), the run whose
    ``joined`` is nearest the scenario's median (the lowest run_id on ties)."""
    scenario = scenario_order(runs)[0] if scenario is None else scenario
    part = runs[_scenarios(runs) == scenario]
    if part.empty:
        raise ChartUnavailable(f"No runs in scenario {scenario!r}.")
    distance = (part["joined"].astype(float) - part["joined"].median()).abs()
    best = part.assign(_d=distance.to_numpy()).sort_values(["_d", "run_id"], kind="stable")
    return int(best["run_id"].iloc[0])


def tree_layout(nodes: Sequence[Any], inviters: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """A tidy layout of a referral forest: returns (parent index or -1, row position).

    Each person with nobody they brought in takes a row of its own; everyone else sits
    at the middle of the rows of the people they brought in (a dendrogram layout).
    Bigger cascades come first; people whose inviter is not listed are roots."""
    index = {node: i for i, node in enumerate(nodes)}
    parent = np.array(
        [-1 if pd.isna(inv) else index.get(inv, -1) for inv in inviters], dtype=np.int64
    )
    n = len(parent)
    children: list[list[int]] = [[] for _ in range(n)]
    for child, p in enumerate(parent):
        if p >= 0:
            children[p].append(child)
    # Rows under each person, children before parents (post-order without recursion).
    rows = np.ones(n)
    roots = [i for i in range(n) if parent[i] < 0]
    order: list[int] = []
    stack = list(roots)
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(children[i])
    for i in reversed(order):
        if children[i]:
            rows[i] = sum(rows[c] for c in children[i])
    position = np.zeros(n)
    start = 0.0
    pending: list[tuple[int, float]] = []
    for root in sorted(roots, key=lambda r: -rows[r]):
        pending.append((root, start))
        start += rows[root]
    while pending:
        i, first = pending.pop()
        position[i] = first + (rows[i] - 1) / 2
        for c in sorted(children[i], key=lambda c: -rows[c]):
            pending.append((c, first))
            first += rows[c]
    return parent, position


def referral_tree(
    members: pd.DataFrame | None,
    run_id: int,
    *,
    runs: pd.DataFrame | None = None,
    max_members: int = TREE_MAX_MEMBERS,
) -> go.Figure:
    """The referral tree of one run: every member a node (x: generation; coloured by
    generation, sized by the people they brought in), a line from each inviter to the
    people they brought in; biggest cascades on top. ``runs``, when given, names the
    run's scenario and replicate in the title. Raises ``ChartUnavailable`` without
    ``members`` or when the run has more than ``max_members`` members."""
    if members is None:
        raise ChartUnavailable(MEMBERS_HINT)
    run = members[members["run_id"] == run_id].reset_index(drop=True)
    if run.empty:
        raise ChartUnavailable(f"Run {run_id} has no rows in members.parquet.")
    if len(run) > max_members:
        raise ChartUnavailable(
            f"Run {run_id} has {len(run):,} members; the referral tree is drawn only for "
            f"runs of at most {max_members:,} (a smaller graph or fewer days)."
        )
    parent, position = tree_layout(list(run["node"]), list(run["inviter"]))
    generation = run["generation"].to_numpy()
    has_parent = np.flatnonzero(parent >= 0)
    edge_x = np.full(3 * has_parent.size, np.nan)
    edge_y = np.full(3 * has_parent.size, np.nan)
    edge_x[0::3], edge_x[1::3] = generation[parent[has_parent]], generation[has_parent]
    edge_y[0::3], edge_y[1::3] = position[parent[has_parent]], position[has_parent]
    fig = go.Figure(
        go.Scatter(
            x=edge_x,
            y=edge_y,
            mode="lines",
            line={"color": "rgba(120, 120, 120, 0.45)", "width": 1},
            hoverinfo="skip",
            name="invitation",
        )
    )
    gens = sorted(int(g) for g in np.unique(generation))
    palette = sample_colorscale("Viridis", [g / max(gens[-1], 1) for g in gens])
    inviter_text = run["inviter"].astype(object).where(run["inviter"].notna(), "none")
    for g, color in zip(gens, palette, strict=True):
        part = run[generation == g]
        rows = part.index.to_numpy()
        invites = part["invites"].to_numpy()
        fig.add_trace(
            go.Scatter(
                x=generation[rows],
                y=position[rows],
                mode="markers",
                name=f"generation {g}",
                marker={
                    "color": color,
                    "size": 5 + 3 * np.sqrt(invites),
                    "line": {"color": "white", "width": 0.5},
                },
                customdata=np.c_[
                    part["node"].astype(str),
                    part["role"].astype(str),
                    part["segment"].astype(str),
                    part["day_joined"],
                    invites,
                    inviter_text[rows].astype(str),
                    part["purchases"],
                ],
                hovertemplate=(
                    "<b>%{customdata[0]}</b> (%{customdata[1]}, %{customdata[2]})"
                    f"<br>generation {g}, joined on day %{{customdata[3]}}"
                    "<br>brought in %{customdata[4]} people; %{customdata[6]} orders"
                    "<br>invited by %{customdata[5]}<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title_text="generation (0 = seeds, KOLs, outside joiners)", dtick=1)
    fig.update_yaxes(
        title_text="members (one row per end of a branch)",
        showticklabels=False,
        autorange="reversed",
    )
    which = f"run {run_id}"
    if runs is not None and (runs["run_id"] == run_id).any():
        row = runs[runs["run_id"] == run_id].iloc[0]
        which += f" ({row.get('scenario', 'base')}, replicate {row['replicate']})"
    title = f"Referral tree of {which}: {len(run):,} members, {has_parent.size:,} referrals"
    return _layout(fig, title, height=700)
