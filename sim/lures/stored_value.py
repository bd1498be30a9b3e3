"""A stored-value card (储值卡): the invitee's card is loaded with ``value`` yuan of credit
that pays for orders. Every order of a holder with credit left draws on it, up to one
order's revenue, and the campaign pays for the credit as it is used (never for credit
left unused, which it reports as ``stored_value_unspent``). While a holder has credit,
their daily chance of an order is lifted by ``purchase_lift``: credit waiting in a
wallet brings people back (an assumption to calibrate on a pilot, not a published
figure). Credit is not cash: it appeals to people who buy, like a coupon, and little to
reward hunters, who cannot withdraw it (domain §3.4; strengths are assumptions).

Like every lure, the card is honoured while the budget lasts; once it is spent, credit
left is no longer honoured.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from sim.lures.base import Lure, ValuedLureParams
from sim.mechanism import JoinView, Output, PurchaseView
from sim.money import Due


class StoredValueParams(ValuedLureParams):
    kind: Literal["stored_value"] = "stored_value"
    value: float = Field(0.0, ge=0, description="yuan of credit loaded on the invitee's card")
    purchase_lift: float = Field(
        1.3, ge=1, description="multiplier on the daily chance of an order while credit is left"
    )


class StoredValueLure(Lure):
    name = "stored_value"
    Params = StoredValueParams
    strength = (2.0, 1.4, 0.4)
    farm_share = 1.0
    needs_order = True  # credit is spent on orders, never withdrawn
    person_state = (("credit", "float64"),)  # yuan left on each card
    outputs = (
        Output(
            "stored_value_unspent",
            "yuan",
            "credit loaded on stored-value cards (储值卡) and not used by the last day: not "
            "paid, but still owed to the holders",
            type="float",
            empty_when="the lure is not a stored-value card",
            label="stored value not used (yuan)",
            fmt=",.0f",
        ),
    )

    @property
    def purchase_lift(self) -> float:
        return self.params.purchase_lift

    def on_join(self, view: JoinView) -> list[Due]:
        self.credit[view.invitees] = self.params.value
        return []

    def purchase_chance(self, view: PurchaseView, chance: np.ndarray) -> np.ndarray:
        lift = self.params.purchase_lift
        if lift == 1.0:
            return chance
        holding = self.credit[view.buyers] > 0
        return np.where(holding, np.minimum(1.0, chance * lift), chance)

    def on_purchase(self, view: PurchaseView) -> list[Due]:
        holders = view.buyers[self.credit[view.buyers] > 0]
        used = np.minimum(self.credit[holders], view.revenue_per_order)
        self.credit[holders] -= used
        return [Due(holders, used, "lure")]

    def results(self) -> dict[str, Any]:
        return {"stored_value_unspent": float(self.credit.sum())}
