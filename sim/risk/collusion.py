"""Self-referral and collusion rings: real members who make second accounts to refer.

Two ways real reward hunters (the junk segment, 羊毛党) farm a campaign themselves, both
growing with what a referral pays (domain §3.4, §3.9) and organised in groups (§6:
promotion abuse runs in rings, not lone accounts):

* **Self-referral.** Each funded day, each junk member who joined before today makes one
  second account and refers it, with probability min(1, self_rate × m / (m + half)),
  m = (1 − caught) × (lure + reward) − self_cost per account.
* **Rings** (互助群). Closed groups of ``ring_size`` junk members each make a second account
  and refer one another's in a circle, so that every member collects one referral and
  one lure. Rings form at Poisson(junk members × ring_rate × m / (m + half)) a day, with
  m at the ring's cost; members are drawn at random among those with room. Real devices
  and real identities make ring accounts harder to catch: the controls' recall on them
  is × (1 − ring_evasion).

A member makes at most ``max_second_accounts`` second accounts, both ways together.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.mechanism import Output
from sim.params import Probability, Section, Yuan
from sim.risk.base import Batch, FakeSource, SupplyView, margin, supply


class CollusionParams(Section):
    self_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description="chance per day a junk member refers a second account of their own at "
        "a large margin (0: no self-referral)",
    )
    self_cost: Yuan = Field(
        5.0, description="a member's cost of a second account (yuan): a number, their time"
    )
    ring_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description="rings formed per junk member per day at a large margin (0: no rings)",
    )
    ring_size: int = Field(5, ge=2, le=500, description="members of a ring (people)")
    ring_cost: Yuan = Field(2.0, description="a ring member's cost of a second account (yuan)")
    ring_evasion: Probability = Field(
        0.5, description="share by which the controls' recall is lower on ring accounts"
    )
    max_second_accounts: int = Field(
        2, ge=1, le=100, description="second accounts one member makes at most"
    )
    half_margin: float = Field(
        5.0, gt=0, description="margin per account (yuan) at which members collude at half rate"
    )


def _fake_output(name: str, what: str) -> Output:
    return Output(
        name,
        "people",
        f"{what} that passed the sign-up check (not people of the graph; not in `joined`)",
        type="int",
        empty_when="`collusion.self_rate` and `collusion.ring_rate` are both 0",
        better="less",
        label=f"{what} (accounts)",
        fmt=",.0f",
    )


class Collusion(FakeSource):
    name = "collusion"
    section = "collusion"
    Params = CollusionParams
    streams = ("collusion",)
    person_state = (("second_accounts", "int32"),)
    outputs = (
        _fake_output("fake_joins_self", "second accounts referred by their owner"),
        _fake_output("fake_joins_ring", "second accounts referred in collusion rings"),
    )

    @property
    def active(self) -> bool:
        return self.params.self_rate > 0 or self.params.ring_rate > 0

    def fakes(self, view: SupplyView) -> list[Batch]:
        selfish = self._self_referrals(view)
        np.add.at(self.second_accounts, selfish, 1)
        rings = self._rings(view)  # after: a member's room counts today's self-referral
        np.add.at(self.second_accounts, rings, 1)
        return [
            Batch(selfish, 0.0, "fake_joins_self"),
            Batch(rings, self.params.ring_evasion, "fake_joins_ring"),
        ]

    def _eligible(self, view: SupplyView) -> tuple[np.ndarray, np.ndarray]:
        free = self.second_accounts[view.fronts] < self.params.max_second_accounts
        return view.fronts[free], view.room[free]

    def _self_referrals(self, view: SupplyView) -> np.ndarray:
        p = self.params
        if p.self_rate == 0:
            return np.zeros(0, dtype=np.int64)
        members, room = self._eligible(view)
        if members.size == 0:
            return members
        chance = supply(
            p.self_rate, margin(view.payout, room, view.payout.caught, p.self_cost), p.half_margin
        )
        draws = view.draws["collusion"].random(members.size)
        return members[draws < np.minimum(chance, 1.0)]

    def _rings(self, view: SupplyView) -> np.ndarray:
        p = self.params
        if p.ring_rate == 0:
            return np.zeros(0, dtype=np.int64)
        members, room = self._eligible(view)
        if members.size < p.ring_size:
            return np.zeros(0, dtype=np.int64)
        caught = view.payout.caught * (1.0 - p.ring_evasion)
        # the ring's members reckon with the typical member's margin (room or not)
        typical = np.array([room.mean() >= 0.5])
        per_member = supply(
            p.ring_rate, margin(view.payout, typical, caught, p.ring_cost), p.half_margin
        )[0]
        draws = view.draws["collusion"]
        rings = int(draws.poisson(per_member * members.size))
        rings = min(rings, members.size // p.ring_size)  # each member in one ring a day
        if rings == 0:
            return np.zeros(0, dtype=np.int64)
        return draws.choice(members, size=rings * p.ring_size, replace=False)
