"""What a mechanism is: one module that declares its parameters, its per-person state,
where it acts in the day, its random streams and the outputs it adds.

A lure kind (``sim.lures``), a reward rule (``sim.rewards``) and a join channel
(``sim.channels``) are each a ``Mechanism`` subclass in a module of its own. The model
calls its hooks at fixed places of the day (``sim.model``'s docstring lists the phases)
and hands each hook a narrow view of what it may read, never the model. Everything
else (the config sections, the output tables and their documentation, the charts'
labels, the app's controls) is derived from these declarations, so adding a mechanism
is adding one file (docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from sim.params import Section

Table = Literal["runs", "daily", "members", "generations", "weeks", "groups"]


@dataclass(frozen=True)
class Output:
    """One column of an output table.

    Args:
        name: the column name.
        unit: people, yuan, days, day, share, ratio, orders, invitations, generations,
            "yuan per person", "people per member" (K-factors), or "" for identifiers
            and categories.
        meaning: the exact definition, as docs/outputs.md prints it.
        table: the table it is a column of.
        type: int, float, text, category, number or uint64 (as docs/outputs.md says).
        empty_when: when the value is empty (null), or "never".
        better: "more" or "less" when a planner prefers one direction (the comparison
            marks the best scenario only on these), None otherwise.
        context: shown beside the ranked outcomes (the comparison, the sweeps) but never
            ranked: a cost alone is not a decision (the option that does least is always
            cheapest). Never with ``better``.
        label: the axis title with its unit (charts); short: a table heading.
        fmt: the d3 number format of hover text.
        headline: one of the numbers a run is summed up by (the terminal summary, the
            app's cards).
    """

    name: str
    unit: str
    meaning: str
    table: Table = "runs"
    type: str = "float"
    empty_when: str = "never"
    better: Literal["more", "less"] | None = None
    context: bool = False
    label: str = ""
    short: str = ""
    fmt: str = ",.4g"
    headline: bool = False


@dataclass(frozen=True)
class Draws:
    """The random streams a mechanism declared, and only those (common random numbers:
    a mechanism's draws never shift another's)."""

    names: tuple[str, ...]
    _generator: Callable[[str], np.random.Generator]

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self.names:
            raise KeyError(f"stream {name!r} was not declared (declared: {self.names})")
        return self._generator(name)


@dataclass(frozen=True)
class SharingView:
    """What a mechanism sees in phase 2 (sharing)."""

    day: int
    pool: np.ndarray  # members who may share today (person numbers)
    active_from: np.ndarray  # everyone's first share day (read only)


@dataclass(frozen=True)
class JoinView:
    """What a mechanism sees when invited people join (phase 6, while funded)."""

    day: int
    invitees: np.ndarray  # who joined today on an invitation (person numbers)
    inviters: np.ndarray  # whose invitation brought each of them
    active_from: np.ndarray  # everyone's first share day (read only)
    inviter: np.ndarray  # everyone's inviter, -1 for none (read only)
    counted_referrals: np.ndarray  # referrals the reward rule counted, today's included
    draws: Draws


@dataclass(frozen=True)
class PurchaseView:
    """What a mechanism sees in phase 7 (purchases), while funded."""

    day: int
    buyers: np.ndarray  # today's candidates, buyers, or first-time buyers (by hook)
    purchases: np.ndarray  # everyone's orders so far (read only)
    revenue_per_order: float  # yuan
    draws: Draws


@dataclass(frozen=True)
class EndView:
    """What a mechanism sees after the last day."""

    counted_referrals: np.ndarray
    draws: Draws


class Mechanism:
    """The declarations every mechanism makes (class attributes) and its lifetime.

    Class attributes:
        family: "lure", "reward" or "channel": the config section it is chosen in.
        name: its kind in that family (``lure.kind``, ``reward.rule``).
        Params: its parameters (a ``sim.params.Section`` with a ``kind``/``rule`` tag).
        streams: names of the random streams it draws from.
        person_state: per-person arrays it keeps ((name, numpy dtype) pairs), zero at the
            start of a run; it reads and writes them as ``self.<name>``, and reads a
            few people's without making the array with ``state_at``.
        outputs: the columns it adds to the output tables; ``results()`` gives their
            values for the runs table.
    """

    family: ClassVar[str]
    name: ClassVar[str]
    Params: ClassVar[type[Section]]
    streams: ClassVar[tuple[str, ...]] = ()
    person_state: ClassVar[tuple[tuple[str, str], ...]] = ()
    outputs: ClassVar[tuple[Output, ...]] = ()

    def __init__(self, params: Any, people: int) -> None:
        self.params = params
        self._people = people  # everyone's count: the length of each person_state array

    def __getattr__(self, name: str) -> np.ndarray:
        # A person_state array is made (zeros) when first used, not with the mechanism: a
        # campaign where nobody buys never touches the value model's arrays, which cost
        # 8 ms a run to zero at a million people (issue 19). Only called for a name not
        # found otherwise; private names never are state (unpickling asks for some).
        dtype = None if name.startswith("_") else dict(type(self).person_state).get(name)
        if dtype is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        array = np.zeros(self._people, dtype=dtype)
        setattr(self, name, array)
        return array

    def state_at(self, name: str, people: np.ndarray) -> np.ndarray:
        """Person state ``name`` of ``people``, without making the array when it was never
        used (then it is zero for everyone)."""
        array = self.__dict__.get(name)
        if array is None:
            return np.zeros(people.size, dtype=dict(type(self).person_state)[name])
        return array[people]

    def results(self) -> dict[str, Any]:
        """Values of this mechanism's runs-table outputs at the end of the run."""
        return {}
