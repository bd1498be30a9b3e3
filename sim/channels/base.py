"""What a join channel is: a way in that does not go through a friend's invitation.

A channel has its own config table (``section``) and, each day (phase 1), names the
people who join through it today (``arrivals``). Joiners through a channel have no
inviter and are generation 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sim.mechanism import Draws, Mechanism
from sim.money import Due
from sim.roles import CameBy


@dataclass(frozen=True)
class ArrivalView:
    """What a channel sees in phase 1."""

    day: int
    member: np.ndarray  # whether each person is a member at the start of the day (read only)
    draws: Draws
    funded: bool = True  # whether the budget still funds incentives (a store's gift)
    # The groups' entry rule: whether each of some people gets past it (None: no rule).
    screen: Callable[[np.ndarray], np.ndarray] | None = None
    # The chat groups at the start: group g's people are members[indptr[g]:indptr[g + 1]]
    # (indptr, members); None without groups.
    groups: tuple[np.ndarray, np.ndarray] | None = None


class JoinChannel(Mechanism):
    family = "channel"
    section: ClassVar[str]  # its config table
    code: ClassVar[int] = CameBy.OUTSIDE  # how its joiners came (``came_by``)
    needs_groups: ClassVar[bool] = False  # its arrivals come from the chat groups

    @classmethod
    def opens(cls, params: Any) -> bool:
        """Whether anyone can arrive through a channel with these parameters."""
        return True

    @property
    def active(self) -> bool:
        """Whether anyone can arrive through it (the model skips it otherwise)."""
        return self.opens(self.params)

    def arrivals(self, view: ArrivalView) -> np.ndarray:
        """Who joins through this channel today (person numbers, not members)."""
        return np.zeros(0, dtype=np.int64)

    def dues(self, funded: bool) -> list[Due]:
        """What today's arrivals cost (settled in phase 6, before the lures' payments)."""
        return []

    def paid(self, yuan: float) -> None:
        """What was paid of ``dues`` (yuan; the budget may cut it)."""

    def joined_through(self, people: np.ndarray) -> None:
        """Today's arrivals who joined through this channel (not on an invitation)."""
