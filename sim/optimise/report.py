"""report.html of a search, drawn from its saved tables (trials.parquet, pareto.parquet,
importance.parquet): the best designs side by side with intervals and the probability
each is the best, the Pareto front, the objective against each lever, how much each
lever matters, and the search's progress. Offline: plotly.js is inlined once.

In the current language (``sim.lang``), in the planner's words (``sim.optimise.words``).
The app's Optimise tab shows the same figures and table (``sections``, ``best_table``):
they are drawn here only.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim import units
from sim.charts import template
from sim.files import write_text
from sim.lang import _, current
from sim.optimise.words import describe_design, lever_value
from sim.report import HTML_LANG
from sim.wording import key_label, option_label

TOP = 8  # designs shown side by side
FEASIBLE, INFEASIBLE = "#636efa", "#bbbbbb"


@dataclass(frozen=True)
class Section:
    """One part of the report: a heading, how to read it, and its figure."""

    key: str
    title: str
    caption: str
    figure: go.Figure


def write_report(
    folder: Path, objectives: list[tuple[str, bool]], levers: list[str], headline: str
) -> Path:
    """Write ``folder/report.html``; ``objectives`` are (outcome, higher is better)."""
    folder = Path(folder)
    trials = pd.read_parquet(folder / "trials.parquet")
    pareto_path, importance_path = folder / "pareto.parquet", folder / "importance.parquet"
    pareto = pd.read_parquet(pareto_path) if pareto_path.is_file() else None
    importance = pd.read_parquet(importance_path) if importance_path.is_file() else None
    outcome, higher = objectives[0]
    title = html.escape(_("What to launch"))
    parts = [
        f"<!doctype html><html lang='{HTML_LANG.get(current(), 'en')}'><head>"
        f"<meta charset='utf-8'><title>{title}</title>",
        "<style>body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC',"
        "'PingFang SC','Microsoft YaHei',sans-serif;max-width:1100px;margin:auto;padding:1em}"
        "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
        "</style></head><body>",
        f"<h1>{title}</h1>",
        f"<p><b>{html.escape(headline)}</b></p>",
    ]
    first = True
    for section in sections(trials, pareto, importance, objectives, levers):
        parts.append(f"<h2>{html.escape(section.title)}</h2><p>{html.escape(section.caption)}</p>")
        parts.append(
            section.figure.to_html(
                full_html=False, include_plotlyjs=first, config={"displaylogo": False}
            )
        )
        first = False
    parts.append(f"<h2>{html.escape(_('The best designs, in numbers'))}</h2>")
    parts.append(best_table(trials, outcome, higher, levers).to_html(index=False, na_rep="–"))
    parts.append("</body></html>")
    path = folder / "report.html"
    write_text(path, "\n".join(parts))
    return path


def sections(
    trials: pd.DataFrame,
    pareto: pd.DataFrame | None,
    importance: pd.DataFrame | None,
    objectives: list[tuple[str, bool]],
    levers: list[str],
) -> list[Section]:
    """Every figure of the report, in order, with its heading and caption."""
    outcome, higher = objectives[0]
    name = units.name(outcome)
    found = [
        Section(
            "best",
            _("The best designs"),
            _(
                "The best designs by mean {outcome}: bar = mean, thick line = its 95% "
                "interval, dashes = 5th and 95th percentile of single runs; the label is the "
                "probability that the design is the best of the finalists (paired bootstrap "
                "over replicates). Point at a bar to see its design."
            ).format(outcome=name),
            best_designs(trials, outcome, higher, levers),
        )
    ]
    if pareto is not None and len(objectives) == 2:
        found.append(
            Section(
                "pareto",
                _("Pareto front"),
                _(
                    "Each dot a design (its mean over replicates); the line joins the designs "
                    "no other beats on both objectives. The star is the recommendation."
                ),
                pareto_front(trials, pareto, objectives, levers),
            )
        )
    for key in levers:
        found.append(
            Section(
                f"lever:{key}",
                _("{outcome} against {lever}").format(outcome=name, lever=key_label(key)),
                _(
                    "Each dot a design at the replicates it got (bars: 95% interval of its "
                    "mean; bigger dots: more replicates); grey ones miss a constraint."
                ),
                against_lever(trials, outcome, key, levers),
            )
        )
    if importance is not None and len(importance):
        found.append(
            Section(
                "importance",
                _("Which levers matter"),
                _(
                    "PED-ANOVA importance: how differently a lever's values are spread among "
                    "the best designs (the top tenth of the trials, at least 5) than among all "
                    "of them, as a share of all levers. All designs: a lever of some kinds "
                    "only counts where it applies, weighted by how many of the best designs "
                    "are of those kinds (0 when none is). Within a choice: the trials of that "
                    "choice only, among the levers that apply to it."
                ),
                lever_importance(importance),
            )
        )
    found.append(
        Section(
            "progress",
            _("Search progress"),
            _(
                "The best mean so far (among designs meeting the constraints) after each "
                "trial: each design on the replicates of its batch, a finalist on all the "
                "replicates it ran."
            ),
            progress(trials, outcome, higher),
        )
    )
    return found


def _top(trials: pd.DataFrame, outcome: str, higher: bool) -> pd.DataFrame:
    rows = trials.drop_duplicates("candidate")
    rows = rows[rows["replicates"] > 0]
    rows = rows.sort_values(
        ["recommended", "feasible", "finalist", "replicates", f"{outcome}_mean"],
        ascending=[False, False, False, False, not higher],
    )
    return rows.head(TOP)


def _design(row: pd.Series, levers: list[str]) -> str:
    """A trial's design in the planner's words (levers that apply to it)."""
    values = {key: row[key] for key in levers if not _missing(row[key])}
    return describe_design({k: _plain(v) for k, v in values.items()})


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def _plain(value: object) -> object:
    """A table cell as Python: numpy numbers as int or float."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _label(row: pd.Series) -> str:
    return _("design #{trial}").format(trial=int(row["trial"]))


