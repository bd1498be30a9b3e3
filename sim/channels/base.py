"""What a join channel is: a way in that does not go through a friend's invitation.

A channel has its own config table (``section``) and, each day (phase 1), names the
people who join through it today (``arrivals``). Joiners through a channel have no
inviter and are generation 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.mechanism import Draws, Mechanism


@dataclass(frozen=True)
class ArrivalView:
    """What a channel sees in phase 1."""

    day: int
    member: np.ndarray  # whether each person is a member at the start of the day (read only)
    draws: Draws


class JoinChannel(Mechanism):
    family = "channel"
    section: ClassVar[str]  # its config table

    @property
    def active(self) -> bool:
        """Whether anyone can arrive through it (the model skips it otherwise)."""
        return True

    def arrivals(self, view: ArrivalView) -> np.ndarray:
        """Who joins through this channel today (person numbers, not members)."""
        return np.zeros(0, dtype=np.int64)
