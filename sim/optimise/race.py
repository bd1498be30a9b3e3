"""Racing the finalists: spend replicates where the decision is close.

Every candidate of the search has ``start`` replicates. The best few (``finalists``)
then race in rounds: each round doubles the replicates of every candidate still in the
race (up to ``max``), and drops those whose paired difference from the leader is
distinguishable from noise (its 95% interval lies wholly on the worse side) or whose
constraints are missed. The race ends when one candidate is left, or at ``max``
replicates; the leader is then recommended, and said to be distinguishable from the
runner-up or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.optimise.evaluate import Candidate, Evaluator
from sim.optimise.space import Objective, Space
from sim.optimise.stats import paired_difference, violations


@dataclass
class Race:
    """What the race decided: the candidates in it, the replicates each ended with, the
    round (1, 2, …) each was dropped in (0: still in at the end), the leader and the
    runner-up, and the leader-minus-runner-up difference with its 95% interval (signed
    so that positive favours the leader)."""

    finalists: list[Candidate]
    dropped_in: dict[str, int] = field(default_factory=dict)
    leader: Candidate | None = None
    runner_up: Candidate | None = None
    difference: tuple[float, float, float] = (np.nan, np.nan, np.nan)
    rounds: int = 0

    @property
    def distinct(self) -> bool:
        """Whether the leader's advantage over the runner-up is distinguishable from noise
        at the replicates run (its paired 95% interval excludes zero)."""
        return bool(np.isfinite(self.difference[1]) and self.difference[1] > 0)


def mean_of(
    evaluator: Evaluator, candidate: Candidate, outcome: str, n: int | None = None
) -> float:
    values = evaluator.values(candidate, outcome, n)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else np.nan


def feasible(evaluator: Evaluator, candidate: Candidate, space: Space) -> bool:
    outcomes = evaluator.outcome_values(candidate)
    return all(v <= 0 for v in violations(space.constraints, outcomes))


def rank(
    evaluator: Evaluator, candidates: list[Candidate], objective: Objective
) -> list[Candidate]:
    """Best mean first (ties and undefined means last, in the given order)."""
    sign = -1.0 if objective.higher_is_better else 1.0

    def key(item: tuple[int, Candidate]) -> tuple[float, int]:
        mean = mean_of(evaluator, item[1], objective.outcome)
        return (sign * mean if np.isfinite(mean) else np.inf, item[0])

    return [c for _, c in sorted(enumerate(candidates), key=key)]


def race(
    evaluator: Evaluator,
    finalists: list[Candidate],
    space: Space,
    on_round: Callable[[int, int], None] | None = None,
) -> Race:
    """Race ``finalists`` (best first) on the first objective; see the module's text.
    ``on_round(round, replicates)`` is called before each round runs."""
    objective = space.objectives[0]
    result = Race(list(finalists))
    alive = list(finalists)
    n = space.replicates.start
    while len(alive) > 1 and n < space.replicates.max:
        n = min(2 * n, space.replicates.max)
        result.rounds += 1
        if on_round is not None:
            on_round(result.rounds, n)
        evaluator.ensure((c, n) for c in alive)
        alive = [c for c in alive if feasible(evaluator, c, space)] or alive[:1]
        leader = rank(evaluator, alive, objective)[0]
        kept = [leader]
        for other in alive:
            if other is leader:
                continue
            _, low, _high = _advantage(evaluator, leader, other, objective, n)
            if np.isfinite(low) and low > 0:
                result.dropped_in[other.key] = result.rounds
            else:
                kept.append(other)
        for c in alive:
            if c not in kept and c.key not in result.dropped_in:
                result.dropped_in[c.key] = result.rounds
        alive = [c for c in alive if c in kept]
    for c in finalists:
        result.dropped_in.setdefault(c.key, 0)
    # the runner-up: a design that meets the constraints at the replicates it got
    standing = [c for c in rank(evaluator, finalists, objective) if c not in alive]
    ordered = rank(evaluator, alive, objective) + standing
    result.leader = ordered[0] if ordered else None
    others = [c for c in ordered[1:] if feasible(evaluator, c, space)]
    if result.leader is not None and others:
        result.runner_up = _runner_up(evaluator, [result.leader, *others], objective)
        n = min(evaluator.count(result.leader), evaluator.count(result.runner_up))
        result.difference = _advantage(evaluator, result.leader, result.runner_up, objective, n)
    return result


def _runner_up(evaluator: Evaluator, ordered: list[Candidate], objective: Objective) -> Candidate:
    """The best other candidate by mean among those with the most replicates (the last
    ones standing), else the next in order."""
    others = ordered[1:]
    most = max(evaluator.count(c) for c in others)
    return rank(evaluator, [c for c in others if evaluator.count(c) == most], objective)[0]


def _advantage(
    evaluator: Evaluator, leader: Candidate, other: Candidate, objective: Objective, n: int
) -> tuple[float, float, float]:
    """The leader's paired advantage over ``other`` on replicates 0 … n − 1 (positive:
    the leader is better), with its 95% interval."""
    a = evaluator.values(leader, objective.outcome, n)
    b = evaluator.values(other, objective.outcome, n)
    mean, low, high = paired_difference(a, b)
    if objective.higher_is_better:
        return mean, low, high
    return -mean, -high, -low
