"""The day's inner loops, compiled: sharing, delivering and accepting invitations, joining.

Delivery touches each invitation at most once, which numpy cannot do without sorting (who
was invited by whom, which invitation converted); sharing and joining are one pass over
the day's people instead of a numpy pass per field (sim.state keeps a person's fields in
one cache line). They are written with numba. Their uniform draws come from SplitMix64
sequences (``sim.streams.person_uniform``) keyed per day from the run's seed, so they
are part of the one-seed design, not a second source of randomness, and cost a few
nanoseconds each. ``sim.model`` documents the semantics; the kernels only make them fast.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from sim.population import segment_of
from sim.streams import person_uniform, splitmix

_OPTIONS = {"cache": True, "nogil": True}

# A person's status bits, one byte each (the model's ``status``): one array, so that
# each invitation costs one look-up in memory.
INVITED = 1  # has noticed an invitation
ACCEPTED = 2  # accepted one today (they join at the day's end)
MEMBER = 4  # a member at the start of the day (set by the model when people join)

# How many sharers ahead the delivery loop asks for their friend lists: a sharer's list
# starts at a random place in memory, and waiting for each in turn (two cache misses
# per sharer) cost a quarter of the kernel's time on a million-person graph.
AHEAD = 4

# How many converting invitations wait before their invitee's record (sim.state) is
# written: the kernel asks for the record's cache line when it finds the conversion and
# writes it this many conversions later, when the line has arrived. Writing at once
# waited on memory for a tenth of the kernel's time at a million people.
PENDING = 16


# What the kernels take, by name (numba compiles named tuples like plain ones: the
# names cost nothing in the loops). The model builds them (sim.model).


class Channels(NamedTuple):
    """How a share reaches people (phase 3): a uniform u below ``cut_direct`` picks a
    one-to-one message, below ``cut_feed`` a feed post, else a group."""

    cut_direct: float
    cut_feed: float
    direct_count: int  # friends one one-to-one share messages
    feed_attention: float  # chance a friend notices a feed post (probability)


class Friends(NamedTuple):
    """The graph in CSR form: person i's friends are ``indices[indptr[i]:indptr[i + 1]]``."""

    indptr: np.ndarray
    indices: np.ndarray


class GroupLists(NamedTuple):
    """Chat groups: person i's groups are ``groups_of[person_indptr[i]:person_indptr[i + 1]]``
    and group g's members ``members[indptr[g]:indptr[g + 1]]``; empty arrays for none."""

    person_indptr: np.ndarray
    groups_of: np.ndarray
    indptr: np.ndarray
    members: np.ndarray
    attention: float  # chance a member notices one share into the group (probability)


class Reached(NamedTuple):
    """What the kernel reads and writes of the people it reaches."""

    status: np.ndarray  # the status bits above (INVITED and ACCEPTED set here)
    seen: np.ndarray  # invitations noticed (kept only when repeat_factor < 1)
    inviter: np.ndarray  # the sender of each accepted invitation (written here)
    repeat_factor: float  # each further invitation converts with this share of the last


class Appeal(NamedTuple):
    """The lure's appeal to the invitee's segment (when ``by_segment``); segments not yet
    drawn are drawn in the kernel, as ``sim.population`` would."""

    by_segment: bool
    offered: np.ndarray  # appeal by segment
    segment: np.ndarray  # everyone's segment, where drawn
    everyone_drawn: bool
    segment_key: np.uint64
    cuts: np.ndarray  # cumulative segment shares


class Scratch(NamedTuple):
    """Buffers: ``invitees`` (int64, n) is written from the start; ``tally`` (int32, n,
    a field of the people's records) is zero on entry and left zero."""

    invitees: np.ndarray
    tally: np.ndarray


class DayKeys(NamedTuple):
    """The keys (``sim.streams.person_key``) of the reach, acceptance and inviter-order
    decisions, and the day: today's draws are keyed by each one's day-th output."""

    streams: np.ndarray
    day: int


class Sharers(NamedTuple):
    """What sharing reads of the pool's members (``shares_made`` is counted here)."""

    active_from: np.ndarray  # first share day
    propensity: np.ndarray  # daily chance of sharing at full activity
    segment: np.ndarray
    reward_earned: np.ndarray  # yuan
    shares_made: np.ndarray


class SharingRules(NamedTuple):
    """The campaign's sharing rules."""

    max_shares: int  # shares per person over the campaign, -1 for no limit
    half_life: float  # days; inf for no decay
    boost_by_segment: np.ndarray  # 1 + lift x motivation, by segment
    cap: float  # yuan a person can earn in rewards; inf for no cap


