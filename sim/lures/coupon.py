"""A coupon off the first order (优惠券): appeals to people who buy (domain §3.4), lifts the
chance of the first purchase while held, and costs its value only when used."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.lures.base import Lure, ValuedLureParams
from sim.mechanism import JoinView, PurchaseView
from sim.money import Due


class CouponParams(ValuedLureParams):
    kind: Literal["coupon"] = "coupon"
    first_purchase_lift: float = Field(
        2.0, ge=1, description="multiplier on the chance of the first order while held"
    )


class CouponLure(Lure):
    name = "coupon"
    Params = CouponParams
    strength = (2.0, 1.2, 0.3)
    farm_share = 1.0
    needs_order = True  # worth money only on an order
    person_state = (("holding", "bool"),)  # holds an unused coupon

    @property
    def purchase_lift(self) -> float:
        return self.params.first_purchase_lift

    def on_join(self, view: JoinView) -> list[Due]:
        self.holding[view.invitees] = True
        return []

    def purchase_chance(self, view: PurchaseView, chance: np.ndarray) -> np.ndarray:
        lift = self.params.first_purchase_lift
        if lift == 1.0:
            return chance
        buyers = view.buyers
        first_time = self.holding[buyers] & (view.purchases[buyers] == 0)
        return np.where(first_time, np.minimum(1.0, chance * lift), chance)

    def on_first_purchase(self, view: PurchaseView) -> list[Due]:
        redeemed = view.buyers[self.holding[view.buyers]]
        self.holding[redeemed] = False
        return [Due.each(redeemed, self.params.value, "lure")]
