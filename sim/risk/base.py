"""What every risk mechanism is: a table of its own, off by default, and the views the
day hands it (docs/model.md §14).

Risk mechanisms are not chosen by a kind: each has its own config table (``section``,
``[fraud]``, ``[collusion]``, ``[controls]``, ``[platform]``) whose defaults switch it
off. Off, a mechanism draws no random number, adds no output column and changes
nothing, so a campaign without them gives the results it gave before they existed.

Fake accounts are not people of the graph. A fake account signs up through the link of
a real member (its **front**: a member of the junk segment, 羊毛党, the accounts farms and
rings work through); what the campaign pays for it is booked to that front, through the
``Ledger``, so the budget and the per-person cap bind fraud as they bind everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sim.mechanism import Draws, Mechanism


@dataclass(frozen=True)
class Payout:
    """What one fake account is worth to whoever makes it, in yuan, before its own cost.

    Attributes:
        lure: the farm's take from the lure per fake account (yuan): its cash-out share of
            the lure's worth, less the loss on the order an order-bound lure needs.
        reward: the reward rule's payment per fake account (yuan) while the front is
            under the per-person cap; 0 when a referral waits for a first order.
        caught: the chance a fake account is caught before it is paid (the check at
            sign-up, then the review during a payout delay), probability.
    """

    lure: float
    reward: float
    caught: float


@dataclass(frozen=True)
class SupplyView:
    """What a source of fake accounts sees on a funded day, before joins (phase 5)."""

    day: int
    fronts: np.ndarray  # junk members who joined through the campaign before today
    room: np.ndarray  # per front: still under the reward cap (True without a cap)
    payout: Payout
    draws: Draws


@dataclass(frozen=True)
class Batch:
    """Fake accounts a source made today: the front of each (person numbers, one entry per
    account), how much harder they are to catch (the controls' recall × (1 − evasion)),
    and the output column that counts those that pass (``FakeSource.passed``)."""

    fronts: np.ndarray
    evasion: float
    column: str


def margin(payout: Payout, room: np.ndarray, caught: float, cost: float) -> np.ndarray:
    """Expected yuan one more fake account earns its maker, per front: what is paid if it
    is not caught, less its cost (yuan per account)."""
    paid = payout.lure + np.where(room, payout.reward, 0.0)
    return (1.0 - caught) * paid - cost


def supply(rate: float, margins: np.ndarray, half_margin: float) -> np.ndarray:
    """Accounts made per front per day: ``rate`` at a large margin, rate × m / (m + half)
    at a margin m of yuan per account, none when m ≤ 0 (nobody farms at a loss)."""
    m = np.maximum(np.asarray(margins, dtype=np.float64), 0.0)
    return rate * m / (m + half_margin)


class RiskMechanism(Mechanism):
    """A risk mechanism: a config table of its own (``section``), off by default."""

    family = "risk"
    section: ClassVar[str]

    @property
    def active(self) -> bool:
        """Whether it changes anything (its table is not all defaults)."""
        return False


class FakeSource(RiskMechanism):
    """A source of fake accounts (farms, second accounts, rings): each funded day it names
    the front of each fake account it signs up today. ``passed`` counts, by output column,
    the accounts that passed the sign-up check (the coordinator, ``sim.risk.abuse``,
    adds them)."""

    def __init__(self, params: Any, people: int) -> None:
        super().__init__(params, people)
        self.passed = {o.name: 0 for o in self.outputs}

    def fakes(self, view: SupplyView) -> list[Batch]:
        """The fake accounts made today."""
        return []

    def results(self) -> dict[str, Any]:
        return dict(self.passed) if self.active else {}
