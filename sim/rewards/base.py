"""What every reward rule is: its shared parameters and the hooks the day calls.

A reward rule says what an inviter (and, two-sided, the invitee) gets for a successful
referral. A referral counts when the invitee joins, or at the invitee's first purchase
(``reward.pay_on``). ``perceived_value`` is the yuan per invite a sharer reckons with;
it sets sharing motivation 1 + lift × value / (value + half_value) (domain §3.5).
The ``[reward]`` table also holds the budget, which pays lures and rewards alike.
"""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.mechanism import EndView, JoinView, Mechanism
from sim.money import Due, saturating
from sim.params import ADVANCED, Section, Yuan


class RewardParams(Section):
    """The keys of ``[reward]`` whatever the rule: the rule and the budget."""

    rule: str
    budget: Yuan | None = Field(None, description="yuan for lures and rewards; none = unlimited")


class PayingRewardParams(RewardParams):
    """A rule that pays inviters: when it pays, the cap, and how sharers weigh it."""

    pay_on: Literal["join", "first_purchase"] = Field(
        "join", description="a referral counts when the friend joins or first buys"
    )
    cap_per_person: Yuan | None = Field(None, description="most one person can earn (yuan)")
    motivation_half_value: float = Field(
        2.0,
        gt=0,
        description="reward (yuan) giving half the full motivation (§3.5)",
        json_schema_extra=ADVANCED,
    )
    perceived_value: Yuan | None = Field(
        None,
        description="yuan per invite a sharer reckons with; none = the rule's default",
        json_schema_extra=ADVANCED,
    )


class RewardRule(Mechanism):
    """A reward rule: the motivation it gives sharers and the payments it makes."""

    family = "reward"
    motivation_bonus: ClassVar[float] = 0.0  # relative extra motivation (lottery, §3.6)
    # How much this rule draws a platform's enforcement, per share (sim.risk.platform);
    # 1 = ordinary. Multiplies the lure's.
    platform_risk: ClassVar[float] = 1.0

    # The rule's parameters never change in a run, and the day asks for these a few
    # times: worked out once (a missing field costs pydantic ~10 µs a look).
    @cached_property
    def pay_on(self) -> str:
        """When a referral counts: "join" or "first_purchase"."""
        return getattr(self.params, "pay_on", "join")

    @cached_property
    def cap(self) -> float | None:
        """The most one person can earn (yuan), None for no cap."""
        return getattr(self.params, "cap_per_person", None)

    def default_perceived_value(self) -> float:
        """Yuan per invite a sharer reckons with, unless ``perceived_value`` says."""
        return 0.0

    def perceived_value(self) -> float:
        told = getattr(self.params, "perceived_value", None)
        return self.default_perceived_value() if told is None else told

    def pull(self, discount: float = 1.0) -> float:
        """How strongly the reward draws an inviter, v / (v + half) in [0, 1) for the
        perceived value v per invite (yuan): 0 without a reward. ``discount`` scales v
        (a reward that waits is worth less to a sharer: sim.risk.controls)."""
        value, half = self._valued
        return saturating(value if discount == 1.0 else value * discount, half)

    @cached_property
    def _valued(self) -> tuple[float, float]:
        """The perceived value per invite and the half value (yuan)."""
        return self.perceived_value(), getattr(self.params, "motivation_half_value", 2.0)

    def motivation(self, discount: float = 1.0) -> float:
        """Saturating reward motivation in [0, 1 + bonus), before the segment's lift."""
        return self.pull(discount) * (1.0 + self.motivation_bonus)

    def fake_payout(self) -> float:
        """Yuan a farm reckons to collect from the rule per fake account it signs up
        through a member's link: the perceived value per invite plus the invitee's part,
        when a referral counts on joining; nothing when it waits for a first order, which
        a fake account never places (sim.risk)."""
        if self.pay_on != "join":
            return 0.0
        return self.perceived_value() + self.invitee_value()

    def invitee_value(self) -> float:
        """Yuan the rule promises the invitee (adds appeal like a cash lure)."""
        return 0.0

    def on_referral(self, view: JoinView) -> list[Due]:
        """Payments due for today's counted referrals (``view.invitees`` brought by
        ``view.inviters``; ``view.counted_referrals`` already counts them)."""
        return []

    def at_end(self, view: EndView) -> list[Due]:
        """Payments due after the last day (leaderboard prizes)."""
        return []


def each(payee: np.ndarray, amount: float) -> Due:
    """A reward of ``amount`` yuan to each of ``payee``."""
    return Due.each(payee, amount, "reward")
