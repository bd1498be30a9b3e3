"""Phases 2 and 5, compiled: who shares today, and the records of who joined.

One pass over the day's people instead of a numpy pass per field (sim.state keeps a
person's fields in one cache line).
"""

from __future__ import annotations

import math

import numpy as np

from sim.compiled import njit
from sim.kernels.prefetch import prefetch
from sim.kernels.records import MEMBER, POOL_AHEAD, Sharers, SharingRules
from sim.streams import person_uniform, splitmix


def share_today(
    pool: np.ndarray,
    day: int,
    people: Sharers,
    rules: SharingRules,
    lure_boost: np.ndarray,
    sharing_key: np.uint64,
) -> tuple[np.ndarray, np.ndarray]:
    """Phase 2 of a day (``_share_today``, compiled, documents it); records go in as
    plain tuples (see ``deliver``)."""
    return _share_today(pool, day, tuple(people), tuple(rules), lure_boost, sharing_key)


@njit
def _share_today(
    pool: np.ndarray,
    day: int,
    people: Sharers,
    rules: SharingRules,
    lure_boost: np.ndarray,
    sharing_key: np.uint64,
) -> tuple[np.ndarray, np.ndarray]:
    """Phase 2 of a day: which members of the pool share today.

    A member who used up ``max_shares`` leaves the pool. One whose first share day has
    come shares with probability min(1, propensity × 0.5^(age / half_life) × boost ×
    lure boost), age in days since that first day; boost is 1 + lift × motivation by
    segment (``boost_by_segment``), or 1 once their rewards reached the cap. The coin is
    person p's uniform under today's key (the day-th SplitMix64 output under
    ``sharing_key``), so it does not depend on the pool's order.

    Args:
        pool: members who may share (person numbers); left as it is.
        people: what is read of the pool's members; the sharers' ``shares_made`` are
            counted here.
        rules: the campaign's sharing rules.
        lure_boost: the lure's multiplier per pool member, or one for all.

    Returns:
        (sharers, the pool kept): both views of buffers made here.
    """
    active_from, propensity, segment, reward_earned, shares_made = people
    max_shares, half_life, boost_by_segment, cap = rules
    decaying = math.isfinite(half_life)
    # The decay by age in days since the first share day, worked out once per age, not
    # once per member (a power each: a fifth of this loop's time).
    decay = np.empty(day + 1 if decaying else 0)
    for age in range(decay.size):
        decay[age] = 0.5 ** (age / half_life)
    boosting = boost_by_segment.max() != 1.0 or boost_by_segment.min() != 1.0
    key = splitmix(sharing_key, day)
    sharers = np.empty(pool.size, dtype=np.int64)
    kept = np.empty(pool.size, dtype=np.int64)
    count = 0
    keep = 0
    last = pool.size - 1
    for k in range(pool.size):
        # The pool is in order of joining, its records all over memory: ask for the
        # record of the member POOL_AHEAD places on while this one is read.
        prefetch(active_from, pool[min(k + POOL_AHEAD, last)])
        p = np.uint64(pool[k])  # unsigned: numba wraps every signed index (see deliver)
        if max_shares >= 0 and shares_made[p] >= max_shares:
            continue  # used up their shares: forgotten
        kept[keep] = p
        keep += 1
        start = active_from[p]
        if start > day:
            continue
        chance = propensity[p]
        if decaying:
            chance *= decay[day - start]  # day - start: 0 … day
        if boosting and reward_earned[p] < cap:
            chance *= boost_by_segment[segment[p]]
        chance *= lure_boost[0] if lure_boost.size == 1 else lure_boost[k]
        if person_uniform(key, p) < chance:
            shares_made[p] += 1
            sharers[count] = p
            count += 1
    return sharers[:count], kept[:keep]


@njit
def admit(
    joined: np.ndarray,
    referred: int,
    day: int,
    status: np.ndarray,
    day_joined: np.ndarray,
    active_from: np.ndarray,
    generation: np.ndarray,
    inviter: np.ndarray,
    invites: np.ndarray,
) -> None:
    """Phase 5's records: ``joined`` become members today (day, in days) and may share
    from tomorrow. The first ``referred`` of them accepted an invitation (``deliver``
    recorded the inviter): one generation past their inviter, who gets the invite
    counted. The rest joined on their own: generation 0. One pass over the joiners,
    whose fields share a record (sim.state), instead of one numpy pass per field."""
    for k in range(joined.size):
        t = np.uint64(joined[k])  # unsigned: numba wraps every signed index
        status[t] |= MEMBER
        day_joined[t] = day
        active_from[t] = day + 1
        if k < referred:
            who = inviter[t]  # a member since before today: their generation is final
            generation[t] = generation[who] + 1
            invites[who] += 1
        else:
            generation[t] = 0


@njit
def count_into(counts: np.ndarray, people: np.ndarray) -> None:
    """counts[i] += how often i appears in people."""
    for i in people:
        counts[i] += 1
