"""What every value model is: how members buy during the campaign and after it, what
their orders are worth, and the value columns of the output tables (docs/model.md §8).

A value model (``[value] model``) decides how many orders each member who joined
through the campaign places on each campaign day (phase 7, through ``chance`` and
``orders_today``) and, after the last day, over ``horizon_days`` more days simulated without
stepping them (``after_campaign``: purchases go on, invitations do not). It books every
order per person: orders, revenue, and margin discounted to the campaign's first day.
From these come profit, customer lifetime value, the payback day and social value.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from sim.mechanism import Draws, Mechanism, Output
from sim.params import ADVANCED, Section
from sim.roles import Segment

YEAR = 365.0  # days in the discount rate's year

# Gamma-Gamma spend (Fader, Hardie & Lee 2005, "RFM and CLV"), fitted on CDNOW.
CDNOW_SPEND_P = 6.25
CDNOW_SPEND_Q = 3.74


class ValueParams(Section):
    """The keys of ``[value]`` whatever the model."""

    model: str
    horizon_days: int = Field(
        0,
        ge=0,
        le=3650,
        description="days of buying simulated after the campaign's last day (0: none)",
    )
    discount_rate: float = Field(
        0.1,
        ge=0,
        le=10,
        description="per year: a yuan t days after the start is worth (1 + rate)^(−t/365)",
    )
    spend: Literal["fixed", "gamma_gamma"] = Field(
        "fixed",
        description="order value: fixed (behaviour.revenue_per_order) or gamma_gamma "
        "(customers differ, around that mean)",
    )
    spend_p: float = Field(
        CDNOW_SPEND_P,
        gt=0,
        description="Gamma-Gamma: shape of one order's value (CDNOW fit)",
        json_schema_extra=ADVANCED,
    )
    spend_q: float = Field(
        CDNOW_SPEND_Q,
        gt=1,
        description="Gamma-Gamma: shape of customers' spend rates (CDNOW fit; > 1)",
        json_schema_extra=ADVANCED,
    )


@dataclass(frozen=True)
class ValueJoinView:
    """What a value model sees when people join (phase 5)."""

    day: int
    joiners: np.ndarray  # who joined today (person numbers)
    segment: np.ndarray  # everyone's segment (read only)
    inviter: np.ndarray  # everyone's inviter, -1 for none (read only)
    cash_paid: np.ndarray  # per joiner: joined on an invitation with a cash lure, funded
    reward_pull: float  # the inviter's reward today, v / (v + half): 0 none, → 1 large


@dataclass(frozen=True)
class BuyingView:
    """What a value model sees in phase 7 (purchases)."""

    day: int
    buyers: np.ndarray  # members who joined through the campaign before today
    segment: np.ndarray  # everyone's segment (read only)
    invites: np.ndarray  # everyone's referrals so far (read only)
    draws: Draws


@dataclass(frozen=True)
class GroupBuying:
    """How living groups move their people's buying (docs/model.md §4.8), day by day
    over campaign + horizon, as the value models read it.

    On day d a person buys × the largest factor of the groups they are in that day (1 in
    none ever; ``slow`` once they have drifted out of every one). Group g's factor is
    ``slow`` while it is dead, else ``event[d]`` × (1 + ``lift[g, d]``). From day
    ``plain_from[g]`` on it is 1 for good; from ``dead_from[g]``, ``slow`` for good. A
    person's orders are booked by (week, group) to the group of their ``home`` entry
    (their first group; −1: none) while they are in it."""

    indptr: np.ndarray  # person i's entries are indptr[i] … indptr[i + 1] − 1
    group: np.ndarray  # each entry's group
    until: np.ndarray  # the day the person drifted out of it (a day past the last: never)
    alive: np.ndarray  # (group, day 0 … last): alive at the start of the day
    lift: np.ndarray  # (group, day) float32: activity_purchase_lift × activity; (0, 0): none
    event: np.ndarray  # by day: × a living group's factor (an event's purchase lift, or 1)
    slow: float  # a dead group's factor (groups.dead_purchase_factor)
    plain_from: np.ndarray  # by group: the first day from which its factor stays 1
    home: np.ndarray  # by person: their home entry (−1: none)
    week_orders: np.ndarray  # (week, group): the horizon's orders of members, added to
    week_revenue: np.ndarray  # (week, group): their revenue (yuan), added to
    dead_from: np.ndarray  # by group: the first day from which it is dead for good

    @classmethod
    def none(cls) -> GroupBuying:
        """No groups: nobody's buying moves."""
        empty = np.zeros(0, dtype=np.int64)
        return cls(
            empty,
            empty,
            empty,
            np.zeros((0, 0), dtype=bool),
            np.zeros((0, 0), dtype=np.float32),
            np.zeros(0),
            1.0,
            empty,
            empty,
            np.zeros((0, 0)),
            np.zeros((0, 0)),
            empty,
        )

    def kernel_arrays(self) -> tuple | None:
        """The tuple the compiled loops read (``sim.value.orders``); None without groups."""
        if self.indptr.size == 0:
            return None
        return (
            self.indptr,
            self.group,
            self.until,
            self.alive,
            self.lift,
            self.event,
            float(self.slow),
            self.plain_from,
            self.home,
            self.week_orders,
            self.week_revenue,
            self.dead_from,
        )


