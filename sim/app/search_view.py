"""The Optimise tab's page: the form (levers from the campaign's controls, the
objective, constraints, the search's size; ``sim.app.levers``), and a finished search
as ``fission optimise`` reports it: the recommendation in the planner's words, the best
designs side by side and in numbers, the objective against each lever, which levers
matter and the search's progress, drawn by ``sim.optimise.report`` (never twice).

Layout and rendering only, in the current language; callbacks live in
``sim.app.server``, what the buttons do in ``sim.app.search``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from dash import dcc, html

from sim import units
from sim.app import levers
from sim.app.params import PANELS
from sim.app.store import frame_from_store
from sim.lang import N_, _
from sim.wording import option_label

# A constraint's bound in words (the [optimise] table's names: levers.BOUNDS).
BOUND_NAMES = {
    "low": N_("mean at least"),
    "high": N_("mean at most"),
    "p5_low": N_("5th percentile of runs at least"),
    "loss_chance_high": N_("chance of a loss at most (0–1)"),
}


def dropdown_labels() -> dict[str, str]:
    """The texts a dropdown draws itself ("3 selected", "Select All"...), in the current
    language."""
    return {
        "select_all": _("Select all"),
        "deselect_all": _("Deselect all"),
        "selected_count": _("{num_selected} selected"),
        "search": _("Search"),
        "clear_search": _("Clear search"),
        "clear_selection": _("Clear selection"),
        "no_options_found": _("No options found"),
    }


def lever_id(part: str, key: str) -> dict[str, str]:
    """A part of a lever's row: "on", "low", "high", "log", "choices" or "error"."""
    return {"type": f"lever-{part}", "key": key}


def constraint_id(part: str, row: int) -> dict[str, Any]:
    """A part of a constraint's row: "outcome", "bound" or "value"."""
    return {"type": f"constraint-{part}", "row": row}


def _lever(row: levers.LeverRow) -> html.Div:
    """One lever: a tick with its label and unit, then its range or its choices."""
    control = row.control
    unit = _(" ({unit})").format(unit=control.shown_unit) if control.unit else ""
    tick = dcc.Checklist(
        id=lever_id("on", row.key),
        options=[{"label": control.label + unit, "value": "on"}],
        value=["on"] if row.searched else [],
        className="lever-tick",
    )
    if control.kind == "choice":
        body: list[Any] = [
            dcc.Dropdown(
                id=lever_id("choices", row.key),
                options=[{"label": option_label(row.key, o), "value": o} for o in control.options],
                value=list(row.choices),
                multi=True,
                searchable=False,
                labels=dropdown_labels(),
            )
        ]
    else:
        body = [
            html.Div(
                className="lever-range",
                children=[
                    dcc.Input(
                        id=lever_id("low", row.key),
                        name=f"{row.key}.low",
                        type="text",
                        value=row.low,
                        autoComplete="off",
                    ),
                    html.Span("–"),
                    dcc.Input(
                        id=lever_id("high", row.key),
                        name=f"{row.key}.high",
                        type="text",
                        value=row.high,
                        autoComplete="off",
                    ),
                    dcc.Checklist(
                        id=lever_id("log", row.key),
                        options=[{"label": _("log scale"), "value": "log"}],
                        value=["log"] if row.log else [],
                    ),
                ],
            )
        ]
    return html.Div(
        className="field lever",
        title=row.key,
        children=[
            tick,
            *body,
            html.Div(id=lever_id("error", row.key), className="field-error", role="alert"),
            html.Small(control.allowed, className="allowed"),
        ],
    )


def _outcome_options(names: tuple[str, ...]) -> list[dict[str, str]]:
    """Outcomes by name, without the unit they are shown in (a bound is in the
    outcome's own unit: LTV/CAC 2 is twice, not 2%)."""
    return [{"label": units.name(name), "value": name} for name in names]


