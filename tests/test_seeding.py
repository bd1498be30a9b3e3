"""Who starts the campaign: seeds and KOLs by each basic strategy."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.config import ConfigError, parse_config
from sim.graphs import Graph
from sim.model import ReferralModel
from sim.seeding import pagerank


def star_plus_path() -> Graph:
    # 0 is a hub of 10; 11..20 is a path; 10 is a second small hub of 3
    g = nx.Graph()
    g.add_edges_from((0, i) for i in range(1, 11))
    g.add_edges_from((10, i) for i in (21, 22))
    g.add_edges_from((i, i + 1) for i in range(11, 20))
    return Graph.from_networkx(g)


def model(graph: Graph, **sections) -> ReferralModel:
    return ReferralModel(
        parse_config({"graph": {"kind": "complete", "n": 1000}, **sections}), rng=1, graph=graph
    )


def test_top_degree_seeds_and_kols_do_not_overlap():
    m = model(
        star_plus_path(),
        population={"kol_count": 1},
        seeds={"strategy": "top_degree", "count": 2},
    )
    assert list(m.graph.label_of(m.kols)) == [0]
    assert list(m.graph.label_of(m.seeds)) == [10, 12]  # 10 has 3 friends; then ties by id


def test_pagerank_matches_networkx():
    g = nx.barabasi_albert_graph(300, 2, seed=4)
    ours = pagerank(Graph.from_networkx(g))
    theirs = nx.pagerank(g, tol=1e-12)
    assert np.allclose(ours, [theirs[i] for i in range(300)], atol=1e-8)


def test_kol_strategy_makes_kols_the_seeds():
    m = model(star_plus_path(), population={"kol_count": 2}, seeds={"strategy": "kol"})
    assert np.array_equal(m.seeds, m.kols)
    assert len(m.agents) == 23 and (m.role == 2).sum() == 2


def test_list_seeds_use_input_ids_and_reject_unknown_ones():
    m = model(star_plus_path(), seeds={"strategy": "list", "ids": [21, 22]})
    assert sorted(m.graph.label_of(m.seeds)) == [21, 22]
    with pytest.raises(ConfigError, match=r"seeds\.ids: id 99 is not in the graph"):
        model(star_plus_path(), seeds={"strategy": "list", "ids": [21, 99]})


def test_community_spread_takes_one_per_community_largest_first():
    blocks = nx.stochastic_block_model(
        [60, 40, 20], [[0.3, 0.002, 0.002], [0.002, 0.3, 0.002], [0.002, 0.002, 0.3]], seed=2
    )
    m = model(Graph.from_networkx(blocks), seeds={"strategy": "community_spread", "count": 3})
    blocks_of = sorted(int(s) // 60 if s < 60 else (1 if s < 100 else 2) for s in m.seeds)
    assert blocks_of == [0, 1, 2]
    # the first seed is the best-connected person of the largest community
    first = m.seeds[0]
    degree = m.graph.out_degree()
    assert first < 60 and degree[first] == degree[:60].max()


def test_random_seeds_depend_on_the_run_seed_only():
    cfg = parse_config({"graph": {"kind": "erdos_renyi", "n": 500, "mean_degree": 3}})
    a, b, c = ReferralModel(cfg, rng=1), ReferralModel(cfg, rng=1), ReferralModel(cfg, rng=2)
    assert np.array_equal(a.seeds, b.seeds) and not np.array_equal(a.seeds, c.seeds)
    assert a.seeds.size == 10 and np.unique(a.seeds).size == 10


def test_more_seeds_than_people_is_refused():
    with pytest.raises(ConfigError, match=r"seeds\.count"):
        model(star_plus_path(), seeds={"count": 30})


def test_the_top_scores_are_those_of_a_full_sort_ties_to_the_lower_number():
    """``_top`` sorts only the scores at or above the count-th highest: the same people,
    in the same order, as sorting everyone by (−score, number), with many ties (scores
    of few values), people excluded, and every count from 0 to all."""
    from sim.seeding import _top

    rng = np.random.default_rng(5)
    for size in (1, 7, 200):
        score = rng.integers(0, 6, size=size)  # ties everywhere
        exclude = rng.choice(size, size=size // 4, replace=False)
        masked = score.astype(np.float64)
        masked[exclude] = -np.inf
        full = np.lexsort((np.arange(size), -masked))
        for count in range(size + 1):
            assert _top(score, count, exclude).tolist() == full[:count].tolist()