@dataclass(frozen=True)
class HorizonView:
    """What a value model sees after the campaign's last day."""

    last_day: int  # the campaign's last day
    joiners: np.ndarray  # everyone who joined through the campaign, in order of joining
    segment: np.ndarray
    day_joined: np.ndarray
    invites: np.ndarray
    groups: GroupBuying = field(default_factory=GroupBuying.none)  # living groups


@dataclass(frozen=True)
class CustomerView:
    """The existing customers in the living groups (docs/model.md §4.8)."""

    customers: np.ndarray  # person numbers
    until: np.ndarray  # each one's last day as a customer: their join day, or the last day
    purchase_probability: float  # their mean orders per day (the daily model: a chance)
    groups: GroupBuying
    weeks: int  # weeks of campaign + horizon


@dataclass(frozen=True)
class CustomerBooks:
    """What the existing customers bought, as their groups moved them and against the
    baseline their groups never move (docs/model.md §4.8)."""

    orders: int  # as the groups moved them
    incremental_orders: int  # minus the baseline's
    incremental_margin: float  # discounted margin minus the baseline's (yuan)
    week_orders: np.ndarray  # (week, group), booked to each customer's home group
    week_revenue: np.ndarray  # (week, group), yuan
    week_incremental: np.ndarray  # (week, group): orders minus the baseline's


@dataclass(frozen=True)
class ValueSummaryView:
    """What the value columns of the runs table are computed from."""

    joiners: np.ndarray  # who joined through the campaign
    # Per joiner, who brought them: a seed (0), a KOL (1), a member who was referred (2)
    # or one who came another way (3); −1 when nobody did (they came another way).
    brought_by: np.ndarray
    starters: tuple[int, int]  # seeds and KOLs: the seed and KOL social values' head-count
    segment: np.ndarray  # everyone's segment
    cost_by_day: np.ndarray  # yuan paid on days 0 … last day (KOL fees included)


def _runs(name: str, unit: str, meaning: str, **kw: Any) -> Output:
    return Output(name, unit, meaning, table="runs", **kw)


def _source_value(source: str, who: str) -> Output:
    return _runs(
        f"clv_{source}",
        "yuan per person",
        f"`discounted_margin` of members who joined {who}, per such member",
        empty_when=f"no member joined {who}",
        label=f"value per member, {source} joiners (yuan per person)",
        fmt=",.2f",
    )


