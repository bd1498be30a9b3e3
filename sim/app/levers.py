"""The Optimise tab's form: which of the campaign's controls may be levers, how the tab
starts, and its values as a study's ``[optimise]`` table (``docs/optimise.md``).

Nothing is declared here twice. A lever is a control of ``sim.app.params`` (kind,
bounds, options and unit from ``sim.config``): every number or choice of the panels a
planner decides on (seeds and KOLs, the lure, the reward). The tab starts as the
shipped search, experiments/optimise.toml's ``[optimise]`` table (its levers ticked
with their ranges and choices, its objective, constraints and replicates), with
``APP_TRIALS`` trials; a control not in it starts unticked, with a range around the
starting campaign's value, or the options that make a campaign by themselves (a tiered
reward needs its tiers, which a lever cannot give: it is offered, not chosen). The
form's text becomes plain data here (errors name the field,
``optimise.levers.lure.value.low: ...``); ``sim.optimise.space.parse_space`` validates
the table as ``fission optimise`` does. Pure functions: no Dash, no I/O but reading the
shipped search.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from sim.app import params
from sim.config import ConfigError, apply_overrides, read_config_file
from sim.registry import compared_outcomes, decision_outcomes

START_SEARCH = params.ROOT / "experiments" / "optimise.toml"
APP_TRIALS = 40  # the tab's starting trials (the file has 200: about a minute on 2 cores)
CONSTRAINT_ROWS = 3  # constraints the tab offers
# The panels whose numbers and choices may be levers (the planner's decisions).
LEVER_PANELS = (
    "Seeds and KOLs",
    "Lure (what the friend gets)",
    "Reward (what the inviter gets)",
)
# A constraint's bound, as the [optimise] table names it.
BOUNDS = ("low", "high", "p5_low", "loss_chance_high")


@dataclass(frozen=True)
class LeverRow:
    """One row of the tab: the control, whether it is searched, its range (text, as the
    inputs show it; ``log`` scale) or its chosen options."""

    control: params.Control
    searched: bool
    low: str = ""
    high: str = ""
    log: bool = False
    choices: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.control.key


@dataclass(frozen=True)
class SearchForm:
    """The tab's starting values: lever rows, the objective (outcome, "maximize" or
    "minimize"), constraint rows (outcome, bound, value text) and the search's size."""

    levers: tuple[LeverRow, ...]
    objective: tuple[str, str]
    constraints: tuple[tuple[str | None, str | None, str], ...]
    trials: int
    start: int
    max: int
    finalists: int


def lever_controls() -> dict[str, params.Control]:
    """The controls that may be levers: the numbers and choices of ``LEVER_PANELS``."""
    table = params.controls()
    return {
        key: table[key]
        for panel in LEVER_PANELS
        for key in params.PANELS[panel]
        if table[key].kind in ("choice", "int", "float")
    }


def objective_outcomes() -> tuple[str, ...]:
    """Outcomes a search may maximise or minimise: those a planner decides on."""
    return tuple(o.name for o in decision_outcomes())


def constraint_outcomes() -> tuple[str, ...]:
    """Outcomes a constraint may bound: the compared ones (total cost among them)."""
    return tuple(o.name for o in compared_outcomes())


def better(outcome: str) -> str:
    """The direction a planner wants an outcome to go: "maximize" or "minimize"."""
    declared = next((o for o in decision_outcomes() if o.name == outcome), None)
    return "minimize" if declared is not None and declared.better == "less" else "maximize"


def start_form(campaign: dict[str, Any] | None = None) -> SearchForm:
    """The tab as it opens: the shipped search on the starting campaign (see the
    module's text)."""
    table = read_config_file(START_SEARCH)["optimise"]
    values = params.form_values(campaign if campaign is not None else params.start_data())
    shipped = table["levers"]
    rows = []
    for key, control in lever_controls().items():
        given = shipped.get(key)
        if control.kind == "choice":
            options = tuple(given) if isinstance(given, list) else _valid_options(key)
            rows.append(LeverRow(control, given is not None, choices=options))
        elif isinstance(given, dict):
            rows.append(
                LeverRow(
                    control,
                    True,
                    _text(given["low"]),
                    _text(given["high"]),
                    given.get("log", False),
                )
            )
        else:
            low, high = _around(control, values.get(key))
            rows.append(LeverRow(control, False, low, high))
    objective = table["objective"]
    direction = "maximize" if "maximize" in objective else "minimize"
    constraints = [
        (name, bound, _text(limit))
        for name, bounds in table.get("constraints", {}).items()
        for bound, limit in bounds.items()
    ]
    constraints += [(None, None, "")] * (CONSTRAINT_ROWS - len(constraints))
    replicates = table.get("replicates", {})
    return SearchForm(
        tuple(rows),
        (objective[direction], direction),
        tuple(constraints[:CONSTRAINT_ROWS]),
        APP_TRIALS,
        replicates.get("start", 4),
        replicates.get("max", 32),
        replicates.get("finalists", 6),
    )


