"""What every chart shares: the plotly template and the band over replicates, outcome
labels with their units and number formats, scenario order and colours, the common layout,
hover-text escaping, and ``ChartUnavailable`` with the hints its messages give (how to get
the per-member or cascade table a chart needs).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

TEMPLATE = "plotly_white"
BAND = (0.05, 0.95)  # the 90% band over replicates
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


def _escape(text: str) -> str:
    """Text safe inside a plotly hovertemplate (no %{...} or HTML interpretation)."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("%", "&#37;")
    )