def search_tab(form: levers.SearchForm) -> html.Div:
    """The Optimise tab as it opens (``levers.start_form``)."""
    by_panel: list[Any] = []
    for panel in levers.LEVER_PANELS:
        rows = [r for r in form.levers if r.key in PANELS[panel]]
        by_panel.extend([html.H3(_(panel)), *[_lever(r) for r in rows]])
    outcome, direction = form.objective
    constraints = []
    for i, (name, bound, value) in enumerate(form.constraints):
        constraints.append(
            html.Div(
                className="field constraint",
                children=[
                    dcc.Dropdown(
                        id=constraint_id("outcome", i),
                        options=_outcome_options(levers.constraint_outcomes()),
                        value=name,
                        placeholder=_("no constraint"),
                        labels=dropdown_labels(),
                    ),
                    html.Div(
                        className="lever-range",
                        children=[
                            dcc.Dropdown(
                                id=constraint_id("bound", i),
                                options=[
                                    {"label": _(text), "value": key}
                                    for key, text in BOUND_NAMES.items()
                                ],
                                value=bound,
                                clearable=False,
                                searchable=False,
                            ),
                            dcc.Input(
                                id=constraint_id("value", i),
                                name=f"constraint-{i}",
                                type="text",
                                value=value,
                                autoComplete="off",
                            ),
                        ],
                    ),
                ],
            )
        )
    settings = [
        ("search-trials", form.trials, N_("designs to try")),
        ("search-start", form.start, N_("replicates of every design")),
        ("search-max", form.max, N_("most replicates of a finalist")),
    ]
    aside = html.Aside(
        className="controls",
        children=[
            html.P(
                _(
                    "The campaign is the Campaign tab's; the search changes only the levers "
                    "ticked here, within their ranges."
                ),
                className="note",
            ),
            html.H3(_("Levers: what the search may change")),
            *by_panel,
            html.H3(_("Objective")),
            dcc.Dropdown(
                id="objective-outcome",
                options=_outcome_options(levers.objective_outcomes()),
                value=outcome,
                clearable=False,
            ),
            dcc.Dropdown(
                id="objective-direction",
                options=[
                    {"label": _("as high as possible"), "value": "maximize"},
                    {"label": _("as low as possible"), "value": "minimize"},
                ],
                value=direction,
                clearable=False,
                searchable=False,
            ),
            html.H3(_("Constraints (in the outcome's own unit)")),
            *constraints,
            html.H3(_("How much to search")),
            *[
                html.Div(
                    className="field",
                    children=[
                        html.Label(_(label)),
                        dcc.Input(id=ident, type="text", value=str(value), autoComplete="off"),
                    ],
                )
                for ident, value, label in settings
            ],
            html.Button(_("Search"), id="search-run"),
            html.Div(
                id="search-progress-box",
                style={"display": "none"},
                children=[
                    html.Progress(id="search-progress", value="0", max="1"),
                    html.Button(_("Cancel"), id="search-cancel", className="small"),
                ],
            ),
            html.Div(id="search-message", className="message"),
        ],
    )
    main = html.Main(
        children=[
            html.Section(
                className="card",
                children=[
                    html.H2(_("What to launch")),
                    html.Div(
                        _("Choose the levers and click Search."),
                        id="search-sentence",
                        className="recommendation",
                    ),
                    html.Button(
                        _("Download recommended.toml"),
                        id="search-download-button",
                        disabled=True,
                    ),
                    html.Div(id="search-table", className="scroll"),
                ],
            ),
            html.Section(html.Div(id="search-charts"), className="card"),
        ]
    )
    return html.Div(className="layout", children=[aside, main])


def result_view(result: dict[str, Any]) -> tuple[Any, Any, list[Any]]:
    """A finished search: (the recommendation, the best designs' table, the figures
    with their headings and captions)."""
    from sim.optimise.report import best_table, sections

    trials = frame_from_store(result["trials"])
    importance = frame_from_store(result["importance"])
    objectives = [(str(o), bool(h)) for o, h in result["objectives"]]
    keys = list(result["levers"])
    outcome, higher = objectives[0]
    sentence = html.B(result["sentence"], **{"data-candidate": result["recommended"] or ""})
    table = _html_table(best_table(trials, outcome, higher, keys))
    figures = []
    for section in sections(trials, None, importance, objectives, keys):
        height = int(section.figure.layout.height or 400)
        figures.append(
            html.Figure(
                [
                    html.H3(section.title, className="chart-section"),
                    dcc.Graph(
                        figure=section.figure,
                        config={"displaylogo": False, "responsive": True},
                        style={"height": f"{height}px"},
                    ),
                    html.Figcaption(section.caption),
                ],
                className="chart",
                **{"data-chart": section.key},
            )
        )
    return sentence, table, [html.Div(figures, className="charts")]


def _html_table(frame: pd.DataFrame) -> html.Table:
    header = html.Tr([html.Th(str(c)) for c in frame.columns])
    rows = [html.Tr([html.Td(str(v)) for v in row]) for row in frame.itertuples(index=False)]
    return html.Table(
        [html.Thead(header), html.Tbody(rows)], className="comparison", id="search-best"
    )


def lever_errors(keys: list[str], message: str) -> list[str]:
    """The text under each lever's row: an error about ``optimise.levers.KEY`` under
    KEY's row, nothing under the others."""
    match = _LEVER_ERROR.match(message)
    owner = match["key"] if match else None
    return [message if key == owner else "" for key in keys]


_LEVER_ERROR = re.compile(r"^optimise\.levers\.(?P<key>[a-z_]+\.[a-z_]+)\b")
