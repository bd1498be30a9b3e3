"""What every lure is: its shared parameters and the hooks the day calls.

A lure (裂变诱饵) is what an invitee gets for joining. ``appeal`` multiplies the chance
an invitation converts, by segment (payer, convertible, junk):
1 + strength × value / (value + half_value), while the budget lasts (domain §3.4-3.5).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from sim.mechanism import JoinView, Mechanism, PurchaseView, SharingView
from sim.money import Due, saturating
from sim.params import ADVANCED, BySegment, Section, Yuan

DEFAULT_HALF_VALUE = 10.0  # yuan giving half the appeal, for lures that take no value


class LureParams(Section):
    """The parameters every lure kind takes: its kind (the tag of ``[lure]``)."""

    kind: str


class ValuedLureParams(LureParams):
    """A lure worth something to the invitee, with the appeal that worth buys."""

    value: Yuan = Field(0.0, description="yuan per invitee")
    appeal: BySegment | None = Field(
        None,
        description="appeal strength by segment; none = the kind's default",
        json_schema_extra=ADVANCED,
    )
    half_value: float = Field(
        DEFAULT_HALF_VALUE,
        gt=0,
        description="value giving half the appeal (yuan)",
        json_schema_extra=ADVANCED,
    )


class Lure(Mechanism):
    """A lure kind: its appeal and its hooks. Hooks run only while the budget lasts."""

    family = "lure"
    strength: ClassVar[tuple[float, float, float]] = (0.0, 0.0, 0.0)
    # Pays the invitee cash on joining: reward hunters may take it and leave (value models).
    pays_cash: ClassVar[bool] = False
    # How much this mechanic draws a platform's enforcement, per share (sim.risk.platform):
    # WeChat's rules name bargaining and assistance mechanics (domain §6). 1 = ordinary.
    platform_risk: ClassVar[float] = 1.0
    # Share of the lure's worth a fake account turns into money for a farm (sim.risk), and
    # whether cashing it needs an order (a coupon, credit, a group price), which a minimum
    # order value makes costly.
    farm_share: ClassVar[float] = 0.0
    needs_order: ClassVar[bool] = False

    @property
    def half_value(self) -> float:
        """Value giving half the appeal (yuan)."""
        return getattr(self.params, "half_value", DEFAULT_HALF_VALUE)

    @property
    def purchase_lift(self) -> float:
        """The multiplier on a lured joiner's daily chance of buying that seed planning
        reckons with (``sim.influence.fit.paying_share``); 1 for no lift."""
        return 1.0

    def effective_value(self) -> float:
        """The lure's worth to an invitee (yuan)."""
        return getattr(self.params, "value", 0.0)

    def appeal(self) -> np.ndarray:
        """Multiplier on conversion by segment while the lure is offered."""
        custom = getattr(self.params, "appeal", None)
        strength = np.array(custom.as_tuple() if custom else self.strength)
        return 1.0 + strength * saturating(self.effective_value(), self.half_value)

    def appeal_at(self, value_factor: float) -> np.ndarray:
        """The appeal when the lure is worth ``value_factor`` of its value to a genuine
        invitee (a minimum order value above their usual basket, sim.risk.controls)."""
        if value_factor == 1.0:
            return self.appeal()
        custom = getattr(self.params, "appeal", None)
        strength = np.array(custom.as_tuple() if custom else self.strength)
        return 1.0 + strength * saturating(self.effective_value() * value_factor, self.half_value)

    def fake_payout(self) -> float:
        """Yuan the campaign pays on one fake account that passes (what ``on_fakes`` pays
        each, before the budget): the lure's expected payment per referred joiner."""
        return self.effective_value() if self.farm_share > 0 else 0.0

    def on_fakes(self, fronts: np.ndarray) -> list[Due]:
        """Payments due for fake accounts that signed up today, one per entry of
        ``fronts``: the real member whose link each came through (the farm holds the fake
        account, so the payment is booked to its front)."""
        payout = self.fake_payout()
        if payout <= 0 or fronts.size == 0:
            return []
        return [Due.each(fronts, payout, "lure")]

    def share_boost(self, view: SharingView) -> np.ndarray | float:
        """Multiplier on sharing for the pool's members (a pending deal motivates, §3.5)."""
        return 1.0

    def on_join(self, view: JoinView) -> list[Due]:
        """Payments due when invited people join today (they joined with the lure)."""
        return []

    @property
    def lifts_purchases(self) -> bool:
        """Whether ``purchase_chance`` may change a chance (phase 7 asks it only then):
        a lure that lifts buying does it by its ``purchase_lift``."""
        return self.purchase_lift != 1.0

    def purchase_chance(self, view: PurchaseView, chance: np.ndarray) -> np.ndarray:
        """Today's chance of an order for each of ``view.buyers`` (a coupon lifts it);
        called only when ``lifts_purchases``."""
        return chance

    def on_purchase(self, view: PurchaseView) -> list[Due]:
        """Payments due when ``view.buyers`` place an order today (each one order)."""
        return []

    def on_first_purchase(self, view: PurchaseView) -> list[Due]:
        """Payments due when ``view.buyers`` buy for the first time."""
        return []