def best_designs(trials: pd.DataFrame, outcome: str, higher: bool, levers: list[str]) -> go.Figure:
    top = _top(trials, outcome, higher)
    names = [_label(r) for _, r in top.iterrows()]
    designs = [_design(r, levers) for _, r in top.iterrows()]
    mean = top[f"{outcome}_mean"]
    figure = go.Figure()
    figure.add_bar(
        x=names,
        y=mean,
        error_y={
            "type": "data",
            "symmetric": False,
            "array": top[f"{outcome}_high"] - mean,
            "arrayminus": mean - top[f"{outcome}_low"],
            "thickness": 4,
        },
        text=[
            _("P(best) {chance}").format(chance=f"{p:.0%}") if np.isfinite(p) else ""
            for p in top["prob_best"]
        ],
        hovertext=designs,
        name=_("mean"),
    )
    for column, name in (
        (f"{outcome}_p5", _("5th percentile")),
        (f"{outcome}_p95", _("95th percentile")),
    ):
        figure.add_scatter(
            x=names,
            y=top[column],
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 14},
            hovertext=designs,
            name=name,
        )
    figure.update_layout(template=template(), yaxis_title=units.heading(outcome), height=450)
    return figure


def pareto_front(
    trials: pd.DataFrame,
    pareto: pd.DataFrame,
    objectives: list[tuple[str, bool]],
    levers: list[str],
) -> go.Figure:
    (x, _x), (y, _y) = objectives
    rows = trials.drop_duplicates("candidate")
    rows = rows[rows["replicates"] > 0]
    figure = go.Figure()
    figure.add_scatter(
        x=rows[f"{x}_mean"],
        y=rows[f"{y}_mean"],
        mode="markers",
        name=_("designs"),
        hovertext=[_design(r, levers) for _, r in rows.iterrows()],
        marker={"color": np.where(rows["feasible"], FEASIBLE, INFEASIBLE)},
    )
    figure.add_scatter(
        x=pareto[f"{x}_mean"],
        y=pareto[f"{y}_mean"],
        mode="lines+markers",
        name=_("front"),
        hovertext=[_design(r, levers) for _, r in pareto.iterrows()],
    )
    best = rows[rows["recommended"]]
    figure.add_scatter(
        x=best[f"{x}_mean"],
        y=best[f"{y}_mean"],
        mode="markers",
        name=_("recommended"),
        marker={"symbol": "star", "size": 16, "color": "#ef553b"},
    )
    figure.update_layout(
        template=template(),
        xaxis_title=units.heading(x),
        yaxis_title=units.heading(y),
        height=450,
    )
    return figure


