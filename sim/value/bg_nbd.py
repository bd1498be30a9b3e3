"""Buy till you die (BG/NBD; Fader, Hardie & Lee 2005): while alive, a customer orders
at a rate λ ~ Gamma(r, α) per day and, after each order, drops out with a probability
p ~ Beta(a, b). The standard model of repeat purchases without contracts (domain §6).

The segments keep their meaning: a payer is a customer from the day they join; a
convertible needs a first order, which comes with the daily chance
``behaviour.purchase_probability.convertible`` (lifted by the lure: a coupon, credit on
a card) and makes them a customer then, as BG/NBD's customers are born at their first
purchase; junk never buys. Each segment has its own (r, α, a, b).

Referral effects, each a key that a neutral value switches off (docs/model.md §8):
referred members spend more at first, a premium that erodes, and drop out less
(Schmitt, Skiera & Van den Bulte 2011); members who refer drop out less (Garnefeld et
al. 2013: 19% to 7% a year); bigger referral rewards bring less valuable referred
members (Wolters, Schulze & Gedenk 2020); reward hunters paid a cash lure leave once
paid (domain §3.4).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field

from sim.params import ADVANCED, Probability, Section
from sim.roles import Segment
from sim.value.base import BuyingView, HorizonView, ValueJoinView, ValueModel, ValueParams

DAYS_PER_WEEK = 7.0
# The published fit on the CDNOW sample (Fader, Hardie & Lee 2005; weeks), α in days.
CDNOW = {"r": 0.243, "alpha": 4.414 * DAYS_PER_WEEK, "a": 0.793, "b": 2.426}
# Garnefeld et al. (2013): a year's churn fell from 19% to 7% for members who referred.
REFERRER_DROPOUT_FACTOR = 7.0 / 19.0


class BuyTillYouDie(Section):
    """One segment's BG/NBD parameters. Without ``alpha``, the segment's mean buying rate
    r/α is its ``behaviour.purchase_probability`` (CDNOW's shapes at the planner's
    purchase frequency)."""

    r: float = Field(CDNOW["r"], gt=0, description="shape of customers' buying rates")
    alpha: float | None = Field(
        None,
        gt=0,
        description="scale of buying rates (days): mean rate r/α per day; none = r ÷ the "
        "segment's behaviour.purchase_probability",
    )
    a: float = Field(CDNOW["a"], gt=0, description="dropout after an order ~ Beta(a, b): a")
    b: float = Field(CDNOW["b"], gt=0, description="dropout after an order ~ Beta(a, b): b")


class BgNbdParams(ValueParams):
    model: Literal["bg_nbd"] = "bg_nbd"
    spend: Literal["fixed", "gamma_gamma"] = Field(
        "gamma_gamma",
        description="order value: fixed (behaviour.revenue_per_order) or gamma_gamma "
        "(customers differ, around that mean)",
    )
    payer: BuyTillYouDie = Field(
        default_factory=BuyTillYouDie,
        description="a payer's, from joining (CDNOW shapes)",
        json_schema_extra=ADVANCED,
    )
    convertible: BuyTillYouDie = Field(
        default_factory=BuyTillYouDie,
        description="a convertible's, after their first order (CDNOW shapes; assumption)",
        json_schema_extra=ADVANCED,
    )
    referred_spend_premium: float = Field(
        0.1,
        ge=0,
        le=10,
        description="referred members' extra order value at joining, eroding (share; "
        "Schmitt et al. 2011; value assumption)",
    )
    premium_half_life_days: float = Field(
        180.0,
        gt=0,
        description="the premium halves every this many days (assumption)",
        json_schema_extra=ADVANCED,
    )
    referred_dropout_factor: float = Field(
        0.8,
        ge=0,
        le=10,
        description="multiplier on a referred member's dropout (Schmitt et al. 2011: "
        "retention advantage persists; value assumption)",
    )
    referrer_dropout_factor: float = Field(
        REFERRER_DROPOUT_FACTOR,
        ge=0,
        le=10,
        description="multiplier on the dropout of members who referred someone "
        "(Garnefeld et al. 2013: 19% to 7% a year)",
    )
    reward_quality_loss: Probability = Field(
        0.3,
        description="referred members' order value × (1 − this × reward pull) (Wolters et "
        "al. 2020 direction; value assumption)",
    )
    cash_hunter_exit: Probability = Field(
        0.3,
        description="chance a member paid a cash lure leaves once paid (§3.4; assumption)",
    )


class BgNbdValue(ValueModel):
    name = "bg_nbd"
    Params = BgNbdParams
    person_state = (
        *ValueModel.person_state,
        ("rate", "float64"),  # orders per day while a customer (λ)
        ("dropout", "float64"),  # chance of dropping out after an order (p)
        ("customer", "bool"),  # buying on the rate (payers from joining)
    )
    continuous = True
    draws_by_person = True  # sim.value.orders: every draw under the person's counters

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        p = self.params
        self._decay = math.log(2.0) / p.premium_half_life_days
        b = self.behaviour.purchase_probability
        self._first = np.array([0.0, b.convertible, 0.0])  # a first order's daily chance
        # α by segment (days; 0: the segment never buys on the rate)
        self._alpha = [
            _alpha(p.payer, b.payer),
            _alpha(p.convertible, b.convertible),
        ]

    # The compiled parts (numba) load when a run needs them, not with the config.
    def on_join(self, view: ValueJoinView) -> None:
        from sim.streams import person_uniforms
        from sim.value.traits import betas, gammas

        super().on_join(view)
        p = self.params
        joiners = view.joiners
        segment = view.segment[joiners]
        for code, fit in ((Segment.PAYER, p.payer), (Segment.CONVERTIBLE, p.convertible)):
            who = joiners[segment == code]
            if who.size:
                rates = gammas(self.trait_key("buying rate"), who, fit.r)
                self.rate[who] = rates / self._alpha[code] if self._alpha[code] else 0.0
                self.dropout[who] = betas(self.trait_key("dropout"), who, fit.a, fit.b)
        self.customer[joiners[segment == Segment.PAYER]] = True
        referred = joiners[view.inviter[joiners] >= 0]
        if referred.size:
            self.dropout[referred] = np.minimum(
                1.0, self.dropout[referred] * p.referred_dropout_factor
            )
            self.premium[referred] = p.referred_spend_premium
            self._premiums = self._premiums or p.referred_spend_premium > 0
            self.scale[referred] *= 1.0 - p.reward_quality_loss * view.reward_pull
        hunters = joiners[view.cash_paid]
        if hunters.size and p.cash_hunter_exit > 0:
            leave = person_uniforms(self.trait_key("cash exit"), hunters) < p.cash_hunter_exit
            self.dead[hunters[leave]] = True

    def chance(self, view: BuyingView) -> np.ndarray:
        from sim.value.orders import chance_today

        return chance_today(
            view.buyers, self.customer, self.rate, view.segment, self._first, self.dead
        )

    def orders_today(
        self, view: BuyingView, chance: np.ndarray | None = None, lifted: np.ndarray | None = None
    ) -> np.ndarray:
        from sim.value.orders import orders_today

        if chance is None:  # taken in the same pass (the lure lifts nothing)
            chance = lifted = np.zeros(0)
        return orders_today(
            self._key,
            view.day,
            view.buyers,
            chance,
            np.ascontiguousarray(lifted, dtype=np.float64),
            self.customer,
            self.rate,
            self.dropout,
            self.dead,
            view.invites,
            self.params.referrer_dropout_factor,
            view.segment,
            self._first,
        )

    def _customer_terms(
        self, people: np.ndarray, purchase_probability: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """An existing customer is a BG/NBD customer with the payer's shapes r, a, b at
        their own mean rate: λ ~ Gamma(r, α = r ÷ ``purchase_probability``), p ~ Beta(a,
        b), traits of the person under keys of their own (an assumption: the chain's
        customers differ and drop out as its payers do)."""
        from sim.value.traits import betas, gammas

        fit = self.params.payer
        alpha = fit.r / purchase_probability  # > 0: called only for a rate above 0
        rates = gammas(self.trait_key("customer rate"), people, fit.r) / alpha
        return rates, betas(self.trait_key("customer dropout"), people, fit.a, fit.b)

    def _horizon_terms(
        self, view: HorizonView
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        referrers = view.joiners[view.invites[view.joiners] > 0]
        factor = self.params.referrer_dropout_factor
        self.dropout[referrers] = np.minimum(1.0, self.dropout[referrers] * factor)
        return self.customer, self.rate, self._first, self.dropout


def _alpha(fit: BuyTillYouDie, chance: float) -> float:
    """The segment's α (days): as given, or r ÷ its daily purchase chance (0 if none)."""
    if fit.alpha is not None:
        return fit.alpha
    return fit.r / chance if chance > 0 else 0.0
