"""Phases 3 and 4, compiled: today's sharers reach people, who accept or not.

Delivery touches each invitation at most once, which numpy cannot do without sorting (who
was invited by whom, which invitation converted).
"""

from __future__ import annotations

import math

import numpy as np

from sim.compiled import njit
from sim.kernels.prefetch import prefetch
from sim.kernels.records import (
    ACCEPTED,
    AHEAD,
    INVITED,
    MEMBER,
    PENDING,
    Appeal,
    Channels,
    DayKeys,
    Friends,
    GroupLists,
    Reached,
    Scratch,
)
from sim.population import segment_of
from sim.streams import person_uniform, splitmix


@njit(inline="always")
def _appeal(
    t: int,
    offered: np.ndarray,
    segment: np.ndarray,
    everyone_drawn: bool,
    segment_key: np.uint64,
    cuts: np.ndarray,
) -> float:
    """The lure's appeal to person t's segment (drawn as ``sim.population`` would)."""
    if everyone_drawn:
        return offered[segment[t]]
    return offered[segment_of(person_uniform(segment_key, t), cuts)]


@njit(inline="always")
def _record_conversion(
    t: int,
    s: int,
    inviter: np.ndarray,
    tally: np.ndarray,
    inviter_key: np.uint64,
    inviter_draws: int,
) -> int:
    """Record that s's invitation converted t, taking today's conversions in the order
    they were found: the first one's sender is t's inviter, and the k-th replaces it with
    chance 1/k (reservoir sampling), which leaves a uniform choice among them.
    Returns the inviter draws used so far."""
    k = tally[t] + 1
    tally[t] = k
    if k == 1:
        inviter[t] = s
        return inviter_draws
    if person_uniform(inviter_key, inviter_draws) * k < 1.0:
        inviter[t] = s
    return inviter_draws + 1


def deliver(
    sharers: np.ndarray,
    channels: Channels,
    graph: Friends,
    groups: GroupLists,
    people: Reached,
    chance: np.ndarray,
    appeal: Appeal,
    scratch: Scratch,
    keys: DayKeys,
) -> tuple[int, int]:
    """Phases 3 and 4 of a day (``_deliver``, compiled, documents them)."""
    # The records go in as plain tuples: numba types a named tuple through a slow Python
    # path on every call (30 µs a day measured), a plain tuple in C.
    return _deliver(
        sharers,
        tuple(channels),
        tuple(graph),
        tuple(groups),
        tuple(people),
        chance,
        tuple(appeal),
        tuple(scratch),
        tuple(keys),
    )


