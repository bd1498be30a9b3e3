"""``amount`` per invite plus a bonus each time an inviter's count reaches a tier (阶梯奖励).
A linear payment plus a threshold bonus is within a constant of the optimal referral
incentive (Lobel, Sadler & Varshney 2017; domain §6)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from sim.mechanism import JoinView
from sim.money import Due
from sim.params import Section, Yuan
from sim.rewards.base import PayingRewardParams, RewardRule, each


class Tier(Section):
    invites: int = Field(ge=1, description="successful invites to reach the tier")
    bonus: Yuan


class TieredParams(PayingRewardParams):
    rule: Literal["tiered"] = "tiered"
    amount: Yuan = Field(0.0, description="yuan per successful invite")
    tiers: list[Tier] = Field(
        min_length=1, description="bonus (yuan) on reaching each invite count"
    )

    @model_validator(mode="after")
    def _increasing(self) -> TieredParams:
        thresholds = [t.invites for t in self.tiers]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("tiers must have increasing invite thresholds")
        return self


class TieredReward(RewardRule):
    name = "tiered"
    Params = TieredParams

    platform_risk = 1.5  # collect-N-invites thresholds resemble 集赞 (§6; value assumption)

    def default_perceived_value(self) -> float:
        top = self.params.tiers[-1].invites
        return self.params.amount + sum(t.bonus for t in self.params.tiers) / top

    def on_referral(self, view: JoinView) -> list[Due]:
        # counted_referrals already includes today's referrals (the model counts first).
        dues = [each(view.inviters, self.params.amount)]
        people, today = np.unique(view.inviters, return_counts=True)
        after = view.counted_referrals[people]
        before = after - today
        for tier in self.params.tiers:
            reached = people[(before < tier.invites) & (after >= tier.invites)]
            dues.append(each(reached, tier.bonus))
        return dues
