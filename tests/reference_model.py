"""A plain-loop, one-person-at-a-time reference implementation of ``sim.model.ReferralModel``.

The engine is vectorised over numpy arrays, which makes it fast and hard to read. This
module re-implements the same campaign the slow, obvious way, straight from the written
semantics (the ``ReferralModel`` class docstring, the docstrings of ``sim.incentives``
and ``docs/model.md`` §5-7), so that ``tests/test_reference_agreement.py`` can check
that the two agree *in distribution*. The random numbers are our own (Python's
``random.Random``); only the probabilities of outcomes must match.

What is reused from ``sim``: the validated config, and the campaign's starting position
(graph, chat groups, who is a seed or a KOL, segments, sharing propensities, sender
weights), copied from a freshly built ``ReferralModel`` before it takes a single step.
Nothing of the day's logic is reused: no phase method of the model and no class of
``sim.incentives`` runs here.

One day runs the eight phases of the engine's docstring, one loop each:

1. outside channel, 2. sharing, 3. reach, 4. acceptance, 5. joining, 6. rewards,
7. purchases, 8. records.

Everything is read at the start of the day; joins and payments take effect later in the
day, in the phase that makes them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sim.config import Config
from sim.model import ReferralModel

# The reference reads [lure] and [reward] as one table each: a key the configured kind
# does not take behaves as its documented default (docs/model.md §11).
LURE_DEFAULTS = {
    "value": 0.0,
    "appeal": None,
    "half_value": 10.0,
    "first_purchase_lift": None,
    "group_size": 3,
    "window_days": 2,
    "max_helps": 10,
    "win_probability": 0.1,
    "share_boost": 2.0,
}
REWARD_DEFAULTS = {
    "amount": 0.0,
    "invitee_amount": 0.0,
    "tiers": [],
    "level_amounts": [],
    "prizes": [],
    "win_probability": 0.1,
    "pay_on": "join",
    "cap_per_person": None,
    "motivation_half_value": 2.0,
    "perceived_value": None,
}


class _Table:
    """A config table with every key of its family, defaults filling the others."""

    def __init__(self, table: Any, defaults: dict[str, Any]) -> None:
        given = {name: getattr(table, name) for name in type(table).model_fields}
        self.__dict__.update({**defaults, **given})


class _AllKeys:
    """The config as the reference reads it: [lure] and [reward] with every key."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self.lure = _Table(config.lure, LURE_DEFAULTS)
        self.reward = _Table(config.reward, REWARD_DEFAULTS)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, name)


MEMBER = 0  # the role of everyone who is neither a seed (1) nor a KOL (2)
# Segments are numbered payer 0, convertible 1, junk 2 (sim.agents.Segment).

# Appeal strength of each lure by segment (payer, convertible, junk), as documented in
# ``sim.incentives`` (domain §3.4-3.6). A lottery converts 12.3% worse than cash of equal
# expected value (Li et al., §3.6).
CASH_STRENGTH = (1.0, 1.5, 6.0)
LURE_STRENGTH: dict[str, tuple[float, float, float]] = {
    "none": (0.0, 0.0, 0.0),
    "cash": CASH_STRENGTH,
    "coupon": (2.0, 1.2, 0.3),
    "free_content": (1.0, 1.5, 1.5),
    "group_buy": (1.5, 1.5, 1.0),
    "bargain": (0.5, 1.0, 1.5),
    "lottery": tuple(0.877 * s for s in CASH_STRENGTH),
}
COUPON_FIRST_PURCHASE_LIFT = 2.0  # a held coupon doubles the chance of the first order
LOTTERY_MOTIVATION_BONUS = 0.209  # uncertain rewards raise referrals 20.9% (§3.6)


def saturating(value: float, half_value: float) -> float:
    """v / (v + half): 0 at no value, 1/2 at ``half_value``, approaching 1."""
    return value / (value + half_value) if value > 0 else 0.0


