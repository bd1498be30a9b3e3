"""Incentives: the lure an invitee gets, the reward rule an inviter gets, and the budget.

A lure or a reward rule is pure behaviour (no I/O) behind a small interface; a new one is
one class registered in ``LURES`` or ``REWARD_RULES`` and named by a config as data.
They never pay anyone themselves: they return ``Due`` payments, and the model settles
them against the ``Budget``, which is never exceeded.

Defaults and directions come from domain §3 (cited as §3.x); the numbers behind them are
documented in ``docs/model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.config import LureConfig, RewardConfig

if TYPE_CHECKING:
    from sim.model import ReferralModel

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class Due:
    """Payments owed: ``amount[k]`` yuan to person ``payee[k]``, booked as ``category``."""

    payee: np.ndarray
    amount: np.ndarray
    category: str  # "reward" (to inviters or invitees under the rule) or "lure"

    @classmethod
    def each(cls, payee: np.ndarray, amount: float, category: str) -> Due:
        payee = np.asarray(payee, dtype=np.int64)
        return cls(payee, np.full(payee.size, float(amount)), category)


def saturating(value: float, half_value: float) -> float:
    """0 at no value, 1/2 at ``half_value``, approaching 1: having counts more than size (§3.5)."""
    return value / (value + half_value) if value > 0 else 0.0


# ------------------------------------------------------------------ lures


class Lure:
    """What an invitee gets for joining (裂变诱饵).

    ``appeal`` multiplies the chance an invitation converts, by segment (payer,
    convertible, junk): 1 + strength × value / (value + half_value).
    """

    kind: ClassVar[str] = "none"
    strength: ClassVar[tuple[float, float, float]] = (0.0, 0.0, 0.0)
    first_purchase_lift_default: ClassVar[float] = 1.0

    def __init__(self, cfg: LureConfig, people: int) -> None:
        self.cfg = cfg
        self.people = people

    def effective_value(self) -> float:
        """The lure's worth to an invitee (yuan)."""
        return self.cfg.value

    def appeal(self) -> np.ndarray:
        """Multiplier on conversion by segment while the lure is offered."""
        strength = np.array(self.cfg.appeal.as_tuple() if self.cfg.appeal else self.strength)
        return 1.0 + strength * saturating(self.effective_value(), self.cfg.half_value)

    @property
    def first_purchase_lift(self) -> float:
        lift = self.cfg.first_purchase_lift
        return self.first_purchase_lift_default if lift is None else lift

    def on_join(
        self, model: ReferralModel, invitees: np.ndarray, inviters: np.ndarray
    ) -> list[Due]:
        """Payments due when invited people join today (they joined with the lure)."""
        return []

    def share_boost(self, model: ReferralModel, people: np.ndarray) -> np.ndarray | float:
        """Multiplier on sharing for these members (a pending deal motivates, §3.5)."""
        return 1.0

    def on_first_purchase(self, model: ReferralModel, buyers: np.ndarray) -> list[Due]:
        """Payments due when lured members buy for the first time."""
        return []


class NoLure(Lure):
    kind = "none"


class CashLure(Lure):
    """A red packet paid on joining. Appeals most to reward hunters (§3.4, §3.9)."""

    kind = "cash"
    strength = (1.0, 1.5, 6.0)

    def on_join(self, model, invitees, inviters):
        return [Due.each(invitees, self.cfg.value, "lure")]


class CouponLure(Lure):
    """A coupon off the first order: appeals to people who buy (§3.4), costs when used."""

    kind = "coupon"
    strength = (2.0, 1.2, 0.3)
    first_purchase_lift_default = 2.0

    def on_first_purchase(self, model, buyers):
        return [Due.each(buyers, self.cfg.value, "lure")]


class FreeContentLure(Lure):
    """Free content or a sample, costing ``value`` yuan per person who joins."""

    kind = "free_content"
    strength = (1.0, 1.5, 1.5)

    def on_join(self, model, invitees, inviters):
        return [Due.each(invitees, self.cfg.value, "lure")]


class GroupBuyLure(Lure):
    """A group price (拼团): a member's group needs ``group_size - 1`` friends to join within
    ``window_days`` of the member's first day; then all ``group_size`` get ``value`` off.
    Otherwise nothing. Members with an open group share more (``share_boost``)."""

    kind = "group_buy"
    strength = (1.5, 1.5, 1.0)

    def __init__(self, cfg: LureConfig, people: int) -> None:
        super().__init__(cfg, people)
        self.filled = np.zeros(people, dtype=np.int32)
        self.completed = np.zeros(people, dtype=bool)

    def _open(self, model: ReferralModel, people: np.ndarray) -> np.ndarray:
        start = model.active_from[people]
        return (~self.completed[people]) & (model.day < start + self.cfg.window_days)

    def on_join(self, model, invitees, inviters):
        organisers = inviters[self._open(model, inviters)]
        np.add.at(self.filled, organisers, 1)
        done = np.unique(organisers)
        done = done[self.filled[done] >= self.cfg.group_size - 1]
        self.completed[done] = True
        return [Due.each(done, self.cfg.value * self.cfg.group_size, "lure")]

    def share_boost(self, model, people):
        return np.where(self._open(model, people), self.cfg.share_boost, 1.0)


