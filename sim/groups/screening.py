"""Group rules (群规) and screening (筛选): an entry rule that keeps out a share of reward
hunters (junk) at the price of fewer joins, and a posting rule (no ads, no spam) that
keeps members' attention higher (docs/model.md §4.5). Values are assumptions."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.params import Probability, Section


class ScreeningParams(Section):
    """The ``[groups]`` keys of group rules (used when ``lifecycle`` is true)."""

    entry_screening: Probability = Field(
        0.0,
        description="share of junk (reward hunters) the entry rule keeps out of group "
        "invitations and store joins (probability)",
    )
    screening_join_loss: Probability = Field(
        0.2,
        description="share of other joiners deterred, per unit of entry_screening (probability)",
    )
    posting_rule: bool = Field(False, description="a posting rule keeps attention higher")
    posting_attention_lift: float = Field(
        0.5, ge=0, description="with the posting rule, attention × (1 + this) (factor)"
    )


def screen_factors(params: ScreeningParams) -> np.ndarray:
    """The chance a joiner gets past the entry rule, by segment (payer, convertible,
    junk): junk 1 − s, others 1 − s × loss."""
    s = params.entry_screening
    other = 1.0 - s * params.screening_join_loss
    return np.array([other, other, 1.0 - s])