@dataclass(slots=True)
class Person:
    """One person of the community and everything the campaign remembers about them."""

    role: int
    segment: int
    propensity: float  # daily chance of sharing at full activity and no reward
    weight: float  # multiplier on the chance their invitations convert
    member: bool
    day_joined: int  # -1 until they join
    active_from: int  # first day they may share
    generation: int  # -1 until they join
    inviter: int = -1
    seen: int = 0  # invitations noticed so far
    ever_invited: bool = False
    shares_made: int = 0
    purchases: int = 0
    reward_earned: float = 0.0
    coupon: bool = False  # holds an unused coupon lure
    counted_referrals: int = 0  # referrals the reward rule has counted
    group_filled: int = 0  # group_buy: friends who joined the open group
    group_done: bool = False  # group_buy: the group filled
    helps: int = 0  # bargain: friends' helps received


@dataclass(slots=True)
class Payment:
    """Yuan owed to one person, booked as a reward or a lure cost."""

    payee: int
    amount: float
    is_reward: bool


class ReferenceModel:
    """The referral campaign, one person and one invitation at a time.

    Args:
        config: a validated ``Config``.
        seed: the run's seed; it picks the starting position (through the engine's own
            set-up) and seeds this model's ``random.Random``.
    """

    def __init__(self, config: Config, seed: int) -> None:
        self.config = _AllKeys(config)
        self.days = config.experiment.days
        self.rng = random.Random(seed)

        # The starting position, copied from the engine before its first step.
        start = ReferralModel(config, rng=seed)
        graph = start.graph
        self.friends: list[list[int]] = [
            graph.indices[graph.indptr[i] : graph.indptr[i + 1]].tolist() for i in range(graph.n)
        ]
        groups = start.groups
        self.group_members: list[list[int]] = []
        self.groups_of: list[list[int]] = [[] for _ in range(graph.n)]
        if groups is not None:
            for g in range(groups.count):
                members = groups.members[groups.indptr[g] : groups.indptr[g + 1]].tolist()
                self.group_members.append(members)
                for person in members:
                    self.groups_of[person].append(g)
        self.people: list[Person] = [
            Person(
                role=int(start.role[i]),
                segment=int(start.segment[i]),
                propensity=float(start.propensity[i]),
                weight=float(start.weight[i]),
                member=bool(start.member[i]),
                day_joined=int(start.day_joined[i]),
                active_from=int(start.active_from[i]),
                generation=int(start.generation[i]),
            )
            for i in range(graph.n)
        ]
        self.kols: list[int] = start.kols.tolist()

        # The incentives, from their written semantics.
        lure, reward = self.config.lure, self.config.reward
        strength = lure.appeal.as_tuple() if lure.appeal else LURE_STRENGTH[lure.kind]
        lure_value = lure.value * lure.win_probability if lure.kind == "lottery" else lure.value
        self.appeal = [1.0 + s * saturating(lure_value, lure.half_value) for s in strength]
        if reward.rule == "double_sided" and reward.invitee_amount > 0:
            # A reward promised to the invitee attracts like a cash lure of that size (§3.5).
            bonus = saturating(reward.invitee_amount, lure.half_value)
            self.appeal = [a + s * bonus for a, s in zip(self.appeal, CASH_STRENGTH, strict=True)]
        self.motivation = saturating(self.perceived_value(), reward.motivation_half_value)
        if reward.rule == "lottery":
            self.motivation *= 1.0 + LOTTERY_MOTIVATION_BONUS
        self.lift = config.behaviour.reward_motivation.as_tuple()
        if lure.first_purchase_lift is not None:
            self.first_purchase_lift = lure.first_purchase_lift
        else:
            self.first_purchase_lift = COUPON_FIRST_PURCHASE_LIFT if lure.kind == "coupon" else 1.0
        self.repeat_factor = config.behaviour.repeat_exposure_factor

        # The budget and the books.
        self.budget = float("inf") if reward.budget is None else reward.budget
        self.spent = 0.0
        # A zero budget never funds anything: it ran out before day 1.
        self.budget_exhausted_day: int | None = 0 if self.budget <= 0 else None
        self.reward_cost = 0.0
        self.lure_cost = 0.0
        self.kol_cost = 0.0
        self.revenue = 0.0
        self.records: list[dict[str, Any]] = []

    def perceived_value(self) -> float:
        """Yuan per successful invite a sharer reckons with, by reward rule."""
        reward = self.config.reward
        if reward.perceived_value is not None:
            return reward.perceived_value
        if reward.rule == "none":
            return 0.0
        if reward.rule == "tiered":
            top = reward.tiers[-1].invites
            return reward.amount + sum(t.bonus for t in reward.tiers) / top
        if reward.rule == "multi_level":
            # Deeper levels are less certain to pay: weighed by halves.
            return sum(a * 0.5**level for level, a in enumerate(reward.level_amounts))
        if reward.rule == "leaderboard":
            # About a one-in-ten chance of an average prize.
            return 0.1 * sum(reward.prizes) / len(reward.prizes)
        if reward.rule == "lottery":
            return reward.amount * reward.win_probability
        return reward.amount  # referrer, double_sided

    @property
    def funded(self) -> bool:
        """Whether lures and rewards are still on offer."""
        return self.budget_exhausted_day is None and self.spent < self.budget

    # ------------------------------------------------------------------ the campaign

    def run(self) -> ReferenceModel:
        """Run every day of the campaign, days 1 to ``experiment.days``."""
        for day in range(1, self.days + 1):
            self.step(day)
        return self

    def step(self, day: int) -> None:
        """One day: the eight phases in order."""
        funded = self.funded  # the budget as it stands at the start of the day
        outside = self.outside_channel()  # phase 1
        sharers = self.sharing(day, funded)  # phase 2
        invitations = self.reach(sharers)  # phase 3
        accepted = self.acceptance(invitations, funded)  # phase 4
        joined = self.join(day, outside, accepted, funded)  # phase 5
        self.rewards(day, accepted, funded)  # phase 6
        new_paying = self.purchases(day, funded)  # phase 7
        if day == self.days and self.funded:  # last day: leaderboard prizes after phase 7
            self.settle(self.leaderboard_prizes(), day)
        self.records.append(  # phase 8
            {
                "day": day,
                "new_invites": len(invitations),
                "new_joins": joined,
                "active_sharers": len(sharers),
                "new_paying": new_paying,
            }
        )

    def outside_channel(self) -> list[int]:
        """Phase 1: each non-member decides to join on their own with the daily rate."""
        rate = self.config.external.daily_rate
        return [i for i, p in enumerate(self.people) if not p.member and self.rng.random() < rate]

    def sharing(self, day: int, funded: bool) -> list[int]:
        """Phase 2: members past their first share day share with their day's chance."""
        b = self.config.behaviour
        cap = self.config.reward.cap_per_person
        sharers = []
        for i, p in enumerate(self.people):
            if not p.member or p.active_from > day or p.propensity <= 0:
                continue
            if b.max_shares is not None and p.shares_made >= b.max_shares:
                continue
            chance = p.propensity
            # Activity halves every half-life since the first share day (inf: no decay).
            chance *= 0.5 ** ((day - p.active_from) / b.share_half_life_days)
            if funded:
                under_cap = cap is None or p.reward_earned < cap
                if under_cap:
                    chance *= 1.0 + self.lift[p.segment] * self.motivation
                if self.has_pending_deal(p, day):
                    chance *= self.config.lure.share_boost
            if self.rng.random() < chance:
                p.shares_made += 1
                sharers.append(i)
        return sharers

    def has_pending_deal(self, p: Person, day: int) -> bool:
        """A group-buy still filling within its window, or a bargain not yet at the floor."""
        lure = self.config.lure
        if lure.kind == "group_buy":
            return not p.group_done and day < p.active_from + lure.window_days
        if lure.kind == "bargain":
            return p.helps < lure.max_helps
        return False

    def reach(self, sharers: list[int]) -> list[tuple[int, int]]:
        """Phase 3: each share reaches people by one channel; non-members get an invitation."""
        b = self.config.behaviour
        attention = self.config.groups.attention
        invitations = []
        for sender in sharers:
            u = self.rng.random()
            if u < b.channel.direct:  # one-to-one, to up to direct_count distinct friends
                friends = self.friends[sender]
                if len(friends) > b.direct_count:
                    friends = self.rng.sample(friends, b.direct_count)
                reached = friends
            elif u < b.channel.direct + b.channel.feed:  # a feed post each friend may notice
                reached = [f for f in self.friends[sender] if self.rng.random() < b.feed_attention]
            else:  # into one of the sender's chat groups, each other member may notice
                my_groups = self.groups_of[sender]
                if not my_groups:
                    continue
                group = self.group_members[self.rng.choice(my_groups)]
                reached = [m for m in group if m != sender and self.rng.random() < attention]
            for target in reached:
                if not self.people[target].member:
                    invitations.append((sender, target))
        return invitations

    def acceptance(self, invitations: list[tuple[int, int]], funded: bool) -> dict[int, int]:
        """Phase 4: each person takes the day's invitations in random order; the k-th they
        ever noticed converts with accept × appeal × weight × factor^(k-1).

        Returns the people who accept, each with the sender of their first converting one.
        """
        accept = self.config.behaviour.accept_probability
        senders_of: dict[int, list[int]] = defaultdict(list)
        for sender, target in invitations:
            senders_of[target].append(sender)
        accepted: dict[int, int] = {}
        for target, senders in senders_of.items():
            person = self.people[target]
            person.ever_invited = True
            appeal = self.appeal[person.segment] if funded else 1.0
            self.rng.shuffle(senders)
            for sender in senders:
                person.seen += 1
                k = person.seen
                chance = accept * appeal * self.people[sender].weight
                chance *= self.repeat_factor ** (k - 1)  # a chance of 1 or more is sure
                if target not in accepted and self.rng.random() < chance:
                    accepted[target] = sender
        return accepted

    def join(self, day: int, outside: list[int], accepted: dict[int, int], funded: bool) -> int:
        """Phase 5: invitees join under their inviter; outside joiners with no inviter."""
        coupon = funded and self.config.lure.kind == "coupon"
        for invitee, inviter in accepted.items():
            p = self.people[invitee]
            p.member, p.day_joined, p.active_from = True, day, day + 1
            p.inviter = inviter
            p.generation = self.people[inviter].generation + 1
            p.coupon = coupon
        outside_only = [i for i in outside if i not in accepted]
        for i in outside_only:
            p = self.people[i]
            p.member, p.day_joined, p.active_from = True, day, day + 1
            p.generation = 0
        return len(accepted) + len(outside_only)

    def rewards(self, day: int, accepted: dict[int, int], funded: bool) -> None:
        """Phase 6: join costs of the lure and the rule's per-referral payments, settled
        against the budget; KOL fees on a KOL's first day, outside the budget."""
        dues: list[Payment] = []
        if funded:
            for invitee, inviter in accepted.items():
                dues += self.lure_on_join(day, invitee, inviter)
                if self.config.reward.pay_on == "join":
                    dues += self.referral_counts(invitee, inviter)
        self.settle(dues, day)
        fee = self.config.population.kol_fee
        for kol in self.kols:
            if self.people[kol].active_from == day:
                self.kol_cost += fee

    def lure_on_join(self, day: int, invitee: int, inviter: int) -> list[Payment]:
        """What the lure costs when ``invitee`` joins on ``inviter``'s invitation."""
        lure = self.config.lure
        if lure.kind in ("cash", "free_content"):
            return [Payment(invitee, lure.value, is_reward=False)]
        if lure.kind == "lottery":
            won = self.rng.random() < lure.win_probability
            return [Payment(invitee, lure.value, is_reward=False)] if won else []
        if lure.kind == "group_buy":
            # The inviter's group fills if group_size - 1 friends join within the window
            # from the inviter's first day; then all group_size people get value off.
            organiser = self.people[inviter]
            if not self.has_pending_deal(organiser, day):
                return []
            organiser.group_filled += 1
            if organiser.group_filled >= lure.group_size - 1:
                organiser.group_done = True
                return [Payment(inviter, lure.value * lure.group_size, is_reward=False)]
            return []
        if lure.kind == "bargain":
            # Each friend who joins cuts value off the inviter's price, up to max_helps.
            helped = self.people[inviter]
            if helped.helps < lure.max_helps:
                helped.helps += 1
                return [Payment(inviter, lure.value, is_reward=False)]
            return []
        return []  # none; coupon costs only when used

    def referral_counts(self, invitee: int, inviter: int) -> list[Payment]:
        """The reward rule counts one successful referral and says what it pays."""
        reward = self.config.reward
        self.people[inviter].counted_referrals += 1
        if reward.rule in ("referrer", "double_sided", "tiered"):
            dues = [Payment(inviter, reward.amount, is_reward=True)]
            if reward.rule == "double_sided":
                dues.append(Payment(invitee, reward.invitee_amount, is_reward=True))
            if reward.rule == "tiered":
                count = self.people[inviter].counted_referrals
                dues += [
                    Payment(inviter, t.bonus, True) for t in reward.tiers if t.invites == count
                ]
            return dues
        if reward.rule == "multi_level":
            dues, upline = [], inviter
            for amount in reward.level_amounts:  # inviter, their inviter, one further
                if upline < 0:
                    break
                dues.append(Payment(upline, amount, is_reward=True))
                upline = self.people[upline].inviter
            return dues
        if reward.rule == "lottery":
            won = self.rng.random() < reward.win_probability
            return [Payment(inviter, reward.amount, is_reward=True)] if won else []
        return []  # none; leaderboard pays at the end

    def leaderboard_prizes(self) -> list[Payment]:
        """Prizes to the top inviters by counted referrals, ties drawn at random."""
        reward = self.config.reward
        if reward.rule != "leaderboard":
            return []
        contenders = [i for i, p in enumerate(self.people) if p.counted_referrals > 0]
        self.rng.shuffle(contenders)  # random tie-break; the sort below is stable
        contenders.sort(key=lambda i: -self.people[i].counted_referrals)
        winners = contenders[: len(reward.prizes)]  # prizes beyond the contenders go unpaid
        return [Payment(i, reward.prizes[rank], True) for rank, i in enumerate(winners)]

    def purchases(self, day: int, funded: bool) -> int:
        """Phase 7: members who joined before today buy with their segment's daily chance
        (a held coupon lifting the first order); first orders settle coupons and rewards
        that pay on first purchase. Returns the day's new paying members."""
        b = self.config.behaviour
        daily = (b.purchase_probability.payer, b.purchase_probability.convertible, 0.0)  # junk: 0
        first_buyers = []
        for i, p in enumerate(self.people):
            if p.role != MEMBER or not p.member or p.day_joined >= day:
                continue
            chance = daily[p.segment]
            if funded and p.coupon and p.purchases == 0:
                chance = min(1.0, chance * self.first_purchase_lift)
            if self.rng.random() < chance:
                if p.purchases == 0:
                    first_buyers.append(i)
                p.purchases += 1
                self.revenue += b.revenue_per_order
        dues: list[Payment] = []
        if funded:
            for i in first_buyers:
                p = self.people[i]
                if p.coupon:  # the coupon is used and costs its value
                    p.coupon = False
                    dues.append(Payment(i, self.config.lure.value, is_reward=False))
                if self.config.reward.pay_on == "first_purchase" and p.inviter >= 0:
                    dues += self.referral_counts(i, p.inviter)
        self.settle(dues, day)
        return len(first_buyers)

    def settle(self, dues: list[Payment], day: int) -> None:
        """Pay in random order; a reward never takes a person past the cap; the first
        payment that does not fit the budget stops all payments for good."""
        if not dues or not self.funded:
            return
        cap = self.config.reward.cap_per_person
        self.rng.shuffle(dues)
        stopped = False
        for due in dues:
            payee = self.people[due.payee]
            amount = due.amount
            if due.is_reward and cap is not None:
                amount = max(0.0, min(amount, cap - payee.reward_earned))
            if self.spent + amount > self.budget:
                stopped = True  # does not fit: nothing more is ever paid
                break
            self.spent += amount
            if due.is_reward:
                payee.reward_earned += amount
                self.reward_cost += amount
            else:
                self.lure_cost += amount
        if stopped or self.spent >= self.budget:
            self.budget_exhausted_day = day

    # ------------------------------------------------------------------ results

    def summary(self) -> dict[str, Any]:
        """The outcomes the agreement test compares (names as in ``ReferralModel.summary``)."""
        joined = [p for p in self.people if p.role == MEMBER and p.member]
        return {
            "invited": sum(p.ever_invited for p in self.people),
            "joined": len(joined),
            "joined_via_referral": sum(p.inviter >= 0 for p in self.people),
            "paying": sum(p.purchases > 0 for p in joined),
            "reward_cost": self.reward_cost,
            "lure_cost": self.lure_cost,
            "kol_cost": self.kol_cost,
            "revenue": self.revenue,
            "max_generation": max(p.generation for p in self.people),
            "budget_exhausted_day": self.budget_exhausted_day,
            "total_invites": sum(r["new_invites"] for r in self.records),
        }
