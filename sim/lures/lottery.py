"""A lottery ticket (抽奖): the prize ``value`` with ``win_probability``. Its appeal is that
of a red packet worth the expected prize, with the strength cut by 12.3%: uncertain
rewards to the recipient brought 12.3% fewer referrals than certain ones (Li et al.,
domain §3.6). Our reading of that figure; a parameter via ``lure.appeal``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.lures.base import Lure, ValuedLureParams
from sim.lures.cash import CASH_STRENGTH
from sim.mechanism import JoinView
from sim.money import Due
from sim.params import Probability


class LotteryParams(ValuedLureParams):
    kind: Literal["lottery"] = "lottery"
    value: float = Field(0.0, ge=0, description="the prize (yuan)")
    win_probability: Probability = Field(0.1, description="chance of the prize")


class LotteryLure(Lure):
    name = "lottery"
    Params = LotteryParams
    strength = tuple(0.877 * s for s in CASH_STRENGTH)
    farm_share = 1.0  # over many fake tickets a farm collects the expected prize
    streams = ("lottery",)

    def effective_value(self) -> float:
        return self.params.value * self.params.win_probability

    def on_join(self, view: JoinView) -> list[Due]:
        invitees = view.invitees
        wins = view.draws["lottery"].random(invitees.size) < self.params.win_probability
        return [Due.each(invitees[wins], self.params.value, "lure")]
