"""The outside channel: each person who is not a member joins on their own with a daily
chance, Bass's innovation coefficient p (Bass 1969; domain §4): adverts, a store's
poster, word of mouth the graph does not hold."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.channels.base import ArrivalView, JoinChannel
from sim.params import Probability, Section


class OutsideParams(Section):
    daily_rate: Probability = Field(0.0, description="outside channel, Bass's p (per day)")


class OutsideChannel(JoinChannel):
    name = "outside"
    section = "external"
    Params = OutsideParams
    streams = ("external",)

    @classmethod
    def opens(cls, params: OutsideParams) -> bool:
        return params.daily_rate > 0

    def arrivals(self, view: ArrivalView) -> np.ndarray:
        outsiders = np.flatnonzero(~view.member)
        return outsiders[view.draws["external"].random(outsiders.size) < self.params.daily_rate]
