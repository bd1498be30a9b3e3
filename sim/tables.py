"""The tables of one finished run, computed from its people's state: the runs-table
row (``summary``), the cascade by generation, the days and the members.

``RunTables`` is a part of ``sim.model.ReferralModel`` (which inherits it): it reads the
model's arrays and its mechanisms' results, and writes nothing. Every column is declared
in ``sim.outputs`` (and by the mechanisms), where docs/outputs.md comes from.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.agents import KOL, ROLE_NAMES, SEGMENT_NAMES, Role, Segment
from sim.graphs import Graph
from sim.groups import GROUPS_OUTPUTS, RUNS_OUTPUTS
from sim.kernels import INVITED
from sim.mechanism import Output
from sim.outputs import DAILY_COLUMNS
from sim.roles import CAME_BY_NAMES, CameBy
from sim.state import columns
from sim.value import ValueSummaryView

# The record fields the runs row and the members table read (sim.state.columns).
_SUMMARY_FIELDS = ("role", "invites", "generation", "inviter", "purchases", "segment", "came_by")
_MEMBER_FIELDS = (
    *_SUMMARY_FIELDS,
    "day_joined",
    "reward_earned",
)


class RunTables:
    """The output tables of a ``ReferralModel`` (a part of it; see the module docstring)."""

    def outputs(self) -> tuple[Output, ...]:
        """The columns this run's mechanisms add to the core ones (``sim.outputs``), in
        the summary's order: the value model's first; a channel's or a risk mechanism's
        only where it is open or modelled (``sim.risk``: off, it adds none)."""
        groups = RUNS_OUTPUTS + GROUPS_OUTPUTS if self.group_life is not None else ()
        mechanisms = [self.value, *(m for m in self._mechanisms if m is not self.value)]
        return (
            tuple(o for m in mechanisms if getattr(m, "active", True) for o in m.outputs) + groups
        )

    def summary(self) -> dict[str, Any]:
        """The run's outcome (one row of runs.parquet): the core columns
        (``sim.outputs.RUNS``), the value model's (profit, lifetime value: ``sim.value``),
        then those of its other mechanisms (``outputs()``)."""
        members = self._member_ids()
        record = columns(self._state.records, members, _SUMMARY_FIELDS)  # read once
        roles = record["role"]
        is_new = roles == Role.MEMBER
        new = members[is_new]  # joined during the campaign
        # people brought in (joined on their invitation) and head-count, by role
        brought = np.bincount(roles, weights=record["invites"], minlength=len(Role))
        heads = np.bincount(roles, minlength=len(Role))
        # the first generation of ordinary members: the longest time to invite, the least
        # saturation, so its K is the cascade's branching number (docs/outputs.md)
        generation = record["generation"]
        first = generation == 1
        joined = int(new.size)
        via_referral = int((record["inviter"][is_new] >= 0).sum())
        paying = int((record["purchases"][is_new] > 0).sum())
        # segments drawn when they joined
        by_segment = np.bincount(record["segment"][is_new], minlength=3)
        junk = int(by_segment[Segment.JUNK])
        deepest = int(generation.max(initial=-1))
        members = int(members.size)
        life = self.group_life
        # Group costs (owners, activities) on the campaign's days count in its cost.
        total_cost = self.ledger.total_cost + (life.campaign_cost() if life else 0.0)
        daily = np.asarray(self._daily_new_joins)
        margin = self.config.behaviour.gross_margin
        return (
            {
                "seed": self.seed,
                "invited": int(np.count_nonzero(self.status & INVITED)),
                "joined": joined,
                "joined_via_referral": via_referral,
                # the outside channel's (a store's joiners have their own column)
                "joined_external": int(
                    np.count_nonzero(record["came_by"][is_new] == CameBy.OUTSIDE)
                ),
                "paying": paying,
                "junk_share": junk / joined if joined else math.nan,
                "joined_payer": int(by_segment[Segment.PAYER]),
                "joined_convertible": int(by_segment[Segment.CONVERTIBLE]),
                "joined_junk": junk,
                "reward_cost": self.reward_cost,
                "lure_cost": self.lure_cost,
                "kol_cost": self.kol_cost,
                "total_cost": total_cost,
                "revenue": self.revenue,
                "cac": total_cost / joined if joined else math.nan,
                # no price per paying member without both a cost and a paying member
                "cost_per_paying": total_cost / paying if paying and total_cost else math.nan,
                "roi": (self.revenue * margin - total_cost) / total_cost
                if total_cost
                else math.nan,
                "k_members": _per(record["invites"][first].sum(), np.count_nonzero(first)),
                "k_seeds": _per(brought[Role.SEED], heads[Role.SEED]),
                "k_kols": _per(brought[Role.KOL], heads[Role.KOL]),
                "referral_share": via_referral / members if members else math.nan,
                "max_generation": deepest,
                "peak_day": int(np.argmax(daily)) + 1 if daily.size and daily.max() > 0 else None,
                "budget_exhausted_day": self.budget.exhausted_day,
            }
            | self.value.summary(
                ValueSummaryView(
                    new,
                    self._brought_by(record["inviter"][is_new]),
                    (int(heads[Role.SEED]), int(heads[Role.KOL])),
                    self._segment,
                    self._cost_by_day(),
                )
            )
            | {key: value for m in self._mechanisms for key, value in m.results().items()}
            | self.risk.summary(joined, self.reward_cost + self.lure_cost)
            | (life.results() if life else {})
        )

    def _brought_by(self, inviter: np.ndarray) -> np.ndarray:
        """Who brought each of some members (``inviter``: their inviters, −1 for none), as
        ``ValueSummaryView.brought_by`` codes: a seed 0, a KOL 1, a referred member 2,
        another member 3; −1 for none."""
        referred = inviter >= 0
        # The inviters' roles and own inviters, read from their records in one pass
        # (scattered records: a cache miss each, asked for ahead).
        source = columns(self._state.records, inviter[referred], ("role", "inviter"))
        role = source["role"]
        codes = np.full(inviter.size, -1, dtype=np.int8)
        codes[referred] = np.select(
            [role == Role.SEED, role == Role.KOL, source["inviter"] >= 0], [0, 1, 2], 3
        )
        return codes

    def _member_ids(self) -> np.ndarray:
        """The members' person numbers, ascending; found once per head-count (people
        only ever join), not once per table (a scan of everyone: 1 ms a million)."""
        found = self._members_found
        if found is None or found[0] != self._cumulative_joined:
            found = self._members_found = (self._cumulative_joined, np.flatnonzero(self.member))
        return found[1]

    def _cost_by_day(self) -> np.ndarray:
        """Yuan paid on each day 0 … last (lures, rewards, and KOL fees on a KOL's first
        day), for discounting costs."""
        days = self._days_recorded
        cost = np.zeros(days + 1)
        cost[1:] = self._days["reward_paid"][:days] + self._days["lure_paid"][:days]
        if self.kols.size:
            start = self.active_from[self.kols]
            start = start[start <= days]
            cost += np.bincount(start, minlength=days + 1) * KOL.fee(self.config)
        if self.risk.controls.checking:  # checks, outside the budget
            cost += self.risk.cost_by_day(days)
        life = self.group_life
        if life is not None:  # the groups' costs, over the horizon too
            cost = np.r_[cost, np.zeros(max(0, life.cost_by_day.size - cost.size))]
            cost[: life.cost_by_day.size] += life.cost_by_day
        return cost

    def generations(self, keys: dict[str, Any] | None = None) -> Any:
        """The cascade by generation (0: seeds, KOLs and outside joiners): members in each
        generation, those who ever shared, and the branching ratio to the next one.
        ``keys`` (the run's identity) come first, one value on every row."""
        members = self._member_ids()  # then read at the members, not scanned
        record = columns(self._state.records, members, ("generation", "shares_made"))
        gens = record["generation"]
        size = np.bincount(gens, minlength=int(gens.max(initial=0)) + 2).astype(np.int64)
        shared = np.bincount(gens[record["shares_made"] > 0], minlength=size.size)
        following = np.r_[size[1:], 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(size > 0, following / size, np.nan)
        last = size.size - 1  # an empty generation past the deepest, kept for k
        return _frame(
            keys,
            {
                "generation": np.arange(last),
                "members": size[:last],
                "sharers": shared[:last],
                "k_factor": k[:last],
            },
        )

    def daily(self, keys: dict[str, Any] | None = None) -> Any:
        """The day-by-day metrics as a DataFrame, one row per day recorded, after
        ``keys`` (one value on every row)."""
        days = self._days_recorded
        return _frame(keys, {name: self._days[name][:days] for name in DAILY_COLUMNS})

    @property
    def datacollector(self) -> Any:
        """The day-by-day metrics as Mesa's ``DataCollector`` (``model_vars``, and
        ``get_model_vars_dataframe()``), made from the recorded days when asked for."""
        import mesa

        collector = mesa.DataCollector(model_reporters=dict.fromkeys(DAILY_COLUMNS, str))
        days = self._days_recorded
        for name in DAILY_COLUMNS:
            collector.model_vars[name] = self._days[name][:days].tolist()
        # When each row was collected (Mesa's time: the day), as ``collect`` would note
        # it; ``mesa.batch_run`` reads the rows by it.
        collector._collection_steps = self._days["day"][:days].astype(float).tolist()
        return collector

    def members(self, keys: dict[str, Any] | None = None) -> Any:
        """One row per member (seeds, KOLs and everyone who joined), after ``keys`` (one
        value on every row)."""
        import pandas as pd

        people = self._member_ids()
        record = columns(self._state.records, people, _MEMBER_FIELDS)  # read once
        return _frame(
            keys,
            {
                "node": self.graph.label_of(people),
                "role": pd.Categorical.from_codes(record["role"], ROLE_NAMES),
                # codes from 1 (0 is "not a member", which no member has)
                "came_by": pd.Categorical.from_codes(record["came_by"] - 1, CAME_BY_NAMES[1:]),
                "segment": pd.Categorical.from_codes(record["segment"], SEGMENT_NAMES),
                "day_joined": record["day_joined"],
                "inviter": _inviter_column(self.graph, record["inviter"]),
                "generation": record["generation"],
                "invites": record["invites"],
                "purchases": record["purchases"],
                "reward_earned": record["reward_earned"],
                "orders": self.value.state_at("orders", people),
                "margin": self.value.state_at("spent", people) * self.value.margin,
                "discounted_margin": self.value.state_at("worth", people),
                "alive_at_horizon": self.value.alive(people, self._segment)
                & (record["role"] == Role.MEMBER),
            },
            copy=False,  # every column made here (``node``: the member list, never changed)
        )

    def group_weeks(self, keys: dict[str, Any] | None = None) -> Any:
        """The living groups week by week (``groups.parquet``), after ``keys`` (one value
        on every row); None without them."""
        if self.group_life is None:
            return None
        import pandas as pd

        # Its own arrays, kept apart (a million people's groups make millions of rows:
        # gathering the columns into one block would copy them all again).
        weeks = self.group_life.weeks()
        return pd.DataFrame({**keys, **weeks} if keys else weeks, copy=False)

    def weeks(self, keys: dict[str, Any] | None = None) -> Any:
        """The value horizon by week (empty without one): orders, revenue, margin, the
        members still alive; after ``keys`` (one value on every row)."""
        new = self._joiners[: self._cumulative_joined]
        alive = int(np.count_nonzero(self.value.alive(new, self._segment)))
        dropped = int(self.value.by_day[3].sum()) if self.value.by_day else 0
        return _frame(keys, self.value.weeks(alive + dropped))


def _frame(keys: dict[str, Any] | None, columns: dict[str, Any], copy: bool = True) -> Any:
    """A DataFrame of ``keys`` (one value each, on every row) then ``columns``, built in
    one go (a column inserted afterwards costs about 0.4 ms, per run and table).
    ``copy=False`` for columns made for the table alone (no view of the model's arrays,
    which the next replicate reuses): pandas then keeps them as they are instead of
    copying them into one block per type (17 ms of a million-member table's 44)."""
    import pandas as pd

    return pd.DataFrame({**keys, **columns} if keys else columns, copy=copy)


def _per(total: float, count: int) -> float:
    """``total ÷ count``; NaN when there is nobody to count."""
    return float(total) / int(count) if count else math.nan


def _inviter_column(graph: Graph, inviter: np.ndarray) -> Any:
    """Each member's inviter's id (-1: none) as a column with nulls for none: Int64 for
    numbered people, strings for named ones. The Int64 column is made from its values
    and mask (from an object array it costs 0.1 s at a million members)."""
    import pandas as pd

    none = inviter < 0
    if graph.labels is None or graph.labels.dtype.kind in "iu":
        labels = graph.label_of(np.where(none, 0, inviter)).astype(np.int64)
        return pd.arrays.IntegerArray(labels, none)
    return pd.array(np.where(none, None, graph.label_of(inviter)), dtype="string")