@njit
def _deliver(
    sharers: np.ndarray,
    channels: Channels,
    graph: Friends,
    groups: GroupLists,
    people: Reached,
    chance: np.ndarray,
    appeal: Appeal,
    scratch: Scratch,
    keys: DayKeys,
) -> tuple[int, int]:
    """Phases 3 and 4 of a day: today's sharers reach people, who accept or not.

    Each sharer picks a channel (u < cut_direct: one-to-one; u < cut_feed: feed; else a
    group) and, in a group, one of their groups. One-to-one reaches ``direct_count``
    distinct random friends (all if fewer); a feed post every friend, each noticing with
    ``feed_attention``; a group every other member, each noticing with that group's
    attention (0 for a dead group), and the group's share count goes up by one; an
    invitation into a group converts with the entry rule's factor by segment too
    (``screen``, when ``screening``). Members get no invitation. The k-th invitation a
    person ever noticed converts with probability chance[sharer] × appeal(segment) ×
    repeat_factor^(k-1).
    A person's inviter is the sender of the first converting invitation in a uniformly
    random order of their invitations: with saturation (repeat_factor < 1) sharers are
    taken in random order, which makes that order random; without it, whether an
    invitation converts does not depend on order, so sharers are taken as they come
    (no shuffle) and the inviter is a uniform choice among the converting invitations
    (reservoir sampling), which is the same distribution. Coin flips that are independent
    per invitation (noticing; converting without saturation) are taken by jumping over
    geometric gaps between successes, which has the same distribution as one flip each.

    Args (each record's fields are documented with its class above):
        channels, graph, groups: how a share reaches people.
        people: the reached people's status, invitations seen and inviters.
        chance: each sharer's base chance that an invitation converts (the acceptance
            probability × their weight), by position in ``sharers``, or one for all.
        appeal: the lure's appeal by the invitee's segment.
        scratch: the buffers today's invitees are written to.
        keys: today's keys of the reach, acceptance and inviter-order draws.

    Returns:
        (invitations delivered, invitees accepted): ``invitees[:accepted]`` in the order
        they accepted, their inviters in ``inviter``.
    """
    # One flat loop, no function call per invitation: a call costs more than the
    # invitation (reference counting of the arrays it is passed); _appeal is inlined.
    cut_direct, cut_feed, direct_count, feed_attention = channels
    indptr, indices = graph
    person_indptr, groups_of, group_indptr, group_members, group_attention = groups[:5]
    group_shares, screen, screening = groups[5:]
    status, seen, inviter, repeat_factor = people
    by_segment, offered, segment, everyone_drawn, segment_key, cuts = appeal
    invitees, tally = scratch
    stream_keys, day = keys
    reach_key = splitmix(stream_keys[0], day)
    accept_key = splitmix(stream_keys[1], day)
    inviter_key = splitmix(stream_keys[2], day)
    saturating = repeat_factor < 1
    top_offered = offered.max()
    order = np.arange(sharers.size)
    if saturating:  # a random order (Fisher-Yates); without saturation order does not matter
        for i in range(sharers.size - 1, 0, -1):
            j = int(person_uniform(inviter_key, i) * (i + 1))
            order[i], order[j] = order[j], order[i]
    reach_draws = 0
    accept_draws = 0
    inviter_draws = sharers.size  # the counters below were the shuffle's
    reached = np.empty(max(direct_count, 1), dtype=indices.dtype)  # one-to-one picks
    found = np.empty(256, dtype=np.int64)  # a share's noticed invitations (grows)
    # Conversions waiting for their invitee's record (see PENDING): a ring, oldest first.
    waiting_t = np.empty(PENDING, dtype=np.int64)
    waiting_s = np.empty(PENDING, dtype=np.int64)
    oldest, waiting = 0, 0
    delivered = 0
    count = 0
    last = order.size - 1
    last_q, skip = -1.0, 0.0
    for i in range(order.size):
        # Ask for the friend-list bounds of the sharer 2·AHEAD on, and for the friend
        # list of the one AHEAD on (whose bounds were asked for AHEAD sharers ago); the
        # same for their lists of groups (a group share's first steps: 24% of its time).
        prefetch(indptr, sharers[order[min(i + 2 * AHEAD, last)]])
        prefetch(indices, indptr[sharers[order[min(i + AHEAD, last)]]])
        if person_indptr.size:
            prefetch(person_indptr, sharers[order[min(i + 2 * AHEAD, last)]])
            prefetch(groups_of, person_indptr[sharers[order[min(i + AHEAD, last)]]])
        k = order[i]
        s = sharers[k]
        base = chance[0] if chance.size == 1 else chance[k]
        # Where today's invitations of s come from: positions lo..hi of one source.
        u = person_uniform(reach_key, reach_draws)
        reach_draws += 1
        attention = 1.0
        screened = False  # the entry rule applies to invitations into a group
        first, degree = indptr[s], indptr[s + 1] - indptr[s]
        source, lo = indices, first  # today's reach: source[lo : lo + size]
        if u < cut_direct:  # some friends
            size = min(degree, direct_count)
            if degree > direct_count:  # Floyd's algorithm: size distinct offsets below degree
                for j in range(size):
                    top = degree - size + j
                    r = int(person_uniform(reach_key, reach_draws) * (top + 1))
                    reach_draws += 1
                    for prior in range(j):
                        if reached[prior] == r:
                            r = top  # taken: top is new, as Floyd guarantees
                            break
                    reached[j] = r
                for j in range(size):
                    reached[j] = indices[first + reached[j]]
                source, lo = reached, 0
        elif u < cut_feed:  # every friend
            size = degree
            attention = feed_attention
        else:  # the members of one of s's groups
            mine = person_indptr[s + 1] - person_indptr[s] if person_indptr.size else 0
            if mine == 0:
                continue
            u = person_uniform(reach_key, reach_draws)
            reach_draws += 1
            g = groups_of[person_indptr[s] + int(u * mine)]
            group_shares[g] += 1
            size = group_indptr[g + 1] - group_indptr[g]
            source, lo = group_members, group_indptr[g]
            attention = group_attention[g]
            screened = screening
        # Which of these invitations need a look. Noticing (attention) and, once
        # noticed, converting without saturation are independent coin flips per
        # invitation, so the loop jumps from one "heads" to the next over a geometric
        # gap instead of flipping a coin for each (Devroye 1986, ch. X.2): a feed post
        # to 200 friends at attention 0.25 costs 50 looks, and a sure-to-be-noticed
        # post converting at 0.05 costs one pass of bookkeeping plus 10 looks.
        if saturating or attention < 1:
            jumping_to_conversions = False
            q = attention  # land on each noticed invitation
        else:
            jumping_to_conversions = True
            # Every invitation is noticed: count and mark them all (no coin needed) ...
            # Unsigned positions and person numbers: numba wraps a signed index that
            # may be negative on every access (8-9% of delivery at a million people).
            for j in range(np.uint64(lo), np.uint64(lo + size)):
                # Without a branch (members are a coin flip to predict): 5% faster.
                t = np.uint64(source[j])
                state = status[t]
                fresh = (state & MEMBER) == 0
                delivered += fresh
                status[t] = state | (INVITED * fresh)
            # ... then land only on the converting ones, thinning by the invitee's
            # segment when the lure appeals to segments differently.
            q = min(1.0, base * top_offered) if by_segment else min(1.0, base)
        if q <= 0:
            continue
        if q != last_q:  # gap = floor(log(1 - u) / log(1 - q)); q rarely changes
            last_q = q
            skip = 1.0 / math.log1p(-q) if q < 1 else 0.0
        noticed = 0
        if not jumping_to_conversions:
            # Which invitations are noticed depends on the reach stream alone: find them
            # all first (``found``: their positions in the source), asking for each
            # invitee's number, then (``found``: the invitees) for their status and
            # count of invitations seen, so that the looks below, in the same order, do
            # not wait on memory one by one (each look branches on what it read: a group
            # post's ten looks took ten trips to memory in turn, 1.3 µs a group share at
            # a million people, 0.7-0.8 now).
            j = -1
            while True:
                j += 1
                if skip != 0.0:
                    u = person_uniform(reach_key, reach_draws)
                    reach_draws += 1
                    gap = math.log(1.0 - u) * skip
                    if gap >= size - j:
                        break
                    j += int(gap)
                if j >= size:
                    break
                if noticed == found.size:
                    found = np.concatenate((found, np.empty_like(found)))
                found[noticed] = lo + j
                prefetch(source, lo + j)
                noticed += 1
            for m in range(noticed):
                t = np.uint64(source[found[m]])
                found[m] = t
                prefetch(status, t)
                if saturating:
                    prefetch(seen, t)
        j = -1
        m = -1
        while True:
            if jumping_to_conversions:
                j += 1
                if skip != 0.0:
                    u = person_uniform(accept_key, accept_draws)
                    accept_draws += 1
                    gap = math.log(1.0 - u) * skip
                    if gap >= size - j:
                        break
                    j += int(gap)
                if j >= size:
                    break
                t = np.uint64(source[lo + j])  # unsigned, as above
            else:
                m += 1
                if m == noticed:
                    break
                t = np.uint64(found[m])
            state = status[t]
            if state & MEMBER:
                continue  # members get no invitation (the sharer too: a group holds them)
            if jumping_to_conversions:  # already counted and marked; this one converts at q
                if by_segment or screened:
                    p = base
                    if by_segment:
                        p *= _appeal(t, offered, segment, everyone_drawn, segment_key, cuts)
                    p = min(1.0, p)
                    if screened:  # a factor ≤ 1: q still bounds the chance
                        p *= _appeal(t, screen, segment, everyone_drawn, segment_key, cuts)
                    converts = person_uniform(accept_key, accept_draws) * q < p
                    accept_draws += 1
                    if not converts:
                        continue
            else:  # a noticed invitation
                delivered += 1
                if saturating:
                    earlier = seen[t]
                    seen[t] = earlier + 1
                    if state & ACCEPTED:
                        continue  # accepted an earlier invitation today; this one still counts
                    p = base * repeat_factor**earlier
                else:
                    p = base
                if by_segment:
                    p *= _appeal(t, offered, segment, everyone_drawn, segment_key, cuts)
                if screened:
                    p *= _appeal(t, screen, segment, everyone_drawn, segment_key, cuts)
                status[t] = state | INVITED
                converts = person_uniform(accept_key, accept_draws) < p
                accept_draws += 1
                if not converts:
                    continue
            if not state & ACCEPTED:  # t's first converting invitation today
                status[t] = state | INVITED | ACCEPTED
                invitees[count] = t
                count += 1
            prefetch(inviter, t)  # t's record: written PENDING conversions from now
            if waiting == PENDING:
                inviter_draws = _record_conversion(
                    waiting_t[oldest], waiting_s[oldest], inviter, tally, inviter_key, inviter_draws
                )
                waiting_t[oldest], waiting_s[oldest] = t, s
                oldest = (oldest + 1) % PENDING
            else:
                waiting_t[(oldest + waiting) % PENDING] = t
                waiting_s[(oldest + waiting) % PENDING] = s
                waiting += 1
    for i in range(waiting):
        k = (oldest + i) % PENDING
        inviter_draws = _record_conversion(
            waiting_t[k], waiting_s[k], inviter, tally, inviter_key, inviter_draws
        )
    for i in range(count):
        tally[invitees[i]] = 0
    return delivered, count