def against_lever(trials: pd.DataFrame, outcome: str, key: str, levers: list[str]) -> go.Figure:
    rows = trials.drop_duplicates("candidate")
    rows = rows[(rows["replicates"] > 0) & rows[key].notna()]
    mean = rows[f"{outcome}_mean"]
    high = (rows[f"{outcome}_high"] - mean).replace([np.inf, -np.inf], np.nan)
    low = (mean - rows[f"{outcome}_low"]).replace([np.inf, -np.inf], np.nan)
    x = rows[key]
    if x.dtype == object or isinstance(x.dtype, pd.StringDtype):  # choices: by their names
        x = [option_label(key, str(v)) for v in x]
    figure = go.Figure()
    figure.add_scatter(
        x=x,
        y=mean,
        mode="markers",
        error_y={
            "type": "data",
            "symmetric": False,
            "array": high,
            "arrayminus": low,
            "thickness": 1,
        },
        marker={
            "color": np.where(rows["feasible"], FEASIBLE, INFEASIBLE),
            "size": 5 + 2 * np.log2(rows["replicates"].clip(lower=1)),
        },
        hovertext=[_design(r, levers) for _, r in rows.iterrows()],
        name=units.name(outcome),
    )
    figure.update_layout(
        template=template(),
        xaxis_title=key_label(key),
        yaxis_title=units.heading(outcome),
        height=380,
    )
    return figure


def view_name(within_lever: str, within_choice: str) -> str:
    """An importance view in words: "all designs", "within group-buy price"."""
    if not within_lever:
        return _("all designs")
    return _("within {choice}").format(choice=option_label(within_lever, within_choice))


def lever_importance(importance: pd.DataFrame) -> go.Figure:
    """One bar per lever and view (all designs, within each choice), per objective."""
    figure = go.Figure()
    objectives = importance["objective"].unique()
    views = importance.groupby(["objective", "within_lever", "within_choice"], sort=False)
    for (objective, within_lever, within_choice), part in views:
        name = view_name(str(within_lever), str(within_choice))
        if len(objectives) > 1:
            name = _("{outcome}: {view}").format(outcome=units.name(str(objective)), view=name)
        figure.add_bar(
            x=part["importance"],
            y=[key_label(k) for k in part["lever"]],
            orientation="h",
            name=_("{view} ({trials} trials)").format(
                view=name, trials=int(part["trials"].iloc[0])
            ),
        )
    figure.update_layout(
        template=template(),
        xaxis_title=_("importance (share)"),
        barmode="group",
        height=max(350, 60 * importance["lever"].nunique()),
    )
    return figure


def progress(trials: pd.DataFrame, outcome: str, higher: bool) -> go.Figure:
    rows = trials.sort_values("trial")
    start = rows[f"{outcome}_mean"].where(rows["feasible"])
    best = start.cummax() if higher else start.cummin()
    figure = go.Figure()
    figure.add_scatter(
        x=rows["trial"],
        y=rows[f"{outcome}_mean"],
        mode="markers",
        name=_("each trial"),
        marker={"color": INFEASIBLE, "size": 5},
    )
    figure.add_scatter(x=rows["trial"], y=best, mode="lines", name=_("best so far"))
    figure.update_layout(
        template=template(),
        xaxis_title=_("trial"),
        yaxis_title=units.heading(outcome),
        height=380,
    )
    return figure


def best_table(trials: pd.DataFrame, outcome: str, higher: bool, levers: list[str]) -> pd.DataFrame:
    """The best designs' numbers as text, headed in the planner's words: each lever, the
    replicates, the mean with its 95% interval, the 5th to 95th percentile of single
    runs, the chance of a loss, the probability of being the best."""
    top = _top(trials, outcome, higher)
    unit = units.unit_of(outcome)
    rows = []
    for _i, row in top.iterrows():
        design = {key: _plain(row[key]) for key in levers if not _missing(row[key])}
        shown = {_("design"): _label(row)}
        for key in levers:
            shown[key_label(key)] = lever_value(key, design.get(key), design)
        mean = row[f"{outcome}_mean"]
        shown[_("replicates")] = f"{int(row['replicates'])}"
        shown[units.heading(outcome)] = units.number(mean, unit)
        shown[_("95% interval of the mean")] = _interval(
            row[f"{outcome}_low"], row[f"{outcome}_high"], unit
        )
        shown[_("5th–95th percentile of runs")] = _interval(
            row[f"{outcome}_p5"], row[f"{outcome}_p95"], unit
        )
        shown[_("chance of a loss")] = units.number(row["loss_chance"], "share")
        shown[_("probability best")] = units.number(row["prob_best"], "share")
        shown[_("meets the constraints")] = _("yes") if row["feasible"] else _("no")
        shown[_("recommended")] = _("yes") if row["recommended"] else ""
        rows.append(shown)
    return pd.DataFrame(rows)


def _interval(low: float, high: float, unit: str) -> str:
    return f"[{units.number(low, unit)}, {units.number(high, unit)}]"
