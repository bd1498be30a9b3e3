"""Reward rules: what an inviter gets for a successful referral, one rule per module.

``REWARDS`` is the registry, in the order the app and the docs list them;
``RewardConfig`` is the ``[reward]`` table: a union of every rule's parameters told
apart by ``rule``, each validated against its own fields. A new rule is a new module
here and one line in the registry (docs/extending.md).
"""

from __future__ import annotations

from sim.family import Family
from sim.rewards.base import RewardParams, RewardRule
from sim.rewards.double_sided import DoubleSidedReward
from sim.rewards.leaderboard import LeaderboardReward
from sim.rewards.lottery import LotteryReward
from sim.rewards.multi_level import MultiLevelReward
from sim.rewards.none import NoReward
from sim.rewards.referrer import ReferrerReward
from sim.rewards.tiered import Tier, TieredReward

REWARDS = Family(
    "reward",
    "rule",
    (
        NoReward,
        ReferrerReward,
        DoubleSidedReward,
        TieredReward,
        MultiLevelReward,
        LeaderboardReward,
        LotteryReward,
    ),
)
RewardConfig = REWARDS.config_type
RULES = REWARDS.names

__all__ = [
    "REWARDS",
    "RULES",
    "RewardConfig",
    "RewardParams",
    "RewardRule",
    "Tier",
    "make_reward_rule",
]


def make_reward_rule(params: RewardParams, people: int) -> RewardRule:
    """The reward rule of these parameters for a community of ``people``."""
    return REWARDS.make(params, people)
