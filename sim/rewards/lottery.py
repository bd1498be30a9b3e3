"""Each successful invite is a lottery ticket (抽奖) for ``amount`` yuan with
``win_probability``. Uncertain rewards to the sender raised referrals 20.9% over
certain ones (Li et al., domain §3.6); we apply it to the reward's motivation term
(the ``motivation_bonus``), so sharing rises by less than 20.9% in total."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.mechanism import JoinView
from sim.money import Due
from sim.params import Probability, Yuan
from sim.rewards.base import PayingRewardParams, RewardRule, each


class LotteryRewardParams(PayingRewardParams):
    rule: Literal["lottery"] = "lottery"
    amount: Yuan = Field(0.0, description="the prize (yuan) a winning invite earns")
    win_probability: Probability = Field(0.1, description="chance an invite wins")


class LotteryReward(RewardRule):
    name = "lottery"
    Params = LotteryRewardParams
    motivation_bonus = 0.209
    streams = ("lottery",)

    def default_perceived_value(self) -> float:
        return self.params.amount * self.params.win_probability

    def on_referral(self, view: JoinView) -> list[Due]:
        wins = view.draws["lottery"].random(view.inviters.size) < self.params.win_probability
        return [each(view.inviters[wins], self.params.amount)]
