"""Optimised seed selection (influence maximisation), with costs, at a million people.

Strategies (``seeds.strategy``), all never choosing a KOL:

* ``degree_discount``: Chen, Wang, Yang 2009, on the IC probability p (``discount``).
* ``celf``: lazy greedy (Leskovec et al. 2007) on the simulator's own expected spread, with
  common random numbers; on live-edge worlds when the campaign is exactly IC (``greedy``,
  ``engine``, ``worlds``). With ``seeds.budget``: cost-aware, ½(1 − 1/e).
* ``imm``: reverse-reachable sets (Tang, Shi, Xiao 2015), (1 − 1/e − ε) with probability
  1 − n^(−ℓ) (``rrsets``).

p is ``seeds.ic_probability`` or fitted to the behaviour (``fit``). docs/model.md,
"Optimised seed selection", has the formulas and the choices made.
"""

from sim.influence.choose import (
    CANDIDATE_POOL,
    OPTIMISING,
    SeedChoice,
    choose,
    optimised_seeds,
    plan_seeds,
)
from sim.influence.costs import read_costs
from sim.influence.discount import degree_discount
from sim.influence.engine import EngineEstimator
from sim.influence.fit import exact_ic_probability, fitted_ic_probability, paying_share
from sim.influence.greedy import Greedy, budgeted
from sim.influence.rrsets import imm, rr_gains
from sim.influence.starters import choose_starters
from sim.influence.worlds import LiveEdgeWorlds

__all__ = [
    "CANDIDATE_POOL",
    "OPTIMISING",
    "EngineEstimator",
    "Greedy",
    "LiveEdgeWorlds",
    "SeedChoice",
    "budgeted",
    "choose",
    "choose_starters",
    "degree_discount",
    "exact_ic_probability",
    "fitted_ic_probability",
    "imm",
    "optimised_seeds",
    "paying_share",
    "plan_seeds",
    "read_costs",
    "rr_gains",
]
