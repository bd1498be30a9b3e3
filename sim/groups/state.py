"""The groups of one run as things with a state: who is in each, its activity, whether
it is alive, its owner, and the weekly record of it (docs/model.md §4).

``GroupLife`` is driven by the model (``sim.model``): ``start_day`` before phase 1,
``lists`` for delivery (phase 3), ``add_joiners`` after joining (phase 5),
``purchase_factor`` and ``on_orders`` in phase 7, ``end_day`` after it; then
``after_campaign`` carries the groups over the value horizon, ``buying`` hands the value
model how the groups moved their people's buying day by day, and ``book_horizon`` and
``book_customers`` take back the orders it drew. It draws only from its own streams
(``STREAMS``) and the existing customers' counter-based draw, and only when
``groups.lifecycle`` is on: without it the model never makes one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.graphs import Groups
from sim.groups.activity import decay_per_day, median_lifetime, scheduled
from sim.groups.buying import day_factor, draw_customers, group_buying
from sim.groups.owners import diligence, owner_count
from sim.groups.screening import screen_factors
from sim.kernels import MEMBER, GroupLists
from sim.value import CustomerBooks, GroupBuying

NEVER = np.iinfo(np.int64).max  # a leave day that never comes
WEEK_COLUMNS = (
    "members",
    "campaign_members",
    "activity",
    "alive",
    "shares",
    "joins",
    "purchases",
    "commission",
    "activity_costs",
    "customer_orders",
    "incremental_orders",
)


class GroupLife:
    """The living groups of one run.

    Args:
        params: the ``[groups]`` table (``sim.config.GroupsConfig``).
        groups: the groups built on the graph (who is in each at the start).
        days: the campaign's days; horizon: the value horizon's days after it.
        draws: the run's generators by name (``STREAMS``).
        index_dtype: the graph's person-number type (the delivery kernel's).
        seed: the run's seed (the existing customers' counter-based draw).
        starters: the seeds and KOLs (never existing customers).
    """

    STREAMS = ("group_start", "group_owners", "group_drift", "screening", "owner_kinds")

    def __init__(
        self,
        params: Any,
        groups: Groups,
        people: int,
        days: int,
        horizon: int,
        draws: Any,
        index_dtype: np.dtype,
        seed: int,
        starters: np.ndarray,
    ) -> None:
        self.params = params
        self.people = people
        self.days = days
        self.total_days = days + horizon
        self.draws = draws
        self.index_dtype = index_dtype
        count = groups.count
        self.count = count
        # Memberships as pairs: kept when a member leaves (``listed`` False; they left on
        # ``leave_day``), so that a member of a dead group buys as one after drifting out.
        # The first ones are the groups' at the start, group by group (``groups.indptr``);
        # people a store brings in are added after them.
        self._start_indptr = groups.indptr
        self.pair_group = np.repeat(np.arange(count, dtype=np.int64), groups.sizes())
        self.pair_person = groups.members.astype(np.int64)
        self.listed = np.ones(self.pair_person.size, dtype=bool)
        self.leave_day = np.full(self.pair_person.size, NEVER, dtype=np.int64)
        start = draws["group_start"]
        self.activity = start.beta(params.initial_activity_a, params.initial_activity_b, count)
        self.owners = owner_count(count, params.groups_per_owner)
        self.owner_of = np.arange(count) // params.groups_per_owner
        # Which owners are members running a group (drawn only when some are, from a
        # stream of its own: other draws do not move).
        self.member_owner = np.zeros(self.owners, dtype=bool)
        if params.member_owner_share > 0:
            kinds = draws["owner_kinds"].random(self.owners)
            self.member_owner = kinds < params.member_owner_share
        per_week = params.activities_per_week
        owner_diligence = diligence(params, self.owners, per_week, start, self.member_owner)
        self.diligence = owner_diligence[self.owner_of]
        self.quit_day = np.full(self.owners, math.inf)  # when a member owner gave up
        self.alive = np.ones(count, dtype=bool)
        self.quiet = np.zeros(count, dtype=np.int64)
        self.died_day = np.full(count, math.inf)
        self.decay = decay_per_day(params.activity_half_life_days)
        self.screen = screen_factors(params)
        self.screening = params.entry_screening > 0
        self.events = frozenset(params.event_days)
        # How the groups move buying (sim.groups.buying): today's factor by group, and
        # each day's state at its start, kept for the value model's horizon (a row a day).
        self.factor = np.ones(count)
        self._alive_by_day = np.ones((self.total_days + 1, count), dtype=bool)
        lifting = params.activity_purchase_lift > 0
        self._lift_by_day = np.zeros((self.total_days + 1 if lifting else 0, count), np.float32)
        # The chain's existing customers among the group's people (§4.8). Per group, the
        # orders a day expected of those still in it and, over the horizon, of its
        # members: the orders a group brings lift its activity (purchase_lift), all of
        # its members' and the part of its customers' that it adds.
        self.in_groups = np.bincount(self.pair_person, minlength=people) > 0
        self.customers = draw_customers(params.customer_share, self.in_groups, starters, seed)
        self.customer = np.zeros(people, dtype=bool)  # still a customer, not a member
        self.customer[self.customers] = True
        self._customer_expected = self._customer_orders()
        self._member_expected = np.zeros(count)
        self.customer_books: CustomerBooks | None = None
        weeks = max(1, -(-self.total_days // 7))
        self.weeks_count = weeks
        # The weekly record, a row per week (a day's update writes one contiguous row).
        self.week = {name: np.zeros((weeks, count)) for name in WEEK_COLUMNS}
        self.cost_by_day = np.zeros(self.total_days + 1)  # yuan, by day 0 … last
        self.owner_cost = 0.0  # training, weekly pay and commission (yuan)
        self.activity_spent = 0.0  # activities, events and revivals (yuan)
        self.revivals = 0
        self.shares = np.zeros(count, dtype=np.int64)  # today's, counted by the kernel
        self.orders = np.zeros(count)  # today's orders by members
        self.sales = np.zeros(count)  # today's revenue of members' orders (yuan)
        self.joins = np.zeros(count)
        self._lists: GroupLists | None = None
        self._csr: Groups | None = None
        self._campaign = np.zeros(count)  # campaign members per group, at the last count
        self._leaving: dict[int, list[np.ndarray]] = {}  # day -> pairs that drift out then
        self._revived = False  # a group came back to life since the horizon last looked

    # -- the lists delivery reads -----------------------------------------------------

    def _build(self) -> Groups:
        if self._csr is None:
            self._csr = Groups.from_pairs(
                self.pair_person[self.listed],
                self.pair_group[self.listed],
                self.people,
                self.count,
            )
        return self._csr

    def attention(self) -> np.ndarray:
        """Each group's attention today: groups.attention × activity (× the posting
        rule's lift), at most 1; 0 for a dead group (a share into it reaches nobody)."""
        p = self.params
        lift = 1.0 + p.posting_attention_lift if p.posting_rule else 1.0
        return np.where(self.alive, np.minimum(1.0, p.attention * self.activity * lift), 0.0)

    def lists(self) -> GroupLists:
        """The groups as the delivery kernel takes them today."""
        if self._lists is None:
            g = self._build()
            self._lists = GroupLists(
                g.person_indptr,
                g.groups_of,
                g.indptr,
                g.members.astype(self.index_dtype, copy=False),
                self.attention(),
                self.shares,
                self.screen,
                self.screening,
            )
        return self._lists

    # -- the day ----------------------------------------------------------------------

    def start_day(self, day: int) -> None:
        """Before phase 1: members of dead groups whose day has come leave them; today's
        factor of buying by group (kept for the horizon); today's counts start at 0."""
        scheduled_out = self._leaving.pop(day, None)
        if scheduled_out is not None:
            pairs = np.concatenate(scheduled_out)
            pairs = pairs[self.leave_day[pairs] == day]  # a revival keeps them in
            if pairs.size:
                self.listed[pairs] = False
                self._csr = None
        self.factor = day_factor(self.params, self.alive, self.activity, day in self.events)
        self._alive_by_day[day] = self.alive
        if self._lift_by_day.size:
            self._lift_by_day[day] = self.params.activity_purchase_lift * self.activity
        self._lists = None  # today's attention
        self.shares.fill(0)
        self.orders.fill(0)
        self.sales.fill(0)
        self.joins.fill(0)

    def groups_of(self, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``people``, group) for each group each of ``people`` is in now."""
        g = self._build()
        starts, ends = g.person_indptr[people], g.person_indptr[people + 1]
        counts = ends - starts
        which = np.repeat(np.arange(people.size), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return which, g.groups_of[np.repeat(starts, counts) + offsets].astype(np.int64)

    def add_to_groups(self, people: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Put ``people`` into ``group`` (one each) where it is alive and has room
        (``max_size``); returns whether each got in."""
        room = self.params.max_size - np.bincount(
            self.pair_group[self.listed], minlength=self.count
        )
        got_in = np.zeros(people.size, dtype=bool)
        for k in range(people.size):  # scanners of a day: a handful
            g = group[k]
            if g >= 0 and self.alive[g] and room[g] > 0:
                room[g] -= 1
                got_in[k] = True
        if got_in.any():
            self.pair_person = np.r_[self.pair_person, people[got_in]]
            self.pair_group = np.r_[self.pair_group, group[got_in]]
            self.listed = np.r_[self.listed, np.ones(int(got_in.sum()), dtype=bool)]
            self.leave_day = np.r_[self.leave_day, np.full(int(got_in.sum()), NEVER)]
            if self._csr is not None:  # a handful a day: insert them, do not rebuild
                self._csr = self._csr.with_members(people[got_in], group[got_in])
            self._lists = None
            self.in_groups[people[got_in]] = True
        return got_in

    def add_from_stores(self, people: np.ndarray, stores: np.ndarray, store_count: int) -> None:
        """Scanners join their store's group: group g belongs to store g mod
        ``store_count``. A scanner already in a living group of their store stays there;
        another goes into the first of their store's groups that is alive and has room;
        with none, they join the campaign only."""
        self.add_to_groups(people, self._store_group(people, stores, store_count))

    def _store_group(self, people: np.ndarray, stores: np.ndarray, store_count: int) -> np.ndarray:
        room = self.params.max_size - np.bincount(
            self.pair_group[self.listed], minlength=self.count
        )
        open_group = self.alive & (room > 0)
        which, groups = self.groups_of(people)
        at_home = np.zeros(people.size, dtype=bool)  # in a living group of their store
        at_home[which[self.alive[groups] & (groups % store_count == stores[which])]] = True
        chosen = np.full(stores.size, -1, dtype=np.int64)
        for k in np.flatnonzero(~at_home):  # the day's scanners: a handful
            candidates = np.arange(stores[k], self.count, store_count)
            usable = candidates[open_group[candidates]]
            if usable.size:
                chosen[k] = usable[0]
        return chosen

    def add_joiners(self, joined: np.ndarray) -> None:
        """Count today's new campaign members in each group they are in (phase 5); an
        existing customer who joins is a campaign member from now on (their orders are
        counted, no longer expected)."""
        if joined.size:
            which, groups = self.groups_of(joined)
            self.joins += np.bincount(groups, minlength=self.count)
            were = self.customer[joined[which]]
            if were.any():
                self._customer_expected -= self.params.customer_purchase_probability * np.bincount(
                    groups[were], minlength=self.count
                )
                self.customer[joined] = False

    def purchase_factor(self, day: int, buyers: np.ndarray) -> np.ndarray | None:
        """× each buyer's chance today: the largest factor of the groups they are in
        (``sim.groups.buying``), a dead group's for one who has drifted out of every
        group, 1 for one never in a group. None when it is 1 for everyone."""
        factor = self.factor
        slow = self.params.dead_purchase_factor
        if np.all(factor == 1.0) and (slow == 1.0 or self.listed.all()):
            return None
        which, groups = self.groups_of(buyers)
        best = np.where(self.in_groups[buyers], slow, 1.0)
        if which.size:
            listed = np.flatnonzero(np.bincount(which, minlength=buyers.size))
            best[listed] = -np.inf
            np.maximum.at(best, which, factor[groups])
        return None if np.all(best == 1.0) else best

    def on_orders(self, buyers: np.ndarray, counts: np.ndarray, revenue: np.ndarray) -> None:
        """Phase 7: orders count toward the activity of every group the buyer is in; their
        revenue (yuan) is split evenly over those groups (the owners' commission base)."""
        if buyers.size == 0:
            return
        which, groups = self.groups_of(buyers)
        per_group = np.bincount(which, minlength=buyers.size)[which]
        self.orders += np.bincount(groups, weights=counts[which], minlength=self.count)
        self.sales += np.bincount(groups, weights=revenue[which] / per_group, minlength=self.count)

    def end_day(self, day: int, status: np.ndarray | None) -> None:
        """After phase 7 (and each horizon day): activities held, events, the day's
        activity, deaths, costs and the weekly record. ``status``: everyone's status
        bits (``sim.kernels``), for who is a member of the campaign (None keeps the last
        count). A group's orders are those counted today, those expected of its members
        over the horizon × today's factor, and the part of its existing customers'
        expected orders that the factor adds."""
        p = self.params
        campaign = day <= self.days  # nobody shares, joins or is counted buying after it
        costs = 0.0  # activities, events, revivals, by group (an array when any)
        lift = 0.0  # the day's lift of activity, by group
        if scheduled(day, p.activities_per_week):
            u = self.draws["group_owners"].random(self.count)
            held = u < self.diligence
            revived = held & ~self.alive & p.revive_dead
            held &= self.alive | revived
            if revived.any():
                self._revive(day, revived)
                costs = costs + revived * p.revival_cost_factor * p.activity_cost
            costs = costs + held * p.activity_cost
            lift = lift + held * p.activity_lift
        if day in self.events:
            costs = costs + self.alive * p.event_cost
            lift = lift + self.alive * p.event_lift
        orders = self.orders + self._member_expected * self.factor
        if self.customers.size:  # only what the group adds to their buying is its doing
            orders = orders + self._customer_expected * np.maximum(self.factor - 1.0, 0.0)
        shared = p.share_lift * self.shares if campaign else 0.0
        lift = lift + (shared + p.purchase_lift * orders)
        self.activity = np.minimum(1.0, self.activity * self.decay + lift * self.alive)
        self.quiet = np.where(self.activity < p.dead_threshold, self.quiet + 1, 0)
        dying = self.alive & (self.quiet >= p.dead_after_days)
        if dying.any():
            self._die(day, dying)
        week_ends = day % 7 == 0
        if week_ends and p.member_owner_quit_per_week > 0 and self.member_owner.any():
            self._members_quit(day)
        owner_pay = 0.0
        if week_ends and p.owner_pay_per_week > 0:
            owned = np.bincount(self.owner_of, weights=self.alive, minlength=self.owners) > 0
            staff = owned & ~self.member_owner  # member owners are paid by commission alone
            owner_pay = p.owner_pay_per_week * int(staff.sum())
        if day == 1:
            owner_pay += p.training_cost * self.owners
        commission = 0.0
        if campaign and p.commission > 0:
            commission = p.commission * self.sales
            if np.isfinite(self.quit_day).any():  # nobody is paid for a group given up
                commission = commission * np.isinf(self.quit_day[self.owner_of])
        paid, spent = float(np.sum(commission)), float(np.sum(costs))
        self.owner_cost += owner_pay + paid
        self.activity_spent += spent
        self.cost_by_day[day] += owner_pay + (paid + spent)
        w, week = self.week, (day - 1) // 7
        if campaign:
            w["shares"][week] += self.shares
            w["joins"][week] += self.joins
            w["purchases"][week] += self.orders
        if paid:
            w["commission"][week] += commission
        if spent:
            w["activity_costs"][week] += costs
        if week_ends or day == self.total_days:
            self._week_ends(day, status)

    def _week_ends(self, day: int, status: np.ndarray | None) -> None:
        """The groups at the week's end, in its row of the record."""
        week = (day - 1) // 7
        w = self.week
        listed = self.listed
        w["members"][week] = np.bincount(self.pair_group[listed], minlength=self.count)
        if status is not None:
            member = (status[self.pair_person[listed]] & MEMBER) != 0
            self._campaign = np.bincount(
                self.pair_group[listed],
                weights=member,
                minlength=self.count,
            )
        w["campaign_members"][week] = self._campaign
        w["activity"][week] = self.activity
        w["alive"][week] = self.alive

    def _revive(self, day: int, revived: np.ndarray) -> None:
        """Owners revive dead groups at a scheduled activity: alive again, quiet days
        reset; those who drifted out stay out."""
        self.alive[revived] = True
        self.quiet[revived] = 0
        self.died_day[revived] = math.inf
        staying = self.listed & np.isin(self.pair_group, np.flatnonzero(revived))
        self.leave_day[staying] = NEVER
        self.revivals += int(revived.sum())
        self._revived = True
        self._lists = None
        if day <= self.days:  # customers who drifted out stay out
            self._customer_expected = self._customer_orders()

    def _members_quit(self, day: int) -> None:
        """A week's end: each member owner still running groups gives them up with
        ``member_owner_quit_per_week``; nobody holds those groups' activities again."""
        staying = self.member_owner & np.isinf(self.quit_day)
        u = self.draws["owner_kinds"].random(self.owners)
        quitting = staying & (u < self.params.member_owner_quit_per_week)
        if quitting.any():
            self.quit_day[quitting] = day
            self.diligence = np.where(quitting[self.owner_of], 0.0, self.diligence)

    def _die(self, day: int, dying: np.ndarray) -> None:
        """Groups die today: attention 0 from tomorrow, and each member drifts out after a
        geometric number of days (``drift_rate`` per day)."""
        self.alive[dying] = False
        self.died_day[dying] = day
        pairs = self._pairs_of(np.flatnonzero(dying))
        pairs = pairs[self.listed[pairs]]
        rate = self.params.drift_rate
        if pairs.size and rate > 0:
            leave = day + self.draws["group_drift"].geometric(rate, pairs.size)
            self.leave_day[pairs] = leave
            order = np.argsort(leave, kind="stable")
            days, starts = np.unique(leave[order], return_index=True)
            for when, part in zip(days.tolist(), np.split(pairs[order], starts[1:]), strict=True):
                if when <= self.total_days:
                    self._leaving.setdefault(when, []).append(part)

    def _pairs_of(self, groups: np.ndarray) -> np.ndarray:
        """The memberships (pair numbers, ascending) of ``groups`` (ascending): the
        start's, group by group, then those added since."""
        starts = self._start_indptr[groups]
        counts = self._start_indptr[groups + 1] - starts
        ends = np.cumsum(counts)
        at_start = np.arange(ends[-1] if ends.size else 0) + np.repeat(
            starts - ends + counts, counts
        )
        first_added = self._start_indptr[-1]
        chosen = np.zeros(self.count, dtype=bool)
        chosen[groups] = True
        added = first_added + np.flatnonzero(chosen[self.pair_group[first_added:]])
        return np.concatenate([at_start, added])

    # -- after the campaign -----------------------------------------------------------

    def after_campaign(self, orders_per_day: np.ndarray) -> None:
        """Carry the groups over the value horizon, day by day (there are far fewer
        groups than people): decay, owners' activities and events go on; members'
        purchases lift activity at their expected daily orders (``orders_per_day``, per
        person; existing customers' too), × the day's factor; nobody shares or joins.
        Sales and commission come in ``book_horizon`` and ``book_customers``.

        Only a living group's expected orders lift it, and its people can change only
        while it is dead (they drift out of dead groups; nobody joins any more): so they
        are summed once, and again after a revival."""
        self._revived = True
        for day in range(self.days + 1, self.total_days + 1):
            self.start_day(day)
            if self._revived:
                self._revived = False
                listed = self.listed
                self._customer_expected = self._customer_orders()
                self._member_expected = np.bincount(
                    self.pair_group[listed],
                    weights=orders_per_day[self.pair_person[listed]],
                    minlength=self.count,
                )
            self.end_day(day, None)

    def _customer_orders(self) -> np.ndarray:
        """Per group: the orders a day expected of the existing customers listed in it who
        have not joined the campaign (``customer_purchase_probability`` each)."""
        if self.customers.size == 0:
            return np.zeros(self.count)
        listed = self.listed & self.customer[self.pair_person]
        return self.params.customer_purchase_probability * np.bincount(
            self.pair_group[listed], minlength=self.count
        ).astype(np.float64)

    def buying(self, weeks: int) -> GroupBuying:
        """How the groups moved their people's buying, day by day over campaign +
        horizon, for the value model (``sim.groups.buying.group_buying``), with (``weeks``,
        group) arrays its horizon's orders are booked to."""
        return group_buying(
            (self.pair_person, self.pair_group, self.leave_day),
            self._alive_by_day,
            self._lift_by_day,
            self.params,
            self.people,
            weeks,
        )

    def book_horizon(self, orders: np.ndarray, revenue: np.ndarray) -> None:
        """The horizon's orders and revenue (yuan) of campaign members by (week, group),
        from the value model: purchases, and the owners' commission."""
        first_week = self.days // 7  # the week the horizon's first day falls in
        self.week["purchases"][first_week:] += orders[first_week:]
        revenue = revenue.copy()
        revenue[:first_week] = 0.0  # the campaign's days were paid day by day
        self._commission(revenue)

    def book_customers(self, books: CustomerBooks) -> None:
        """What the existing customers bought over campaign + horizon, by (week, group)
        of their home group (from the value model): their orders, what the groups added
        (or lost) against the baseline, and the owners' commission on their revenue: a
        group's sales are its campaign members' and its existing customers'."""
        self.customer_books = books
        self.week["customer_orders"] += books.week_orders
        self.week["incremental_orders"] += books.week_incremental
        self._commission(books.week_revenue)

    def _commission(self, revenue: np.ndarray) -> None:
        """The owners' commission on (week, group) revenue (yuan), booked on each week's
        last day; weeks ending after an owner gave the group up pay none."""
        if self.params.commission == 0:
            return
        commission = self.params.commission * revenue
        last_days = np.minimum((np.arange(commission.shape[0]) + 1) * 7, self.total_days)
        commission[last_days[:, None] > self.quit_day[self.owner_of][None, :]] = 0.0
        self.week["commission"] += commission
        by_week = commission.sum(axis=1)
        for week in np.flatnonzero(by_week):
            day = min((week + 1) * 7, self.total_days)
            self.cost_by_day[day] += by_week[week]
        self.owner_cost += float(by_week.sum())

    # -- results ----------------------------------------------------------------------

    def alive_on(self, day: int) -> float:
        """Share of groups alive at the end of ``day``; NaN past the simulated days."""
        if day > self.total_days or self.count == 0:
            return math.nan
        return float(np.mean(self.died_day > day))

    def campaign_cost(self) -> float:
        """Group costs paid on the campaign's days (yuan): in ``total_cost``."""
        return float(self.cost_by_day[: self.days + 1].sum())

    def results(self) -> dict[str, Any]:
        """The groups' runs-table columns (``sim.groups.outputs.RUNS_OUTPUTS``)."""
        lifetime = median_lifetime(self.died_day)
        books = self.customer_books
        return {
            "groups": self.count,
            "group_owners": self.owners,
            "member_owners": int(self.member_owner.sum()),
            "owners_quit": int(np.isfinite(self.quit_day).sum()),
            "groups_alive_end": int(np.count_nonzero(self.died_day > self.days)),
            "groups_alive_horizon": int(np.count_nonzero(self.alive)),
            "groups_alive_30": self.alive_on(30),
            "groups_alive_90": self.alive_on(90),
            "median_group_lifetime": lifetime,
            "group_revivals": self.revivals,
            "owner_cost": self.owner_cost,
            "activity_cost": self.activity_spent,
            "group_cost": self.campaign_cost(),
            "existing_customers": int(self.customers.size),
            "existing_customer_orders": books.orders if books else 0,
            "incremental_orders": books.incremental_orders if books else 0,
            "incremental_margin": books.incremental_margin if books else 0.0,
        }

    def weeks(self) -> dict[str, np.ndarray]:
        """The groups week by week (``groups.parquet``): one row per group and week."""
        weeks, count = self.week["members"].shape
        table: dict[str, np.ndarray] = {
            "group": np.repeat(np.arange(count), weeks),
            "week": np.tile(np.arange(1, weeks + 1), count),
            "last_day": np.tile(np.minimum(np.arange(1, weeks + 1) * 7, self.total_days), count),
            "owner": np.repeat(self.owner_of, weeks),
        }
        counts = ("members", "campaign_members", "shares", "joins", "purchases")
        kinds = dict.fromkeys((*counts, "customer_orders", "incremental_orders"), np.int64)
        kinds["alive"] = np.bool_
        for name in WEEK_COLUMNS:  # group by group: one pass each, type and order at once
            by_group = np.ascontiguousarray(self.week[name].T, dtype=kinds.get(name))
            table[name] = by_group.reshape(-1)
        table["horizon"] = table["last_day"] > self.days
        return table
