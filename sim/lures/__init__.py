"""Lures (裂变诱饵): what an invitee gets for joining, one kind per module.

``KINDS`` is the registry, in the order the app and the docs list them; ``LureConfig``
is the ``[lure]`` table: a union of every kind's parameters told apart by ``kind``, so
``lure = {kind = "cash", value = 8}`` is validated against cash's own fields. A new kind
is a new module here and one line in ``KINDS`` (docs/extending.md).
"""

from __future__ import annotations

from sim.family import Family
from sim.lures.bargain import BargainLure
from sim.lures.base import Lure, LureParams
from sim.lures.cash import CASH_STRENGTH, CashLure
from sim.lures.coupon import CouponLure
from sim.lures.free_content import FreeContentLure
from sim.lures.group_buy import GroupBuyLure
from sim.lures.lottery import LotteryLure
from sim.lures.none import NoLure
from sim.lures.stored_value import StoredValueLure

LURES = Family(
    "lure",
    "kind",
    (
        NoLure,
        CashLure,
        CouponLure,
        FreeContentLure,
        GroupBuyLure,
        BargainLure,
        LotteryLure,
        StoredValueLure,
    ),
)
LureConfig = LURES.config_type
KINDS = LURES.names

__all__ = ["CASH_STRENGTH", "KINDS", "LURES", "Lure", "LureConfig", "LureParams", "make_lure"]


def make_lure(params: LureParams, people: int) -> Lure:
    """The lure of these parameters for a community of ``people``."""
    return LURES.make(params, people)
