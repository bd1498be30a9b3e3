"""Greedy seed selection on an estimator: plain, or lazy (CELF), by gain or gain per yuan.

Plain greedy adds, each round, the candidate with the largest marginal gain. CELF
(Leskovec et al. 2007) keeps each candidate's last gain as an upper bound (valid when
the estimate is submodular, as on live-edge worlds) and re-scores only the top of the
heap; it returns exactly plain greedy's seeds. Ties go to the lower person number in
both, so the two agree bit for bit.

With costs and a budget (``budgeted``) both are run as in Leskovec et al.'s cost-effective
lazy forward selection: once by gain, once by gain per yuan, each adding the best
candidate that still fits the budget, and the better of the two is kept: at least
½(1 − 1/e) of the best selection within the budget for a monotone submodular spread.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Protocol

import numpy as np

from sim.config import ConfigError
from sim.influence.worlds import distinct


class Estimator(Protocol):
    """Expected spread, as a total over sampled worlds, of a seed set grown one by one."""

    worlds: int
    value: float

    def gain(self, person: int) -> float: ...

    def commit(self, person: int, gain: float | None = None) -> float: ...

    def fresh(self) -> Estimator: ...


Progress = Callable[[int, int | None], None]

_TOLERANCE = 1e-9  # yuan: a cost that fits the budget up to rounding fits


class Greedy:
    """A greedy selection that can be extended: ``extend(10)`` then ``extend(20)`` gives
    the same 20 seeds as ``extend(20)`` at once.

    Args:
        estimator: scores marginal gains; this object's state follows the selection.
        candidates: person numbers that may be chosen.
        lazy: CELF (True) or plain greedy (False).
        costs: cost of each person (yuan), indexed by person number; None for no costs.
        budget: most the chosen seeds may cost in total (yuan); None for no budget.
        by_ratio: rank by gain per yuan (a zero cost ranks above every positive one,
            ties by gain) instead of by gain.
        on_progress: called as ``on_progress(scores so far, None)`` after each score.
    """

    def __init__(
        self,
        estimator: Estimator,
        candidates: np.ndarray,
        *,
        lazy: bool = True,
        costs: np.ndarray | None = None,
        budget: float | None = None,
        by_ratio: bool = False,
        on_progress: Progress | None = None,
    ) -> None:
        if by_ratio and costs is None:
            raise ValueError("ranking by gain per yuan needs costs")
        self.estimator = estimator
        self.candidates = distinct(np.asarray(candidates, dtype=np.int64))
        self.lazy = lazy
        self.costs = costs
        self.budget = budget
        self.by_ratio = by_ratio
        self.on_progress = on_progress
        self.chosen: list[int] = []
        self.gains: list[float] = []  # totals over the worlds
        self.spent = 0.0
        self.evaluations = 0
        self._heap: list[tuple[float, float, int, int]] | None = None
        self._left = list(self.candidates.tolist())  # plain greedy's remaining candidates
        self._done = False

    @property
    def value(self) -> float:
        return self.estimator.value

    def _score(self, person: int) -> float:
        gain = self.estimator.gain(person)
        self.evaluations += 1
        if self.on_progress is not None:
            self.on_progress(self.evaluations, None)
        return gain

    def _key(self, person: int, gain: float) -> tuple[float, float]:
        """What ranks candidates: (gain, 0) or (gain per yuan, gain); larger is better."""
        if not self.by_ratio:
            return gain, 0.0
        cost = float(self.costs[person])
        if cost > 0:
            return gain / cost, gain
        return (math.inf if gain > 0 else 0.0), gain

    def _fits(self, person: int) -> bool:
        if self.budget is None or self.costs is None:
            return True
        return self.spent + float(self.costs[person]) <= self.budget + _TOLERANCE

    def _take(self, person: int, gain: float) -> None:
        self.estimator.commit(person, gain)
        self.chosen.append(person)
        self.gains.append(gain)
        if self.costs is not None:
            self.spent += float(self.costs[person])

    def _stop(self, gain: float) -> bool:
        # Under a budget, a seed that adds nothing is not worth paying for.
        return self.budget is not None and gain <= 0

    def extend(self, count: int) -> Greedy:
        """Choose until ``count`` seeds, the budget or the candidates run out."""
        while len(self.chosen) < count and not self._done:
            picked = self._next_lazy() if self.lazy else self._next_plain()
            if picked is None or self._stop(picked[1]):
                self._done = True
                break
            self._take(*picked)
        return self

    def _next_plain(self) -> tuple[int, float] | None:
        self._left = [c for c in self._left if self._fits(c)]
        if not self._left:
            return None
        gains = [self._score(c) for c in self._left]
        keys = np.array([self._key(c, g) for c, g in zip(self._left, gains, strict=True)])
        best = int(np.lexsort((np.array(self._left), -keys[:, 1], -keys[:, 0]))[0])
        person = self._left.pop(best)
        return person, gains[best]

    def _next_lazy(self) -> tuple[int, float] | None:
        if self._heap is None:  # the first pass scores everyone
            self._heap = []
            for c in self.candidates.tolist():
                if self._fits(c):
                    k1, k2 = self._key(c, self._score(c))
                    self._heap.append((-k1, -k2, c, 0))
            heapq.heapify(self._heap)
        heap = self._heap
        round_ = len(self.chosen)
        while heap:
            neg1, neg2, person, scored_in = heap[0]
            if not self._fits(person):
                heapq.heappop(heap)
                continue
            if scored_in == round_:
                heapq.heappop(heap)
                return person, (-neg2 if self.by_ratio else -neg1)
            gain = self._score(person)
            k1, k2 = self._key(person, gain)
            heapq.heapreplace(heap, (-k1, -k2, person, round_))
        return None


def budgeted(
    estimator: Estimator,
    candidates: np.ndarray,
    costs: np.ndarray,
    budget: float,
    count: int,
    *,
    lazy: bool = True,
    on_progress: Progress | None = None,
) -> Greedy:
    """Cost-aware greedy: the better of the by-gain and by-gain-per-yuan selections
    within ``budget`` yuan (at most ``count`` seeds), both on the estimator's worlds.
    Ties keep the by-gain selection."""
    if np.any(costs < 0):
        raise ConfigError("seeds.costs: costs must not be negative")
    done = 0

    def progress(_: int, total: int | None) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    options = {"lazy": lazy, "costs": costs, "budget": budget, "on_progress": progress}
    by_gain = Greedy(estimator.fresh(), candidates, by_ratio=False, **options).extend(count)
    by_ratio = Greedy(estimator.fresh(), candidates, by_ratio=True, **options).extend(count)
    return by_ratio if by_ratio.value > by_gain.value else by_gain
