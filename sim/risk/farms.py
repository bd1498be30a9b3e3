"""Reward farms (羊毛党 workshops): fake accounts made to collect a campaign's payouts.

A Chinese app's cash-for-signup campaign reportedly lost about a billion yuan to reward
farmers (domain §3.9); promotion abuse on large platforms is organised (§6). A farm
signs fake accounts up through the links of junk members (its fronts) and makes more of
them the more each one earns it: per front and funded day, Poisson with mean

    rate × m / (m + half_margin),   m = (1 − caught) × (lure + reward) − cost_per_account

(0 when m ≤ 0), where lure and reward are what one fake account collects
(``sim.risk.base.Payout``) and ``caught`` the chance the controls catch it first. The
farm's cost per account (a phone number from a code-receiving platform, a device, the
labour) is what a check must push the margin below.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.mechanism import Output
from sim.params import Section, Yuan
from sim.risk.base import Batch, FakeSource, SupplyView, margin, supply


class FarmParams(Section):
    rate: float = Field(
        0.0,
        ge=0,
        le=1000,
        description="fake accounts a farm makes per front per day at a large margin (0: no farms)",
    )
    cost_per_account: Yuan = Field(
        3.0, description="the farm's cost of one fake account (yuan): number, device, labour"
    )
    half_margin: float = Field(
        5.0, gt=0, description="margin per account (yuan) at which farms work at half rate"
    )
    order_loss_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="share of an order's value a farm loses reselling what it bought to "
        "cash out an order-bound lure (coupon, credit, group price)",
    )


class FakeAccountFarms(FakeSource):
    name = "farms"
    section = "fraud"
    Params = FarmParams
    streams = ("farms",)
    outputs = (
        Output(
            "fake_joins_farm",
            "people",
            "fake accounts reward farms signed up through the campaign that passed the "
            "sign-up check (not people of the graph; not in `joined`)",
            type="int",
            empty_when="`fraud.rate` = 0 (no farms)",
            better="less",
            label="fake accounts from farms (accounts)",
            fmt=",.0f",
        ),
    )

    @property
    def active(self) -> bool:
        return self.params.rate > 0

    def fakes(self, view: SupplyView) -> list[Batch]:
        p = self.params
        if view.fronts.size == 0:
            return []
        per_front = supply(
            p.rate,
            margin(view.payout, view.room, view.payout.caught, p.cost_per_account),
            p.half_margin,
        )
        counts = view.draws["farms"].poisson(per_front)
        return [Batch(np.repeat(view.fronts, counts), 0.0, "fake_joins_farm")]
