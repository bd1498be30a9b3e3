"""Everyone's state in one replicate: a record per person, recycled between replicates.

Why one record per person: a day's phases touch several fields of the same people at
once (joining writes a person's day, first share day, generation and traits next to the
inviter the delivery kernel wrote; sharing reads the first share day, the propensity and
the share count). Kept as one array per field, each field of a random person is a cache
miss of its own; kept as one 64-byte record, one cache line, they are one miss.

Why recycled: at a million people the state is about 90 MB. Fresh memory is faulted in
and zeroed by the operating system on first touch, and the fields that start at -1 must
be written in full: together 3 to 4 ms of each replicate of a cascade on a
million-person graph. A closed replicate resets only the records it wrote and hands its
state to its graph, whose next replicate takes it (``PeopleState.take``). The same graph
being shared by every replicate of an experiment, so is this memory.

What a replicate writes: the records of its members and of the people who accepted an
invitation (the inviter is recorded on acceptance), with the status byte of everyone it
invited; every field of everyone only when it drew everyone's traits. ``hand_back`` relies
on that, and recycles nothing that anyone else still holds.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from sim.compiled import njit
from sim.kernels import prefetch

# One person's record: 8-byte fields first, so that every field is aligned; 64 bytes.
PERSON = np.dtype(
    {
        "names": [
            "inviter",  # person number of the inviter, -1 for none
            "propensity",  # daily chance of sharing at full activity (probability per day)
            "reward_earned",  # yuan
            "day_joined",  # -1 until joined
            "active_from",  # first day one may share
            "generation",  # -1 until joined
            "invites",  # people who joined on one's invitation
            "counted_referrals",  # referrals the reward rule has counted
            "shares_made",
            "purchases",
            "role",
            "segment",
            "tally",  # converting invitations today (the delivery kernel's; kept 0)
            "came_by",  # how a member came (sim.roles.CameBy), 0 for non-members
        ],
        "formats": ["i8", "f8", "f8"] + ["i4"] * 7 + ["i1", "i1", "i4", "i1"],
        "offsets": [0, 8, 16, 24, 28, 32, 36, 40, 44, 48, 52, 53, 56, 60],
        "itemsize": 64,
    }
)
LINE = 64  # bytes in a cache line: each record starts on one

FRESH = np.zeros((), dtype=PERSON)  # the record of someone the campaign has not touched
for _name in ("inviter", "day_joined", "generation"):
    FRESH[_name] = -1
FRESH["active_from"] = np.iinfo(np.int32).max
# The same record as 8 machine words, which the resets copy (numpy copies structured
# items several times slower: 3.4 ms against 0.5 ms for 49,000 scattered records).
_FRESH_WORDS = np.frombuffer(FRESH.tobytes(), dtype=np.uint64)

MAX_SPARES = 2  # per graph: enough for two replicates in flight in one process


@njit
def _reset_rows(words: np.ndarray, people: np.ndarray, fresh: np.ndarray) -> None:
    """words[p] = fresh for each p in people, asking for rows 8 ahead: people come in
    the order they joined, scattered in memory (numpy's fancy assignment waited on each
    row, 2 ms for 49,000 members)."""
    last = people.size - 1
    for i in range(people.size):
        prefetch(words[people[min(i + 8, last)]], 0)
        words[people[i]] = fresh


@njit
def _columns(records: np.ndarray, people: np.ndarray, wanted: np.ndarray) -> tuple:
    """The wanted fields (by their place in ``PERSON``) of the people's records, in
    ``PERSON``'s order; an empty array for a field not wanted (see ``columns``)."""

    def size(field: int) -> int:
        return people.size if wanted[field] else 0

    out = (
        np.empty(size(0), np.int64),
        np.empty(size(1), np.float64),
        np.empty(size(2), np.float64),
        np.empty(size(3), np.int32),
        np.empty(size(4), np.int32),
        np.empty(size(5), np.int32),
        np.empty(size(6), np.int32),
        np.empty(size(7), np.int32),
        np.empty(size(8), np.int32),
        np.empty(size(9), np.int32),
        np.empty(size(10), np.int8),
        np.empty(size(11), np.int8),
        np.empty(size(12), np.int32),
        np.empty(size(13), np.int8),
    )
    last = people.size - 1
    for k in range(people.size):
        # Ask for the record 16 people on: members are scattered over the records, a
        # cache miss each, which the CPU's own prefetching does not foresee.
        prefetch(records, people[min(k + 16, last)])
        r = records[people[k]]
        if wanted[0]:
            out[0][k] = r.inviter
        if wanted[1]:
            out[1][k] = r.propensity
        if wanted[2]:
            out[2][k] = r.reward_earned
        if wanted[3]:
            out[3][k] = r.day_joined
        if wanted[4]:
            out[4][k] = r.active_from
        if wanted[5]:
            out[5][k] = r.generation
        if wanted[6]:
            out[6][k] = r.invites
        if wanted[7]:
            out[7][k] = r.counted_referrals
        if wanted[8]:
            out[8][k] = r.shares_made
        if wanted[9]:
            out[9][k] = r.purchases
        if wanted[10]:
            out[10][k] = r.role
        if wanted[11]:
            out[11][k] = r.segment
        if wanted[12]:
            out[12][k] = r.tally
        if wanted[13]:
            out[13][k] = r.came_by
    return out


