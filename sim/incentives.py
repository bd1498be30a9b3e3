"""The incentive scheme of a campaign: its lure and its reward rule, put together.

Each lure kind lives in ``sim.lures``, each reward rule in ``sim.rewards`` and the money
in ``sim.money``; this module holds only what needs both sides of the scheme.
"""

from __future__ import annotations

import numpy as np

from sim.lures import CASH_STRENGTH, Lure, make_lure
from sim.money import saturating
from sim.rewards import RewardRule, make_reward_rule

__all__ = ["appeal_offered", "make_lure", "make_reward_rule"]


def appeal_offered(lure: Lure, rule: RewardRule, lure_value_factor: float = 1.0) -> np.ndarray:
    """Multiplier on conversion by segment while the scheme is funded: the lure's appeal,
    plus a two-sided reward's pull on the invitee, which attracts as a red packet of the
    promised yuan would (domain §3.5), saturating at the lure's half value.
    ``lure_value_factor`` is the share of the lure's value a genuine invitee sees (a
    minimum order value above their usual order: ``sim.risk.controls``)."""
    appeal = lure.appeal_at(lure_value_factor)
    invitee_value = rule.invitee_value()
    if invitee_value > 0:
        appeal = appeal + np.array(CASH_STRENGTH) * saturating(invitee_value, lure.half_value)
    return appeal