class BargainLure(Lure):
    """Help me bargain (砍一刀): each friend who joins on a member's invitation cuts
    ``value`` yuan off that member's price, up to ``max_helps`` cuts. The invitee's own
    gain is small; the inviter shares more until the price hits the floor."""

    kind = "bargain"
    strength = (0.5, 1.0, 1.5)

    def __init__(self, cfg: LureConfig, people: int) -> None:
        super().__init__(cfg, people)
        self.helps = np.zeros(people, dtype=np.int32)

    def on_join(self, model, invitees, inviters):
        order = np.argsort(inviters, kind="stable")
        inviters = inviters[order]
        first = np.searchsorted(inviters, inviters, side="left")
        nth = self.helps[inviters] + (np.arange(inviters.size) - first)
        counted = inviters[nth < self.cfg.max_helps]
        np.add.at(self.helps, counted, 1)
        return [Due.each(counted, self.cfg.value, "lure")]

    def share_boost(self, model, people):
        return np.where(self.helps[people] < self.cfg.max_helps, self.cfg.share_boost, 1.0)


class LotteryLure(Lure):
    """A lottery ticket: the prize ``value`` with ``win_probability``. Its appeal is that of
    a red packet worth the expected prize, with the strength cut by 12.3%: uncertain
    rewards to the recipient brought 12.3% fewer referrals than certain ones (Li et al.,
    §3.6). Our reading of that figure; a parameter via ``lure.appeal``."""

    kind = "lottery"
    strength = tuple(0.877 * s for s in CashLure.strength)

    def effective_value(self) -> float:
        return self.cfg.value * self.cfg.win_probability

    def on_join(self, model, invitees, inviters):
        wins = model.streams["lottery"].random(invitees.size) < self.cfg.win_probability
        return [Due.each(invitees[wins], self.cfg.value, "lure")]


LURES: dict[str, type[Lure]] = {
    cls.kind: cls
    for cls in (
        NoLure,
        CashLure,
        CouponLure,
        FreeContentLure,
        GroupBuyLure,
        BargainLure,
        LotteryLure,
    )
}


# ------------------------------------------------------------------ reward rules


class RewardRule:
    """What an inviter (and, two-sided, the invitee) gets for a successful referral.

    A referral counts when the invitee joins, or at the invitee's first purchase
    (``reward.pay_on``). ``perceived_value`` is the yuan per invite a sharer reckons
    with; it sets sharing motivation 1 + lift × value / (value + half_value) (§3.5).
    """

    rule: ClassVar[str] = "none"
    motivation_bonus: ClassVar[float] = 0.0  # relative extra motivation (lottery, §3.6)

    def __init__(self, cfg: RewardConfig, people: int) -> None:
        self.cfg = cfg
        self.people = people

    def default_perceived_value(self) -> float:
        return self.cfg.amount

    def perceived_value(self) -> float:
        if self.cfg.perceived_value is not None:
            return self.cfg.perceived_value
        return self.default_perceived_value()

    def motivation(self) -> float:
        """Saturating reward motivation in [0, 1 + bonus), before the segment's lift."""
        value = saturating(self.perceived_value(), self.cfg.motivation_half_value)
        return value * (1.0 + self.motivation_bonus)

    def invitee_value(self) -> float:
        """Yuan the rule promises the invitee (adds appeal like a cash lure)."""
        return 0.0

    def on_referral(
        self, model: ReferralModel, invitees: np.ndarray, inviters: np.ndarray
    ) -> list[Due]:
        return []

    def at_end(self, model: ReferralModel) -> list[Due]:
        """Payments due after the last day (leaderboard prizes)."""
        return []


class NoReward(RewardRule):
    rule = "none"

    def default_perceived_value(self) -> float:
        return 0.0


class ReferrerReward(RewardRule):
    """A fixed reward per successful invite, to the inviter only."""

    rule = "referrer"

    def on_referral(self, model, invitees, inviters):
        return [Due.each(inviters, self.cfg.amount, "reward")]


class DoubleSidedReward(RewardRule):
    """Both sides rewarded: ``amount`` to the inviter, ``invitee_amount`` to the invitee
    (Dropbox, Luckin: §3.8). Recipient rewards recruit more (Gershon et al., §3.5)."""

    rule = "double_sided"

    def invitee_value(self) -> float:
        return self.cfg.invitee_amount

    def on_referral(self, model, invitees, inviters):
        return [
            Due.each(inviters, self.cfg.amount, "reward"),
            Due.each(invitees, self.cfg.invitee_amount, "reward"),
        ]


