"""report.html of a search, drawn from its saved tables (trials.parquet, pareto.parquet,
importance.parquet): the best designs side by side with intervals and the probability
each is the best, the Pareto front, the objective against each lever, how much each
lever matters, and the search's progress. Offline: plotly.js is inlined once."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.files import write_text

TOP = 8  # designs shown side by side


def write_report(
    folder: Path, objectives: list[tuple[str, bool]], levers: list[str], headline: str
) -> Path:
    """Write ``folder/report.html``; ``objectives`` are (outcome, higher is better)."""
    folder = Path(folder)
    trials = pd.read_parquet(folder / "trials.parquet")
    pareto_path, importance_path = folder / "pareto.parquet", folder / "importance.parquet"
    pareto = pd.read_parquet(pareto_path) if pareto_path.is_file() else None
    importance = pd.read_parquet(importance_path) if importance_path.is_file() else None
    sections: list[tuple[str, str, go.Figure | str]] = []
    outcome, higher = objectives[0]
    sections.append(
        ("The best designs", _best_caption(outcome), best_designs(trials, outcome, higher, levers))
    )
    if pareto is not None and len(objectives) == 2:
        sections.append(
            (
                "Pareto front",
                "Each dot a design (its mean over replicates); the line joins the designs no "
                "other beats on both objectives. The star is the recommendation.",
                pareto_front(trials, pareto, objectives),
            )
        )
    for key in levers:
        sections.append(
            (
                f"{outcome} against {key}",
                "Each dot a design at the replicates it got (bars: 95% interval of its mean); "
                "grey ones miss a constraint.",
                against_lever(trials, outcome, key),
            )
        )
    if importance is not None and len(importance):
        sections.append(
            (
                "Which levers matter",
                "PED-ANOVA importance (Optuna): how much each lever's value tells the best "
                "designs apart; levers of some kinds only are left out.",
                lever_importance(importance),
            )
        )
    sections.append(
        (
            "Search progress",
            "The best mean so far (among designs meeting the constraints) after each trial, "
            "at the replicates every candidate first gets.",
            progress(trials, outcome, higher),
        )
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Fission optimise</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
        "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
        "</style></head><body>",
        "<h1>What to launch</h1>",
        f"<p><b>{html.escape(headline)}</b></p>",
    ]
    first = True
    for title, caption, figure in sections:
        parts.append(f"<h2>{html.escape(title)}</h2><p>{html.escape(caption)}</p>")
        if isinstance(figure, str):
            parts.append(figure)
            continue
        parts.append(
            figure.to_html(full_html=False, include_plotlyjs=first, config={"displaylogo": False})
        )
        first = False
    parts.append(_table(trials, outcome, higher, levers))
    parts.append("</body></html>")
    path = folder / "report.html"
    write_text(path, "\n".join(parts))
    return path


def _best_caption(outcome: str) -> str:
    return (
        f"The best designs by mean {outcome}: bar = mean, thick line = its 95% interval, "
        "thin line = 5th to 95th percentile of single runs; the label is the probability "
        "that the design is the best of the finalists (paired bootstrap over replicates)."
    )


def _top(trials: pd.DataFrame, outcome: str, higher: bool) -> pd.DataFrame:
    rows = trials.drop_duplicates("candidate")
    rows = rows[rows["replicates"] > 0]
    rows = rows.sort_values(
        ["recommended", "feasible", "finalist", "replicates", f"{outcome}_mean"],
        ascending=[False, False, False, False, not higher],
    )
    return rows.head(TOP)


def _name(row: pd.Series, levers: list[str]) -> str:
    values = []
    for key in levers:
        value = row[key]
        if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
            continue
        values.append(
            f"{key.split('.')[-1]}={value:.3g}" if isinstance(value, float) else f"{value}"
        )
    return f"#{int(row['trial'])} " + ", ".join(values)


def best_designs(trials: pd.DataFrame, outcome: str, higher: bool, levers: list[str]) -> go.Figure:
    top = _top(trials, outcome, higher)
    names = [_name(r, levers) for _, r in top.iterrows()]
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
        text=[f"P(best) {p:.0%}" if np.isfinite(p) else "" for p in top["prob_best"]],
        name="mean",
    )
    figure.add_scatter(
        x=names,
        y=top[f"{outcome}_p5"],
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 14},
        name="5th percentile",
    )
    figure.add_scatter(
        x=names,
        y=top[f"{outcome}_p95"],
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 14},
        name="95th percentile",
    )
    figure.update_layout(template="plotly_white", yaxis_title=outcome, height=450)
    return figure


def pareto_front(
    trials: pd.DataFrame, pareto: pd.DataFrame, objectives: list[tuple[str, bool]]
) -> go.Figure:
    (x, _), (y, _) = objectives
    rows = trials.drop_duplicates("candidate")
    rows = rows[rows["replicates"] > 0]
    figure = go.Figure()
    figure.add_scatter(
        x=rows[f"{x}_mean"],
        y=rows[f"{y}_mean"],
        mode="markers",
        name="designs",
        marker={"color": np.where(rows["feasible"], "#636efa", "#bbbbbb")},
    )
    figure.add_scatter(
        x=pareto[f"{x}_mean"], y=pareto[f"{y}_mean"], mode="lines+markers", name="front"
    )
    best = rows[rows["recommended"]]
    figure.add_scatter(
        x=best[f"{x}_mean"],
        y=best[f"{y}_mean"],
        mode="markers",
        name="recommended",
        marker={"symbol": "star", "size": 16, "color": "#ef553b"},
    )
    figure.update_layout(template="plotly_white", xaxis_title=x, yaxis_title=y, height=450)
    return figure


def against_lever(trials: pd.DataFrame, outcome: str, key: str) -> go.Figure:
    rows = trials.drop_duplicates("candidate")
    rows = rows[(rows["replicates"] > 0) & rows[key].notna()]
    mean = rows[f"{outcome}_mean"]
    high = (rows[f"{outcome}_high"] - mean).replace([np.inf, -np.inf], np.nan)
    low = (mean - rows[f"{outcome}_low"]).replace([np.inf, -np.inf], np.nan)
    figure = go.Figure()
    figure.add_scatter(
        x=rows[key],
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
            "color": np.where(rows["feasible"], "#636efa", "#bbbbbb"),
            "size": 5 + 2 * np.log2(rows["replicates"].clip(lower=1)),
        },
        name=outcome,
    )
    figure.update_layout(template="plotly_white", xaxis_title=key, yaxis_title=outcome, height=380)
    return figure


def lever_importance(importance: pd.DataFrame) -> go.Figure:
    figure = go.Figure()
    for objective, part in importance.groupby("objective", sort=False):
        figure.add_bar(x=part["importance"], y=part["lever"], orientation="h", name=str(objective))
    figure.update_layout(template="plotly_white", xaxis_title="importance (share)", height=350)
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
        name="each trial",
        marker={"color": "#bbbbbb", "size": 5},
    )
    figure.add_scatter(x=rows["trial"], y=best, mode="lines", name="best so far")
    figure.update_layout(
        template="plotly_white", xaxis_title="trial", yaxis_title=outcome, height=380
    )
    return figure


def _table(trials: pd.DataFrame, outcome: str, higher: bool, levers: list[str]) -> str:
    top = _top(trials, outcome, higher)
    columns = [
        "trial",
        *levers,
        "replicates",
        f"{outcome}_mean",
        f"{outcome}_low",
        f"{outcome}_high",
        f"{outcome}_p5",
        f"{outcome}_p95",
        "loss_chance",
        "prob_best",
        "feasible",
        "recommended",
    ]
    shown = top[columns].to_html(index=False, float_format=lambda v: f"{v:,.3g}", na_rep="-")
    return "<h2>The best designs, in numbers</h2>" + shown
