"""Every mechanism of the engine in one place: the lure kinds, the reward rules and the
join channels, and the output columns they add to the core ones (``sim.outputs``).

Faces (the docs generator, charts, the comparison) read columns through here, so a
mechanism's outputs reach them without anyone keeping a second list.
"""

from __future__ import annotations

from sim import outputs
from sim.channels import CHANNELS
from sim.config import FAMILIES
from sim.groups import GROUPS_OUTPUTS
from sim.groups import RUNS_OUTPUTS as GROUP_RUNS_OUTPUTS
from sim.lures import LURES
from sim.mechanism import Output
from sim.rewards import REWARDS
from sim.risk import risk_outputs
from sim.value import VALUE

__all__ = [
    "CHANNELS",
    "FAMILIES",
    "columns",
    "compared_outcomes",
    "decision_outcomes",
    "find",
    "headline_outcomes",
    "mechanism_outputs",
]


def mechanism_outputs() -> tuple[Output, ...]:
    """Every output a mechanism declares, in registry order (value models, lures,
    rewards, channels, risk): the value columns first, as planners read profit first."""
    channel_outputs = tuple(o for channel in CHANNELS for o in channel.outputs)
    groups = GROUP_RUNS_OUTPUTS + GROUPS_OUTPUTS
    return (
        VALUE.outputs()
        + LURES.outputs()
        + REWARDS.outputs()
        + channel_outputs
        + risk_outputs()
        + groups
    )


def decision_outcomes() -> tuple[Output, ...]:
    """The outcomes a planner decides on: the runs-table columns with a ``better``
    direction, core and mechanisms' (the comparison, the sweeps' charts and the Sobol
    indices use these), the value models' first (profit and payback lead)."""
    return _value_first(tuple(o for o in columns("runs") if o.better is not None))


def headline_outcomes() -> tuple[Output, ...]:
    """The numbers a run is summed up by (the terminal summary, the report's and the
    app's cards), the value models' first."""
    return _value_first(tuple(o for o in columns("runs") if o.headline))


def _value_first(outputs: tuple[Output, ...]) -> tuple[Output, ...]:
    value = {o.name for o in VALUE.outputs()}
    return tuple(o for o in outputs if o.name in value) + tuple(
        o for o in outputs if o.name not in value
    )


def compared_outcomes() -> tuple[Output, ...]:
    """The outcomes scenarios are compared on (the comparison table, the sweeps' charts
    and tables, the Sobol indices): the decision outcomes, and the context outcomes
    (``Output.context``: costs) shown beside them unranked, in column order."""
    return _value_first(tuple(o for o in columns("runs") if o.better is not None or o.context))


def columns(table: str) -> tuple[Output, ...]:
    """A table's columns: the core ones, then the mechanisms'."""
    return outputs.columns(table, mechanism_outputs())


def find(name: str, table: str | None = None) -> Output | None:
    """The declaration of a column of any table (``sim.outputs.find``), mechanisms' included."""
    return outputs.find(name, mechanism_outputs(), table=table)
