"""How a chat group moves its people's buying, and the existing customers in it
(docs/model.md §4.1, §4.4, §4.8).

On day d a group's **factor** is what its people's purchase chance (or rate) is
multiplied by: while it lives, (1 + ``activity_purchase_lift`` × its activity at the
start of the day) × ``event_purchase_lift`` on an event day; once dead,
``dead_purchase_factor``. A person in several groups buys at the largest factor of the
groups they are in; one who drifted out of every group buys as a dead group's.

The people in the groups at the start are the chain's neighbourhood: a share
``customer_share`` of them (seeds and KOLs excepted) are its **existing customers**,
buying ``customer_purchase_probability`` orders a day by the value model's machinery,
moved by their groups as members are. Only what the groups add to their margin (or
lose), against the same customers buying as if the groups never moved them, counts in
``profit``. Every value is an assumption to set from a chain's own records.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from sim.params import Probability, Section
from sim.value import GroupBuying


class BuyingParams(Section):
    """The ``[groups]`` keys of buying in groups (used when ``lifecycle`` is true)."""

    activity_purchase_lift: float = Field(
        0.0,
        ge=0,
        le=10,
        description="a living group's people buy × (1 + this × its activity) (factor, 0 = off)",
    )
    customer_share: Probability = Field(
        0.0,
        description="share of the people in the groups at the start who are existing "
        "customers of the chain (share, 0 = none)",
    )
    customer_purchase_probability: Probability = Field(
        0.02,
        description="an existing customer's orders per day, before their groups move them "
        "(per day)",
    )


def day_factor(
    params: Any, alive: np.ndarray, activity: np.ndarray, event_today: bool
) -> np.ndarray:
    """Each group's factor today from its state at the start of the day: living,
    (1 + activity_purchase_lift × activity) × the event's purchase lift on an event day;
    dead, ``dead_purchase_factor``."""
    p = params
    living = np.full(alive.size, p.event_purchase_lift if event_today else 1.0)
    if p.activity_purchase_lift > 0:
        living = living * (1.0 + p.activity_purchase_lift * activity)
    return np.where(alive, living, p.dead_purchase_factor)


def draw_customers(
    share: float, in_groups: np.ndarray, starters: np.ndarray, seed: int
) -> np.ndarray:
    """The existing customers: each person in a group at the start, seeds and KOLs
    excepted, with chance ``share``, by a counter-based draw of the person (the same
    people in every scenario of a study). Person numbers, ascending."""
    if share <= 0:
        return np.zeros(0, dtype=np.int64)
    eligible = in_groups.copy()
    eligible[starters] = False
    candidates = np.flatnonzero(eligible)
    from sim.streams import person_key, person_uniforms

    drawn = person_uniforms(person_key(seed, "existing customers"), candidates) < share
    return candidates[drawn].astype(np.int64)


def group_buying(
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    alive_by_day: np.ndarray,
    lift_by_day: np.ndarray,
    params: Any,
    people: int,
    weeks: int,
) -> GroupBuying:
    """How the groups moved their people's buying over campaign + horizon, as the value
    model reads it (``sim.value.GroupBuying``).

    Args:
        pairs: (person, group, leave day) of every membership anyone ever had (a leave
            day past the last: never).
        alive_by_day: (day, group): alive at the start of each day 0 … last.
        lift_by_day: (day, group): ``activity_purchase_lift`` × activity at the start of
            each day; no rows when activity lifts nothing.
        params: the ``[groups]`` table.
        people: everyone; weeks: the weeks of campaign + horizon.
    """
    person, group, leave_day = pairs
    last = alive_by_day.shape[0] - 1
    order = np.lexsort((group, person))  # entries by person
    indptr = np.zeros(people + 1, dtype=np.int64)
    np.cumsum(np.bincount(person, minlength=people), out=indptr[1:])
    alive = np.ascontiguousarray(alive_by_day.T)  # (group, day): a person's days in a row
    lift = np.ascontiguousarray(lift_by_day.T) if lift_by_day.size else np.zeros((0, 0))
    event = np.ones(last + 1)
    event[[d for d in params.event_days if d <= last]] = params.event_purchase_lift
    # A group's factor is 1 on a day it lives unlifted, or is dead and the dead do not
    # slow; from the day after its last other day, 1 for good.
    moved = ~alive if params.dead_purchase_factor != 1.0 else np.zeros_like(alive)
    moved |= alive & (event != 1.0)[None, :]
    if lift.size:
        moved |= alive & (lift != 0.0)
    moved[:, 0] = False
    last_moved = last - np.argmax(moved[:, ::-1], axis=1)
    plain_from = np.where(moved.any(axis=1), last_moved + 1, 0).astype(np.int64)
    dead_from = (last + 1 - np.argmax(alive[:, ::-1], axis=1)).astype(np.int64)  # day 0 lives
    # Each person's home entry, their first membership: orders are booked to its group
    # while they are in it (the first pair wins when written last).
    entry = np.empty_like(order)
    entry[order] = np.arange(order.size)
    home = np.full(people, -1, dtype=np.int64)
    home[person[::-1]] = entry[::-1]
    return GroupBuying(
        indptr=indptr,
        group=group[order],
        until=np.minimum(leave_day[order], last + 1),
        alive=alive,
        lift=lift.astype(np.float32, copy=False),
        event=event,
        slow=params.dead_purchase_factor,
        plain_from=plain_from,
        home=home,
        week_orders=np.zeros((weeks, alive.shape[0])),
        week_revenue=np.zeros((weeks, alive.shape[0])),
        dead_from=dead_from,
    )
