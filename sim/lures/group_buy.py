"""A group price (拼团): a member's group needs ``group_size - 1`` friends to join within
``window_days`` of the member's first share day; then all ``group_size`` get ``value``
yuan off. Otherwise nothing. Members with an open group share more (``share_boost``)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.lures.base import Lure, ValuedLureParams
from sim.mechanism import JoinView, SharingView
from sim.money import Due


class GroupBuyParams(ValuedLureParams):
    kind: Literal["group_buy"] = "group_buy"
    group_size: int = Field(3, ge=2, description="people needed, organiser included")
    window_days: int = Field(2, ge=1, description="days to fill the group")
    share_boost: float = Field(2.0, ge=1, description="multiplier on sharing while open")


class GroupBuyLure(Lure):
    name = "group_buy"
    Params = GroupBuyParams
    strength = (1.5, 1.5, 1.0)
    platform_risk = 2.0  # an assistance mechanic (助力), named in WeChat's rules (§6)
    farm_share = 1.0
    needs_order = True  # the group price is worth money only on an order
    person_state = (
        ("filled", "int32"),
        ("completed", "bool"),
    )  # friends joined; group done

    def _open(self, day: int, active_from: np.ndarray, people: np.ndarray) -> np.ndarray:
        start = active_from[people]
        return (~self.completed[people]) & (day < start + self.params.window_days)

    def on_join(self, view: JoinView) -> list[Due]:
        inviters = view.inviters
        organisers = inviters[self._open(view.day, view.active_from, inviters)]
        np.add.at(self.filled, organisers, 1)
        done = np.unique(organisers)
        done = done[self.filled[done] >= self.params.group_size - 1]
        self.completed[done] = True
        return [Due.each(done, self.params.value * self.params.group_size, "lure")]

    def fake_payout(self) -> float:
        # each fake fills one of the group_size − 1 places of its front's group
        p = self.params
        return p.value * p.group_size / (p.group_size - 1)

    def share_boost(self, view: SharingView) -> np.ndarray:
        is_open = self._open(view.day, view.active_from, view.pool)
        return np.where(is_open, self.params.share_boost, 1.0)