def _social_value(source: str, who: str) -> Output:
    return _runs(
        f"social_value_{source}",
        "yuan per person",
        f"discounted margin (campaign + horizon) of the people {who} brought directly, per "
        f"such member (社交价值)",
        empty_when=f"no such member ({who})",
        label=f"social value per {source} member (yuan per person)",
        fmt=",.2f",
    )


RUNS_OUTPUTS: tuple[Output, ...] = (
    _runs(
        "profit",
        "yuan",
        "`discounted_margin` + `incremental_margin` (what living groups added to their "
        "existing customers' margin; 0 without them) − every cost (lures, rewards, KOL "
        "fees, groups), each discounted from the day it was paid: what the campaign earns "
        "over campaign + horizon",
        better="more",
        label="profit over campaign + horizon (yuan)",
        short="profit (yuan)",
        fmt=",.0f",
        headline=True,
    ),
    _runs(
        "payback_day",
        "day",
        "the first day on which the margin earned so far (undiscounted, from day 1; with "
        "living groups, what they added to their existing customers' margin too) covers "
        "`total_cost`; days after the campaign's last count on (`experiment.days` + 1, …)",
        type="int",
        empty_when="nothing was spent (nothing to pay back), or the margin never covers the "
        "cost within campaign + horizon",
        better="less",
        label="payback day (day)",
        short="payback day",
        fmt=".0f",
        headline=True,
    ),
    _runs(
        "orders_total",
        "orders",
        "orders placed by joined people over campaign + horizon",
        type="int",
        label="orders, campaign + horizon (orders)",
        fmt=",.0f",
    ),
    _runs(
        "revenue_total",
        "yuan",
        "revenue of those orders (undiscounted)",
        label="revenue, campaign + horizon (yuan)",
        fmt=",.0f",
    ),
    _runs(
        "margin_total",
        "yuan",
        "`revenue_total × behaviour.gross_margin` (undiscounted)",
        label="margin, campaign + horizon (yuan)",
        fmt=",.0f",
    ),
    _runs(
        "discounted_margin",
        "yuan",
        "margin of every order, each discounted from its day to the campaign's start at "
        "`value.discount_rate`",
        label="discounted margin (yuan)",
        fmt=",.0f",
    ),
    _runs(
        "clv",
        "yuan per person",
        "customer lifetime value: `discounted_margin ÷ joined` (客户终生价值)",
        empty_when="`joined` = 0",
        better="more",
        label="lifetime value per member (yuan per person)",
        short="value per member (yuan)",
        fmt=",.2f",
        headline=True,
    ),
    _runs(
        "clv_paying",
        "yuan per person",
        "`discounted_margin ÷ paying_total`",
        empty_when="`paying_total` = 0",
        label="lifetime value per paying member (yuan per person)",
        fmt=",.2f",
    ),
    _runs(
        "ltv_cac",
        "ratio",
        "`clv ÷ cac` = `discounted_margin ÷ total_cost`: above 1, members are worth more "
        "than they cost",
        empty_when="`total_cost` = 0 or `joined` = 0",
        better="more",
        label="LTV / CAC (ratio)",
        short="LTV/CAC",
        fmt=",.2f",
    ),
    _runs(
        "paying_total",
        "people",
        "joined people with at least one order over campaign + horizon",
        type="int",
        label="paying members, campaign + horizon (people)",
        fmt=",.0f",
    ),
    _runs(
        "alive_at_horizon",
        "people",
        "joined people who may still buy at the horizon's end: not junk, not dropped out "
        "(BG/NBD), not a reward hunter who left once paid",
        type="int",
        label="members alive at the horizon (people)",
        fmt=",.0f",
    ),
    _source_value("referral", "on an invitation"),
    _source_value("outside", "through a join channel, with no inviter"),
    _social_value("seed", "seed users"),
    _social_value("kol", "KOLs"),
    _social_value("referral", "members who joined on an invitation"),
    _social_value("outside", "members who joined with no inviter"),
)

