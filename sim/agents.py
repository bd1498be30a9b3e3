"""The people of a campaign as Mesa agents: ordinary members, seed users and KOLs.

A person's state lives in the model's numpy arrays (one row per person), and the day's
phases are vectorised over those arrays (see ``sim.model``). An agent object is a view
of its row: reading or writing ``agent.segment`` reads or writes the array. Each role
class also carries that role's behaviour (how much more it shares, how much its word
counts, what it costs), which the model reads once to build its per-person arrays.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mesa
import numpy as np

from sim.config import Config

# The codes live in sim.roles (which the mechanisms read); re-exported here.
from sim.roles import ROLE_NAMES as ROLE_NAMES
from sim.roles import SEGMENT_NAMES as SEGMENT_NAMES
from sim.roles import Role as Role
from sim.roles import Segment as Segment


class Person(mesa.Agent):
    """A person of the community: a view of row ``index`` of the model's arrays."""

    role: ClassVar[Role]
    always_shares: ClassVar[bool] = False  # recruited to share, whatever their propensity

    # ``model`` is the ReferralModel whose arrays the agent views (typed as Mesa's model:
    # the model module builds agents, so this one must not import it).
    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    # ---- per-role behaviour, read by the model when it builds its arrays

    @classmethod
    def share_multiplier(cls, config: Config) -> float:
        """Multiplier on the daily chance of sharing."""
        return 1.0

    @classmethod
    def sender_weight(cls, config: Config) -> float:
        """Multiplier on the chance an invitation from this person converts."""
        return 1.0

    @classmethod
    def fee(cls, config: Config) -> float:
        """What the campaign pays this person to take part (yuan)."""
        return 0.0

    @classmethod
    def first_share_day(cls, config: Config) -> int:
        """First day a person of this role present at the start may share."""
        return 1

    # ---- the row, read and written through

    @property
    def node(self) -> object:
        """The person's id in the input graph."""
        return self.model.graph.label_of([self.index])[0]

    @property
    def segment(self) -> Segment:
        return Segment(int(self.model.segment[self.index]))

    @segment.setter
    def segment(self, value: Segment) -> None:
        self.model.segment[self.index] = int(value)

    @property
    def is_member(self) -> bool:
        return bool(self.model.day_joined[self.index] >= 0)

    @property
    def day_joined(self) -> int | None:
        day = int(self.model.day_joined[self.index])
        return day if day >= 0 else None

    @property
    def inviter(self) -> int | None:
        """The person number of whoever brought this person in (None for seeds, outside joiners)."""
        who = int(self.model.inviter[self.index])
        return who if who >= 0 else None

    @property
    def generation(self) -> int | None:
        gen = int(self.model.generation[self.index])
        return gen if gen >= 0 else None

    @property
    def share_propensity(self) -> float:
        """Daily chance of sharing at full activity and no reward (probability per day)."""
        return float(self.model.propensity[self.index])

    @share_propensity.setter
    def share_propensity(self, value: float) -> None:
        self.model.propensity[self.index] = value

    @property
    def invites(self) -> int:
        """People who joined through this person's invitations."""
        return int(self.model.invites[self.index])

    @property
    def purchases(self) -> int:
        return int(self.model.purchases[self.index])

    @property
    def reward_earned(self) -> float:
        """Rewards paid to this person so far (yuan)."""
        return float(self.model.reward_earned[self.index])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(node={self.node!r}, member={self.is_member})"


class Member(Person):
    """An ordinary person of the community, a member once they join."""

    role = Role.MEMBER


class SeedUser(Person):
    """A person who starts the campaign on day 0 (staff, loyal members, store visitors)."""

    role = Role.SEED
    always_shares = True

    @classmethod
    def share_multiplier(cls, config: Config) -> float:
        return config.population.seed_share_multiplier


class KOL(Person):
    """An opinion leader: reaches many people, their word counts more, and may charge a fee."""

    role = Role.KOL
    always_shares = True

    @classmethod
    def share_multiplier(cls, config: Config) -> float:
        return config.population.kol_share_multiplier

    @classmethod
    def sender_weight(cls, config: Config) -> float:
        return config.population.kol_weight

    @classmethod
    def fee(cls, config: Config) -> float:
        return config.population.kol_fee

    @classmethod
    def first_share_day(cls, config: Config) -> int:
        return config.population.kol_start_day


# Indexed by Role.
ROLE_CLASSES: tuple[type[Person], ...] = (Member, SeedUser, KOL)


class AgentObjects:
    """The Mesa agent objects of a ``ReferralModel`` (a part of it): views of people's
    rows, made the first time anyone asks, for everyone or only for seeds and KOLs."""

    def _init_agents(self, everyone: bool) -> None:
        """Mesa agents for everyone, or only for the seeds and KOLs (made on first use)."""
        self._agents_for_everyone = everyone
        self._agent_objects: dict[int, Person] | None = None

    @property
    def agent_of(self) -> dict[int, Person]:
        """The Mesa agent of each person who has one, by person number."""
        if self._agent_objects is None:
            if self._agents_for_everyone:
                people = range(self.graph.n)
            else:
                people = np.flatnonzero(self.role != Role.MEMBER).tolist()
            self._agent_objects = {}
            for index in people:
                self._agent_objects[index] = ROLE_CLASSES[self.role[index]](self, index)
        return self._agent_objects

    @property
    def agents(self) -> Any:
        """Mesa's set of all agents (made on first use, see ``agent_of``)."""
        _ = self.agent_of
        return super().agents

    @property
    def agents_by_type(self) -> Any:
        """Mesa's agent sets by class: ``Member``, ``SeedUser``, ``KOL``."""
        _ = self.agent_of
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        _ = self.agent_of
        return super().agent_types
