"""Commission over at most three levels (多级分佣): ``level_amounts[0]`` to the inviter,
``[1]`` to the inviter's inviter, ``[2]`` one level further. More than three levels is
pyramid selling under Chinese law (domain §1), so the config refuses it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.mechanism import JoinView
from sim.money import Due
from sim.params import Yuan
from sim.rewards.base import PayingRewardParams, RewardRule, each


class MultiLevelParams(PayingRewardParams):
    rule: Literal["multi_level"] = "multi_level"
    level_amounts: list[Yuan] = Field(
        min_length=1,
        description="yuan by level, inviter first (at most 3 levels: pyramid-selling law)",
    )

    @model_validator(mode="after")
    def _at_most_three(self) -> MultiLevelParams:
        if len(self.level_amounts) > 3:
            raise ValueError(
                "multi-level commission may have at most 3 levels (pyramid-selling law)"
            )
        return self


class MultiLevelReward(RewardRule):
    name = "multi_level"
    Params = MultiLevelParams

    platform_risk = 2.0  # multi-level distribution (多级分销) draws enforcement (assumption)

    def default_perceived_value(self) -> float:
        # Deeper levels are less certain to pay: weigh them by halves.
        return sum(a * 0.5**level for level, a in enumerate(self.params.level_amounts))

    def on_referral(self, view: JoinView) -> list[Due]:
        dues = []
        upline = view.inviters
        for amount in self.params.level_amounts:
            upline = upline[upline >= 0]
            dues.append(each(upline, amount))
            upline = view.inviter[upline]
        return dues