@intrinsic
def prefetch(typingctx, array, index):
    """Ask the CPU to start loading ``array[index]`` into cache, without waiting for it
    (LLVM's prefetch: a read, kept in all cache levels). A hint: it changes no value."""
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [index])
        pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32])
        # Named after the pointer type ("llvm.prefetch.p0", or ".p0i8" before LLVM's
        # opaque pointers), as llvmlite names overloaded intrinsics.
        function = builder.module.declare_intrinsic("llvm.prefetch", [pointer.type], function_type)
        builder.call(function, [pointer, i32(0), i32(3), i32(1)])  # read, keep, data
        return context.get_dummy_value()

    return signature, codegen


@numba.njit(cache=True, nogil=True, inline="always")
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


@numba.njit(cache=True, nogil=True, inline="always")
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


@numba.njit(**_OPTIONS)
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
    ``feed_attention``; a group every other member, each noticing with the groups'
    attention. Members get no invitation. The k-th invitation a person ever noticed
    converts with probability chance[sharer] × appeal(segment) × repeat_factor^(k-1).
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
    person_indptr, groups_of, group_indptr, group_members, group_attention = groups
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
        # list of the one AHEAD on (whose bounds were asked for AHEAD sharers ago).
        prefetch(indptr, sharers[order[min(i + 2 * AHEAD, last)]])
        prefetch(indices, indptr[sharers[order[min(i + AHEAD, last)]]])
        k = order[i]
        s = sharers[k]
        base = chance[0] if chance.size == 1 else chance[k]
        # Where today's invitations of s come from: positions lo..hi of one source.
        u = person_uniform(reach_key, reach_draws)
        reach_draws += 1
        attention = 1.0
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
            size = group_indptr[g + 1] - group_indptr[g]
            source, lo = group_members, group_indptr[g]
            attention = group_attention
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
            for j in range(lo, lo + size):
                # Without a branch (members are a coin flip to predict): 5% faster.
                state = status[source[j]]
                fresh = (state & MEMBER) == 0
                delivered += fresh
                status[source[j]] = state | (INVITED * fresh)
            # ... then land only on the converting ones, thinning by the invitee's
            # segment when the lure appeals to segments differently.
            q = min(1.0, base * top_offered) if by_segment else min(1.0, base)
        if q <= 0:
            continue
        if q != last_q:  # gap = floor(log(1 - u) / log(1 - q)); q rarely changes
            last_q = q
            skip = 1.0 / math.log1p(-q) if q < 1 else 0.0
        j = -1
        while True:
            j += 1
            if skip != 0.0:
                if jumping_to_conversions:
                    u = person_uniform(accept_key, accept_draws)
                    accept_draws += 1
                else:
                    u = person_uniform(reach_key, reach_draws)
                    reach_draws += 1
                gap = math.log(1.0 - u) * skip
                if gap >= size - j:
                    break
                j += int(gap)
            if j >= size:
                break
            t = source[lo + j]
            state = status[t]
            if state & MEMBER:
                continue  # members get no invitation (the sharer too: a group holds them)
            if jumping_to_conversions:  # already counted and marked; this one converts at q
                if by_segment:
                    p = min(
                        1.0, base * _appeal(t, offered, segment, everyone_drawn, segment_key, cuts)
                    )
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


@numba.njit(**_OPTIONS)
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
    boosting = boost_by_segment.max() != 1.0 or boost_by_segment.min() != 1.0
    key = splitmix(sharing_key, day)
    sharers = np.empty(pool.size, dtype=np.int64)
    kept = np.empty(pool.size, dtype=np.int64)
    count = 0
    keep = 0
    for k in range(pool.size):
        p = pool[k]
        if max_shares >= 0 and shares_made[p] >= max_shares:
            continue  # used up their shares: forgotten
        kept[keep] = p
        keep += 1
        start = active_from[p]
        if start > day:
            continue
        chance = propensity[p]
        if decaying:
            chance *= 0.5 ** ((day - start) / half_life)
        if boosting and reward_earned[p] < cap:
            chance *= boost_by_segment[segment[p]]
        chance *= lure_boost[0] if lure_boost.size == 1 else lure_boost[k]
        if person_uniform(key, p) < chance:
            shares_made[p] += 1
            sharers[count] = p
            count += 1
    return sharers[:count], kept[:keep]


@numba.njit(**_OPTIONS)
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
        t = joined[k]
        status[t] |= MEMBER
        day_joined[t] = day
        active_from[t] = day + 1
        if k < referred:
            who = inviter[t]  # a member since before today: their generation is final
            generation[t] = generation[who] + 1
            invites[who] += 1
        else:
            generation[t] = 0


@numba.njit(**_OPTIONS)
def count_into(counts: np.ndarray, people: np.ndarray) -> None:
    """counts[i] += how often i appears in people."""
    for i in people:
        counts[i] += 1
