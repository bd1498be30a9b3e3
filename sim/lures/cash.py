"""A red packet (红包) paid to the invitee on joining. Appeals most to reward hunters
(domain §3.4, §3.9)."""

from __future__ import annotations

from typing import Literal

from sim.lures.base import Lure, ValuedLureParams
from sim.mechanism import JoinView
from sim.money import Due

CASH_STRENGTH = (1.0, 1.5, 6.0)  # payer, convertible, junk: a red packet draws junk most


class CashParams(ValuedLureParams):
    kind: Literal["cash"] = "cash"


class CashLure(Lure):
    name = "cash"
    Params = CashParams
    strength = CASH_STRENGTH
    pays_cash = True
    farm_share = 1.0  # cash is cash

    def on_join(self, view: JoinView) -> list[Due]:
        return [Due.each(view.invitees, self.params.value, "lure")]
