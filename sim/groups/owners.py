"""Group owners (群主): who runs each group, how reliably, and what they cost.

"300 stores, 1,000 groups, 1,000 owners to manage": an owner runs ``groups_per_owner``
groups, holds each scheduled activity with their own diligence (Beta across owners),
can hold at most ``owner_capacity`` activities a week, and is paid a commission on the
group's sales (带货分红) and a training cost; a store employee also a weekly fee. A
member who runs a group (``member_owner_share`` of owners) is paid by commission alone,
has their own diligence, and may give the group up (``member_owner_quit_per_week``):
from then on nobody holds its activities. Commission raises diligence (docs/model.md
§4.3). Community group-buying leaders earn about 5-20% commission (press; domain §6, D);
the rest are assumptions.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.params import ADVANCED, Probability, Section, Yuan


class OwnerParams(Section):
    """The ``[groups]`` keys of owners (used when ``lifecycle`` is true)."""

    groups_per_owner: int = Field(1, ge=1, description="groups one owner runs (groups)")
    owner_capacity: int = Field(
        7,
        ge=1,
        description="activities one owner can hold per week, over all their groups",
    )
    owner_diligence: Probability = Field(
        0.4, description="mean chance an owner holds a scheduled activity (probability)"
    )
    owner_diligence_spread: float = Field(
        1.0,
        gt=0,
        description="Beta concentration of diligence across owners (small: owners differ more)",
        json_schema_extra=ADVANCED,
    )
    commission: Probability = Field(
        0.0, description="share of the group's sales paid to its owner (带货分红; 5-20% usual)"
    )
    commission_half: float = Field(
        0.1,
        gt=0,
        description="commission that closes half of the commission pull's gap (share)",
        json_schema_extra=ADVANCED,
    )
    commission_pull: Probability = Field(
        0.5,
        description="how far a large commission closes the gap between an owner's "
        "diligence and 1 (share)",
        json_schema_extra=ADVANCED,
    )
    training_cost: Yuan = Field(0.0, description="training per owner, paid on day 1 (yuan)")
    owner_pay_per_week: Yuan = Field(
        0.0, description="fixed pay per store-employee owner per week (yuan)"
    )
    member_owner_share: Probability = Field(
        0.0,
        description="share of owners who are members running a group (unpaid but for "
        "commission) rather than store employees (share)",
    )
    member_owner_diligence: Probability = Field(
        0.5, description="mean chance a member owner holds a scheduled activity (probability)"
    )
    member_owner_quit_per_week: Probability = Field(
        0.02,
        description="chance a member owner gives their groups up, per week (per week; "
        "store employees stay)",
    )


def owner_count(groups: int, groups_per_owner: int) -> int:
    """Owners needed for ``groups`` groups: ⌈groups ÷ groups_per_owner⌉."""
    return -(-groups // groups_per_owner)


def diligence(
    params: OwnerParams,
    owners: int,
    per_week: int,
    rng: np.random.Generator,
    member: np.ndarray | None = None,
) -> np.ndarray:
    """Each owner's chance of holding a scheduled activity: Beta(μκ, (1 − μ)κ) with mean
    μ = ``owner_diligence`` (``member_owner_diligence`` for the owners ``member`` marks),
    then the commission's pull, 1 − (1 − d)(1 − pull × c/(c + h)), then the load: at most
    ``owner_capacity`` of the activities a week they are asked to hold. Draws ``owners``
    numbers whatever the parameters (common random numbers)."""
    kappa = params.owner_diligence_spread
    u = rng.random(owners)
    base = _beta_at(u, np.full(owners, params.owner_diligence), kappa)
    if member is not None and member.any():
        base[member] = _beta_at(
            u[member], np.full(int(member.sum()), params.member_owner_diligence), kappa
        )
    c = params.commission
    pull = params.commission_pull * c / (c + params.commission_half) if c > 0 else 0.0
    held = 1.0 - (1.0 - base) * (1.0 - pull)
    return held * load_share(params, per_week)


def load_share(params: OwnerParams, per_week: int) -> float:
    """The share of the ``per_week`` scheduled activities of each of an owner's groups
    they can hold at all: capacity ÷ what they are asked, at most 1."""
    asked = params.groups_per_owner * per_week
    return min(1.0, params.owner_capacity / asked) if asked else 1.0


def _beta_at(u: np.ndarray, mu: np.ndarray, kappa: float) -> np.ndarray:
    """The Beta(μκ, (1 − μ)κ) quantiles at ``u`` (μ 0 or 1: that number)."""
    out = mu.astype(float).copy()
    inner = (mu > 0.0) & (mu < 1.0)
    if inner.any():
        from scipy.stats import beta

        out[inner] = beta.ppf(u[inner], mu[inner] * kappa, (1.0 - mu[inner]) * kappa)
    return out
