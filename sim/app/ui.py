"""The app's page: the campaign form (built from ``sim.app.params``), the KPI cards of a
run, the pinned scenarios' comparison, the Optimise tab (``sim.app.search_view``) and
the results-folder browser.

Layout and rendering only; callbacks live in ``sim.app.server``. Numbers on the page
carry their exact value in a ``data-value`` attribute, so tests can compare them with
the engine's without parsing formatted text; they are shown as the terminal and the
report show them (``sim.units``).

The page speaks the tab's language (``sim.lang``): the switch in the header stores the
choice in a cookie (``LANG_COOKIE``) and reloads the page, which is then built in that
language; without a choice, the server's (``fission app --lang``, else its locale).
Rendering functions use the current language: callbacks call them inside
``lang.using(the tab's language)``.
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from dash import dcc, html

from sim import charts, lang, units
from sim.app import folders, levers, params, search_view
from sim.app.store import summary_to_store
from sim.compare import compare
from sim.lang import _
from sim.registry import headline_outcomes
from sim.wording import option_label

# The outcomes shown as cards: the headline outputs (profit and payback first), each
# with its declared unit (named in the current language when shown: ``units.name``).
KPI_UNITS: dict[str, str] = {o.name: o.unit for o in headline_outcomes()}
LANG_COOKIE = "fission_lang"  # the tab's chosen language (the header's switch)

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; margin: 0; color: #1d2733; background: #f4f6f8; }
header { background: #1d3557; color: white; padding: 10px 20px; display: flex;
  align-items: center; gap: 16px; flex-wrap: wrap; }
header .title { flex: 1; min-width: 240px; }
header .lang { width: 140px; color: #1d2733; font-size: 13px; }
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
.field .field-error { color: #a4161a; font-size: 12px; font-weight: 600; }
.field .field-error:empty { display: none; }
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
/* One chart per row: each gets the width it needs (two side by side only on wide screens) */
.charts { display: grid; grid-template-columns: minmax(0, 1fr); gap: 14px; }
@media (min-width: 1800px) { .charts { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
@media (max-width: 900px) { .layout { flex-direction: column; align-items: stretch; }
  .controls { width: auto; } }
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
.field input[type=checkbox] { width: auto; margin: 0 6px 0 0; }
.lever-tick label { display: flex; align-items: center; }
.lever-range { display: flex; gap: 6px; align-items: center; margin-top: 2px; }
.lever-range input[type=text] { width: 72px; flex: none; } .lever-range > div { flex: 1; }
.lever-range label { display: inline-flex; align-items: center; font-weight: 400;
  font-size: 12px; white-space: nowrap; }
.constraint { border-top: 1px dashed #dde3ea; padding-top: 4px; }
.constraint .lever-range > div:first-child { flex: 3; }
.recommendation { font-size: 15px; margin: 6px 0 10px; }
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


def error_id(key: str) -> dict[str, str]:
    """The element under a control where its validation error is shown."""
    return {"type": "field-error", "key": key}


def field_errors(keys: list[str], key: str | None, problem: str) -> list[str]:
    """The text under each control: ``problem`` under the one ``key`` names (or the
    control of which ``key`` is a part: ``reward.tiers.0.bonus`` is ``reward.tiers``'s),
    empty under the others."""
    owner = None
    if key is not None:
        owner = next(
            (k for k in sorted(keys, key=len, reverse=True) if key == k or key.startswith(k + ".")),
            None,
        )
    return [problem if k == owner else "" for k in keys]


def control_component(control: params.Control, value: Any, edge_lists: list[str]) -> Any:
    """The Dash component editing one control (a dropdown or a text box)."""
    if control.kind in ("choice", "bool"):
        yes_no = [{"label": _("yes"), "value": True}, {"label": _("no"), "value": False}]
        choices = [{"label": option_label(control.key, o), "value": o} for o in control.options]
        return dcc.Dropdown(
            id=param_id(control.key),
            options=yes_no if control.kind == "bool" else choices,
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
            placeholder=_("no edge lists in the graphs folder"),
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
    """A control with its label (the planner's words), unit, allowed range, description
    and the place its validation error shows."""
    unit = _(" ({unit})").format(unit=control.shown_unit) if control.unit else ""
    notes = [n for n in (control.allowed, _(control.description)) if n]
    return html.Div(
        id=field_id(control.key),
        className="field",
        title=control.key,
        children=[
            html.Label([control.label, html.Span(unit, className="unit")]),
            control_component(control, value, edge_lists),
            html.Div(id=error_id(control.key), className="field-error", role="alert"),
            html.Small(" · ".join(notes), className="allowed"),
        ],
    )


def form(values: dict[str, Any], graphs_dir: Path | None) -> list[Any]:
    """Every panel of controls, in ``params.PANELS`` order."""
    table = params.controls()
    edge_lists = folders.edge_lists(graphs_dir)
    children: list[Any] = []
    for title, keys in params.PANELS.items():
        children.append(html.H3(_(title)))
        children.extend(field(table[k], values.get(k), edge_lists) for k in keys)
    return children


def page_language() -> str:
    """The language a page is built in: the tab's choice (its cookie) when the page is
    requested, else the server's (``lang.current()``)."""
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover - Flask comes with Dash
        return lang.current()
    if has_request_context():
        chosen = request.cookies.get(LANG_COOKIE, "")
        if chosen in lang.LANGUAGES:
            return chosen
    return lang.current()


def layout(places: folders.Folders, results_name: str | None = None) -> html.Div:
    """The whole page: three tabs (the campaign, the search, a results folder) and the
    per-tab stores, in the page's language (``page_language``). Called for every page
    load: each browser tab gets its own id (the job board takes turns between tabs)."""
    with lang.using(page_language()) as code:
        return _layout(places, results_name, code)


def _layout(places: folders.Folders, results_name: str | None, code: str) -> html.Div:
    graphs_dir = places.graphs
    values = params.form_values(params.start_data())
    campaign = html.Div(
        className="layout",
        children=[
            html.Aside(
                className="controls",
                children=[
                    *form(values, graphs_dir),
                    html.Button(_("Run"), id="run"),
                    html.Div(
                        id="progress-box",
                        style={"display": "none"},
                        children=[
                            html.Progress(id="progress", value="0", max="1"),
                            html.Button(_("Cancel"), id="cancel", className="small"),
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
                            html.H2(_("This run"), id="run-title"),
                            html.Div(_("Set up a campaign and click Run."), id="kpis"),
                            html.Div(
                                className="row pin-row",
                                children=[
                                    dcc.Input(
                                        id="pin-name",
                                        type="text",
                                        placeholder=_("scenario name, e.g. coupon 10"),
                                    ),
                                    html.Button(_("Pin this run"), id="pin", disabled=True),
                                ],
                            ),
                            html.Div(id="run-charts"),
                        ],
                    ),
                    html.Section(
                        className="card",
                        children=[
                            html.H2(_("Pinned scenarios")),
                            html.Div(_("Nothing pinned yet."), id="pins-list"),
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
                                    html.Button(_("Save as study"), id="save"),
                                    html.Button(_("Download"), id="download-button"),
                                ],
                            ),
                            html.Small(
                                _("Studies are saved in {folder}/.").format(folder=places.save)
                            ),
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
                            html.H2(_("Open a results folder")),
                            html.Div(
                                className="row",
                                children=[
                                    dcc.Input(
                                        id="results-dir",
                                        type="text",
                                        value=results_name or "default",
                                    ),
                                    html.Button(_("Open"), id="open-results"),
                                ],
                            ),
                            html.Small(
                                _("Results folders in {folder}/.").format(folder=places.results)
                            ),
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
                    html.Div(
                        [
                            html.H1(_("Fission — rehearse a referral campaign")),
                            html.P(_("Simulate, pin and compare campaigns; save them as a study.")),
                        ],
                        className="title",
                    ),
                    dcc.Dropdown(
                        id="lang-switch",
                        options=[{"label": n, "value": c} for c, n in lang.LANGUAGES.items()],
                        value=code,
                        clearable=False,
                        searchable=False,
                        className="lang",
                    ),
                ]
            ),
            dcc.Tabs(
                id="tabs",
                value="results" if results_name else "campaign",
                children=[
                    dcc.Tab(label=_("Campaign"), value="campaign", children=campaign),
                    dcc.Tab(
                        label=_("Optimise"),
                        value="optimise",
                        children=search_view.search_tab(levers.start_form()),
                    ),
                    dcc.Tab(label=_("Results folder"), value="results", children=browser),
                ],
            ),
            dcc.Store(id="lang", data=code),
            dcc.Store(id="lang-applied"),
            dcc.Store(id="tab", data=uuid.uuid4().hex),
            dcc.Store(id="job"),
            dcc.Store(id="current-run"),
            dcc.Store(id="pins", data=[]),
            dcc.Store(id="results-to-open", data=results_name),
            dcc.Interval(id="poll", interval=250, disabled=True),
            dcc.Download(id="download"),
            dcc.Store(id="search-job"),
            dcc.Store(id="search-result"),
            dcc.Interval(id="search-poll", interval=500, disabled=True),
            dcc.Download(id="search-download"),
        ]
    )


# ---------------------------------------------------------------- rendering


def number(value: float | None, metric: str = "") -> str:
    """A number as the page shows it: as the terminal and the report show the outcome
    (``sim.units``, by its declared unit): people whole, yuan, shares and ROI in %, "–"
    for none."""
    if value is None or not math.isfinite(value):
        return units.UNDEFINED
    return units.number(value, units.unit_of(metric))


def kpi_cards(summary: dict[str, dict[str, float | None]]) -> list[html.Div]:
    """One card per outcome: the mean over replicates and its 90% interval."""
    cards = []
    for metric, unit in KPI_UNITS.items():
        row = summary.get(metric)
        if row is None:
            continue
        interval = _("90%: {low} – {high}").format(
            low=number(row["p5"], metric), high=number(row["p95"], metric)
        )
        if metric == "budget_exhausted_day":
            interval += _(" (in {runs} runs)").format(runs=int(row["runs"] or 0))
        cards.append(
            html.Div(
                className="kpi",
                id=f"kpi-{metric}",
                children=[
                    html.Div(
                        units.with_unit(units.name(metric), units.shown_unit(unit)),
                        className="name",
                    ),
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
    header = html.Tr([html.Th(_("scenario")), *[html.Th(units.heading(o)) for o in outcomes]])
    rows = []
    for scenario in charts.scenario_order(runs):
        row = [html.Td(scenario)]
        for outcome in outcomes:
            text, mark = keyed.loc[(scenario, outcome), ["text", "mark"]]
            sign = {"best": " *", "indistinct": " ~"}.get(mark, "")
            r = table.loc[(scenario, outcome)]
            mean = float(r["mean"])
            text = units.interval(mean, r["p5"], r["p95"], units.unit_of(outcome))
            row.append(html.Td(text + sign, className=mark, **{"data-value": repr(mean)}))
        rows.append(html.Tr(row, **{"data-scenario": scenario}))
    legend = _(
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
    from sim.report import PLOTLY_CONFIG, report_charts, section_titles

    chosen = [c for c in report_charts(results) if keys is None or c.key in keys]
    children: list[Any] = []
    for section, title in section_titles().items():
        part = [c for c in chosen if c.section == section and (notes or c.figure is not None)]
        if not part:
            continue
        children.append(html.H3(title, className="chart-section"))
        figures = []
        for chart in part:
            if chart.figure is None:
                body: Any = html.Div(chart.note, className="note")
            else:
                height = int(chart.figure.layout.height or 450)
                body = dcc.Graph(
                    figure=chart.figure,
                    config=charts.plotly_config(**PLOTLY_CONFIG),
                    id={"type": "chart", "key": chart.key},
                    style={"height": f"{height}px"},
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
    note = _("{name}: {runs} runs; scenarios: {scenarios}; {points} sweep points.").format(
        name=name, runs=len(runs), scenarios=", ".join(scenarios), points=points
    )
    children = [
        html.Section([html.H2(_("Results: {name}").format(name=name)), table], className="card"),
        html.Section(chart_views(results), className="card"),
    ]
    return children, note
