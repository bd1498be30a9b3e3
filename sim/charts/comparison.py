"""The scenario comparison table (``sim.compare.compare``) as cells and as a plotly Table,
marked as ``fission run`` prints it: the best scenario per outcome and those not
distinguishable from it.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sim.charts.common import _layout, short_label
from sim.compare import format_interval
from sim.lang import _


def comparison_cells(table: pd.DataFrame) -> pd.DataFrame:
    """The CLI's comparison table as cells: one row per (scenario, outcome) with
    ``text`` ("mean [p5, p95]" formatted as ``fission run`` prints it) and ``mark``
    ("best", "indistinct" — not distinguishable from the best — or "").

    ``table`` is ``sim.compare.compare(runs)`` (``Results.compare()``).
    """
    rows = []
    for r in table.itertuples(index=False):
        mark = "best" if r.best else ("indistinct" if r.indistinct else "")
        text = format_interval(r.mean, r.p5, r.p95)
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
            header={
                "values": [_("scenario")] + [short_label(o) for o in outcomes],
                "align": "left",
            },
            cells={"values": values, "fill_color": fills, "align": "left", "height": 26},
            columnwidth=[1.2] + [1.0] * len(outcomes),
        )
    )
    height = 150 + 32 * len(scenarios)
    title = _("Scenarios compared: mean [5th, 95th percentile]; * best, ~ not distinguishable")
    fig = _layout(fig, title, height=height, width=1400)
    return fig.update_layout(margin={"l": 15, "r": 15, "t": 50, "b": 15})
