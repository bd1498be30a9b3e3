"""Prizes after the last day to the top inviters by successful invites (排行榜), ties
drawn at random; nothing per invite."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.mechanism import EndView
from sim.money import Due
from sim.params import Yuan
from sim.rewards.base import PayingRewardParams, RewardRule


class LeaderboardParams(PayingRewardParams):
    rule: Literal["leaderboard"] = "leaderboard"
    prizes: list[Yuan] = Field(min_length=1, description="yuan by rank, first place first")


class LeaderboardReward(RewardRule):
    name = "leaderboard"
    Params = LeaderboardParams
    # Ties are broken with the settlement's stream (as before mechanisms were modules,
    # which keeps results bit-identical).
    streams = ("payments",)

    platform_risk = 1.5  # ranking by invites pushes mass sharing (assumption)

    def default_perceived_value(self) -> float:
        # A sharer reckons with about a one-in-ten chance of an average prize.
        return 0.1 * float(np.mean(self.params.prizes))

    def at_end(self, view: EndView) -> list[Due]:
        counts = view.counted_referrals
        contenders = np.flatnonzero(counts > 0)
        tiebreak = view.draws["payments"].random(contenders.size)
        ranked = contenders[np.lexsort((tiebreak, -counts[contenders]))]
        winners = ranked[: len(self.params.prizes)]
        prizes = np.asarray(self.params.prizes[: winners.size], dtype=np.float64)
        return [Due(winners.astype(np.int64), prizes, "reward")]
