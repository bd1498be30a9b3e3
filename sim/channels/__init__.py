"""Join channels: ways in besides a friend's invitation, one per module, each with its
own config table. ``CHANNELS`` is the registry (docs/extending.md)."""

from __future__ import annotations

from sim.channels.base import ArrivalView, JoinChannel
from sim.channels.outside import OutsideChannel
from sim.channels.store import StoreChannel

CHANNELS: tuple[type[JoinChannel], ...] = (OutsideChannel, StoreChannel)

__all__ = ["CHANNELS", "ArrivalView", "JoinChannel", "OutsideChannel", "StoreChannel"]
