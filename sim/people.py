"""The campaign's people: their records as named arrays, their traits drawn when first
needed, and the starters (seed users and KOLs) who are members from day 0.

``People`` is a part of ``sim.model.ReferralModel`` (which inherits it). The records
live in ``sim.state.PeopleState`` (one 64-byte record per person, recycled between
replicates); here they get their names. Segments and sharing propensities are drawn per
person when a campaign first touches them (``sim.population``).
"""

from __future__ import annotations

import numpy as np

from sim.agents import ROLE_CLASSES, Role
from sim.kernels import MEMBER
from sim.population import Population
from sim.roles import CameBy
from sim.seeding import Starters, choose_kols, choose_seeds
from sim.state import PeopleState


class People:
    """The people of a ``ReferralModel`` (a part of it; see the module docstring)."""

    def _init_people(self, n: int, starters: Starters | None) -> None:
        """Take a state for ``n`` people, name its fields, and make the starters members
        on day 0 (chosen here by a basic strategy when not given)."""
        cfg = self.config
        streams = self.streams
        if starters is None:  # the basic strategies (optimised ones: sim.influence)
            kols = choose_kols(cfg, self.graph, streams["kols"])
            seeds = choose_seeds(cfg, self.graph, kols, streams["seeds"], self._graph_seed)
            starters = Starters(kols, seeds)
        self.kols = starters.kols
        self.seeds = starters.seeds

        # Everyone's state: a record per person, and the dense arrays the delivery kernel
        # reads per invitation (sim.state; recycled from the graph's last replicate).
        self._state = state = PeopleState.take(self.graph)
        records = state.records
        self.role = records["role"]
        self._segment = records["segment"]  # drawn when first needed (below)
        self.day_joined = records["day_joined"]
        self.active_from = records["active_from"]  # first day one may share
        self.generation = records["generation"]
        self.inviter = records["inviter"]
        self.invites = records["invites"]  # people who joined on one's invitation
        self.counted_referrals = records["counted_referrals"]  # referrals the rule counted
        self.shares_made = records["shares_made"]
        self.purchases = records["purchases"]
        self._propensity = records["propensity"]  # drawn when first needed
        self.reward_earned = records["reward_earned"]
        # Who is a member, has been invited, or accepted today (sim.kernels bits).
        self.status = state.status
        self.seen = state.seen  # invitations noticed (kept if saturating)
        self._tally = records["tally"]  # the delivery kernel's scratch

        self.role[self.seeds] = Role.SEED
        self.role[self.kols] = Role.KOL
        self.came_by = records["came_by"]  # how each member came (sim.roles.CameBy)
        self.came_by[self.seeds] = CameBy.SEED
        self.came_by[self.kols] = CameBy.KOL
        starters = np.union1d(self.seeds, self.kols).astype(np.int64)
        # Segments and sharing propensities are drawn per person when first needed (at
        # joining, or when invited); ``segment`` and ``propensity`` draw everyone.
        self.population = Population(cfg, self.seed)
        self._everyone_drawn = False
        self._draw_traits(starters)
        self._role_weight = np.array([c.sender_weight(cfg) for c in ROLE_CLASSES])
        roles = np.r_[Role.MEMBER, self.role[starters]]
        self._weighted_senders = bool(np.any(self._role_weight[roles] != 1.0))

        self.day_joined[starters] = 0
        self.generation[starters] = 0
        first_day = np.array([c.first_share_day(cfg) for c in ROLE_CLASSES])
        self.active_from[starters] = first_day[self.role[starters]]
        self.status[starters] = MEMBER
        # Index pools, so that a day costs what happens in it, not the population's size:
        # members who may still share, and the campaign's joiners in order of joining
        # (who buy; a buffer filled up to _cumulative_joined).
        self._starters = starters
        self._may_share = starters[self._propensity[starters] > 0]
        self._joiners = state.joiners
        self._joined_today = np.zeros(0, dtype=np.int64)
        self._cumulative_joined = 0
        self._members_found: tuple[int, np.ndarray] | None = None  # sim.tables, by head-count
        self._mid_day = False  # inside step(): set while a day's writes are under way
        self._none = np.zeros(0, dtype=np.int64)
        self._invitee_buffer = state.invitees

    def _draw_traits(self, people: np.ndarray) -> None:
        """Draw the segment and sharing propensity of these people (once drawn, kept)."""
        if not self._everyone_drawn and people.size:
            self._segment[people] = self.population.segment(people)
            self._propensity[people] = self.population.propensity(people, self.role[people])

    def _draw_everyone(self) -> None:
        if not self._everyone_drawn:
            self._draw_traits(np.arange(self.graph.n))
            self._everyone_drawn = True

    @property
    def segment(self) -> np.ndarray:
        """Everyone's segment (``Segment`` codes; drawn for everyone on first use)."""
        self._draw_everyone()
        return self._segment

    @property
    def propensity(self) -> np.ndarray:
        """Everyone's daily chance of sharing at full activity, before rewards
        (probability per day; drawn for everyone on first use)."""
        self._draw_everyone()
        return self._propensity

    @property
    def member(self) -> np.ndarray:
        """Whether each person is a member (bool; seeds and KOLs from day 0)."""
        return (self.status & MEMBER) != 0

    @property
    def weight(self) -> np.ndarray:
        """Everyone's sender weight (multiplier on the chance their invitation converts)."""
        return self._role_weight[self.role]