MEMBERS_OUTPUTS: tuple[Output, ...] = (
    Output(
        "orders",
        "orders",
        "orders over campaign + horizon (seeds and KOLs: 0)",
        table="members",
        type="int",
    ),
    Output("margin", "yuan", "margin of those orders (undiscounted)", table="members"),
    Output(
        "discounted_margin",
        "yuan",
        "that margin discounted to the campaign's start: the member's lifetime value",
        table="members",
    ),
    Output(
        "alive_at_horizon",
        "",
        "may still buy at the horizon's end (see `runs.alive_at_horizon`)",
        table="members",
        type="bool",
    ),
)


def _week(name: str, unit: str, meaning: str, type: str = "float") -> Output:
    return Output(name, unit, meaning, table="weeks", type=type, fmt=",.0f")


WEEKS_OUTPUTS: tuple[Output, ...] = (
    _week("week", "", "1 for the 7 days after the campaign's last day, 2 for the next 7, …", "int"),
    _week(
        "last_day",
        "day",
        "the week's last day, counted from the campaign's start (a last week may be short)",
        "int",
    ),
    _week("orders", "orders", "orders placed by joined people in the week", "int"),
    _week("revenue", "yuan", "their revenue"),
    _week("margin", "yuan", "`revenue × behaviour.gross_margin`"),
    _week("discounted_margin", "yuan", "that margin discounted to the campaign's start"),
    _week(
        "cumulative_margin",
        "yuan",
        "undiscounted margin from day 1 to the week's end (campaign included), with what "
        "living groups added to their existing customers' margin (`runs.incremental_margin`, "
        "undiscounted): against `runs.total_cost`, the payback curve",
    ),
    _week(
        "alive",
        "people",
        "joined people who may still buy at the week's end (see `runs.alive_at_horizon`)",
        "int",
    ),
)
WEEK_COLUMNS = tuple(o.name for o in WEEKS_OUTPUTS)


