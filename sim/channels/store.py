"""Store traffic (门店引流): visitors to the chain's stores scan the store's group QR code
(扫码进群), often for a small gift, and join the campaign and that store's chat group.

A store's visitors are its neighbours: the people of its chat groups at the start (group
g belongs to store g mod ``stores``; ``near``). Each day each store has
Poisson(``visitors_per_day``) visitors drawn uniformly from them; a visitor who is not a
member scans with ``scan_share``, raised by a gift to scan_share × (1 + gift_lift ×
g/(g + half)) while the budget funds it, and every scan costs the gift (a lure payment
through the ``Ledger``). The groups' entry rule (``groups.entry_screening``) may keep a
scanner out; one who gets past it joins the campaign and, with living groups, the
store's group (docs/model.md §4.6). Values are assumptions: count a store's visitors and
scans.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from sim.channels.base import ArrivalView, JoinChannel
from sim.mechanism import Output
from sim.money import Due, saturating
from sim.params import ADVANCED, Probability, Section, Yuan
from sim.roles import CameBy


class StoreParams(Section):
    stores: int = Field(0, ge=0, description="stores with a group QR code (0: no store channel)")
    visitors_per_day: float = Field(30.0, ge=0, description="visitors per store per day (people)")
    scan_share: Probability = Field(
        0.03, description="chance a visitor who is not a member scans the QR code (probability)"
    )
    gift: Yuan = Field(0.0, description="gift per scan, paid from the budget (yuan)")
    gift_lift: float = Field(
        2.0, ge=0, description="a large gift multiplies the scan share by up to 1 + this (factor)"
    )
    gift_half_value: float = Field(
        5.0,
        gt=0,
        description="gift that brings half the lift (yuan)",
        json_schema_extra=ADVANCED,
    )


def _runs(name: str, unit: str, meaning: str, **kw: Any) -> Output:
    return Output(
        name, unit, meaning, table="runs", empty_when=kw.pop("empty_when", "no store channel"), **kw
    )


def near(groups: tuple[np.ndarray, np.ndarray], stores: int) -> tuple[np.ndarray, np.ndarray]:
    """Each store's neighbourhood as (indptr, people): store s's people are
    ``people[indptr[s]:indptr[s + 1]]``, everyone in a group g with g mod ``stores`` = s at
    the start (someone in two of its groups counts twice: they are there more often)."""
    indptr, members = groups
    sizes = np.diff(indptr)
    store_of = np.arange(sizes.size) % stores
    order = np.argsort(store_of, kind="stable")  # a store's groups in order
    starts, counts = indptr[:-1][order], sizes[order]
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    people = members[np.repeat(starts, counts) + offsets].astype(np.int64)
    by_store = np.zeros(stores + 1, dtype=np.int64)
    np.cumsum(np.bincount(store_of, weights=sizes, minlength=stores), out=by_store[1:])
    return by_store, people


class StoreChannel(JoinChannel):
    name = "store"
    section = "store"
    code = CameBy.STORE
    needs_groups = True
    Params = StoreParams
    streams = ("store",)
    outputs = (
        _runs(
            "joined_store",
            "people",
            "people who joined by scanning a store's group QR code (扫码进群) and accepted "
            "no invitation that day",
            type="int",
            fmt=",.0f",
            label="joined in stores (people)",
        ),
        _runs(
            "store_scans",
            "people",
            "scans of the QR codes (each paid the gift)",
            type="int",
            fmt=",.0f",
            label="QR code scans (people)",
        ),
        _runs(
            "store_gift_cost",
            "yuan",
            "gifts paid for scans (in `lure_cost`)",
            fmt=",.0f",
            label="store gifts (yuan)",
        ),
        _runs(
            "store_cost_per_join",
            "yuan per person",
            "`store_gift_cost ÷ joined_store`",
            empty_when="no store channel, or nobody joined in a store",
            better="less",
            fmt=",.2f",
            label="gift cost per store join (yuan per person)",
        ),
    )

    def __init__(self, params: StoreParams, people: int) -> None:
        super().__init__(params, people)
        self.site = np.zeros(0, dtype=np.int64)  # the store of each of today's arrivals
        self.scans = 0
        self.gift_cost = 0.0
        self.joined = 0
        self._scanners = np.zeros(0, dtype=np.int64)  # today's scans (each paid the gift)
        self._arrived = np.zeros(0, dtype=np.int64)  # today's arrivals, sorted
        self._near: tuple[np.ndarray, np.ndarray] | None = None  # ``near``, on first use

    @classmethod
    def opens(cls, params: StoreParams) -> bool:
        return params.stores > 0 and params.visitors_per_day > 0 and params.scan_share > 0

    def scan_share(self, funded: bool) -> float:
        """Today's chance a visitor scans (probability): lifted by the gift while funded."""
        p = self.params
        if not (funded and p.gift > 0):
            return p.scan_share
        return min(1.0, p.scan_share * (1.0 + p.gift_lift * saturating(p.gift, p.gift_half_value)))

    def arrivals(self, view: ArrivalView) -> np.ndarray:
        p = self.params
        if self._near is None:
            if view.groups is None:
                raise ValueError("store.stores > 0 needs chat groups (groups.source)")
            self._near = near(view.groups, p.stores)
        indptr, neighbours = self._near
        rng = view.draws["store"]
        visits = rng.poisson(p.visitors_per_day, p.stores)
        visits[indptr[1:] == indptr[:-1]] = 0  # a store with no group has no neighbours
        site = np.repeat(np.arange(p.stores), visits)
        visitors = neighbours[indptr[site] + rng.integers(0, np.diff(indptr)[site])]
        scans = (rng.random(visitors.size) < self.scan_share(view.funded)) & ~view.member[visitors]
        visitors, site = visitors[scans], site[scans]
        people, first = np.unique(visitors, return_index=True)  # one scan a person a day
        site = site[first]
        self._scanners = people
        self.scans += int(people.size)
        if view.screen is not None and people.size:  # the groups' entry rule
            kept = view.screen(people)
            people, site = people[kept], site[kept]
        self.site, self._arrived = site, people
        return people

    def stores_of(self, people: np.ndarray) -> np.ndarray:
        """The store each of today's arrivals ``people`` scanned in (store numbers)."""
        return self.site[np.searchsorted(self._arrived, people)]

    def joined_through(self, people: np.ndarray) -> None:
        self.joined += int(people.size)

    def paid(self, yuan: float) -> None:
        self.gift_cost += yuan

    def dues(self, funded: bool) -> list[Due]:
        """Today's gifts, one per scan, while the budget funds them."""
        if not (funded and self.params.gift > 0 and self._scanners.size):
            return []
        return [Due.each(self._scanners, self.params.gift, "lure")]

    def results(self) -> dict[str, Any]:
        if not self.active:
            return {}
        joined = self.joined
        return {
            "joined_store": joined,
            "store_scans": self.scans,
            "store_gift_cost": self.gift_cost,
            "store_cost_per_join": self.gift_cost / joined if joined else float("nan"),
        }
