"""Value models: what members buy during the campaign and after it, one model per
module (docs/model.md §8).

``VALUE`` is the registry; ``ValueConfig`` the ``[value]`` table, told apart by
``model``: ``daily`` (the default: a daily chance by segment, no dropout) or ``bg_nbd``
(buy till you die, with referral effects). ``horizon_days`` carries buying on after the
campaign's last day.
"""

from __future__ import annotations

from typing import Any

from sim.family import Family
from sim.value.base import (
    MEMBERS_OUTPUTS,
    RUNS_OUTPUTS,
    BuyingView,
    CustomerBooks,
    CustomerView,
    GroupBuying,
    HorizonView,
    ValueJoinView,
    ValueModel,
    ValueParams,
    ValueSummaryView,
)
from sim.value.bg_nbd import BgNbdValue
from sim.value.daily import DailyValue

VALUE = Family("value", "model", (DailyValue, BgNbdValue))
ValueConfig = VALUE.config_type

__all__ = [
    "MEMBERS_OUTPUTS",
    "RUNS_OUTPUTS",
    "VALUE",
    "BuyingView",
    "CustomerBooks",
    "CustomerView",
    "GroupBuying",
    "HorizonView",
    "ValueConfig",
    "ValueJoinView",
    "ValueModel",
    "ValueParams",
    "ValueSummaryView",
    "make_value",
]


def make_value(params: ValueParams, people: int, behaviour: Any, last_day: int) -> ValueModel:
    """The value model of these parameters for ``people`` over a campaign ending on
    ``last_day``, with the campaign's ``behaviour`` (purchase chances, order value)."""
    return VALUE.members[params.model](params, people, behaviour, last_day)
