"""The daily model (the default): a member buys with a fixed daily chance by segment
(``behaviour.purchase_probability``; junk never buys), never drops out, during the
campaign and, with ``horizon_days``, after it. It is the campaign-window model of the
engine's first versions, bit for bit, carried on over the horizon."""

from __future__ import annotations

from typing import Literal

import numpy as np

from sim.value.base import BuyingView, HorizonView, ValueModel, ValueParams


class DailyParams(ValueParams):
    model: Literal["daily"] = "daily"


class DailyValue(ValueModel):
    name = "daily"
    Params = DailyParams
    streams = ("purchases",)

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        b = self.behaviour.purchase_probability
        self._chance = np.array([b.payer, b.convertible, 0.0])  # by segment, per day

    def chance(self, view: BuyingView) -> np.ndarray:
        return self._chance[view.segment[view.buyers]]

    def orders_today(
        self, view: BuyingView, chance: np.ndarray | None = None, lifted: np.ndarray | None = None
    ) -> np.ndarray:
        if lifted is None:
            lifted = self.chance(view)
        draws = view.draws["purchases"].random(view.buyers.size)
        return (draws < lifted).astype(np.int64)

    def _customer_terms(
        self, people: np.ndarray, purchase_probability: float
    ) -> tuple[np.ndarray, np.ndarray]:
        # Everyone buys on the same daily chance and nobody drops out, as a member does.
        return np.full(people.size, purchase_probability), np.zeros(people.size)

    def _horizon_terms(
        self, view: HorizonView
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        people = self._people
        rate = np.zeros(people)
        rate[view.joiners] = self._chance[view.segment[view.joiners]]
        # Everyone buys on their daily chance (no first order to wait for), nobody drops out.
        return np.ones(people, dtype=bool), rate, np.zeros(3), np.zeros(people)
