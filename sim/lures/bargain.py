"""Help me bargain (砍一刀): each friend who joins on a member's invitation cuts ``value``
yuan off that member's price, up to ``max_helps`` cuts. The invitee's own gain is small;
the inviter shares more until the price hits the floor."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from sim.lures.base import Lure, ValuedLureParams
from sim.mechanism import JoinView, SharingView
from sim.money import Due


class BargainParams(ValuedLureParams):
    kind: Literal["bargain"] = "bargain"
    value: float = Field(0.0, ge=0, description="yuan cut per friend's help")
    max_helps: int = Field(10, ge=1, description="friends' helps to reach the floor")
    share_boost: float = Field(2.0, ge=1, description="multiplier on sharing while open")


class BargainLure(Lure):
    name = "bargain"
    Params = BargainParams
    strength = (0.5, 1.0, 1.5)
    person_state = (("helps", "int32"),)  # cuts counted so far
    platform_risk = 3.0  # bargaining (砍价) is named in WeChat's rules on links (§6)
    farm_share = 1.0  # the cut item, free at the floor, is resold

    def on_fakes(self, fronts: np.ndarray) -> list[Due]:
        # a fake account's help counts like a friend's, up to max_helps per front
        return self._helps(fronts)

    def on_join(self, view: JoinView) -> list[Due]:
        return self._helps(view.inviters)

    def _helps(self, helped: np.ndarray) -> list[Due]:
        """Count a help for each entry of ``helped`` (a member, once per help) while they
        are below ``max_helps``; each counted help costs ``value`` to that member."""
        order = np.argsort(helped, kind="stable")
        inviters = helped[order]
        first = np.searchsorted(inviters, inviters, side="left")
        nth = self.helps[inviters] + (np.arange(inviters.size) - first)
        counted = inviters[nth < self.params.max_helps]
        np.add.at(self.helps, counted, 1)
        return [Due.each(counted, self.params.value, "lure")]

    def share_boost(self, view: SharingView) -> np.ndarray:
        return np.where(self.helps[view.pool] < self.params.max_helps, self.params.share_boost, 1.0)
