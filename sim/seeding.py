"""Who starts the campaign: the KOLs and the seed users (种子用户).

The basic strategies here; the optimising ones (degree_discount, celf, imm) are in
``sim.influence``, which chooses a replicate's starters before its model is built
(``sim.influence.starters``): a model never builds other models.
Every strategy returns distinct person numbers and never picks a KOL as an ordinary seed
(unless the seeds *are* the KOLs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import Config, ConfigError
from sim.graphs import Graph, communities

OPTIMISING = ("degree_discount", "celf", "imm")  # chosen by sim.influence


@dataclass(frozen=True)
class Starters:
    """Who is a member on day 0: the KOLs and the seed users (person numbers)."""

    kols: np.ndarray
    seeds: np.ndarray


def pagerank(graph: Graph, damping: float = 0.85, tol: float = 1e-10) -> np.ndarray:
    """PageRank by power iteration on the CSR arrays (dangling mass spread uniformly)."""
    n = graph.n
    out = graph.out_degree().astype(np.float64)
    # A share flows along out-edges; rank flows the same way.
    transition = graph.adjacency().astype(np.float64).T.tocsr()
    rank = np.full(n, 1.0 / n)
    inv_out = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    for _ in range(200):
        dangling = rank[out == 0].sum()
        new = damping * (transition @ (rank * inv_out) + dangling / n) + (1 - damping) / n
        if np.abs(new - rank).sum() < tol:
            return new
        rank = new
    return rank


def _top(score: np.ndarray, count: int, exclude: np.ndarray) -> np.ndarray:
    """The ``count`` highest scores, ties to the lower person number."""
    score = score.astype(np.float64)  # a copy
    score[exclude] = -np.inf
    among = np.arange(score.size)
    if 0 < count < score.size:  # sort only the scores at or above the count-th highest
        cut = np.partition(score, score.size - count)[score.size - count]
        among = np.flatnonzero(score >= cut)
    order = np.lexsort((among, -score[among]))
    return among[order[:count]]


def choose_kols(config: Config, graph: Graph, rng: np.random.Generator) -> np.ndarray:
    """The KOLs: top by reach (out-degree), by PageRank, at random, or listed."""
    pop = config.population
    count = pop.kol_count
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    if count > graph.n:
        raise ConfigError(f"population.kol_count: {count} is more than the {graph.n} people")
    none = np.zeros(0, dtype=np.int64)
    if pop.kol_strategy == "list":
        chosen = graph.index_of(pop.kol_ids, "population.kol_ids")
        if np.unique(chosen).size != chosen.size:
            raise ConfigError("population.kol_ids: an id is listed twice")
        return chosen
    if pop.kol_strategy == "top_degree":
        return _top(graph.out_degree(), count, none)
    if pop.kol_strategy == "pagerank":
        return _top(pagerank(graph), count, none)
    return np.sort(rng.choice(graph.n, size=count, replace=False))


def choose_seeds(
    config: Config, graph: Graph, kols: np.ndarray, rng: np.random.Generator, community_seed: int
) -> np.ndarray:
    """The seed users, by ``seeds.strategy``."""
    cfg = config.seeds
    count = cfg.count
    strategy = cfg.strategy
    if strategy == "kol":
        return kols.copy()
    if strategy == "list":
        chosen = graph.index_of(cfg.ids, "seeds.ids")
        if np.unique(chosen).size != chosen.size:
            raise ConfigError("seeds.ids: an id is listed twice")
        if np.intersect1d(chosen, kols).size:
            raise ConfigError("seeds.ids: a listed seed is also a KOL")
        return chosen
    available = graph.n - kols.size
    if count > available:
        raise ConfigError(
            f"seeds.count: {count} seeds asked for but only {available} people are not KOLs"
        )
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    if strategy == "random":
        pool: np.ndarray | int = graph.n  # everyone (the mask costs 1 MB a million people)
        if kols.size:
            free = np.ones(graph.n, dtype=bool)
            free[kols] = False
            pool = np.flatnonzero(free)
        return np.sort(rng.choice(pool, size=count, replace=False))
    if strategy == "top_degree":
        return _top(graph.out_degree(), count, kols)
    if strategy == "pagerank":
        return _top(pagerank(graph), count, kols)
    if strategy in OPTIMISING:
        raise ConfigError(
            f"seeds.strategy: '{strategy}' seeds are chosen before the model is built: "
            "run the campaign with sim.run_experiment (or fission run), or pass "
            "starters=sim.influence.choose_starters(config, graph, seed) to ReferralModel"
        )
    # community_spread: the best-connected person of each community, largest first;
    # with more seeds than communities, go round again.
    labels = communities(graph, community_seed)
    degree = graph.out_degree()
    sizes = np.bincount(labels)
    taken = np.zeros(graph.n, dtype=bool)
    taken[kols] = True
    # Order people by (community size desc, community id, degree desc, number).
    order = np.lexsort((np.arange(graph.n), -degree, labels, -sizes[labels]))
    order = order[~taken[order]]
    comm = labels[order]
    first = np.r_[True, comm[1:] != comm[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(order.size), 0))
    round_in_community = np.arange(order.size) - group_start
    community_rank = np.cumsum(first) - 1  # 0 for the largest community
    pick = np.lexsort((community_rank, round_in_community))
    return order[pick[:count]]
