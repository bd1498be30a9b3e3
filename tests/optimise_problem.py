"""A campaign whose best design is known: minimise the cost per paying member over two
integer levers (the coupon's value and the referrer's reward), small enough that every
design of the grid can be run. The objective has an interior optimum in the coupon's
value: a small coupon brings few paying members for the KOLs' fixed fees, a large one
costs more than the members it adds (tests/test_optimise.py, benchmarks/bench_optimise.py).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sim.optimise.evaluate import Candidate, Evaluator
from sim.optimise.space import outcome_names
from sim.study import Study, parse_study


def problem(
    people: int = 300,
    days: int = 10,
    coupon: tuple[int, int] = (4, 14),
    reward: tuple[int, int] = (0, 2),
    **optimise: Any,
) -> dict[str, Any]:
    """The study's data: a coupon lure, a referrer reward, 3 KOLs at 100 yuan each."""
    table = {
        "objective": {"minimize": "cost_per_paying"},
        "levers": {
            "lure.value": {"low": coupon[0], "high": coupon[1], "integer": True},
            "reward.amount": {"low": reward[0], "high": reward[1], "integer": True},
        },
        **optimise,
    }
    return {
        "experiment": {"name": "known", "days": days, "replicates": 4, "seed": 11},
        "graph": {"kind": "powerlaw_cluster", "n": people, "m": 4, "p_triangle": 0.3},
        "seeds": {"count": max(5, people // 40)},
        "population": {"kol_count": 3, "kol_fee": 100.0},
        "lure": {"kind": "coupon", "value": 10.0},
        "reward": {"rule": "referrer", "amount": 1.0, "cap_per_person": 60.0},
        "optimise": table,
    }


def grid_means(study: Study, replicates: int, workers: int = 1) -> dict[tuple[Any, ...], float]:
    """The mean objective of every design of the levers' integer grid, on replicates
    0 … replicates − 1 (the optimiser's own random numbers)."""
    levers = study.optimise["levers"]
    axes = [range(int(v["low"]), int(v["high"]) + 1) for v in levers.values()]
    keys = list(levers)
    designs = {
        point: Candidate(tuple(zip(keys, point, strict=True))) for point in itertools.product(*axes)
    }
    evaluator = Evaluator(study, outcome_names(), workers=workers)
    try:
        evaluator.ensure((c, replicates) for c in designs.values())
    finally:
        evaluator.close()
    return {
        point: float(np.nanmean(evaluator.values(c, "cost_per_paying")))
        for point, c in designs.items()
    }


def known_study(**kw: Any) -> Study:
    return parse_study(problem(**kw), ".")
