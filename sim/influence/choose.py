"""Optimised seeds for a campaign config: ``seeds.strategy`` degree_discount, celf or imm.

``choose`` runs the configured strategy and returns the seeds in the order chosen with
each one's marginal gain in the planner's unit: expected joins (people who join, seeds
and KOLs not counted) or expected paying members (``seeds.objective``). The engine calls
``optimised_seeds`` (through ``sim.seeding.choose_seeds``); the CLI calls ``plan_seeds``.

Randomness: everything draws from ``derive_seed(graph seed, "influence")``, the graph
seed being the experiment's (``sim.graphs.graph_seed``). Replicates of a study that
share a graph share one seed list, as a planner hands one list to operations; the same
config and root seed give the same list.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.config import Config, ConfigError
from sim.graphs import Graph, build_graph, graph_seed
from sim.influence.costs import candidate_costs
from sim.influence.discount import degree_discount
from sim.influence.engine import EngineEstimator
from sim.influence.fit import exact_ic_probability, fitted_ic_probability, paying_share
from sim.influence.greedy import Greedy, Progress, budgeted
from sim.influence.rrsets import imm, rr_gains
from sim.influence.worlds import LiveEdgeWorlds
from sim.seeding import OPTIMISING, choose_kols
from sim.streams import derive_seed, stream

CANDIDATE_POOL = 100  # CELF on the simulator scores this many best-connected people
RR_SETS_PER_SIMULATION = 1_000  # degree discount's gains: simulations × this RR sets
MAX_WORLD_NODES = 200_000_000  # live-edge CELF: worlds × people (8 bytes each)
_CACHE_SIZE = 8


@dataclass(frozen=True)
class SeedChoice:
    """Seeds in the order chosen, each with its marginal gain and cost.

    ``marginal_gain`` is in expected joins (or paying members) over the campaign; the
    ``estimator`` says on what it was estimated: "engine" (the simulator, CELF),
    "live-edge worlds" (the campaign is exactly IC, CELF) or "RR sets" (IC with
    ``ic_probability``, IMM and degree discount).
    """

    people: np.ndarray
    marginal_gain: np.ndarray
    cost: np.ndarray
    strategy: str
    objective: str
    estimator: str
    ic_probability: float | None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def cumulative_gain(self) -> np.ndarray:
        return np.cumsum(self.marginal_gain)

    def table(self, graph: Graph) -> Any:
        """rank, id (as in the graph file), marginal_gain, cumulative_gain, cost."""
        import pandas as pd

        return pd.DataFrame(
            {
                "rank": np.arange(1, self.people.size + 1),
                "id": graph.label_of(self.people),
                "marginal_gain": self.marginal_gain,
                "cumulative_gain": self.cumulative_gain,
                "cost": self.cost,
            }
        )


def influence_seed(graph_seed_: int) -> int:
    return derive_seed(graph_seed_, "influence")


def candidate_pool(graph: Graph, kols: np.ndarray, listed: np.ndarray, count: int) -> np.ndarray:
    """CELF-on-the-simulator candidates: the max(CANDIDATE_POOL, 2 × count) non-KOLs with
    the most out-neighbours (ties to the lower number), plus everyone the costs file names."""
    degree = graph.out_degree().astype(np.float64)
    degree[kols] = -np.inf
    order = np.lexsort((np.arange(graph.n), -degree))
    top = order[: min(max(CANDIDATE_POOL, 2 * count), graph.n - kols.size)]
    named = np.setdiff1d(np.flatnonzero(listed), kols)
    return np.union1d(top, named)


def _cache(graph: Graph) -> OrderedDict:
    return graph.community.seed_choices


def _remember(graph: Graph, key: str, value: Any) -> None:
    cache = _cache(graph)
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def _key(config: Config, kols: np.ndarray, seed: int, with_count: bool) -> str:
    data = config.to_dict()
    data.pop("experiment", None)
    data["days"] = config.experiment.days
    if not with_count:
        data["seeds"] = {k: v for k, v in data["seeds"].items() if k != "count"}
    return json.dumps([data, config.base_dir, kols.tolist(), seed], sort_keys=True, default=str)


def choose(
    config: Config,
    graph: Graph,
    kols: np.ndarray,
    graph_seed_: int,
    *,
    with_gains: bool = True,
    on_progress: Progress | None = None,
) -> SeedChoice:
    """Run ``config.seeds.strategy`` for ``config.seeds.count`` seeds (at most, under a
    budget), never choosing a KOL. ``with_gains=False`` skips estimating gains where
    that is extra work (degree discount)."""
    cfg = config.seeds
    strategy, count = cfg.strategy, cfg.count
    if strategy not in OPTIMISING:
        raise ConfigError(
            f"seeds.strategy: '{strategy}' is not an optimising strategy ({', '.join(OPTIMISING)})"
        )
    kols = np.asarray(kols, dtype=np.int64)
    available = graph.n - kols.size
    if count > available:
        raise ConfigError(
            f"seeds.count: {count} seeds asked for but only {available} people are not KOLs"
        )
    if cfg.budget is not None and strategy != "celf":
        raise ConfigError(
            f"seeds.budget: only strategy 'celf' chooses under a budget, not '{strategy}'"
        )
    costs, listed = candidate_costs(config, graph)
    seed = influence_seed(graph_seed_)
    if strategy == "celf":
        return _celf(config, graph, kols, seed, costs, listed, on_progress)
    p = fitted_ic_probability(config, graph)
    exact = exact_ic_probability(config, graph) is not None
    depth = config.experiment.days if exact else None
    scale = paying_share(config) if cfg.objective == "paying" else 1.0
    details: dict[str, Any] = {}
    if strategy == "imm":
        result = imm(
            graph,
            count,
            p,
            np.random.default_rng(derive_seed(seed, "imm")),
            epsilon=cfg.epsilon,
            ell=cfg.ell,
            depth=depth,
            starters=kols,
            on_progress=on_progress,
        )
        people, reach = result.people, result.gains
        details = {"rr_sets": result.rr_sets, "lower_bound": result.lower_bound}
    else:
        people = degree_discount(graph, count, p, starters=kols)
        if with_gains:
            rr_sets = cfg.simulations * RR_SETS_PER_SIMULATION
            rng = np.random.default_rng(derive_seed(seed, "gains"))
            reach = rr_gains(graph, people, p, rng, rr_sets, depth=depth, starters=kols)
            details = {"rr_sets": rr_sets}
        else:
            reach = np.full(people.size, np.nan)
    return SeedChoice(
        people=people,
        marginal_gain=scale * (reach - 1.0),
        cost=costs[people],
        strategy=strategy,
        objective=cfg.objective,
        estimator="RR sets",
        ic_probability=p,
        details={**details, "exact_ic": exact},
    )


def _celf(
    config: Config,
    graph: Graph,
    kols: np.ndarray,
    seed: int,
    costs: np.ndarray,
    listed: np.ndarray,
    on_progress: Progress | None,
) -> SeedChoice:
    cfg = config.seeds
    exact = exact_ic_probability(config, graph)
    if exact is not None and cfg.simulations * graph.n > MAX_WORLD_NODES:
        raise ConfigError(
            f"seeds.strategy celf: {cfg.simulations} live-edge worlds of {graph.n:,} people "
            "are too many to hold; use imm, or fewer seeds.simulations"
        )
    if exact is not None:  # live-edge worlds: the same expected spread, far faster

        def estimator() -> Any:
            rng = np.random.default_rng(derive_seed(seed, "worlds"))
            return LiveEdgeWorlds(
                graph, exact, cfg.simulations, rng, depth=config.experiment.days, starters=kols
            )

        candidates = np.setdiff1d(np.arange(graph.n), kols)
        name = "live-edge worlds"
        scale = paying_share(config) if cfg.objective == "paying" else 1.0
        seed_value = 1.0
    else:

        def estimator() -> Any:
            return EngineEstimator(config, graph, kols, cfg.simulations, seed, cfg.objective)

        candidates = candidate_pool(graph, kols, listed, cfg.count)
        name = "engine"
        scale = 1.0
        seed_value = 1.0 if cfg.objective == "joins" else 0.0
    if cfg.budget is not None:
        greedy = budgeted(
            estimator(), candidates, costs, cfg.budget, cfg.count, on_progress=on_progress
        )
    else:
        key = "celf:" + _key(config, kols, seed, with_count=False)
        greedy = _cache(graph).get(key)
        if greedy is None:
            greedy = Greedy(estimator(), candidates)
        greedy.on_progress = on_progress
        greedy.extend(cfg.count)
        greedy.on_progress = None
        _remember(graph, key, greedy)
    people = np.asarray(greedy.chosen[: cfg.count], dtype=np.int64)
    gains = np.asarray(greedy.gains[: cfg.count], dtype=np.float64) / greedy.estimator.worlds
    return SeedChoice(
        people=people,
        marginal_gain=scale * (gains - seed_value),
        cost=costs[people],
        strategy="celf",
        objective=cfg.objective,
        estimator=name,
        ic_probability=exact,
        details={
            "candidates": int(candidates.size),
            "simulations": cfg.simulations,
            "evaluations": greedy.evaluations,
            "budget": cfg.budget,
            "spent": float(costs[people].sum()),
            "exact_ic": exact is not None,
        },
    )


def optimised_seeds(config: Config, graph: Graph, kols: np.ndarray, graph_seed_: int) -> np.ndarray:
    """The seeds ``sim.seeding.choose_seeds`` uses (cached per graph: replicates and sweep
    points that differ only in seeds.count reuse one CELF run)."""
    seed = influence_seed(graph_seed_)
    resumable = config.seeds.strategy == "celf" and config.seeds.budget is None
    if resumable:
        return choose(config, graph, kols, graph_seed_, with_gains=False).people
    key = "choice:" + _key(config, np.asarray(kols), seed, with_count=True)
    people = _cache(graph).get(key)
    if people is None:
        people = choose(config, graph, kols, graph_seed_, with_gains=False).people
        _remember(graph, key, people)
    return people.copy()


def plan_seeds(
    config: Config, *, on_progress: Callable[[int, int | None], None] | None = None
) -> tuple[SeedChoice, Graph]:
    """The seeds the campaign's first replicate would use, with their gains: the graph and
    KOLs of replicate 0 (``derive_seed(experiment.seed, "replicate", 0)``)."""
    run_seed = derive_seed(config.experiment.seed, "replicate", 0)
    graph = build_graph(config, run_seed)
    kols = choose_kols(config, graph, stream(run_seed, "kols"))
    choice = choose(config, graph, kols, graph_seed(config, run_seed), on_progress=on_progress)
    return choice, graph
