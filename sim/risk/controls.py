"""Risk controls (风控): what a platform puts between a campaign's money and its abusers,
each with its cost and its price in genuine conversions (docs/model.md §14.3).

* **Identity or device check** at sign-up, with a recall (the share of fake accounts it
  refuses) and a precision (the share of refused sign-ups that are fake): refusing r·F
  fake accounts refuses r·F·(1 − precision)/precision genuine people too (Poisson,
  at most the day's genuine sign-ups), who do not join that day. Each referred sign-up
  checked costs ``check_cost`` yuan, outside the budget.
* **Payout delay** (T+N 到账): payments wait ``payout_delay_days``; a review during the
  wait catches a fake account that passed the check with 1 − (1 − review_catch)^days,
  and it is not paid. Sharers discount a reward that waits (below).
* **Patience.** With ``patience_half_life_days`` set, a sharer values a reward that waits
  w days at 0.5^(w / half-life) of its worth; w is the delay, plus ``purchase_wait_days``
  when ``reward.pay_on = "first_purchase"`` (a fake account never buys, so paying on
  purchase starves farms of rewards, at this price in motivation). Unset (the default),
  sharers do not discount, as before (§7).
* **Minimum order value** for an order-bound lure (coupon, credit, group price): a farm
  cashing it out must buy at least that much, and genuine invitees whose usual order
  (``behaviour.revenue_per_order``) is below it value the lure at revenue ÷ minimum.

The per-person cap (``reward.cap_per_person``) binds fakes through their fronts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from sim.mechanism import Output
from sim.params import Probability, Section, Yuan
from sim.risk.base import RiskMechanism


class ControlParams(Section):
    check_recall: Probability = Field(
        0.0, description="share of fake sign-ups the identity/device check refuses (0: no check)"
    )
    check_precision: float = Field(
        1.0, gt=0, le=1, description="share of the sign-ups the check refuses that are fake"
    )
    check_cost: Yuan = Field(0.0, description="yuan per referred sign-up checked")
    payout_delay_days: int = Field(
        0, ge=0, le=365, description="days payouts wait (T+N); 0: paid at once"
    )
    review_catch: Probability = Field(
        0.1, description="chance per day of delay that a review catches a fake that passed"
    )
    patience_half_life_days: float | None = Field(
        None,
        gt=0,
        description="days of waiting that halve a reward's worth to a sharer; none: "
        "sharers do not discount waiting",
    )
    purchase_wait_days: float = Field(
        14.0,
        ge=0,
        le=3650,
        description="days a sharer expects to wait for a friend's first order when "
        "rewards pay on first purchase (with patience_half_life_days)",
    )
    min_order_value: Yuan = Field(
        0.0, description="smallest order (yuan) an order-bound lure can be used on"
    )


NO_CONTROLS = "every `[controls]` key is at its default (no controls modelled; 0 otherwise)"


class Controls(RiskMechanism):
    name = "controls"
    section = "controls"
    Params = ControlParams
    streams = ("checks",)
    outputs = (
        Output(
            "fakes_stopped",
            "people",
            "fake sign-up attempts the identity/device check refused",
            type="int",
            empty_when=NO_CONTROLS,
            label="fake sign-ups refused (accounts)",
            fmt=",.0f",
        ),
        Output(
            "fakes_withheld",
            "people",
            "fake accounts that passed the check but were caught in review during the "
            "payout delay and never paid",
            type="int",
            empty_when=NO_CONTROLS,
            label="fake accounts caught before payout (accounts)",
            fmt=",.0f",
        ),
        Output(
            "genuine_stopped",
            "people",
            "genuine referred sign-ups the check refused (false positives); each did not "
            "join that day (a later invitation may still bring them)",
            type="int",
            empty_when=NO_CONTROLS,
            better="less",
            label="genuine sign-ups refused (people)",
            fmt=",.0f",
        ),
        Output(
            "check_cost",
            "yuan",
            "`controls.check_cost` × referred sign-ups checked (genuine and fake), outside "
            "the budget; part of `total_cost`",
            empty_when=NO_CONTROLS,
            label="cost of checks (yuan)",
            fmt=",.0f",
        ),
    )

    def __init__(self, params: Any, people: int) -> None:
        super().__init__(params, people)
        self.stopped = 0
        self.withheld = 0
        self.genuine_stopped = 0
        self.cost = 0.0

    @property
    def active(self) -> bool:
        return self.params != ControlParams()

    @property
    def checking(self) -> bool:
        return self.params.check_recall > 0

    def review_catch_total(self) -> float:
        """The chance a review during the delay catches a fake that passed the check."""
        p = self.params
        return 1.0 - (1.0 - p.review_catch) ** p.payout_delay_days

    def caught(self) -> float:
        """The chance a fake account is caught before it is paid: refused at sign-up, or
        caught in review during the delay (probability)."""
        recall = self.params.check_recall
        return 1.0 - (1.0 - recall) * (1.0 - self.review_catch_total())

    def reward_discount(self, pay_on: str) -> float:
        """What a reward is worth to a sharer for the wait before it is paid, as a factor
        (1: no discount)."""
        p = self.params
        if p.patience_half_life_days is None:
            return 1.0
        wait = p.payout_delay_days + (p.purchase_wait_days if pay_on == "first_purchase" else 0)
        return 0.5 ** (wait / p.patience_half_life_days) if wait else 1.0

    def lure_value_factor(self, needs_order: bool, usual_order: float) -> float:
        """The share of an order-bound lure's value a genuine invitee sees under the
        minimum order value: 1 while their usual order (yuan) reaches it."""
        minimum = self.params.min_order_value
        if not needs_order or minimum <= usual_order:
            return 1.0
        return usual_order / minimum

    def farm_take(self, value: float, farm_share: float, needs_order: bool, loss: float) -> float:
        """Yuan a farm nets from one fake account's lure of ``value`` yuan: its cash-out
        share, less, for an order-bound lure, the ``loss`` share of the order it must
        place (at least the lure's value and the minimum order value)."""
        if not needs_order:
            return farm_share * value
        order = max(self.params.min_order_value, value)
        return farm_share * value - loss * order

    def screen(
        self, evasion: np.ndarray, genuine: int, draws: Any
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """The check on today's sign-ups: ``evasion`` per fake account, ``genuine`` the
        genuine referred sign-ups. Returns which fake accounts pass, which of those the
        review withholds, and how many genuine sign-ups are refused (drawn from the
        ``checks`` stream)."""
        p = self.params
        rng = draws["checks"]
        fakes = evasion.size
        passes = np.ones(fakes, dtype=bool)
        withheld = np.zeros(fakes, dtype=bool)
        refused = 0
        if self.checking and fakes:
            passes = rng.random(fakes) >= p.check_recall * (1.0 - evasion)
            stopped = int(fakes - passes.sum())
            self.stopped += stopped
            if stopped and p.check_precision < 1 and genuine:
                expected = stopped * (1.0 - p.check_precision) / p.check_precision
                refused = min(genuine, int(rng.poisson(expected)))
        if p.payout_delay_days and fakes:
            review = self.review_catch_total()
            withheld = passes & (rng.random(fakes) < review * (1.0 - evasion))
            self.withheld += int(withheld.sum())
        self.genuine_stopped += refused
        if self.checking:
            self.cost += p.check_cost * (fakes + genuine)
        return passes, withheld, refused

    def results(self) -> dict[str, Any]:
        if not self.active:
            return {}
        return {
            "fakes_stopped": self.stopped,
            "fakes_withheld": self.withheld,
            "genuine_stopped": self.genuine_stopped,
            "check_cost": self.cost,
        }
