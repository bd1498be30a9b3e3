"""Numbers as a planner reads them, by their declared unit (``sim.outputs``): head-counts
whole, money in yuan, shares and ROI as percentages, K-factors with two decimals, days
with one; "–" for a number that does not exist (nobody paid, nothing was spent).

The terminal, the report's tables and the Excel workbook format through here, so one
outcome reads the same everywhere. Every text is a whole phrase with placeholders (no
sentence built by concatenation), in the current language (``sim.lang``): declared
labels are translated when shown, and so are the units.
"""

from __future__ import annotations

import math
import re

from sim.lang import N_, _
from sim.registry import find

UNDEFINED = "–"

# How a unit is shown after a number, and as a table heading's unit. A share and the ROI
# (declared as a ratio) are shown as percentages.
_SHOWN_UNIT = {
    "people": N_("people"),
    "yuan": N_("yuan"),
    "yuan per person": N_("yuan"),
    "share": "%",
    "ratio": "%",
    "people per member": N_("per member"),
    "day": N_("day"),
    "days": N_("days"),
    "orders": N_("orders"),
    "invitations": N_("invitations"),
    "generations": N_("generations"),
    "probability": N_("probability"),
}
# A label's trailing unit, in ASCII or full-width brackets: "joined (people)", "加入（人）".
_TRAILING_UNIT = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


def unit_of(outcome: str) -> str:
    """The declared unit of a runs-table column ("" when undeclared)."""
    declared = find(outcome, table="runs") or find(outcome)
    return declared.unit if declared is not None else ""


def shown_unit(unit: str) -> str:
    """The unit as a heading shows it, translated: "%" for shares and ratios, "yuan"
    (元) for money."""
    return _(_SHOWN_UNIT.get(unit, unit))


def without_unit(label: str) -> str:
    """A label without its trailing unit: "joined (people)" -> "joined"."""
    return _TRAILING_UNIT.sub("", label)


def name(outcome: str) -> str:
    """An outcome's short name without its unit, translated: "joined", "已加入"."""
    declared = find(outcome, table="runs") or find(outcome)
    if declared is None:
        return outcome
    return without_unit(_(declared.short or declared.label or outcome))


def with_unit(name: str, unit: str) -> str:
    """A heading: a name and its (shown, translated) unit, "joined (people)"."""
    return _("{name} ({unit})").format(name=name, unit=unit) if unit else name


def heading(outcome: str) -> str:
    """A short table heading with the shown unit: "joined (people)", "campaign ROI (%)"."""
    declared = find(outcome, table="runs") or find(outcome)
    if declared is None:
        return outcome
    return with_unit(name(outcome), shown_unit(declared.unit))


def number(value: float | None, unit: str) -> str:
    """``value`` without its unit, as the unit wants it: people and orders whole, yuan
    whole from 100 up and with one decimal below, shares and ratios in percent, K with
    two decimals, days with one. "–" for None and NaN."""
    if value is None or not math.isfinite(value):
        return UNDEFINED
    if unit in ("people", "orders", "invitations"):
        return f"{value:,.0f}"
    if unit in ("yuan", "yuan per person"):
        return f"{value:,.0f}" if abs(value) >= 100 or value == 0 else f"{value:,.1f}"
    if unit in ("share", "ratio"):
        percent = value * 100
        return f"{percent:,.0f}%" if abs(percent) >= 100 else f"{percent:.1f}%"
    if unit == "people per member":
        return f"{value:.2f}"
    if unit in ("day", "days", "generations"):
        return f"{value:,.1f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def quantity(value: float | None, unit: str) -> str:
    """``value`` with its unit: "361 people", "4,001 yuan", "−9.0%", "0.27 per member",
    "day 27.7"; "–" when undefined."""
    text = number(value, unit)
    if text == UNDEFINED or unit in ("share", "ratio", ""):
        return text
    if unit == "day":
        return _("day {n}").format(n=text)
    return _("{n} {unit}").format(n=text, unit=shown_unit(unit))


def interval(mean: float, low: float, high: float, unit: str) -> str:
    """ "mean [low, high]" in the unit's format; "–" alone when the mean is undefined."""
    if mean is None or not math.isfinite(mean):
        return UNDEFINED
    return f"{number(mean, unit)} [{number(low, unit)}, {number(high, unit)}]"