class TieredReward(RewardRule):
    """``amount`` per invite plus a bonus each time an inviter's count reaches a tier."""

    rule = "tiered"

    def default_perceived_value(self) -> float:
        top = self.cfg.tiers[-1].invites
        return self.cfg.amount + sum(t.bonus for t in self.cfg.tiers) / top

    def on_referral(self, model, invitees, inviters):
        # counted_referrals already includes today's referrals (the model counts first).
        dues = [Due.each(inviters, self.cfg.amount, "reward")]
        people, today = np.unique(inviters, return_counts=True)
        after = model.counted_referrals[people]
        before = after - today
        for tier in self.cfg.tiers:
            reached = people[(before < tier.invites) & (after >= tier.invites)]
            dues.append(Due.each(reached, tier.bonus, "reward"))
        return dues


class MultiLevelReward(RewardRule):
    """Commission over at most three levels: ``level_amounts[0]`` to the inviter,
    ``[1]`` to the inviter's inviter, ``[2]`` one level further. More than three levels is
    pyramid selling under Chinese law (domain §1), so the config refuses it."""

    rule = "multi_level"

    def default_perceived_value(self) -> float:
        # Deeper levels are less certain to pay: weigh them by halves.
        return sum(a * 0.5**level for level, a in enumerate(self.cfg.level_amounts))

    def on_referral(self, model, invitees, inviters):
        dues = []
        upline = inviters
        for amount in self.cfg.level_amounts:
            upline = upline[upline >= 0]
            dues.append(Due.each(upline, amount, "reward"))
            upline = model.inviter[upline]
        return dues


class LeaderboardReward(RewardRule):
    """Prizes after the last day to the top inviters by successful invites (ties drawn
    at random); nothing per invite."""

    rule = "leaderboard"

    def default_perceived_value(self) -> float:
        # A sharer reckons with about a one-in-ten chance of an average prize.
        return 0.1 * float(np.mean(self.cfg.prizes))

    def at_end(self, model):
        counts = model.counted_referrals
        contenders = np.flatnonzero(counts > 0)
        tiebreak = model.streams["payments"].random(contenders.size)
        ranked = contenders[np.lexsort((tiebreak, -counts[contenders]))]
        winners = ranked[: len(self.cfg.prizes)]
        prizes = np.asarray(self.cfg.prizes[: winners.size], dtype=np.float64)
        return [Due(winners.astype(np.int64), prizes, "reward")]


class LotteryReward(RewardRule):
    """Each successful invite is a lottery ticket for ``amount`` yuan with
    ``win_probability``. Uncertain rewards to the sender raised referrals 20.9%
    over certain ones (Li et al., §3.6); we apply it to the reward's motivation term
    (the ``motivation_bonus``), so sharing rises by less than 20.9% in total."""

    rule = "lottery"
    motivation_bonus = 0.209

    def default_perceived_value(self) -> float:
        return self.cfg.amount * self.cfg.win_probability

    def on_referral(self, model, invitees, inviters):
        wins = model.streams["lottery"].random(inviters.size) < self.cfg.win_probability
        return [Due.each(inviters[wins], self.cfg.amount, "reward")]


REWARD_RULES: dict[str, type[RewardRule]] = {
    cls.rule: cls
    for cls in (
        NoReward,
        ReferrerReward,
        DoubleSidedReward,
        TieredReward,
        MultiLevelReward,
        LeaderboardReward,
        LotteryReward,
    )
}


# ------------------------------------------------------------------ the budget


class Budget:
    """The campaign's money for lures and rewards (yuan); never exceeded.

    Payments due on a day are settled in a random order (the ``payments`` stream); the
    first one that does not fit stops all payments for good, so lures and rewards are no
    longer offered from the next day on.
    """

    def __init__(self, total: float | None) -> None:
        self.total = float("inf") if total is None else float(total)
        self.spent = 0.0
        # A zero budget never funds anything: it ran out before day 1.
        self.exhausted_day: int | None = 0 if self.total <= 0 else None

    @property
    def left(self) -> float:
        return self.total - self.spent

    @property
    def funded(self) -> bool:
        """Whether lures and rewards are still on offer."""
        return self.exhausted_day is None and self.left > 0

    def pay(self, amounts: np.ndarray, day: int) -> np.ndarray:
        """Pay ``amounts`` in the order given, as far as the budget goes; returns paid yuan."""
        paid = np.zeros(amounts.size)
        if not self.funded:
            return paid
        running = self.spent + np.cumsum(amounts)
        fits = running <= self.total
        n_fit = amounts.size if fits.all() else int(np.argmin(fits))
        paid[:n_fit] = amounts[:n_fit]
        self.spent = float(self.spent + paid.sum())
        if n_fit < amounts.size or self.left <= 0:
            self.exhausted_day = day
        return paid


def make_lure(cfg: LureConfig, people: int) -> Lure:
    return LURES[cfg.kind](cfg, people)


def make_reward_rule(cfg: RewardConfig, people: int) -> RewardRule:
    return REWARD_RULES[cfg.rule](cfg, people)


def empty_due(category: str) -> Due:
    return Due(_EMPTY_I, _EMPTY_F, category)
