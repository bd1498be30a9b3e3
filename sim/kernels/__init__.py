"""The day's inner loops, compiled: sharing, delivering and accepting invitations, joining.

Delivery touches each invitation at most once, which numpy cannot do without sorting (who
was invited by whom, which invitation converted); sharing and joining are one pass over
the day's people instead of a numpy pass per field (sim.state keeps a person's fields in
one cache line). They are written with numba. Their uniform draws come from SplitMix64
sequences (``sim.streams.person_uniform``) keyed per day from the run's seed, so they
are part of the one-seed design, not a second source of randomness, and cost a few
nanoseconds each. ``sim.model`` documents the semantics; the kernels only make them fast.

* ``records``: a person's status bits, tuning constants, and the named records the
  kernels take.
* ``delivery``: phases 3 and 4 (``deliver``).
* ``sharing``: phase 2 (``share_today``), phase 5's records (``admit``), ``count_into``.
* ``prefetch``: the cache-line prefetch hint the loops use.
"""

from sim.kernels.delivery import deliver
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
    Sharers,
    SharingRules,
)
from sim.kernels.sharing import admit, count_into, share_today

__all__ = [
    "ACCEPTED",
    "AHEAD",
    "INVITED",
    "MEMBER",
    "PENDING",
    "Appeal",
    "Channels",
    "DayKeys",
    "Friends",
    "GroupLists",
    "Reached",
    "Scratch",
    "Sharers",
    "SharingRules",
    "admit",
    "count_into",
    "deliver",
    "prefetch",
    "share_today",
]
