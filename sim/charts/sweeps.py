"""Charts of a sweep: which parameters were swept (``swept_parameters``, ``log_parameters``,
from the resolved config), each outcome against each swept parameter with a smoothed
trend (``local_linear``), and the Sobol indices of a ``sobol`` design
(sensitivity.parquet).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim import units
from sim.charts.common import (
    ChartUnavailable,
    _escape,
    _fmt,
    _layout,
    _scenarios,
    bold,
    hover,
    scenario_colors,
    scenario_order,
    short_label,
)
from sim.lang import _
from sim.registry import compared_outcomes
from sim.wording import field_description, key_label

# The outcomes a sweep is plotted against by default: those a planner decides on, from
# the declarations (the same the Sobol indices are computed of).
SWEEP_OUTCOMES: tuple[str, ...] = tuple(o.name for o in compared_outcomes())


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


# A swept parameter with at most this many values is a grid: drawn point by point (means
# and 90% intervals joined by lines), never smoothed into steps between grid values.
GRID_VALUES = 12


def parameter_label(key: str) -> str:
    """A swept config key as an axis title, in the planner's words (``sim.wording``) with
    its declared description: "reward per friend brought in (yuan per successful invite)";
    the key itself when the config does not declare it."""
    description = field_description(key)
    if description is None:
        return key
    words = key_label(key)
    return f"{words} ({_(description)})" if description else words


def sweep_scatter(
    runs: pd.DataFrame,
    params: Sequence[str],
    outcomes: Sequence[str] = SWEEP_OUTCOMES,
    *,
    log_params: Iterable[str] = (),
) -> go.Figure:
    """Each outcome (rows) against each swept parameter (columns), per scenario.

    A parameter with few values (a grid, at most ``GRID_VALUES``): each sweep point's
    mean with its 90% interval over the point's runs, joined by straight lines (one line
    per scenario and per combination of the other swept values). A parameter with many
    values (lhs, sobol): every run a dot and a smoothed trend (``local_linear``; on
    log-scale parameters fitted on log x)."""
    params = list(params)
    if not params:
        raise ChartUnavailable(_("This study has no sweep: there is no parameter to plot against."))
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
        horizontal_spacing=0.05,
        vertical_spacing=0.03,
    )
    for i, outcome in enumerate(outcomes, 1):
        for j, param in enumerate(params, 1):
            grid = runs[param].nunique() <= GRID_VALUES
            for s in scenarios:
                part = runs[names == s]
                first = i == 1 and j == 1
                if grid:
                    _grid_traces(fig, part, s, colors[s], param, params, outcome, first, i, j)
                else:
                    log = param in log_params
                    _cloud_traces(fig, part, s, colors[s], param, outcome, log, first, i, j)
            if i == len(outcomes):
                fig.update_xaxes(title_text=parameter_label(param), row=i, col=j)
            if param in log_params:
                fig.update_xaxes(type="log", dtick="D2", row=i, col=j)
        fig.update_yaxes(title_text=short_label(outcome), row=i, col=1)
    return _layout(
        fig,
        _("Sweep: each outcome against each swept parameter"),
        height=220 * len(outcomes) + 140,
    )


def _grid_traces(
    fig: go.Figure,
    part: pd.DataFrame,
    scenario: str,
    color: str,
    param: str,
    params: Sequence[str],
    outcome: str,
    first: bool,
    row: int,
    col: int,
) -> None:
    """Means and 90% intervals of each sweep point, joined along ``param``."""
    fmt = _fmt(outcome)
    others = [p for p in params if p != param]
    groups = part.groupby(others, sort=True) if others else [((), part)]
    for n, (held, line) in enumerate(groups):
        held = held if isinstance(held, tuple) else (held,)
        stats = (
            line.groupby("point", sort=False)
            .agg(
                x=(param, "first"),
                mean=(outcome, "mean"),
                low=(outcome, lambda v: v.astype(float).quantile(0.05)),
                high=(outcome, lambda v: v.astype(float).quantile(0.95)),
                runs=(outcome, "count"),
            )
            .sort_values("x")
        )
        where = ", ".join(f"{key_label(k)} = {v:,.4g}" for k, v in zip(others, held, strict=True))
        name = scenario if not where else f"{scenario} ({where})"
        fig.add_trace(
            go.Scatter(
                x=stats["x"],
                y=stats["mean"],
                mode="lines+markers",
                name=scenario,
                legendgroup=scenario,
                showlegend=first and n == 0,
                line={"color": color, "width": 2},
                marker={"color": color, "size": 7},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": stats["high"] - stats["mean"],
                    "arrayminus": stats["mean"] - stats["low"],
                    "color": color,
                    "thickness": 1.2,
                    "width": 4,
                },
                customdata=np.c_[stats["low"], stats["high"], stats["runs"]],
                hovertemplate=hover(
                    bold(name),
                    f"{_escape(key_label(param))} = %{{x:,.4g}}",
                    _("{outcome}, mean: {value}").format(
                        outcome=_escape(units.name(outcome)), value=f"%{{y:{fmt}}}"
                    ),
                    _("90% of runs: {low} to {high}").format(
                        low=f"%{{customdata[0]:{fmt}}}", high=f"%{{customdata[1]:{fmt}}}"
                    ),
                    _("over {runs} runs").format(runs="%{customdata[2]}"),
                ),
            ),
            row=row,
            col=col,
        )


def _cloud_traces(
    fig: go.Figure,
    part: pd.DataFrame,
    scenario: str,
    color: str,
    param: str,
    outcome: str,
    log: bool,
    first: bool,
    row: int,
    col: int,
) -> None:
    """Every run as a dot, and the local-linear trend through them."""
    fmt = _fmt(outcome)
    x = part[param].astype(float).to_numpy()
    y = part[outcome].astype(float).to_numpy()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers",
            name=scenario,
            legendgroup=scenario,
            showlegend=first,
            marker={"color": color, "size": 4, "opacity": 0.4},
            hovertemplate=hover(
                bold(scenario),
                f"{_escape(key_label(param))} = %{{x:,.4g}}",
                f"{_escape(units.name(outcome))} = %{{y:{fmt}}}",
            ),
        ),
        row=row,
        col=col,
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
            name=_("{scenario} trend").format(scenario=scenario),
            legendgroup=scenario,
            showlegend=False,
            line={"color": color, "width": 2.5},
            hovertemplate=hover(
                _("{scenario}: trend").format(scenario=bold(scenario)),
                f"{_escape(key_label(param))} = %{{x:,.4g}}",
                f"{_escape(units.name(outcome))} ≈ %{{y:{fmt}}}",
            ),
        ),
        row=row,
        col=col,
    )


def sobol_bars(sensitivity: pd.DataFrame) -> go.Figure:
    """Sobol indices of a sobol sweep (``sensitivity.parquet``): first-order S1 and
    total ST per parameter (bars, with their 95% confidence half-widths), one panel per
    outcome (columns) and scenario (rows). S1 is the share of the outcome's variance a
    parameter explains alone; ST includes its interactions."""
    if sensitivity is None or sensitivity.empty:
        raise ChartUnavailable(
            _('No Sobol indices: they are computed for a sweep with method = "sobol".')
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
    kinds = {"S1": (_("first order S1"), "#1f77b4"), "ST": (_("total ST"), "#ff7f0e")}
    for i, s in enumerate(scenarios, 1):
        for j, outcome in enumerate(outcomes, 1):
            part = sensitivity[(sensitivity["scenario"] == s) & (sensitivity["outcome"] == outcome)]
            for key, (name, color) in kinds.items():
                fig.add_trace(
                    go.Bar(
                        x=[key_label(str(p)) for p in part["parameter"]],
                        y=part[key],
                        name=name,
                        legendgroup=key,
                        showlegend=i == 1 and j == 1,
                        marker_color=color,
                        error_y={"type": "data", "array": part[f"{key}_conf"], "width": 3},
                        customdata=part[f"{key}_conf"],
                        hovertemplate=hover(
                            f"{bold(units.name(outcome))}: %{{x}}",
                            f"{_escape(name)} = %{{y:.3f}} ± %{{customdata:.3f}}",
                        ),
                    ),
                    row=i,
                    col=j,
                )
        fig.update_yaxes(title_text=_("Sobol index (share of variance)"), row=i, col=1)
    fig.update_xaxes(tickangle=-30)
    return _layout(
        fig,
        _("Sensitivity: Sobol indices of each outcome (bars ± 95% confidence)"),
        height=380 * len(scenarios) + 80,
        barmode="group",
    )
