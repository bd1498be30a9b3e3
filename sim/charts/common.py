"""What every chart shares: the plotly template and the band over replicates, outcome
labels with their units and number formats, scenario order and colours, the common layout,
hover text (its numbers formatted by unit as ``sim.units`` writes them, its words in the
planner's language) and ``ChartUnavailable`` with the hints its messages give (how to get
the per-member or cascade table a chart needs).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from sim import units
from sim.lang import N_, _
from sim.registry import find

# The trace kinds our charts draw: the template keeps plotly_white's look for these only.
_DRAWN = ("bar", "box", "scatter", "table")
BAND = (0.05, 0.95)  # the 90% band over replicates
# Hints are English (marked for the catalogue); raise them translated: _(MEMBERS_HINT).
MEMBERS_HINT = N_(
    "This chart needs the per-member table (members.parquet). Set "
    "`write_members = true` in the config's [experiment] section (or add "
    "`--set experiment.write_members=true`) and run the experiment again."
)
GENERATIONS_HINT = N_(
    "This chart needs the cascade table (generations.parquet, written by every run of "
    "this version of Fission) or the per-member table (members.parquet). Run the "
    "experiment again to get it."
)


class ChartUnavailable(ValueError):
    """A chart cannot be drawn from the tables given; the message says why and what to do."""


# ---------------------------------------------------------------------------- helpers


def label(outcome: str) -> str:
    """An outcome's axis title with its unit, as its declaration says (``sim.outputs``
    and the mechanisms'); the column name for undeclared columns."""
    declared = find(outcome)
    return _(declared.label) if declared is not None and declared.label else outcome


def short_label(outcome: str) -> str:
    """A short heading with the unit, for table columns and small panels."""
    declared = find(outcome)
    return _(declared.short) if declared is not None and declared.short else label(outcome)


# How hover text writes a number of each unit (d3 formats), as ``sim.units`` writes it in
# the terminal and the report: head-counts whole, shares and ROI (a ratio) as percentages,
# K-factors with two decimals, money in yuan (per person with a decimal), days with one.
HOVER_FORMATS = {
    "people": ",.0f",
    "orders": ",.0f",
    "invitations": ",.0f",
    "generations": ",.0f",
    "yuan": ",.0f",
    "yuan per person": ",.1f",
    "share": ".1%",
    "ratio": ".1%",
    "people per member": ".2f",
    "day": ",.0f",
    "days": ",.1f",
}


def _fmt(outcome: str) -> str:
    """The d3 format of an outcome's numbers in hover text: by its declared unit (as
    ``sim.units``: shares as percentages, head-counts whole), else its declared format."""
    declared = find(outcome)
    if declared is None:
        return ",.4g"
    if declared.unit in ("share", "ratio", "people", "orders", "invitations"):
        return HOVER_FORMATS[declared.unit]
    return declared.fmt or ",.4g"


def number(ref: str, unit: str) -> str:
    """A number of hover text, formatted by its unit: ``number("y", "people")`` is
    ``"%{y:,.0f}"``, ``number("customdata[0]", "share")`` is ``"%{customdata[0]:.1%}"``."""
    return f"%{{{ref}:{HOVER_FORMATS.get(unit, ',.4g')}}}"


def quantity(ref: str, unit: str) -> str:
    """A number of hover text with its unit in the current language, as
    ``sim.units.quantity`` writes one: "%{y:,.0f} people" (人), "%{y:,.0f} yuan" (元),
    "%{y:.1%}", "day %{x}" (第 %{x} 天)."""
    text = number(ref, unit)
    if unit in ("share", "ratio", ""):
        return text
    if unit == "day":
        return _("day {n}").format(n=text)
    return _("{n} {unit}").format(n=text, unit=units.shown_unit(unit))


def hover(*lines: str) -> str:
    """A hovertemplate of these lines (each a whole phrase in the current language, its
    numbers plotly placeholders), one per line, without plotly's second box (the trace
    name)."""
    return "<br>".join(lines) + "<extra></extra>"


def bold(name: str) -> str:
    """A scenario's (or any data's) name in bold, safe inside a hovertemplate."""
    return f"<b>{_escape(name)}</b>"


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


@functools.cache
def template() -> go.layout.Template:
    """The charts' plotly template: plotly_white without the parts for maps, 3-D scenes,
    polar and ternary axes and for trace kinds no chart draws. Plotly copies the whole
    template into every figure it is set on: plotly_white's costs 43 ms a chart (a
    report draws 11 to 25), this 4 ms; the charts look the same. Read from the file
    plotly's own registry reads (plotly is pinned): 7 ms, against 96 ms through
    ``plotly.io.templates``, which builds the whole template first."""
    import importlib.resources
    import json

    path = importlib.resources.files("plotly") / "package_data/templates/plotly_white.json"
    white = json.loads(path.read_text(encoding="utf-8"))
    unused = ("geo", "polar", "ternary", "scene", "mapbox", "map")
    layout = {k: v for k, v in white["layout"].items() if k not in unused}
    data = {k: v for k, v in white["data"].items() if k in _DRAWN}
    return go.layout.Template(layout=layout, data=data)


def _layout(fig: go.Figure, title: str, **kwargs: Any) -> go.Figure:
    fig.update_layout(
        template=template(),
        title={"text": title, "x": 0.01, "xanchor": "left"},
        margin={"l": 70, "r": 20, "t": 60, "b": 60},
        hoverlabel={"namelength": -1},
        **kwargs,
    )
    # room for long tick labels and axis titles: they are never clipped
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _escape(text: str) -> str:
    """Text safe inside a plotly hovertemplate (no %{...} or HTML interpretation)."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("%", "&#37;")
    )
