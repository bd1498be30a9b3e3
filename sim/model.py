"""The referral campaign as a Mesa model on a vectorised core.

``ReferralModel.step()`` is one day. People's state lives in numpy arrays owned by the
model (one row per person). The model holds the day; its other parts live where their
concept does: the mechanisms (``sim.lures``, ``sim.rewards``, ``sim.channels``), the
money (``sim.money``), the compiled loops (``sim.kernels``), the output tables
(``sim.tables``), recycling the state (``sim.state``) and the Mesa agent objects, views
of people's rows (``sim.agents``).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import mesa
import numpy as np

from sim.agents import KOL, AgentObjects, Segment
from sim.buyers import BuyerPool
from sim.channels import CHANNELS, ArrivalView
from sim.config import Config, apply_overrides, parse_config
from sim.graphs import Graph, build_graph, graph_seed, groups_of, require_people
from sim.groups.state import GroupLife
from sim.incentives import appeal_offered, make_lure, make_reward_rule
from sim.kernels import (
    ACCEPTED,
    Appeal,
    Channels,
    DayKeys,
    Friends,
    GroupLists,
    Reached,
    Scratch,
    Sharers,
    SharingRules,
    admit,
    count_into,
    deliver,
    share_today,
)
from sim.mechanism import (
    Draws,
    EndView,
    JoinView,
    Mechanism,
    PurchaseView,
    SharingView,
)
from sim.money import Due, Ledger
from sim.outputs import DAILY, DAILY_COLUMNS
from sim.people import People
from sim.risk import Abuse, SignUpView
from sim.roles import CameBy
from sim.seeding import Starters
from sim.state import Recycling
from sim.streams import Streams, person_key
from sim.tables import RunTables
from sim.value import (
    BuyingView,
    CustomerView,
    GroupBuying,
    HorizonView,
    ValueJoinView,
    make_value,
)

# Column types of the daily table (sim.outputs declares each column's type).
_DTYPES = {"int": np.int64, "float": np.float64, "number": np.float64}


class ReferralModel(People, AgentObjects, RunTables, Recycling, mesa.Model):
    """One referral campaign, one replicate.

    A day (``step``) runs these phases in order. Every decision reads the state at the
    start of the day (who is a member, whether the budget still funds the lure and the
    rewards); joins take effect at its end (synchronous update), so results never depend
    on the order people are visited in. Money is settled as it falls due, phase 6 before
    phase 7, so the budget is never exceeded.

    Mechanisms act through hooks (docs/extending.md lists them and where they run); the
    phases name the hooks they call.

    0. With living groups (``groups.lifecycle``, ``sim.groups``): members of dead groups
       whose day has come drift out of them.
    1. Join channels (``arrivals``): the outside channel makes each non-member join on
       their own with ``external.daily_rate``; store visitors who scan a group QR code
       join through the store channel (``[store]``), past the groups' entry rule.
    2. Sharing: each member on or after their first share day shares with probability
       min(1, propensity × motivation × lure boost × activity), where activity halves
       every ``behaviour.share_half_life_days`` since that first day. While the budget
       lasts, motivation is 1 + lift(segment) × v/(v + half) × (1 + bonus) for the
       rule's perceived reward v (1 for a member at the cap; bonus 0.209 for a lottery
       rule), and the lure boost (``share_boost``) applies to members with a pending
       group-buy or bargain (a bargain is pending until the price hits the floor).
    3. Reach: a share goes one-to-one to up to ``direct_count`` random friends, as a feed
       post to every friend (each noticing it with ``feed_attention``), or into one of
       the sharer's chat groups (each member noticing it with ``groups.attention``, ×
       the group's activity and 0 for a dead group when groups live and die). Only
       people who are not members get an invitation.
    4. Acceptance: a person's invitations of the day are taken in random order; the
       k-th invitation they ever noticed converts with probability
       accept_probability × appeal(lure, segment) × sender weight × repeat_factor^(k-1)
       (capped at 1). The lure's appeal applies only while the budget lasts.
    5. Fraud (only when ``sim.risk`` is configured; funded days while the link works):
       the day's fake accounts (farms, second accounts, rings) and the check on them and
       on the genuine referred sign-ups; refused genuine people do not join today.
       Joining: people who accept join; their inviter is the sender of their first
       converting invitation; their generation is the inviter's plus one. Outside
       joiners who accepted nothing join with no inviter, generation 0.
    6. Rewards: the lure's join costs (``on_join``) and the reward rule's payments when
       it pays on joining (``on_referral``) are settled in random order against the
       budget, respecting the per-person cap (``sim.money.Ledger``); then what today's
       fake accounts collect (``on_fakes``, and the rule's ``on_referral``), booked to
       their fronts. KOL fees are paid on a KOL's first day, outside the budget.
    7. Purchases: members who joined through the campaign buy with a daily probability
       by segment (junk never buys), which the lure may lift (``purchase_chance``: a
       held coupon, credit on a card) and, with living groups, their groups' factor
       (``GroupLife.purchase_factor``); orders and first orders settle the lure's costs
       (``on_purchase``, ``on_first_purchase``) and rewards that pay on first purchase.
       On the last day, the rule's end payments (``at_end``: leaderboard prizes) are
       settled after the purchases.
       Then the platform draws whether it blocks the campaign (``sim.risk.platform``):
       after a block the link is dead (no sharing, no invitation, no fraud) or only
       one-to-one messages go out.
    8. Records: the day's metrics go to the Mesa ``DataCollector``. With living groups,
       the groups' day ends (``GroupLife.end_day``: owners' activities, events, the
       day's activity, deaths, their costs).

    After the last day (``_after_campaign``): the groups live on over the value horizon,
    members buy over it, and the existing customers in the groups are drawn, as the
    groups moved them and against a baseline the groups never move (docs/model.md §4.8).

    Args:
        config: a ``Config``, plain data of the same shape, or None for the defaults.
        rng: the run's seed (an integer). Every random draw derives from it.
        graph: a ready graph (``sim.graphs.Graph`` or a networkx graph); built from the
            config when omitted.
        starters: the KOLs and seed users (``sim.seeding.Starters``), chosen before the
            model (``sim.influence.choose_starters``, which the experiment calls); when
            omitted, the model chooses them by a basic strategy (random, top degree, ...)
            and refuses an optimising one.
        all_agents: Mesa objects for every person (True), only for seeds and KOLs
            (False), or by ``population.agent_objects_max`` (None). The objects are
            created the first time anyone asks for them (``agents``,
            ``agents_by_type``, ``agent_of``): the simulation never does, so a run
            that nobody inspects pays nothing for them. Results are identical either way.
        **overrides: dotted config keys to change, e.g. ``**{"lure.value": 8}``
            (this is how ``mesa.batch_run`` varies parameters).
    """

    def __init__(
        self,
        config: Config | dict[str, Any] | None = None,
        *,
        rng: int | None = None,
        graph: Graph | Any | None = None,
        all_agents: bool | None = None,
        starters: Starters | None = None,
        **overrides: Any,
    ) -> None:
        config = _resolve_config(config, overrides)
        if rng is None:
            rng = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
        if not isinstance(rng, (int, np.integer)):
            raise TypeError("rng must be an integer seed (every stream derives from it)")
        super().__init__(rng=int(rng))
        self.config = config
        self.seed = int(rng)
        self.days = config.experiment.days
        n = self._people(config, graph)
        # The mechanisms of this campaign: its lure, its reward rule, its join channels.
        self.lure = make_lure(config.lure, n)
        self.reward_rule = make_reward_rule(config.reward, n)
        self.channels = [c(getattr(config, c.section), n) for c in CHANNELS]
        # Reward hunters who fight back, the controls, the platform (all off by default).
        self.risk = Abuse(
            {s: getattr(config, s) for s in ("fraud", "collusion", "controls", "platform")},
            n,
            self.lure,
            self.reward_rule,
            config.behaviour.revenue_per_order,
            self._draws,
        )
        # What members buy, during the campaign and over the horizon after it.
        self.value = make_value(config.value, n, config.behaviour, config.experiment.days)
        self.value.start(self.seed)
        living = config.groups.lifecycle  # groups that live and die (sim.groups)
        declared = (*Ledger.STREAMS, *(s for m in self._mechanisms for s in m.streams))
        self.streams = Streams(self.seed, declared + (GroupLife.STREAMS if living else ()))

        self._graph_seed = graph_seed(config, self.seed)
        self.groups = groups_of(config, self.graph, self._graph_seed)

        self._init_people(n, starters)
        self.group_life: GroupLife | None = None
        if living and self.groups is not None:
            self.group_life = GroupLife(
                config.groups,
                self.groups,
                n,
                self.days,
                config.value.horizon_days,
                self.streams,
                self.graph.indices.dtype,
                self.seed,
                self._starters,
            )
        self._init_incentives(n)
        if all_agents is None:
            all_agents = n <= config.population.agent_objects_max
        self._init_agents(all_agents)

        # The delivery kernel's draws: SplitMix64 keyed per day from these (sim.kernels).
        self._kernel_keys = np.array(
            [person_key(self.seed, name) for name in ("reach", "acceptance", "inviter")]
        )
        self._sharing_key = person_key(self.seed, "sharing")
        self.today: dict[str, Any] = {}
        # The day's metrics, one row per day, kept as columns (sim.tables builds the
        # daily table from them in one go).
        self._days = {o.name: np.zeros(self.days, dtype=_DTYPES[o.type]) for o in DAILY}
        self._days_recorded = 0

    # ------------------------------------------------------------------ set-up

    def _people(self, config: Config, graph: Graph | Any | None) -> int:
        """Build (or take) the graph; its number of people."""
        if graph is None:
            graph = build_graph(config, self.seed)
        elif not isinstance(graph, Graph):
            graph = Graph.from_networkx(graph)
        self.graph = require_people(graph)
        return graph.n

    @property
    def _mechanisms(self) -> list[Mechanism]:
        return [self.lure, self.reward_rule, *self.channels, self.value, *self.risk.mechanisms]

    def _draws(self, mechanism: Mechanism) -> Draws:
        """The streams a mechanism declared (shared generators: the run's ``streams``)."""
        return Draws(mechanism.streams, self.streams.__getitem__)

    @functools.cached_property
    def _group_arrays(self) -> GroupLists:
        """The groups as the delivery kernel takes them (empty arrays when none)."""
        kind = self.graph.indices.dtype
        g = self.groups
        no_screen = np.ones(3)
        if g is None:
            empty = np.zeros(0, dtype=np.int64)
            return GroupLists(
                empty,
                empty.astype(kind),
                empty,
                empty.astype(kind),
                np.zeros(0),
                empty,
                no_screen,
                False,
            )
        return GroupLists(
            g.person_indptr,
            g.groups_of,
            g.indptr,
            g.members.astype(kind, copy=False),
            np.full(g.count, self.config.groups.attention),
            np.zeros(g.count, dtype=np.int64),  # shares per group, counted and not read
            no_screen,
            False,
        )

    def _init_incentives(self, n: int) -> None:
        cfg = self.config
        self.ledger = Ledger(
            cfg.reward.budget, self.reward_rule.cap, self.reward_earned, self.streams
        )
        self.appeal_offered = appeal_offered(
            self.lure, self.reward_rule, self.risk.lure_value_factor
        )
        self._terms: dict[bool, tuple[np.ndarray, bool, np.ndarray]] = {}
        self.lift = np.array(cfg.behaviour.reward_motivation.as_tuple())
        self._anyone_buys = self.value.buys
        self._buyer_pool = BuyerPool() if self._anyone_buys and self.value.draws_by_person else None
        self.day = 0
        self.revenue = 0.0
        self._daily_new_joins: list[int] = []
        self._arrivals: list[tuple[Any, np.ndarray]] = []  # today's, by join channel

    # ------------------------------------------------------------------ the day

    def step(self) -> None:
        """One day of the campaign (the phases in the class docstring)."""
        self.day = day = self.day + 1
        self._mid_day = True
        funded = self.budget.funded
        self.today = dict.fromkeys(DAILY_COLUMNS, 0)
        self.today.update(day=day, reward_paid=0.0, lure_paid=0.0, revenue=0.0)
        life = self.group_life
        if life is not None:
            life.start_day(day)

        outside = self._outside_channel(funded)
        sharers = self._sharing(day, funded)
        invitations, invitees, inviters = self._deliver(sharers, funded)
        fakes = self._none
        if funded and self.risk.screening and not self.risk.platform.link_dead(day):
            invitees, inviters, fakes = self._screen(day, invitees, inviters)
        self._join(day, outside, invitees, inviters, funded)
        self._rewards(day, invitees, inviters, funded)
        if fakes.size:
            self._pay_fakes(day, fakes)
        self._purchases(day, funded)
        if day == self.days and self.budget.funded:
            rule = self.reward_rule
            end = EndView(self.counted_referrals, self._draws(rule))
            self._settle(rule.at_end(end), day)  # leaderboard prizes
        platform = self.risk.platform
        if platform.active:  # the platform's verdict on the day (one draw until a block)
            platform.end_of_day(day, int(sharers.size), self.risk.weight, self._draws(platform))

        self.today["active_sharers"] = int(sharers.size)
        self.today["new_invites"] = invitations
        self.today["cumulative_joined"] = self._cumulative_joined
        self.today["budget_left"] = self.budget.left
        self._record(self.today)
        if life is not None:
            life.end_day(day, self.status)
        if day >= self.days:
            self.running = False
            self._after_campaign()
        self._mid_day = False

    @property
    def budget(self) -> Any:
        """The campaign's budget (``sim.money.Budget``)."""
        return self.ledger.budget

    @property
    def reward_cost(self) -> float:
        """Yuan paid under the reward rule so far."""
        return self.ledger.reward_cost

    @property
    def lure_cost(self) -> float:
        """Yuan paid for lures so far."""
        return self.ledger.lure_cost

    @property
    def kol_cost(self) -> float:
        """Yuan of KOL fees so far (outside the budget)."""
        return self.ledger.kol_cost

    def _outside_channel(self, funded: bool) -> np.ndarray:
        """Phase 1: who joins through the join channels today."""
        active = [c for c in self.channels if c.active]
        self._arrivals = []
        if not active:
            return np.zeros(0, dtype=np.int64)
        member = self.member
        life = self.group_life
        screen = self._entry_rule if life is not None and life.screening else None
        g = self.groups
        groups = None if g is None else (g.indptr, g.members)
        for c in active:
            view = ArrivalView(self.day, member, self._draws(c), funded, screen, groups)
            self._arrivals.append((c, c.arrivals(view)))
        arrivals = [people for _, people in self._arrivals]
        return arrivals[0] if len(arrivals) == 1 else np.unique(np.concatenate(arrivals))

    def _entry_rule(self, people: np.ndarray) -> np.ndarray:
        """Whether each of ``people`` gets past the groups' entry rule (``screening``)."""
        life = self.group_life
        segment = self.population.segment(people)
        return self.streams["screening"].random(people.size) < life.screen[segment]

    def _sharing(self, day: int, funded: bool) -> np.ndarray:
        """Phase 2 (``sim.kernels.share_today``): today's sharers."""
        pool = self._may_share
        if pool.size == 0 or self.risk.platform.link_dead(day):
            return pool[:0]
        b = self.config.behaviour
        motivation = self.reward_rule.motivation(self.risk.reward_discount) if funded else 0.0
        lure_boost = 1.0
        if funded:
            lure_boost = self.lure.share_boost(SharingView(day, pool, self.active_from))
        cap = self.reward_rule.cap
        sharers, self._may_share = share_today(
            pool,
            day,
            Sharers(
                self.active_from,
                self._propensity,
                self._segment,
                self.reward_earned,
                self.shares_made,
            ),
            SharingRules(
                -1 if b.max_shares is None else b.max_shares,
                b.share_half_life_days,
                1.0 + self.lift * motivation,
                math.inf if cap is None else cap,
            ),
            np.atleast_1d(np.asarray(lure_boost, dtype=np.float64)),
            self._sharing_key,
        )
        return sharers

    def _deliver(self, sharers: np.ndarray, funded: bool) -> tuple[int, np.ndarray, np.ndarray]:
        """Phases 3 and 4 (``sim.kernels.deliver``): the invitations delivered today, who
        accepted, and whose invitation brought them (the first converting one)."""
        if sharers.size == 0:
            return 0, self._none, self._none
        b = self.config.behaviour
        channel = b.channel
        cut_direct, cut_feed = channel.direct, channel.direct + channel.feed
        platform = self.risk.platform
        if platform.broadcast_blocked(self.day):  # only one-to-one messages go out
            keep = self._draws(platform)["platform"].random(sharers.size) < channel.direct
            sharers, cut_direct, cut_feed = sharers[keep], 1.0, 1.0
            if sharers.size == 0:
                return 0, self._none, self._none
        appeal, by_segment, chance = self._acceptance_terms(funded)
        if self._weighted_senders:  # some senders' word counts more (KOLs)
            chance = chance * self._role_weight[self.role[sharers]]
        delivered, accepted = deliver(
            sharers,
            Channels(cut_direct, cut_feed, b.direct_count, b.feed_attention),
            Friends(self.graph.indptr, self.graph.indices),
            self._group_arrays if self.group_life is None else self.group_life.lists(),
            Reached(self.status, self.seen, self.inviter, b.repeat_exposure_factor),
            chance,
            Appeal(
                by_segment,
                appeal,
                self._segment,
                self._everyone_drawn,
                self.population.segment_key,
                self.population.segment_cuts,
            ),
            Scratch(self._invitee_buffer, self._tally),
            DayKeys(self._kernel_keys, self.day),
        )
        invitees = self._invitee_buffer[:accepted].copy()
        return delivered, invitees, self.inviter[invitees]

    def _acceptance_terms(self, funded: bool) -> tuple[np.ndarray, bool, np.ndarray]:
        """The lure's appeal by segment (none once the budget is gone), whether it differs
        by segment, and the chance an invitation converts before that appeal and the
        sender's weight (applied in the kernel). Worked out once per value of funded."""
        terms = self._terms.get(funded)
        if terms is None:
            appeal = self.appeal_offered if funded else np.ones(3)
            by_segment = bool(np.ptp(appeal) > 0)
            base = self.config.behaviour.accept_probability
            chance = np.array([base * (1.0 if by_segment else appeal[0])])
            terms = self._terms[funded] = (appeal, by_segment, chance)
        return terms

    def _screen(
        self, day: int, invitees: np.ndarray, inviters: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The fraud phase (before joins, funded days): today's fake accounts and the check
        on every referred sign-up (``sim.risk.Abuse``). Genuine people the check refuses
        do not join today: their acceptance is undone. Returns the invitees and inviters
        who join, and the front of each fake account to be paid."""
        start = self._cumulative_joined
        earlier = self._joiners[:start]
        fronts = earlier[self._segment[earlier] == Segment.JUNK]
        cap = self.reward_rule.cap
        room = np.ones(fronts.size, dtype=bool) if cap is None else self.reward_earned[fronts] < cap
        verdict = self.risk.sign_ups(SignUpView(day, invitees, fronts, room))
        self.ledger.control_cost = self.risk.check_cost()
        if verdict.refused.size:
            turned_away = invitees[verdict.refused]
            self.status[turned_away] &= ~np.uint8(ACCEPTED)
            self.inviter[turned_away] = -1  # their record is fresh again (sim.state)
            keep = np.ones(invitees.size, dtype=bool)
            keep[verdict.refused] = False
            invitees, inviters = invitees[keep], inviters[keep]
        return invitees, inviters, verdict.paid_fronts

    def _pay_fakes(self, day: int, fronts: np.ndarray) -> None:
        """Phase 6, after the genuine payments: what today's fake accounts collect, booked
        to their fronts (the lure's ``on_fakes``; the rule's ``on_referral`` when a referral
        counts on joining), within the budget and caps."""
        dues = self.lure.on_fakes(fronts)
        rule = self.reward_rule
        if rule.pay_on == "join":
            count_into(self.counted_referrals, fronts)
            dues += rule.on_referral(self._join_view(day, fronts, fronts, rule))
        rewards, lures = self._settle(dues, day)
        self.risk.book_loss(rewards + lures)

    def _join(
        self,
        day: int,
        outside: np.ndarray,
        invitees: np.ndarray,
        inviters: np.ndarray,
        funded: bool,
    ) -> None:
        if outside.size:
            outside = np.setdiff1d(outside, invitees, assume_unique=True)
            joined_today = np.concatenate([invitees, outside])
        else:
            joined_today = invitees
        self.came_by[invitees] = CameBy.REFERRAL
        for channel, arrived in reversed(self._arrivals):  # the first channel's code wins
            through = np.intersect1d(arrived, outside, assume_unique=True)
            self.came_by[through] = channel.code
            channel.joined_through(through)
            if self.group_life is not None and channel.code == CameBy.STORE and through.size:
                self.group_life.add_from_stores(
                    through, channel.stores_of(through), channel.params.stores
                )
        if self.group_life is not None:
            self.group_life.add_joiners(joined_today)
        self._joined_today = joined_today
        self.today["new_joins"] = joined = int(joined_today.size)
        self._daily_new_joins.append(joined)
        if joined == 0:
            return
        # The inviter was recorded on acceptance (sim.kernels.deliver).
        admit(
            joined_today,
            invitees.size,
            day,
            self.status,
            self.day_joined,
            self.active_from,
            self.generation,
            self.inviter,
            self.invites,
        )
        self._draw_traits(joined_today)
        # Invitees come first in joined_today; a cash lure paid them while funded.
        cash_paid = np.zeros(joined, dtype=bool)
        cash_paid[: invitees.size] = funded and self.lure.pays_cash
        value = self.value
        value.on_join(
            ValueJoinView(
                day,
                joined_today,
                self._segment,
                self.inviter,
                cash_paid,
                self.reward_rule.pull(self.risk.reward_discount) if funded else 0.0,
            )
        )
        sharing = joined_today[self._propensity[joined_today] > 0]
        if sharing.size:
            self._may_share = np.concatenate([self._may_share, sharing])
        start = self._cumulative_joined
        self._joiners[start : start + joined] = joined_today
        self._cumulative_joined += joined

    def _join_view(self, day: int, invitees: np.ndarray, inviters: np.ndarray, who: Mechanism):
        return JoinView(
            day,
            invitees,
            inviters,
            self.active_from,
            self.inviter,
            self.counted_referrals,
            self._draws(who),
        )

    def _rewards(self, day: int, invitees: np.ndarray, inviters: np.ndarray, funded: bool) -> None:
        for channel, _ in self._arrivals:  # what arrivals cost (a store's gifts)
            channel_dues = channel.dues(funded)
            if channel_dues:
                channel.paid(sum(self._settle(channel_dues, day)))
        dues: list[Due] = []
        if funded and invitees.size:
            dues += self.lure.on_join(self._join_view(day, invitees, inviters, self.lure))
            if self.reward_rule.pay_on == "join":
                count_into(self.counted_referrals, inviters)
                rule = self.reward_rule
                dues += rule.on_referral(self._join_view(day, invitees, inviters, rule))
        self._settle(dues, day)
        if self.kols.size:
            starting_kols = self.kols[self.active_from[self.kols] == day]
            self.ledger.kol_cost += KOL.fee(self.config) * starting_kols.size

    def _purchases(self, day: int, funded: bool) -> None:
        # Members at the start of the day who joined through the campaign.
        start = self._cumulative_joined - self._joined_today.size
        buyers = self._joiners[:start]
        if not self._anyone_buys or start == 0:
            return
        value = self.value
        pool = self._buyer_pool
        if pool is not None:  # by person number (sim.buyers): the same orders, sooner
            buyers = pool.today(buyers)
        view = BuyingView(day, buyers, self._segment, self.invites, self._draws(value))
        lure, life = self.lure, self.group_life
        # The lure may lift the chance (a held coupon, credit on a card); so may groups
        # (an event in their group, or every group of theirs dead).
        lifting = funded and lure.lifts_purchases
        factor = life.purchase_factor(day, buyers) if life is not None else None
        if lifting or factor is not None:
            chance = lifted = value.chance(view)
            if lifting:
                lifted = lure.purchase_chance(self._purchase_view(day, buyers), chance)
            if factor is not None:
                lifted = np.minimum(1.0, lifted * factor)
            counts = value.orders_today(view, chance, lifted)
        else:  # nothing lifts it: the value model takes its chance with the orders
            counts = value.orders_today(view)
        bought = counts > 0
        buyers, counts = buyers[bought], counts[bought]
        if pool is not None:  # what follows pays and sums in join order
            order = pool.join_order(bought)
            buyers, counts = buyers[order], counts[order]
        first = buyers[self.purchases[buyers] == 0]
        self.purchases[buyers] += counts
        spent_before = value.spent[buyers] if life is not None else None
        revenue = value.book(day, buyers, counts, self.day_joined)
        if life is not None:
            life.on_orders(buyers, counts, value.spent[buyers] - spent_before)
        self.revenue += revenue
        self.today["revenue"] = revenue
        self.today["new_paying"] = int(first.size)
        dues: list[Due] = []
        if funded and buyers.size:
            dues += lure.on_purchase(self._purchase_view(day, buyers))
        if funded and first.size:
            dues += lure.on_first_purchase(self._purchase_view(day, first))
            rule = self.reward_rule
            if rule.pay_on == "first_purchase":
                referred = first[self.inviter[first] >= 0]
                inviters = self.inviter[referred]
                count_into(self.counted_referrals, inviters)
                dues += rule.on_referral(self._join_view(day, referred, inviters, rule))
        self._settle(dues, day)

    def _after_campaign(self) -> None:
        """After the last day: members go on buying over the value horizon; with living
        groups, the groups live on, and their existing customers' buying is drawn."""
        value = self.value
        joiners = self._joiners[: self._cumulative_joined]
        life = self.group_life
        groups = GroupBuying.none()
        if life is not None:
            if value.horizon_days > 0:
                orders_per_day = np.zeros(self.graph.n)
                orders_per_day[joiners] = value.daily_orders(joiners, self._segment)
                life.after_campaign(orders_per_day)
            groups = life.buying(life.weeks_count)
        value.after_campaign(
            HorizonView(self.days, joiners, self._segment, self.day_joined, self.invites, groups)
        )
        if life is not None:
            life.book_horizon(groups.week_orders, groups.week_revenue)
            customers = life.customers
            last = self.days + value.horizon_days
            joined = self.member[customers]
            until = np.where(joined, self.day_joined[customers], last).astype(np.float64)
            rate = self.config.groups.customer_purchase_probability
            view = CustomerView(customers, until, rate, groups, life.weeks_count)
            life.book_customers(value.existing_customers(view))

    def _purchase_view(self, day: int, buyers: np.ndarray) -> PurchaseView:
        revenue = self.config.behaviour.revenue_per_order
        return PurchaseView(day, buyers, self.purchases, revenue, self._draws(self.lure))

    def _settle(self, dues: list[Due], day: int) -> tuple[float, float]:
        """Pay what is due (``sim.money.Ledger.settle``) and book it in today's record;
        the yuan paid as (rewards, lures)."""
        rewards, lures = self.ledger.settle(dues, day)
        self.today["reward_paid"] += rewards
        self.today["lure_paid"] += lures
        return rewards, lures

    # ------------------------------------------------------------------ results

    def run(self) -> ReferralModel:
        """Run every day of the campaign."""
        while self.running and self.day < self.days:
            self.step()
            if self.day < self.days - 1 and self._settled():
                self._record_quiet_days(self.days - 1)
        return self

    def _settled(self) -> bool:
        """Whether nothing can happen on any day from now until the last: nobody left who
        may share, no join channel open, nobody who may buy. Such days draw no random
        number and change nothing but the day."""
        if self._may_share.size or any(channel.active for channel in self.channels):
            return False
        platform = self.risk.platform
        if platform.active and not platform.blocked:  # its daily draw goes on
            return False
        if self.group_life is not None:  # groups go on living, and cost money
            return False
        return not (self._anyone_buys and self._cumulative_joined)

    def _record_quiet_days(self, until: int) -> None:
        """Record the days after today through day ``until`` as the quiet days they are
        (what stepping them would record), without stepping them. The last day is always
        stepped: the rule's end payments fall on it."""
        quiet = dict.fromkeys(DAILY_COLUMNS, 0)
        quiet.update(
            reward_paid=0.0,
            lure_paid=0.0,
            revenue=0.0,
            cumulative_joined=self._cumulative_joined,
            budget_left=self.budget.left,
        )
        days = np.arange(self.day + 1, until + 1)
        quiet["day"] = days
        rows = slice(self._days_recorded, self._days_recorded + days.size)
        for name, column in self._days.items():  # all the quiet days at once
            column[rows] = quiet[name]
        self._days_recorded += days.size
        self._daily_new_joins.extend([0] * days.size)
        self.day = until

    def _record(self, today: dict[str, Any]) -> None:
        row = self._days_recorded
        for name, column in self._days.items():
            column[row] = today[name]
        self._days_recorded = row + 1


def _resolve_config(config: Config | dict[str, Any] | None, overrides: dict[str, Any]) -> Config:
    if config is None:
        config = Config()
    if overrides:
        data = config.to_dict() if isinstance(config, Config) else config
        base = config.base_dir if isinstance(config, Config) else "."
        return parse_config(apply_overrides(data, overrides), base_dir=base)
    if isinstance(config, dict):
        return parse_config(config)
    return config
