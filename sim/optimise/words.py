"""A search's designs and recommendation in a planner's words, in the current language
(``sim.lang``): levers by their labels (``sim.wording``: "seed users", not
``seeds.count``), kinds by name ("group-buy price"), money in yuan, outcomes by their
declared names and units (``sim.units``). The terminal, recommended.toml, report.html and
the app's Optimise tab all say a design and the recommendation through here.

Every text is a whole phrase with placeholders, so a translation may order it freely.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim import units
from sim.lang import _
from sim.wording import key_label, option_label

if TYPE_CHECKING:
    from sim.optimise.outcome import Outcome


def is_kind(key: str) -> bool:
    """Whether ``key`` chooses a kind (``lure.kind``, ``reward.rule``): its values are
    said by name."""
    from sim.config import FAMILIES

    section, _sep, name = key.partition(".")
    family = FAMILIES.get(section)
    return family is not None and name == family.tag


def lever_value(key: str, value: Any, levers: dict[str, Any] | None = None) -> str:
    """One lever's value as a planner reads it: a kind or choice by its name, yuan with
    the unit (the kinds chosen in ``levers`` say which field a key is), whole numbers
    with thousands separators; "–" for a lever that does not apply (None, NaN)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return units.UNDEFINED
    if isinstance(value, str):
        return option_label(key, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if _is_yuan(key, levers or {}):
        return units.quantity(float(value), "yuan")
    return units.number(float(value), "")


def describe_design(levers: dict[str, Any]) -> str:
    """A design in a planner's words: "coupon, lure value per friend 12.0 yuan, seed
    users 80" (a kind by its name alone, other levers by label and value)."""
    parts = []
    for key, value in levers.items():
        if is_kind(key):
            parts.append(lever_value(key, value, levers))
        else:
            parts.append(
                _("{lever} {value}").format(
                    lever=key_label(key), value=lever_value(key, value, levers)
                )
            )
    return _(", ").join(parts)


def _is_yuan(key: str, levers: dict[str, Any]) -> bool:
    """Whether the config declares ``key`` in yuan (its description says so)."""
    from sim.config import FAMILIES, Config

    section, _sep, name = key.partition(".")
    family = FAMILIES.get(section)
    try:
        if family is not None:
            kind = levers.get(f"{section}.{family.tag}")
            field = family.field(name, kind if kind in family.members else None)
        else:
            model = Config.model_fields[section].annotation
            field = model.model_fields[name]  # type: ignore[union-attr]
    except (KeyError, AttributeError, ValueError):
        return False
    return "yuan" in (field.description or "")


def loss_phrase(chance: float) -> str:
    """The chance of a loss as planners say it: "1 in 20 chance of a loss", "no loss
    in any run", "a 35% chance of a loss"."""
    if chance <= 0:
        return _("no loss in any run")
    if chance >= 1:
        return _("a loss in every run")
    n = round(1 / chance)
    if n >= 2 and abs(1 / n - chance) < 0.1 * chance + 1e-9:
        return _("1 in {n} chance of a loss").format(n=n)
    return _("a {percent} chance of a loss").format(percent=f"{chance:.0%}")


def outcome_range(outcome: str, mean: float, p5: float, p95: float) -> str:
    """An outcome's mean with its unit and the 5th to 95th percentile of single runs:
    "profit 16,533 yuan [11,868, 24,008]"."""
    unit = units.unit_of(outcome)
    return _("{outcome} {mean} [{low}, {high}]").format(
        outcome=units.name(outcome),
        mean=units.quantity(mean, unit),
        low=units.number(p5, unit),
        high=units.number(p95, unit),
    )


def sentence(outcome: Outcome) -> str:
    """The recommendation in one line: the design, the objectives' means with the 5th to
    95th percentile of single runs, the chance of a loss, and whether it is better than
    the runner-up (paired, 95%) with the probability that it is the best."""
    if outcome.recommended is None:
        return _("no valid design was found")
    row = outcome.trials[outcome.trials["candidate"] == outcome.recommended.key].iloc[0]
    said = [
        outcome_range(
            o.outcome, row[f"{o.outcome}_mean"], row[f"{o.outcome}_p5"], row[f"{o.outcome}_p95"]
        )
        for o in outcome.space.objectives
    ]
    text = _("{design}: {outcomes}").format(
        design=describe_design(outcome.recommended.as_dict()), outcomes=_(", ").join(said)
    )
    if outcome.loss_outcome is not None and np.isfinite(row["loss_chance"]):
        text = _(", ").join([text, loss_phrase(float(row["loss_chance"]))])
    if not row["feasible"]:
        text = _("{text} (no design met every constraint: this one misses them least)").format(
            text=text
        )
    race = outcome.race
    if race is not None and race.runner_up is None and len(race.finalists) > 1:
        text = _("; ").join([text, _("the only finalist that meets the constraints")])
    if race is not None and race.runner_up is not None:
        objective = outcome.space.objectives[0]
        unit = units.unit_of(objective.outcome)
        mean, low, high = race.difference
        facts = {
            "outcome": units.name(objective.outcome),
            "difference": units.quantity(mean, unit),
            "low": units.number(low, unit),
            "high": units.number(high, unit),
            "replicates": int(row["replicates"]),
            "chance": f"{row['prob_best']:.0%}",
        }
        if race.distinct and objective.higher_is_better:
            verdict = _(
                "better than the runner-up: {outcome} {difference} more (95% [{low}, {high}], "
                "{replicates} replicates; probability best {chance})"
            )
        elif race.distinct:
            verdict = _(
                "better than the runner-up: {outcome} {difference} less (95% [{low}, {high}], "
                "{replicates} replicates; probability best {chance})"
            )
        elif objective.higher_is_better:
            verdict = _(
                "not distinguishable from the runner-up: {outcome} {difference} more (95% "
                "[{low}, {high}], {replicates} replicates; probability best {chance})"
            )
        else:
            verdict = _(
                "not distinguishable from the runner-up: {outcome} {difference} less (95% "
                "[{low}, {high}], {replicates} replicates; probability best {chance})"
            )
        text = _("; ").join([text, verdict.format(**facts)])
    return text