def columns(
    records: np.ndarray, people: np.ndarray, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The fields ``names`` of ``people``'s records (``PERSON``), each as an array of its
    own in the order of ``people``: what ``records[name][people]`` gives, name by name.

    Why one compiled pass: a record is a cache line, so numpy's gather of one field reads
    every one of those people's lines, and a table of ten fields read them ten times (5 ms
    a field at 600,000 members of a million, against about 10 ms for ten here)."""
    wanted = np.isin(np.array(PERSON.names), names)
    arrays = _columns(records, np.ascontiguousarray(people, dtype=np.int64), wanted)
    return {name: array for name, array in zip(PERSON.names, arrays, strict=True) if name in names}


class PeopleState:
    """The per-person arrays of one replicate on a graph of ``n`` people.

    ``records`` holds the fields of ``PERSON`` (one cache-line record each; a field is a
    strided view, ``records["day_joined"]``). Kept apart, because the delivery kernel
    reads them per invitation and they must be dense: ``status`` (one byte of
    ``sim.kernels`` bits) and ``seen`` (invitations noticed). ``invitees`` and
    ``joiners`` are buffers of n filled from the start (contents undefined past what a
    run wrote)."""

    def __init__(self, n: int) -> None:
        self._memory = np.zeros(n * PERSON.itemsize + LINE, dtype=np.uint8)
        start = -self._memory.ctypes.data % LINE
        self.records = self._memory[start : start + n * PERSON.itemsize].view(PERSON)
        self._set_nonzero_words()
        self.status = np.zeros(n, dtype=np.uint8)
        self.seen = np.zeros(n, dtype=np.int32)
        self.invitees = np.empty(n, dtype=np.int64)
        self.joiners = np.empty(n, dtype=np.int64)

    @classmethod
    def take(cls, graph: Any) -> PeopleState:
        """A fresh state for a replicate on ``graph``: one handed back, or a new one."""
        spares = graph.community.spare_states
        if spares:
            try:
                return spares.pop()
            except IndexError:  # another thread took the last one
                pass
        return cls(graph.n)

    def hand_back(self, graph: Any, touched: np.ndarray | None, counted_seen: bool) -> bool:
        """Reset this state and keep it for the graph's next replicate.

        Args:
            touched: the people whose records the replicate wrote (see the module
                docstring), or None when it may have written anyone's.
            counted_seen: whether the replicate counted invitations noticed in ``seen``.

        Returns:
            Whether it was kept: not when any of its arrays, or a view of one, is still
            held elsewhere (someone kept ``model.inviter``), or when the graph already
            keeps ``MAX_SPARES``.
        """
        spares = graph.community.spare_states
        if len(spares) >= MAX_SPARES or not self._unshared():
            return False
        self._reset(touched)
        self.status.fill(0)
        if counted_seen:
            self.seen.fill(0)
        spares.append(self)
        return True

    def _reset(self, people: np.ndarray | None) -> None:
        """Make these people's records (everyone's for None) fresh."""
        if people is None:
            self.records.view(np.uint64).fill(0)
            self._set_nonzero_words()
        else:
            words = self.records.view((np.uint64, _FRESH_WORDS.size))
            _reset_rows(words, np.ascontiguousarray(people, dtype=np.int64), _FRESH_WORDS)

    def _set_nonzero_words(self) -> None:
        # Word by word: a row broadcast over every record is several times slower.
        words = self.records.view((np.uint64, _FRESH_WORDS.size))
        for column in np.flatnonzero(_FRESH_WORDS):
            words[:, column] = _FRESH_WORDS[column]

    def _unshared(self) -> bool:
        # A view holds the array that owns its memory (numpy collapses bases), so a field
        # of ``records`` held anywhere counts on ``_memory``, which ``records`` holds too.
        counts = _references(self)
        return all(counts[name] == _ALONE + (name == "_memory") for name in counts)


def _references(holder: object) -> dict[str, int]:
    """How many references each attribute of ``holder`` has, as counted from here."""
    return {name: sys.getrefcount(value) for name, value in vars(holder).items()}


class _Probe:
    def __init__(self) -> None:
        self.array = np.zeros(1)


# The count of an attribute nobody else holds, measured the same way (the interpreter's
# own references differ between Python versions).
_ALONE = _references(_Probe())["array"]


class Recycling:
    """Closing a ``ReferralModel`` (a part of it): its per-person state goes back to its
    graph for the next replicate, and nothing else holds its arrays."""

    def close(self) -> None:
        """Release the run's per-person arrays now; the model cannot be used afterwards.

        A Mesa model refers to itself (its step schedule holds it), so Python frees it
        only when the cycle collector next runs, which counts objects, not bytes: in a
        loop of million-person replicates, dead models piled up to about 15 (60 MB
        each) before one ran. Runners close each replicate once its tables are read;
        ``with ReferralModel(...) as model:`` does it on leaving the block. The people's
        state goes back to the graph for its next replicate (``sim.state``), unless
        someone still holds one of its arrays.
        """
        # Whose records this run wrote: its members (the people who accepted an
        # invitation join the same day), or anyone's once it drew everyone's traits. A
        # day interrupted by an error wrote records no list keeps: nothing is recycled.
        people = None if self.__dict__.get("_mid_day", True) else self.__dict__.get("_state")
        if people is not None:
            touched = (
                None
                if self._everyone_drawn
                else np.r_[self._starters, self._joiners[: self._cumulative_joined]]
            )
            counted_seen = self.config.behaviour.repeat_exposure_factor < 1
        state = vars(self)
        for name in [k for k, v in state.items() if isinstance(v, np.ndarray)]:
            del state[name]
        held = ("lure", "reward_rule", "channels", "ledger", "_agent_objects", "_state", "_terms")
        for name in held:  # they hold arrays
            state.pop(name, None)
        if people is not None:
            people.hand_back(self.graph, touched, counted_seen)
        state["_closed"] = True

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        # Reached only when normal look-up fails: say why, if close() took it.
        if self.__dict__.get("_closed"):
            raise RuntimeError(f"ReferralModel.{name}: the model was closed, which released it")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
