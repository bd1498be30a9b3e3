"""The day's inner loops, compiled: delivering invitations and accepting them.

These loops touch each invitation once, which numpy cannot do without sorting (who was
invited by whom, which invitation converted). They are written with numba. Their
uniform draws come from SplitMix64 sequences (``sim.streams.person_uniform``) keyed by
one draw a day from the run's own named streams, so they are part of the one-seed
design, not a second source of randomness, and cost a few nanoseconds each.
``sim.model`` documents the semantics; the kernels only make them fast.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.streams import person_uniform

_OPTIONS = {"cache": True, "nogil": True}


@numba.njit(**_OPTIONS)
def deliver(
    sharers: np.ndarray,
    channels: tuple,
    graph: tuple,
    groups: tuple,
    people: tuple,
    chance: np.ndarray,
    appeal: tuple,
    scratch: tuple,
    keys: tuple,
    widest: int,
) -> tuple[int, int]:
    """Phases 3 and 4 of a day: today's sharers reach people, who accept or not.

    Each sharer picks a channel (u < cut_direct: one-to-one; u < cut_feed: feed; else a
    group) and, in a group, one of their groups. One-to-one reaches ``direct_count``
    distinct random friends (all if fewer); a feed post every friend, each noticing with
    ``feed_attention``; a group every other member, each noticing with the groups'
    attention. Members get no invitation. The k-th invitation a person ever noticed
    converts with probability chance[sharer] × appeal(segment) × repeat_factor^(k-1).
    A person's inviter is the sender of the first converting invitation in a uniformly
    random order of their invitations: with saturation (repeat_factor < 1) sharers are
    taken in random order, which makes that order random; without it, whether an
    invitation converts does not depend on order, so sharers are taken in person order
    (faster) and the inviter is a uniform choice among the converting invitations
    (reservoir sampling), which is the same distribution.

    Args:
        channels: (cut_direct, cut_feed, direct_count, feed_attention).
        graph: CSR (indptr, indices).
        groups: (person_indptr, groups_of, indptr, members, attention); empty arrays
            when there are no groups.
        people: (member, invited, seen, inviter, repeat_factor). ``invited`` is 0 for
            never invited, 1 invited, 2 accepted today (set here); ``inviter`` records
            the sender of each accepted invitation; ``seen`` counts invitations noticed
            (kept only when repeat_factor < 1).
        chance: each sharer's base chance that an invitation converts (the acceptance
            probability × their weight), by position in ``sharers``, or one for all.
        appeal: (by_segment, appeal by segment, segment array, everyone_drawn, segment
            key, segment cuts): when by_segment, the lure's appeal to the invitee's
            segment multiplies the chance; segments not yet drawn are drawn here, as
            ``sim.population`` would.
        scratch: (invitees, tally): an int64 buffer of n, where today's invitees are
            written from the start, and a zeroed int32 array of n, left zeroed.
        keys: today's SplitMix64 keys (uint64) for the reach, the acceptance and the
            order of invitations (the ``reach``, ``acceptance`` and ``inviter`` streams).
        widest: the largest degree or group size (the gathering buffer's length).

    Returns:
        (invitations delivered, invitees accepted): ``invitees[:accepted]`` in the order
        they accepted, their inviters in ``inviter``.
    """
    # One flat loop, no helper per invitation: a call per invitation costs more than
    # the invitation (reference counting of the arrays it is passed).
    cut_direct, cut_feed, direct_count, feed_attention = channels
    indptr, indices = graph
    person_indptr, groups_of, group_indptr, group_members, group_attention = groups
    member, invited, seen, inviter, repeat_factor = people
    by_segment, offered, segment, everyone_drawn, segment_key, cuts = appeal
    invitees, tally = scratch
    reach_key, accept_key, inviter_key = keys
    saturating = repeat_factor < 1
    if saturating:
        order = np.arange(sharers.size)
        for i in range(sharers.size - 1, 0, -1):  # Fisher-Yates
            j = int(person_uniform(inviter_key, i) * (i + 1))
            order[i], order[j] = order[j], order[i]
    else:
        order = np.argsort(sharers)
    reach_draws = 0
    accept_draws = 0
    inviter_draws = sharers.size  # the counters below were the shuffle's
    reached = np.empty(widest, dtype=indices.dtype)  # one sharer's reach, gathered
    delivered = 0
    count = 0
    for k in order:
        s = sharers[k]
        base = chance[0] if chance.size == 1 else chance[k]
        # Where today's invitations of s come from: positions lo..hi of one source.
        u = person_uniform(reach_key, reach_draws)
        reach_draws += 1
        attention = 1.0
        first, degree = indptr[s], indptr[s + 1] - indptr[s]
        if u < cut_direct:  # some friends
            size = min(degree, direct_count)
            if degree <= direct_count:
                reached[:size] = indices[first : first + degree]
            else:  # Floyd's algorithm: size distinct offsets below degree
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
        elif u < cut_feed:  # every friend
            size = degree
            reached[:size] = indices[first : first + degree]
            attention = feed_attention
        else:  # the members of one of s's groups
            mine = person_indptr[s + 1] - person_indptr[s] if person_indptr.size else 0
            if mine == 0:
                continue
            u = person_uniform(reach_key, reach_draws)
            reach_draws += 1
            g = groups_of[person_indptr[s] + int(u * mine)]
            size = group_indptr[g + 1] - group_indptr[g]
            reached[:size] = group_members[group_indptr[g] : group_indptr[g + 1]]
            attention = group_attention
        # One tight loop over the gathered reach (copying a slice is cheap; branching
        # between sources inside this loop is not).
        for j in range(size):
            t = reached[j]
            if member[t]:
                continue  # members get no invitation (the sharer too: a group holds them)
            if attention < 1:
                noticed = person_uniform(reach_key, reach_draws) < attention
                reach_draws += 1
                if not noticed:
                    continue
            delivered += 1
            state = invited[t]
            if saturating:
                earlier = seen[t]
                seen[t] = earlier + 1
                if state == 2:
                    continue  # accepted an earlier invitation today; this one still counts
                p = base * repeat_factor**earlier
            else:
                p = base
            if by_segment:
                if everyone_drawn:
                    p *= offered[segment[t]]
                else:
                    v = person_uniform(segment_key, t)
                    p *= offered[0] if v < cuts[0] else offered[1] if v < cuts[1] else offered[2]
            if state == 0:
                invited[t] = 1
            converts = person_uniform(accept_key, accept_draws) < p
            accept_draws += 1
            if not converts:
                continue
            if state == 2:  # another converting invitation: keep each with equal chance
                tally[t] += 1
                if person_uniform(inviter_key, inviter_draws) * tally[t] < 1.0:
                    inviter[t] = s
                inviter_draws += 1
                continue
            invited[t] = 2
            inviter[t] = s
            tally[t] = 1
            invitees[count] = t
            count += 1
    for i in range(count):
        tally[invitees[i]] = 0
    return delivered, count


@numba.njit(**_OPTIONS)
def count_into(counts: np.ndarray, people: np.ndarray) -> None:
    """counts[i] += how often i appears in people."""
    for i in people:
        counts[i] += 1
