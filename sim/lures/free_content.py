"""Free content or a sample (a course, a trial pack), costing ``value`` yuan per person
who joins."""

from __future__ import annotations

from typing import Literal

from sim.lures.base import Lure, ValuedLureParams
from sim.mechanism import JoinView
from sim.money import Due


class FreeContentParams(ValuedLureParams):
    kind: Literal["free_content"] = "free_content"


class FreeContentLure(Lure):
    name = "free_content"
    Params = FreeContentParams
    strength = (1.0, 1.5, 1.5)
    farm_share = 0.2  # a course or sample resells for little (assumption)

    def on_join(self, view: JoinView) -> list[Due]:
        return [Due.each(view.invitees, self.params.value, "lure")]
