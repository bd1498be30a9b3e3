"""The day's abuse, put together: fake sign-ups from every source, through the controls,
into the payments the ledger settles; and the platform's verdict at the day's end.

``Abuse`` is the one object the model talks to about risk (``sim.model`` calls it at
three places of the day). It owns the four risk mechanisms (``sim.risk``), works out
once what a fake account is worth to its maker (``Payout``: it depends only on the
campaign's design and controls), and keeps the run's fraud totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.mechanism import Draws, Mechanism, Output
from sim.risk.base import FakeSource, Payout, SupplyView
from sim.risk.collusion import Collusion
from sim.risk.controls import Controls
from sim.risk.farms import FakeAccountFarms
from sim.risk.platform import PlatformRisk


@dataclass(frozen=True)
class SignUpView:
    """What the fraud phase sees on a funded day, before joins (phase 5)."""

    day: int
    invitees: np.ndarray  # genuine people who accepted an invitation today
    fronts: np.ndarray  # junk members who joined through the campaign before today
    room: np.ndarray  # per front: under the reward cap


@dataclass(frozen=True)
class SignUps:
    """The fraud phase's verdict on today's sign-ups."""

    refused: np.ndarray  # positions in ``invitees`` of genuine people the check refused
    paid_fronts: np.ndarray  # the front of each fake account to be paid today


def _total(name: str, unit: str, meaning: str, **kw: Any) -> Output:
    return Output(name, unit, meaning, empty_when="no fake accounts are modelled", **kw)


class Abuse(Mechanism):
    """The risk side of one run (see the module docstring).

    Args:
        tables: the four risk tables' parameters by section ("fraud", ...).
        people: the community's size.
        lure, rule: the campaign's lure and reward rule (their payouts and risk weights).
        usual_order: a genuine member's usual order (yuan, ``behaviour.revenue_per_order``).
        draws: the run's streams for a mechanism (``ReferralModel._draws``).
    """

    family = "risk"
    name = "abuse"
    outputs = (
        _total(
            "fake_joins",
            "people",
            "fake accounts that signed up through the campaign and passed the check: farms, "
            "self-referred second accounts and rings together (not in `joined`)",
            type="int",
            better="less",
            label="fake accounts signed up (accounts)",
            short="fake joins",
            fmt=",.0f",
            headline=True,
        ),
        _total(
            "fraud_loss",
            "yuan",
            "lure and reward money paid on fake accounts (within the budget and caps); part "
            "of `lure_cost` and `reward_cost`",
            better="less",
            label="money lost to fraud (yuan)",
            short="lost to fraud (yuan)",
            fmt=",.0f",
            headline=True,
        ),
        _total(
            "fraud_loss_share",
            "share",
            "`fraud_loss ÷ (lure_cost + reward_cost)`: the share of the incentive money "
            "that went to fake accounts (empty when nothing was paid)",
            label="share of incentive money lost to fraud (share)",
            fmt=".3f",
        ),
        _total(
            "signups",
            "people",
            "`joined + fake_joins`: the sign-ups a campaign dashboard counts, fakes included",
            type="int",
            label="sign-ups, fakes included (accounts)",
            fmt=",.0f",
        ),
    )

    def __init__(
        self,
        tables: dict[str, Any],
        people: int,
        lure: Any,
        rule: Any,
        usual_order: float,
        draws: Callable[[Mechanism], Draws],
    ) -> None:
        super().__init__(None, people)
        self.farms = FakeAccountFarms(tables["fraud"], people)
        self.collusion = Collusion(tables["collusion"], people)
        self.controls = Controls(tables["controls"], people)
        self.platform = PlatformRisk(tables["platform"], people)
        self.sources: list[FakeSource] = [s for s in (self.farms, self.collusion) if s.active]
        self._draws = draws
        self.lure, self.rule = lure, rule
        self.weight = lure.platform_risk * rule.platform_risk
        self.reward_discount = self.controls.reward_discount(rule.pay_on)
        self.lure_value_factor = self.controls.lure_value_factor(lure.needs_order, usual_order)
        self.payout = self._payout()
        self.fake_joins = 0
        self.loss = 0.0
        self.check_cost_by_day: dict[int, float] = {}

    @property
    def mechanisms(self) -> list[Mechanism]:
        """The risk mechanisms of the run (their streams, outputs and results)."""
        return [self.farms, self.collusion, self.controls, self.platform, self]

    @property
    def active(self) -> bool:
        """Whether its totals are columns of the run (fake accounts are modelled)."""
        return self.faking

    @property
    def faking(self) -> bool:
        """Whether any source of fake accounts is modelled."""
        return bool(self.sources)

    @property
    def screening(self) -> bool:
        """Whether the day's sign-ups go through the fraud phase at all."""
        return self.faking or self.controls.checking

    def _payout(self) -> Payout:
        """What one fake account is worth to its maker, before its cost."""
        lure = self.lure
        loss = self.farms.params.order_loss_share
        take = self.controls.farm_take(
            lure.effective_value(), lure.farm_share, lure.needs_order, loss
        )
        return Payout(lure=take, reward=self.rule.fake_payout(), caught=self.controls.caught())

    def sign_ups(self, view: SignUpView) -> SignUps:
        """Today's fake accounts and the check on every referred sign-up (phase 5, funded
        days while the link works)."""
        batches = []
        for source in self.sources:
            supply = SupplyView(view.day, view.fronts, view.room, self.payout, self._draws(source))
            batches += [b for b in source.fakes(supply) if b.fronts.size]
        fronts = np.concatenate([view.fronts[:0], *(b.fronts for b in batches)])
        evasion = np.concatenate(
            [np.zeros(0), *(np.full(b.fronts.size, b.evasion) for b in batches)]
        )
        passes = np.ones(fronts.size, dtype=bool)
        withheld = np.zeros(fronts.size, dtype=bool)
        refused = np.zeros(0, dtype=np.int64)
        if self.controls.active:
            checks = self._draws(self.controls)
            before = self.controls.cost
            passes, withheld, n_refused = self.controls.screen(evasion, view.invitees.size, checks)
            self.check_cost_by_day[view.day] = self.controls.cost - before
            if n_refused:
                refused = checks["checks"].choice(view.invitees.size, n_refused, replace=False)
        start = 0
        for batch in batches:  # count, per source, the accounts that passed
            end = start + batch.fronts.size
            passed = int(passes[start:end].sum())
            source = self.farms if batch.column in self.farms.passed else self.collusion
            source.passed[batch.column] += passed
            self.fake_joins += passed
            start = end
        return SignUps(np.sort(refused), fronts[passes & ~withheld])

    def book_loss(self, paid: float) -> None:
        """Record yuan paid on fake accounts today."""
        self.loss += paid

    def check_cost(self) -> float:
        """Yuan spent on checks so far (outside the budget)."""
        return self.controls.cost

    def cost_by_day(self, days: int) -> np.ndarray:
        """Check costs paid on days 0 … ``days`` (yuan)."""
        cost = np.zeros(days + 1)
        for day, amount in self.check_cost_by_day.items():
            if day <= days:
                cost[day] += amount
        return cost

    def summary(self, joined: int, incentive_cost: float) -> dict[str, Any]:
        """The coordinator's columns, given the run's `joined` and lure + reward cost."""
        if not self.faking:
            return {}
        return {
            "fake_joins": self.fake_joins,
            "fraud_loss": self.loss,
            "fraud_loss_share": self.loss / incentive_cost if incentive_cost else float("nan"),
            "signups": joined + self.fake_joins,
        }