class ValueModel(Mechanism, ABC):
    """A value model: campaign-day orders (phase 7), the horizon, and the books.

    Per-person state (``person_state``) every model keeps: ``orders``, ``spent`` (yuan),
    ``worth`` (discounted margin, yuan), ``dead`` (dropped out, or never a customer),
    ``scale`` (yuan: a person's mean order value before Gamma noise) and ``premium``
    (the referral spend premium at joining, eroding)."""

    family = "value"
    person_state: ClassVar[tuple[tuple[str, str], ...]] = (
        ("orders", "int32"),
        ("spent", "float64"),
        ("worth", "float64"),
        ("dead", "bool"),
        ("scale", "float64"),
        ("premium", "float64"),
    )
    outputs = RUNS_OUTPUTS + MEMBERS_OUTPUTS + WEEKS_OUTPUTS
    continuous: ClassVar[bool] = False  # customers buy in continuous time (BG/NBD)
    # Every draw of a campaign day keyed by the buyer (counter-based), none taken from a
    # shared stream in turn: buyers may then come in any order (``sim.buyers``).
    draws_by_person: ClassVar[bool] = False

    def __init__(self, params: Any, people: int, behaviour: Any, last_day: int) -> None:
        super().__init__(params, people)
        self.behaviour = behaviour
        self.last_day = last_day
        self.margin = behaviour.gross_margin
        self.discount = math.log1p(params.discount_rate) / YEAR  # per day
        self.revenue_per_order = behaviour.revenue_per_order
        gamma_gamma = params.spend == "gamma_gamma"
        # Gamma-Gamma: an order's value is Gamma(p, ν) for the customer's rate ν ~
        # Gamma(q, γ); γ = revenue_per_order × (q − 1) / p makes the mean order value
        # revenue_per_order (E[p/ν] = pγ/(q − 1)).
        self.spend_shape = params.spend_p if gamma_gamma else 0.0
        self.campaign_margin = np.zeros(last_day + 1)  # undiscounted, by day
        self.horizon_days = params.horizon_days
        self.by_day: tuple[np.ndarray, ...] = ()
        self.seed = 0
        self._key: np.uint64 | None = None
        self._decay = 0.0  # the referral premium's erosion (per day)
        self._premiums = False  # whether anyone has a referral premium (set on joining)
        # The existing customers in living groups (docs/model.md §4.8): the discounted
        # margin the groups added to theirs (yuan), and by day 0 … last, undiscounted.
        self.incremental_worth = 0.0
        self.incremental_by_day = np.zeros(0)

    def start(self, seed: int) -> None:
        """Key the run's counter-based draws (``sim.value.sampling``)."""
        self.seed = seed
        self._key = self.trait_key("orders")

    @property
    def buys(self) -> bool:
        """Whether any member can ever buy."""
        b = self.behaviour.purchase_probability
        return max(b.payer, b.convertible) > 0

    # -- hooks: joining, a campaign day, after the campaign ----------------------------

    def on_join(self, view: ValueJoinView) -> None:
        """Draw what a new member will buy (their spend, and per model more)."""
        if self.buys:  # a spend is read only by orders (and its array made only then)
            self.scale[view.joiners] = self._spend_scale(view.joiners)

    def _spend_scale(self, people: np.ndarray) -> np.ndarray:
        """Each person's mean order value before Gamma noise (yuan): with Gamma-Gamma their
        1/ν, ν ~ Gamma(q, rate γ), a trait of the person; else ``revenue_per_order``."""
        if self.spend_shape == 0:
            return np.full(people.size, self.revenue_per_order)
        from sim.value.traits import gammas

        p, q = self.params.spend_p, self.params.spend_q
        gamma_rate = self.revenue_per_order * (q - 1.0) / p
        return gamma_rate / gammas(self.trait_key("spend"), people, q)

    def trait_key(self, trait: str) -> np.uint64:
        """The key of a person's counter-based trait draws (``sim.value.traits``)."""
        from sim.streams import person_key  # numba: loaded by running, not by the config

        return person_key(self.seed, trait)

    @abstractmethod
    def chance(self, view: BuyingView) -> np.ndarray:
        """Each buyer's chance of at least one order today, before the lure lifts it."""

    @abstractmethod
    def orders_today(
        self, view: BuyingView, chance: np.ndarray | None = None, lifted: np.ndarray | None = None
    ) -> np.ndarray:
        """Orders each buyer places today (counts), given each buyer's chance before
        (``chance``) and after the lure or their groups lifted it (``lifted``); both None
        when nothing lifts it: the model's own ``chance``, which it may take in the same
        pass (BG/NBD does: one pass over the buyers instead of two)."""

    def book(self, day: int, people: np.ndarray, counts: np.ndarray, joined: np.ndarray) -> float:
        """Book today's orders (``counts`` of ``people``, all > 0); today's revenue (yuan)."""
        worth_per_yuan = self.margin * math.exp(-self.discount * day)
        if self.spend_shape == 0 and not self._premiums:
            # Every order is worth revenue_per_order: one multiplication per day keeps the
            # revenue exactly what the count of orders says.
            revenue = float(counts.sum()) * self.revenue_per_order
            self.orders[people] += counts
            spent = counts * self.revenue_per_order
            self.spent[people] += spent
            self.worth[people] += spent * worth_per_yuan
        else:
            from sim.value.orders import book_orders

            revenue = book_orders(
                self._key,
                day,
                people,
                counts,
                joined,
                self.spend_shape,
                self.scale,
                self.premium,
                self._decay,
                worth_per_yuan,
                self.orders,
                self.spent,
                self.worth,
            )
        self.campaign_margin[day] += revenue * self.margin
        return revenue

    def after_campaign(self, view: HorizonView) -> None:
        """Simulate the ``horizon_days`` after the campaign (``by_day`` gets the days'
        orders, revenue, discounted margin and dropouts)."""
        days = self.horizon_days
        self.by_day = (
            np.zeros(days, dtype=np.int64),
            np.zeros(days),
            np.zeros(days),
            np.zeros(days, dtype=np.int64),
        )
        if days == 0 or view.joiners.size == 0 or not self.buys:
            return
        from sim.value.orders import horizon

        customer, rate, first_chance, dropout = self._horizon_terms(view)
        segment = np.ascontiguousarray(view.segment)
        horizon(
            self._key,
            np.ascontiguousarray(view.joiners),
            self.last_day,
            days,
            self.continuous,
            (customer, rate, segment, first_chance, dropout, self.dead),
            (self.spend_shape, self.scale, self.premium, self._decay, view.day_joined),
            (self.margin, self.discount),
            (self.orders, self.spent, self.worth),
            self.by_day,
            view.groups.kernel_arrays(),
        )

    def existing_customers(self, view: CustomerView) -> CustomerBooks:
        """Simulate the existing customers in the living groups from day 1 to their
        ``until`` day, as their groups moved their buying and against the baseline their
        groups never move, on one stream of draws (``sim.value.orders``); book the
        difference of the discounted margins in ``profit`` (and by day, undiscounted, in
        the payback) and return what they bought."""
        people = view.customers
        total = self.last_day + self.horizon_days
        shape = (view.weeks, view.groups.alive.shape[0])
        weeks = (np.zeros(shape), np.zeros(shape), np.zeros(shape))
        totals = np.zeros(6)
        self.incremental_by_day = np.zeros(total + 1)
        if people.size and view.purchase_probability > 0:
            from sim.value.orders import existing_customers

            rate, dropout = self._customer_terms(people, view.purchase_probability)
            scale = np.zeros(self.scale.size)
            scale[people] = self._spend_scale(people)
            existing_customers(
                self.trait_key("customer orders"),
                np.ascontiguousarray(people, dtype=np.int64),
                np.ascontiguousarray(view.until, dtype=np.float64),
                self.continuous,
                rate,
                dropout,
                (self.spend_shape, scale),
                (self.margin, self.discount),
                view.groups.kernel_arrays(),
                totals,
                self.incremental_by_day,
                weeks,
            )
        self.incremental_worth = float(totals[4] - totals[5])
        return CustomerBooks(
            orders=int(totals[0]),
            incremental_orders=int(totals[0] - totals[1]),
            incremental_margin=self.incremental_worth,
            week_orders=weeks[0],
            week_revenue=weeks[1],
            week_incremental=weeks[2],
        )

    def daily_orders(self, people: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """Each of ``people``'s expected orders per day after the campaign (0 once
        dropped out): their segment's daily chance (the groups' horizon reads it)."""
        b = self.behaviour.purchase_probability
        chance = np.array([b.payer, b.convertible, 0.0])[segment[people]]
        return np.where(self.dead[people], 0.0, chance)

    @abstractmethod
    def _customer_terms(
        self, people: np.ndarray, purchase_probability: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The existing customers' buying, by this model's machinery: per customer, the
        rate (orders per day; the daily model: the daily chance) around the mean
        ``purchase_probability``, and the dropout after an order (0: never)."""

    @abstractmethod
    def _horizon_terms(
        self, view: HorizonView
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per person: buying on the rate (a customer), the rate (per day) and the
        dropout after an order; by segment, the daily chance of a first order."""

    # -- the books --------------------------------------------------------------------

    def alive(self, people: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """Whether each of ``people`` may still buy: not junk, not dropped out."""
        return (segment[people] != Segment.JUNK) & ~self.state_at("dead", people)

    def summary(self, view: ValueSummaryView) -> dict[str, Any]:
        """The value columns of the runs table (``RUNS_OUTPUTS``)."""
        joiners = view.joiners
        joined = joiners.size
        # Each person array read once at the joiners (a million-person array is read
        # where they are, not scanned): the same values in the same order as before.
        orders = self.state_at("orders", joiners)
        worth_each = self.state_at("worth", joiners)
        spent = float(self.state_at("spent", joiners).sum())
        worth = float(worth_each.sum())
        paying = int(np.count_nonzero(orders))
        days = np.arange(view.cost_by_day.size)
        total_cost = float(view.cost_by_day.sum())
        discounted_cost = float((view.cost_by_day * np.exp(-self.discount * days)).sum())
        is_referred = view.brought_by >= 0
        worth_referred, worth_outside = worth_each[is_referred], worth_each[~is_referred]
        # Social value: the worth of whom each member brought, by how that member came.
        social = np.bincount(view.brought_by[is_referred], weights=worth_referred, minlength=4)
        counts = (*view.starters, worth_referred.size, worth_outside.size)
        return {
            "profit": worth + self.incremental_worth - discounted_cost,
            "payback_day": self._payback_day(total_cost),
            "orders_total": int(orders.sum()),
            "revenue_total": spent,
            "margin_total": spent * self.margin,
            "discounted_margin": worth,
            "clv": _per(worth, joined),
            "clv_paying": _per(worth, paying),
            "ltv_cac": worth / total_cost if total_cost > 0 and joined else math.nan,
            "paying_total": paying,
            "alive_at_horizon": int(np.count_nonzero(self.alive(joiners, view.segment))),
            "clv_referral": _per(float(worth_referred.sum()), worth_referred.size),
            "clv_outside": _per(float(worth_outside.sum()), worth_outside.size),
        } | {
            f"social_value_{source}": _per(float(social[k]), counts[k])
            for k, source in enumerate(("seed", "kol", "referral", "outside"))
        }

    def _payback_day(self, total_cost: float) -> int | None:
        """The first day the undiscounted margin so far (the existing customers' extra
        margin included) covers ``total_cost``."""
        if total_cost <= 0:
            return None  # nothing to pay back
        covered = np.flatnonzero(np.cumsum(self._margin_by_day()) >= total_cost)
        return int(covered[0]) + 1 if covered.size else None

    def _margin_by_day(self) -> np.ndarray:
        """Undiscounted margin by day 1 … last simulated: members' orders, and what the
        living groups added to their existing customers' (§4.8)."""
        margin = self.campaign_margin[1:]
        if self.by_day:
            margin = np.r_[margin, self.by_day[1] * self.margin]
        extra = self.incremental_by_day[1:]
        if extra.size:
            margin = margin + extra[: margin.size]
        return margin

    def weeks(self, alive_at_end: int) -> dict[str, np.ndarray]:
        """The horizon by week (``weeks.parquet``): week 1 is the 7 days after the
        campaign's last; a last, shorter week keeps the days left."""
        if not self.by_day:  # the campaign has not ended
            return {name: np.zeros(0) for name in WEEK_COLUMNS}
        orders, revenue, worth, dropouts = self.by_day
        days = orders.size
        week = np.arange(days) // 7
        weeks = int(week[-1]) + 1 if days else 0

        def weekly(values: np.ndarray) -> np.ndarray:
            return np.bincount(week, weights=values, minlength=weeks)

        campaign = float(self.campaign_margin.sum())
        cumulative = campaign + np.cumsum(weekly(revenue)) * self.margin
        extra = self.incremental_by_day
        if extra.size:  # what living groups added to their existing customers' (§4.8)
            before = float(extra[: self.last_day + 1].sum())
            cumulative = cumulative + before + np.cumsum(weekly(extra[self.last_day + 1 :]))
        alive = alive_at_end - np.cumsum(weekly(dropouts)).astype(np.int64)
        return {
            "week": np.arange(1, weeks + 1),
            "last_day": np.minimum((np.arange(weeks) + 1) * 7, days) + self.last_day,
            "orders": weekly(orders).astype(np.int64),
            "revenue": weekly(revenue),
            "margin": weekly(revenue) * self.margin,
            "discounted_margin": weekly(worth),
            "cumulative_margin": cumulative,
            "alive": alive,
        }


def _per(total: float, count: int) -> float:
    return total / count if count else math.nan
