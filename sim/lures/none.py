"""No lure: an invitation converts on the friend's word alone."""

from __future__ import annotations

from typing import Literal

from sim.lures.base import Lure, LureParams


class NoLureParams(LureParams):
    kind: Literal["none"] = "none"


class NoLure(Lure):
    name = "none"
    Params = NoLureParams