@functools.cache
def _valid_options(key: str) -> tuple[str, ...]:
    """The options of a choice that make a valid campaign when set alone on the
    starting campaign."""
    campaign = params.start_data()
    valid = []
    for option in params.control_for(key).options:
        try:
            params.build_study(apply_overrides(campaign, {key: option}))
        except ConfigError:
            continue
        valid.append(option)
    return tuple(valid)


def _text(value: Any) -> str:
    return params.plain_number(value)


def _around(control: params.Control, shown: Any) -> tuple[str, str]:
    """A starting range for an unticked number: half to twice the campaign's value,
    within the control's bounds (its whole range for a probability)."""
    low_bound = control.minimum if control.minimum is not None else 0.0
    high_bound = control.maximum if control.maximum is not None else math.inf
    if control.unit == "probability" or (control.minimum == 0 and control.maximum == 1):
        return _text(low_bound), _text(high_bound)
    try:
        value = float(str(shown).replace(",", ""))
    except ValueError:
        value = 0.0
    if value <= 0:
        low, high = low_bound, max(low_bound, 1.0) * 10
    else:
        low, high = value / 2, value * 2
    low, high = max(low, low_bound), min(high, high_bound)
    if control.kind == "int":
        low, high = math.ceil(low), max(math.floor(high), math.ceil(low))
    return _text(low), _text(high)


def optimise_table(
    levers: dict[str, dict[str, Any]],
    objective: tuple[str | None, str | None],
    constraints: list[tuple[str | None, str | None, Any]],
    trials: Any,
    start: Any,
    most: Any,
    finalists: int,
) -> dict[str, Any]:
    """The tab's values as an ``[optimise]`` table.

    Args:
        levers: by key, ``searched`` (bool), ``low``, ``high`` (text), ``log`` (bool)
            and ``choices`` (options); only the searched ones are written.
        objective: (outcome, "maximize" or "minimize").
        constraints: (outcome, bound: one of ``BOUNDS``, value text) rows; a row
            without an outcome is no constraint.
        trials, start, most: the inputs' text (trials, replicates every candidate
            gets, most replicates of a finalist); ``finalists`` as the tab started.
    """
    controls = lever_controls()
    table_levers: dict[str, Any] = {}
    for key, row in levers.items():
        if not row.get("searched"):
            continue
        control = controls[key]
        where = f"optimise.levers.{key}"
        if control.kind == "choice":
            table_levers[key] = list(row.get("choices") or [])
            continue
        kind = "int" if control.kind == "int" else "float"
        table_levers[key] = {
            "low": _number(f"{where}.low", row.get("low"), kind),
            "high": _number(f"{where}.high", row.get("high"), kind),
            "log": bool(row.get("log")),
            "integer": control.kind == "int",
        }
    if not table_levers:
        raise ConfigError("optimise.levers: tick at least one lever to search")
    outcome, direction = objective
    if not outcome or direction not in ("maximize", "minimize"):
        raise ConfigError("optimise.objective: choose an outcome and a direction")
    bounds: dict[str, dict[str, float]] = {}
    for name, bound, value in constraints:
        if not name:
            continue
        if bound not in BOUNDS:
            raise ConfigError(f"optimise.constraints.{name}: choose a bound")
        where = f"optimise.constraints.{name}.{bound}"
        if bound in bounds.get(name, {}):
            raise ConfigError(f"{where}: given twice")
        bounds.setdefault(name, {})[bound] = _number(where, value, "float")
    return {
        "levers": table_levers,
        "objective": {direction: outcome},
        "constraints": bounds,
        "trials": _number("optimise.trials", trials, "int"),
        "replicates": {
            "start": _number("optimise.replicates.start", start, "int"),
            "max": _number("optimise.replicates.max", most, "int"),
            "finalists": finalists,
        },
    }


def _number(key: str, raw: Any, kind: str) -> int | float:
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise ConfigError(f"{key}: enter a number")
    return params.parse_number(key, text, kind)
