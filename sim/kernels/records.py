"""What the compiled loops share: a person's status bits, the loops' tuning constants,
and the named records the kernels take (their fields documented here, once)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# A person's status bits, one byte each (the model's ``status``): one array, so that
# each invitation costs one look-up in memory.
INVITED = 1  # has noticed an invitation
ACCEPTED = 2  # accepted one today (they join at the day's end)
MEMBER = 4  # a member at the start of the day (set by the model when people join)

# How many sharers ahead the delivery loop asks for their friend lists: a sharer's list
# starts at a random place in memory, and waiting for each in turn (two cache misses
# per sharer) cost a quarter of the kernel's time on a million-person graph.
AHEAD = 4

# How many members of the sharing pool ahead the sharing loop asks for the record of:
# the pool is in order of joining, so each member's record is a cache miss.
POOL_AHEAD = 8

# How many converting invitations wait before their invitee's record (sim.state) is
# written: the kernel asks for the record's cache line when it finds the conversion and
# writes it this many conversions later, when the line has arrived. Writing at once
# waited on memory for a tenth of the kernel's time at a million people.
PENDING = 16


# What the kernels take, by name. The model builds them (sim.model); the public entry
# points hand them to the compiled loops as plain tuples (see ``deliver``).


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
    attention: np.ndarray  # by group: chance a member notices one share into it (0: dead)
    shares: np.ndarray  # by group: shares posted into it (counted here)
    screen: np.ndarray  # by segment: the entry rule's factor on a group invitation's chance
    screening: bool  # whether ``screen`` is not all 1 (sim.groups)


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
