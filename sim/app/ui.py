"""The app's page: the campaign form (built from ``sim.app.params``), the KPI cards of a
run, the pinned scenarios' comparison and the results-folder browser.

Layout and rendering only; callbacks live in ``sim.app.server``. Numbers on the page
carry their exact value in a ``data-value`` attribute, so tests can compare them with
the engine's without parsing formatted text.
"""

from __future__ import annotations

import math
import re
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from dash import dcc, html

from sim import charts
from sim.app import folders, params
from sim.app.store import summary_to_store
from sim.compare import compare
from sim.registry import headline_outcomes

# The outcomes shown as cards: the headline outputs (profit and payback first), named
# without their unit ("cost per paying (yuan)" -> "cost per paying"), each with its unit.
KPI_UNITS: dict[str, tuple[str, str]] = {
    o.name: (re.sub(r"\s*\(.*\)$", "", o.short or o.label or o.name), o.unit)
    for o in headline_outcomes()
}

CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2733; background: #f4f6f8; }
header { background: #1d3557; color: white; padding: 10px 20px; }
header h1 { font-size: 20px; margin: 0; }
header p { margin: 2px 0 0; opacity: .8; font-size: 13px; }
.layout { display: flex; gap: 16px; padding: 12px; align-items: flex-start; }
.controls { width: 330px; flex: none; background: white; border-radius: 8px; padding: 10px 14px; }
.controls h3 { font-size: 14px; margin: 14px 0 4px; color: #1d3557;
  border-bottom: 1px solid #dde3ea; }
.field { margin: 6px 0; } .field label { font-size: 13px; font-weight: 600; display: block; }
.field .unit { font-weight: 400; color: #5a6b7d; }
.field small { display: block; color: #6b7b8c; font-size: 11px; }
.field input { width: 100%; box-sizing: border-box; padding: 4px 6px; font-size: 13px; }
main { flex: 1; min-width: 0; }
section.card { background: white; border-radius: 8px; padding: 10px 16px; margin-bottom: 12px; }
section.card h2 { font-size: 16px; margin: 4px 0 8px; }
.kpis { display: flex; flex-wrap: wrap; gap: 8px; }
.kpi { border: 1px solid #dde3ea; border-radius: 6px; padding: 6px 10px; min-width: 120px; }
.kpi .name { font-size: 12px; color: #5a6b7d; } .kpi .value { font-size: 20px; font-weight: 600; }
.kpi .interval { font-size: 11px; color: #6b7b8c; }
button { background: #1d3557; color: white; border: 0; border-radius: 5px; padding: 7px 14px;
  font-size: 14px; cursor: pointer; } button:disabled { background: #9aa7b4; cursor: default; }
button.small { padding: 2px 8px; font-size: 12px; background: #8d99ae; }
#run { width: 100%; margin-top: 12px; font-size: 16px; }
#cancel { margin-top: 4px; }
.message { font-size: 13px; margin: 8px 0; white-space: pre-wrap; }
.message.error { color: #a4161a; background: #fde8e8; padding: 6px 8px; border-radius: 4px; }
.message.ok { color: #2b6a30; }
progress { width: 100%; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 8px; }
figure.chart { margin: 0; min-width: 0; border: 1px solid #e4e4e4; border-radius: 4px;
  padding: 4px; }
figure.chart figcaption { font-size: 12px; color: #555; margin: 2px 8px; }
h3.chart-section { font-size: 14px; margin: 14px 0 2px; color: #1d3557; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 8px 12px; font-size: 13px; }
.scroll { overflow-x: auto; }
table.comparison { border-collapse: collapse; font-size: 13px; }
table.comparison th, table.comparison td { border-bottom: 1px solid #dde3ea; padding: 4px 8px;
  text-align: right; } table.comparison td:first-child { text-align: left; font-weight: 600; }
table.comparison td.best { background: #d8f0e4; font-weight: 600; }
table.comparison td.indistinct { background: #eef5fb; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
.row input { padding: 5px 6px; font-size: 13px; min-width: 260px; }
.pin { display: inline-flex; gap: 6px; align-items: center; border: 1px solid #dde3ea;
  border-radius: 14px; padding: 2px 4px 2px 10px; margin: 2px; font-size: 13px; }
"""

INDEX = f"""<!DOCTYPE html>
<html><head>{{%metas%}}<title>Fission</title>{{%favicon%}}{{%css%}}<style>{CSS}</style></head>
<body>{{%app_entry%}}<footer>{{%config%}}{{%scripts%}}{{%renderer%}}</footer></body></html>"""


# ---------------------------------------------------------------- the form


def param_id(key: str) -> dict[str, str]:
    return {"type": "param", "key": key}


def field_id(key: str) -> dict[str, str]:
    return {"type": "field", "key": key}


def control_component(control: params.Control, value: Any, edge_lists: list[str]) -> Any:
    """The Dash component editing one control (a dropdown or a text box)."""
    if control.kind in ("choice", "bool"):
        yes_no = [{"label": "yes", "value": True}, {"label": "no", "value": False}]
        return dcc.Dropdown(
            id=param_id(control.key),
            options=yes_no if control.kind == "bool" else list(control.options),
            value=value,
            clearable=False,
            searchable=False,
        )
    if control.kind == "edgelist":
        return dcc.Dropdown(
            id=param_id(control.key),
            options=edge_lists,
            value=value if value in edge_lists else (edge_lists[0] if edge_lists else None),
            clearable=False,
            placeholder="no edge lists in the graphs folder",
        )
    return dcc.Input(
        id=param_id(control.key),
        name=control.key,
        type="text",
        value=value,
        debounce=False,
        autoComplete="off",
    )


def field(control: params.Control, value: Any, edge_lists: list[str]) -> html.Div:
    """A control with its label, unit, allowed range and description."""
    unit = f" ({control.unit})" if control.unit else ""
    notes = [n for n in (control.allowed, control.description) if n]
    return html.Div(
        id=field_id(control.key),
        className="field",
        title=control.key,
        children=[
            html.Label([control.label, html.Span(unit, className="unit")]),
            control_component(control, value, edge_lists),
            html.Small(" · ".join(notes), className="allowed"),
        ],
    )


def form(values: dict[str, Any], graphs_dir: Path | None) -> list[Any]:
    """Every panel of controls, in ``params.PANELS`` order."""
    table = params.controls()
    edge_lists = folders.edge_lists(graphs_dir)
    children: list[Any] = []
    for title, keys in params.PANELS.items():
        children.append(html.H3(title))
        children.extend(field(table[k], values.get(k), edge_lists) for k in keys)
    return children


def layout(places: folders.Folders, results_name: str | None = None) -> html.Div:
    """The whole page: two tabs (the campaign, a results folder) and the per-tab stores.
    Called for every page load: each browser tab gets its own id (the job board takes
    turns between tabs)."""
    graphs_dir = places.graphs
    values = params.form_values(params.start_data())
    campaign = html.Div(
        className="layout",
        children=[
            html.Aside(
                className="controls",
                children=[
                    *form(values, graphs_dir),
                    html.Button("Run", id="run"),
                    html.Div(
                        id="progress-box",
                        style={"display": "none"},
                        children=[
                            html.Progress(id="progress", value="0", max="1"),
                            html.Button("Cancel", id="cancel", className="small"),
                        ],
                    ),
                    html.Div(id="message", className="message"),
                ],
            ),
            html.Main(
                children=[
                    html.Section(
                        className="card",
                        children=[
                            html.H2("This run", id="run-title"),
                            html.Div("Set up a campaign and click Run.", id="kpis"),
                            html.Div(
                                className="row pin-row",
                                children=[
                                    dcc.Input(
                                        id="pin-name",
                                        type="text",
                                        placeholder="scenario name, e.g. coupon 10",
                                    ),
                                    html.Button("Pin this run", id="pin", disabled=True),
                                ],
                            ),
                            html.Div(id="run-charts"),
                        ],
                    ),
                    html.Section(
                        className="card",
                        children=[
                            html.H2("Pinned scenarios"),
                            html.Div("Nothing pinned yet.", id="pins-list"),
                            html.Div(id="comparison"),
                            html.Div(id="comparison-charts"),
                            html.Div(
                                className="row",
                                children=[
                                    dcc.Input(
                                        id="save-path",
                                        type="text",
                                        value="app_study.toml",
                                    ),
                                    html.Button("Save as study", id="save"),
                                    html.Button("Download", id="download-button"),
                                ],
                            ),
                            html.Small(f"Studies are saved in {places.save}/."),
                            html.Div(id="save-message", className="message"),
                        ],
                    ),
                ]
            ),
        ],
    )
    browser = html.Div(
        className="layout",
        children=[
            html.Main(
                children=[
                    html.Section(
                        className="card",
                        children=[
                            html.H2("Open a results folder"),
                            html.Div(
                                className="row",
                                children=[
                                    dcc.Input(
                                        id="results-dir",
                                        type="text",
                                        value=results_name or "default",
                                    ),
                                    html.Button("Open", id="open-results"),
                                ],
                            ),
                            html.Small(f"Results folders in {places.results}/."),
                            html.Div(id="results-message", className="message"),
                        ],
                    ),
                    html.Div(id="results-view"),
                ]
            )
        ],
    )
    return html.Div(
        [
            html.Header(
                [
                    html.H1("Fission — rehearse a referral campaign"),
                    html.P("Simulate, pin and compare campaigns; save them as a study."),
                ]
            ),
            dcc.Tabs(
                id="tabs",
                value="results" if results_name else "campaign",
                children=[
                    dcc.Tab(label="Campaign", value="campaign", children=campaign),
                    dcc.Tab(label="Results folder", value="results", children=browser),
                ],
            ),
            dcc.Store(id="tab", data=uuid.uuid4().hex),
            dcc.Store(id="job"),
            dcc.Store(id="current-run"),
            dcc.Store(id="pins", data=[]),
            dcc.Store(id="results-to-open", data=results_name),
            dcc.Interval(id="poll", interval=250, disabled=True),
            dcc.Download(id="download"),
        ]
    )


# ---------------------------------------------------------------- rendering


def number(value: float | None, metric: str = "") -> str:
    """A number as the page shows it: thousands separated, shares as %, '–' for none."""
    if value is None or not math.isfinite(value):
        return "–"
    if KPI_UNITS.get(metric, ("", ""))[1] == "share":
        return f"{value:.1%}"
    if metric == "roi":
        return f"{value:+.2f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def kpi_cards(summary: dict[str, dict[str, float | None]]) -> list[html.Div]:
    """One card per outcome: the mean over replicates and its 90% interval."""
    cards = []
    for metric, (name, unit) in KPI_UNITS.items():
        row = summary.get(metric)
        if row is None:
            continue
        interval = f"90%: {number(row['p5'], metric)} – {number(row['p95'], metric)}"
        if metric == "budget_exhausted_day":
            interval += f" (in {int(row['runs'] or 0)} runs)"
        cards.append(
            html.Div(
                className="kpi",
                id=f"kpi-{metric}",
                children=[
                    html.Div(f"{name} ({unit})", className="name"),
                    html.Div(
                        number(row["mean"], metric),
                        className="value",
                        **{"data-value": repr(row["mean"])},
                    ),
                    html.Div(interval, className="interval"),
                ],
            )
        )
    return cards


def comparison_table(runs: pd.DataFrame) -> html.Div:
    """The report's comparison table (``sim.charts.comparison_cells``: the cells
    ``fission run`` prints), as HTML: * marks the best scenario on an outcome, ~ one not
    distinguishable from the best (paired, 95%)."""
    cells = charts.comparison_cells(compare(runs))
    table = compare(runs).set_index(["scenario", "outcome"])
    outcomes = list(dict.fromkeys(cells["outcome"]))
    keyed = cells.set_index(["scenario", "outcome"])
    header = html.Tr([html.Th("scenario"), *[html.Th(charts.label(o)) for o in outcomes]])
    rows = []
    for scenario in charts.scenario_order(runs):
        row = [html.Td(scenario)]
        for outcome in outcomes:
            text, mark = keyed.loc[(scenario, outcome), ["text", "mark"]]
            sign = {"best": " *", "indistinct": " ~"}.get(mark, "")
            mean = float(table.loc[(scenario, outcome), "mean"])
            row.append(html.Td(text + sign, className=mark, **{"data-value": repr(mean)}))
        rows.append(html.Tr(row, **{"data-scenario": scenario}))
    legend = (
        "mean [5th, 95th percentile] over runs. * best scenario on the outcome; ~ its "
        "difference from the best is not distinguishable from noise (paired test, 95%)."
    )
    return html.Div(
        [
            html.Table(
                [html.Thead(header), html.Tbody(rows)],
                className="comparison",
                id="comparison-table",
            ),
            html.Small(legend),
        ],
        className="scroll",
    )


# ---------------------------------------------------------------- charts (sim.report)

# The report's charts shown for a single run (all of them are shown for comparisons).
RUN_CHARTS = ("cumulative_joins", "daily_joins", "cost_vs_paying", "budget")


def chart_views(results: Any, keys: tuple[str, ...] | None = None, notes: bool = True) -> list:
    """The report's charts (``sim.report.report_charts``, drawn by ``sim.charts``) as
    Dash graphs, grouped under the report's section headings; ``keys`` keeps only those
    charts; ``notes`` shows why an unavailable chart is missing (else it is skipped)."""
    from sim.report import SECTIONS, report_charts

    chosen = [c for c in report_charts(results) if keys is None or c.key in keys]
    children: list[Any] = []
    for section, title in SECTIONS.items():
        part = [c for c in chosen if c.section == section and (notes or c.figure is not None)]
        if not part:
            continue
        children.append(html.H3(title, className="chart-section"))
        figures = []
        for chart in part:
            if chart.figure is None:
                body: Any = html.Div(chart.note, className="note")
            else:
                body = dcc.Graph(
                    figure=chart.figure,
                    config={"displaylogo": False},
                    id={"type": "chart", "key": chart.key},
                )
            figures.append(
                html.Figure(
                    [body, html.Figcaption(chart.caption)],
                    className="chart",
                    **{"data-chart": chart.key},
                )
            )
        children.append(html.Div(figures, className="charts"))
    return children


def results_view(folder: str) -> tuple[list[Any], str]:
    """A results folder as its report shows it: the comparison table (or the summary
    of a one-scenario study) and every chart, with notes for charts it cannot draw."""
    from sim.results import Results

    results = Results.load(folder)
    runs = results.runs
    scenarios = charts.scenario_order(runs)
    if len(scenarios) > 1:
        table: Any = comparison_table(runs)
    else:
        table = html.Div(kpi_cards(summary_to_store(results.summary_table())), className="kpis")
    name = results.manifest.get("experiment", Path(folder).name)
    points = runs["point"].nunique() if "point" in runs else 1
    note = f"{name}: {len(runs)} runs; scenarios: {', '.join(scenarios)}; {points} sweep points."
    children = [
        html.Section([html.H2(f"Results: {name}"), table], className="card"),
        html.Section(chart_views(results), className="card"),
    ]
    return children, note
