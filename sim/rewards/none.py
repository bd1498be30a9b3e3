"""No reward for the inviter: they share for the lure's sake and their own."""

from __future__ import annotations

from typing import Literal

from sim.rewards.base import RewardParams, RewardRule


class NoRewardParams(RewardParams):
    rule: Literal["none"] = "none"


class NoReward(RewardRule):
    name = "none"
    Params = NoRewardParams
