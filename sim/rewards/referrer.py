"""A fixed reward per successful invite, to the inviter only (老带新奖励)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.mechanism import JoinView
from sim.money import Due
from sim.params import Yuan
from sim.rewards.base import PayingRewardParams, RewardRule, each


class ReferrerParams(PayingRewardParams):
    rule: Literal["referrer"] = "referrer"
    amount: Yuan = Field(0.0, description="yuan per successful invite")


class ReferrerReward(RewardRule):
    name = "referrer"
    Params = ReferrerParams

    def default_perceived_value(self) -> float:
        return self.params.amount

    def on_referral(self, view: JoinView) -> list[Due]:
        return [each(view.inviters, self.params.amount)]
