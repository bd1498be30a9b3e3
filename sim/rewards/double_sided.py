"""Both sides rewarded (双向奖励): ``amount`` to the inviter, ``invitee_amount`` to the
invitee (Dropbox, Luckin: domain §3.8). Recipient rewards recruit more (Gershon et al.,
§3.5): the invitee's part adds appeal as a red packet of that worth would."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.mechanism import JoinView
from sim.money import Due
from sim.params import Yuan
from sim.rewards.base import PayingRewardParams, RewardRule, each


class DoubleSidedParams(PayingRewardParams):
    rule: Literal["double_sided"] = "double_sided"
    amount: Yuan = Field(0.0, description="yuan to the inviter per successful invite")
    invitee_amount: Yuan = Field(0.0, description="yuan to the invitee")


class DoubleSidedReward(RewardRule):
    name = "double_sided"
    Params = DoubleSidedParams

    def default_perceived_value(self) -> float:
        return self.params.amount

    def invitee_value(self) -> float:
        return self.params.invitee_amount

    def on_referral(self, view: JoinView) -> list[Due]:
        return [
            each(view.inviters, self.params.amount),
            each(view.invitees, self.params.invitee_amount),
        ]
