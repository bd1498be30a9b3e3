"""A chat group's activity: it decays day by day, owners' activities, members' shares and
purchases raise it, and a group quiet for long enough is dead (docs/model.md §4).

Activity is a number in [0, 1]: 1 is a lively group whose members notice a share with
the full ``groups.attention``; a member's attention to a group is that attention × the
group's activity. Source of the shape: WeChat groups split into short-lived and
long-lived ones, and the first day's activity predicts which (Qiu et al., WWW 2016;
domain §6); most groups go quiet within weeks (domain §3.10). Every value here is an
assumption to set from a brand's own groups.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from sim.params import ADVANCED, Probability, Section


class ActivityParams(Section):
    """The ``[groups]`` keys of a group's life (used when ``lifecycle`` is true)."""

    lifecycle: bool = Field(
        False,
        description="groups live and die: activity that decays, owners' activities, dead "
        "groups (false: fixed lists with one attention number, as before)",
    )
    activity_half_life_days: float = Field(
        5.0, gt=0, description="a group's activity halves every this many days (days)"
    )
    initial_activity_a: float = Field(
        0.6,
        gt=0,
        description="first day's activity ~ Beta(a, b): a (a, b < 1: many quiet groups, "
        "some lively, Qiu et al. 2016)",
        json_schema_extra=ADVANCED,
    )
    initial_activity_b: float = Field(
        0.6, gt=0, description="first day's activity ~ Beta(a, b): b", json_schema_extra=ADVANCED
    )
    dead_threshold: Probability = Field(
        0.05, description="activity below this is a quiet day (0-1 activity scale)"
    )
    dead_after_days: int = Field(
        7, ge=1, le=3650, description="quiet days in a row after which a group is dead (days)"
    )
    activities_per_week: int = Field(
        1, ge=0, le=7, description="activities an owner schedules per group per week"
    )
    activity_cost: float = Field(
        50.0, ge=0, description="cost of one activity held in one group (yuan)"
    )
    activity_lift: Probability = Field(
        0.4, description="activity one held activity adds (0-1 scale; at most 1 in all)"
    )
    share_lift: Probability = Field(
        0.01, description="activity one member's share into the group adds (0-1 scale)"
    )
    purchase_lift: Probability = Field(
        0.02, description="activity one order by a group member adds (0-1 scale)"
    )
    drift_rate: Probability = Field(
        0.05, description="chance a member of a dead group leaves it, per day (per day)"
    )
    dead_purchase_factor: float = Field(
        0.7,
        ge=0,
        le=1,
        description="someone whose groups are all dead buys with this × their chance "
        "(1 = no effect)",
    )
    revive_dead: bool = Field(
        False, description="revive a dead group at its next scheduled activity (costly)"
    )
    revival_cost_factor: float = Field(
        5.0,
        ge=0,
        description="reviving a dead group costs this × activity_cost (about 5: the "
        "operations documents)",
    )


def decay_per_day(half_life: float) -> float:
    """The share of activity left after one day: 2^(−1/half-life)."""
    return 0.5 ** (1.0 / half_life)


def scheduled(day: int, per_week: int) -> bool:
    """Whether an owner's activity falls on ``day`` (1, 2, …): ``per_week`` spread evenly
    over each 7 days, the k-th on the day floor(t × per_week / 7) first reaches k."""
    return per_week > 0 and (day * per_week) // 7 > ((day - 1) * per_week) // 7


def survival_without_lifts(
    days: np.ndarray, a: float, b: float, half_life: float, threshold: float, quiet_days: int
) -> np.ndarray:
    """Exact share of groups alive at the end of each of ``days`` when nothing lifts
    activity (no activities, shares, purchases or events): A(t) = A0 × δ^t with
    A0 ~ Beta(a, b), δ = 2^(−1/half-life); a group dies on the ``quiet_days``-th day in
    a row with A(t) < threshold, so alive after day t ⟺ A0 ≥ threshold × δ^−(t − D + 1)."""
    from scipy.stats import beta

    days = np.asarray(days, dtype=np.float64)
    steps = days - quiet_days + 1
    cut = threshold * decay_per_day(half_life) ** (-np.maximum(steps, 0.0))
    survival = beta.sf(np.minimum(cut, 1.0), a, b) * (cut <= 1.0)
    return np.where(steps >= 1, survival, 1.0)


def median_lifetime(died_day: np.ndarray) -> float:
    """The median group lifetime (days), with groups still alive (inf) counted as
    outliving it; NaN when half or more are still alive."""
    if died_day.size == 0:
        return math.nan
    median = float(np.sort(died_day)[(died_day.size - 1) // 2])
    return median if math.isfinite(median) else math.nan
