"""Platform risk: the chance the platform blocks the campaign's link or share interface.

WeChat's rules on outside links name assistance, acceleration, bargaining and
collecting-likes mechanics (助力, 加速, 砍价, 集赞) as violations, with penalties from
blocking a link up to banning the domain or the share interface (domain §6). At the end
of each day t not yet cut off, the platform blocks the campaign with probability

    h_t = 1 − (1 − base_hazard) × exp(−share_hazard × w × S_t / 1000)

where S_t is the day's shares (members who shared) and w the mechanic's risk weight:
the lure's ``platform_risk`` × the reward rule's (a bargain lure 3, a group buy 2, most
1). With ``share_hazard`` = 0 the hazard is constant and the cut-off day is geometric:
P(day d) = (1 − h)^(d − 1) h. From the day after the block:

* ``block = "link"``: the link is dead: nobody shares, nobody joins by invitation, no
  fake account signs up (members already in still buy and are still paid what they
  are owed);
* ``block = "broadcast"``: the share interface is blocked: feed and group posts stop,
  one-to-one messages go on (a sharer's post would have gone one-to-one with
  ``behaviour.channel.direct``; the others do not share), and so does fraud.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from sim.mechanism import Draws, Output
from sim.params import Probability, Section
from sim.risk.base import RiskMechanism


class PlatformParams(Section):
    base_hazard: Probability = Field(
        0.0, description="chance per day the platform blocks the campaign, whatever it does"
    )
    share_hazard: float = Field(
        0.0,
        ge=0,
        le=1000,
        description="hazard per 1,000 risk-weighted shares a day (0: no dependence on activity)",
    )
    block: Literal["link", "broadcast"] = Field(
        "link",
        description="what a block stops: the link (all invitations) or broadcast posts "
        "(feed and groups; one-to-one goes on)",
    )


class PlatformRisk(RiskMechanism):
    name = "platform"
    section = "platform"
    Params = PlatformParams
    streams = ("platform",)
    outputs = (
        Output(
            "cut_off_day",
            "day",
            "the day the platform blocked the campaign's link or share interface "
            "(`platform.block`); invitations stop or shrink from the next day",
            type="int",
            empty_when="never blocked within the campaign, or no platform risk modelled",
            label="day the platform cut the campaign off (day)",
            fmt=".0f",
        ),
        Output(
            "cut_off",
            "share",
            "1 if the platform blocked the campaign within its days, else 0: its mean over "
            "runs is the chance of being cut off",
            empty_when="no platform risk modelled (`platform.base_hazard` and "
            "`platform.share_hazard` both 0)",
            better="less",
            label="cut off by the platform (share of runs)",
            short="cut off",
            fmt=".2f",
        ),
    )

    def __init__(self, params: Any, people: int) -> None:
        super().__init__(params, people)
        self.cut_off_day: int | None = None

    @property
    def active(self) -> bool:
        return self.params.base_hazard > 0 or self.params.share_hazard > 0

    @property
    def blocked(self) -> bool:
        """Whether the campaign has been cut off (on an earlier day)."""
        return self.cut_off_day is not None

    def _blocked_before(self, day: int, block: str) -> bool:
        cut = self.cut_off_day
        return self.params.block == block and cut is not None and cut < day

    def link_dead(self, day: int) -> bool:
        """Whether on ``day`` the link no longer works (a link block on an earlier day)."""
        return self._blocked_before(day, "link")

    def broadcast_blocked(self, day: int) -> bool:
        """Whether on ``day`` only one-to-one messages go out (an earlier broadcast block)."""
        return self._blocked_before(day, "broadcast")

    def hazard(self, shares: int, weight: float) -> float:
        """Today's chance of a block (probability) after ``shares`` shares of a mechanic
        of risk ``weight``."""
        p = self.params
        return 1.0 - (1.0 - p.base_hazard) * math.exp(-p.share_hazard * weight * shares / 1000.0)

    def end_of_day(self, day: int, shares: int, weight: float, draws: Draws) -> None:
        """Draw whether the platform blocks the campaign today (one uniform of the
        ``platform`` stream per day until it does)."""
        if self.cut_off_day is not None:
            return
        if draws["platform"].random() < self.hazard(shares, weight):
            self.cut_off_day = day

    def results(self) -> dict[str, Any]:
        if not self.active:
            return {}
        return {"cut_off_day": self.cut_off_day, "cut_off": float(self.cut_off_day is not None)}
