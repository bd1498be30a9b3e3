"""Graph generators and loaders: the structure each promises, from the run's seed."""

from __future__ import annotations

import gzip
import random

import networkx as nx
import numpy as np
import pytest

from sim.config import ConfigError, GraphConfig, parse_config
from sim.graphs import Graph, build_graph, build_groups, communities, generate, read_edgelist
from sim.graphs.generators import _holme_kim_edges, _mt_below, _mt_random, _mt_uint32
from sim.model import ReferralModel


def make(rng_seed: int = 1, **graph) -> Graph:
    return generate(GraphConfig(**graph), np.random.default_rng(rng_seed))


def test_erdos_renyi_has_binomial_edge_count_and_mean_degree():
    g = make(kind="erdos_renyi", n=20_000, mean_degree=6.0)
    # edge count ~ Binomial(n(n-1)/2, c/(n-1)): mean 60,000, sd 245; 4 sd = 980
    assert abs(g.n_edges - 60_000) < 980
    assert g.out_degree().var() == pytest.approx(6.0, rel=0.05)  # Poisson: var = mean
    assert not g.directed and np.array_equal(g.out_degree(), g.in_degree())


def test_barabasi_albert_is_scale_free_with_m_edges_per_person():
    g = make(kind="barabasi_albert", n=50_000, m=3)
    degree = g.out_degree()
    # about m edges per newcomer; self-loops and repeats dropped: < 1% lost
    assert 0.99 * 150_000 < g.n_edges <= 150_000
    assert degree.min() >= 1
    # heavy tail: the hub is far above the mean (sqrt(n) scaling, ~ m sqrt(n) = 670)
    assert degree.max() > 300
    # P(k) ~ k^-3: the share with degree >= 2m is about (m / 2m)^2 = 1/4
    assert np.mean(degree >= 6) == pytest.approx(0.25, abs=0.05)


def test_watts_strogatz_keeps_degree_and_rewires_the_given_share():
    lattice = make(kind="watts_strogatz", n=1000, k=6, p_rewire=0.0)
    assert np.all(lattice.out_degree() == 6)
    g = make(kind="watts_strogatz", n=10_000, k=6, p_rewire=0.2)
    src = np.repeat(np.arange(g.n), g.out_degree())
    ring_distance = np.minimum((g.indices - src) % g.n, (src - g.indices) % g.n)
    share_long = np.mean(ring_distance > 3)
    # a rewired edge lands within distance 3 with chance 6/n only: long share ~ 0.2
    assert share_long == pytest.approx(0.2, abs=0.02)


def test_random_regular_every_degree_equal():
    g = make(kind="random_regular", n=1000, degree=4)
    assert np.all(g.out_degree() == 4)


def test_powerlaw_cluster_has_clustering():
    g = make(kind="powerlaw_cluster", n=3000, m=3, p_triangle=0.8)
    assert g.n_edges == pytest.approx(3 * 2997, rel=0.01)
    clustering = nx.average_clustering(g.to_networkx())
    plain = nx.average_clustering(make(kind="barabasi_albert", n=3000, m=3).to_networkx())
    assert clustering > 3 * plain


def python_holme_kim(n: int, m: int, p_triangle: float, seed: int) -> tuple[list, list]:
    """The pure-Python Holme-Kim generator the compiled one replaced, as it was: the
    oracle its edges must equal, edge for edge (the baseline's graphs were built by it)."""
    draw = random.Random(seed)
    friends: list[set[int]] = [set() for _ in range(n)]
    repeated: list[int] = list(range(m))
    src: list[int] = []
    dst: list[int] = []

    def link(a: int, b: int) -> None:
        friends[a].add(b)
        friends[b].add(a)
        src.append(a)
        dst.append(b)
        repeated.append(b)

    for person in range(m, n):
        candidates: set[int] = set()
        while len(candidates) < m:
            candidates.add(repeated[int(draw.random() * len(repeated))])
        pool = sorted(candidates)
        draw.shuffle(pool)
        target = pool.pop()
        link(person, target)
        count = 1
        while count < m:
            if draw.random() < p_triangle:
                closing = [
                    f for f in sorted(friends[target]) if f != person and f not in friends[person]
                ]
                if closing:
                    link(person, closing[int(draw.random() * len(closing))])
                    count += 1
                    continue
            target = pool.pop()
            link(person, target)
            count += 1
        repeated.extend([person] * m)
    return src, dst


def mt_state(seed: int) -> np.ndarray:
    return np.array(random.Random(seed).getstate()[1], dtype=np.int64)


@pytest.mark.parametrize("seed", [0, 1, 20261122, 2**62 - 1])
def test_compiled_mersenne_twister_gives_cpythons_stream(seed):
    # 1,500 words cross two refills of the 624-word state
    state, draw = mt_state(seed), random.Random(seed)
    assert [_mt_uint32(state) for _ in range(1500)] == [draw.getrandbits(32) for _ in range(1500)]
    state, draw = mt_state(seed), random.Random(seed)
    assert [_mt_random(state) for _ in range(1000)] == [draw.random() for _ in range(1000)]
    state, draw = mt_state(seed), random.Random(seed)
    bounds = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100, 2**31, 2**32 - 1] * 40  # powers of 2 reject most
    assert [_mt_below(state, b) for b in bounds] == [draw.randrange(b) for b in bounds]


@pytest.mark.parametrize(
    ("n", "m", "p_triangle", "seed"),
    [
        (2, 1, 0.3, 1),  # n = m + 1: one newcomer
        (6, 5, 0.5, 2),  # n = m + 1, every candidate taken
        (2000, 1, 0.3, 3),  # m = 1: no triangle draw at all
        (3000, 3, 0.0, 4),  # preferential attachment only
        (3000, 3, 1.0, 5),  # every later link closes a triangle when it can
        (4000, 4, 0.3, 20261122),  # the default community's m and p_triangle
        (1500, 12, 0.8, 2**62 - 1),
    ],
)
def test_compiled_holme_kim_gives_the_python_generators_edges(n, m, p_triangle, seed):
    src, dst = _holme_kim_edges(n, m, p_triangle, mt_state(seed))
    want_src, want_dst = python_holme_kim(n, m, p_triangle, seed)
    assert src.size == (n - m) * m
    # the same edges in the same order, a link repeated where the Python version repeated it
    assert src.tolist() == want_src
    assert dst.tolist() == want_dst


def test_powerlaw_cluster_graph_is_the_python_generators_graph():
    # the seed drawn from the run's generator, as before: the same CSR, hence the same baseline
    seed = int(np.random.default_rng(11).integers(2**62))
    want = Graph.from_edges(*map(np.array, python_holme_kim(5000, 4, 0.3, seed)), 5000)
    g = make(11, kind="powerlaw_cluster", n=5000, m=4, p_triangle=0.3)
    assert np.array_equal(g.indptr, want.indptr)
    assert np.array_equal(g.indices, want.indices)
    assert g.n_edges == want.n_edges


def test_stochastic_block_densities():
    g = make(kind="stochastic_block", sizes=[500, 500], p_in=0.02, p_out=0.001)
    src = np.repeat(np.arange(g.n), g.out_degree())
    same = (src < 500) == (g.indices < 500)
    inside = same.sum() / 2
    between = (~same).sum() / 2
    # expected 2 * 0.02 * C(500,2) = 4990 inside (sd ~ 70), 0.001 * 250,000 = 250 between
    assert inside == pytest.approx(4990, abs=300)
    assert between == pytest.approx(250, abs=70)


def test_complete_graph():
    g = make(kind="complete", n=50)
    assert g.n_edges == 50 * 49 // 2
    assert np.all(g.out_degree() == 49)
    assert not np.any(g.indices == np.repeat(np.arange(50), 49))


def test_graph_is_a_function_of_the_seed():
    a, b, c = (
        make(7, kind="erdos_renyi", n=500, mean_degree=3),
        make(7, kind="erdos_renyi", n=500, mean_degree=3),
        make(8, kind="erdos_renyi", n=500, mean_degree=3),
    )
    assert np.array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)


def test_replicates_share_the_graph_unless_resampled():
    cfg = parse_config({"graph": {"kind": "erdos_renyi", "n": 300, "mean_degree": 3}})
    assert build_graph(cfg, run_seed=1) is build_graph(cfg, run_seed=2)
    resampled = parse_config(
        {"graph": {"kind": "erdos_renyi", "n": 300, "mean_degree": 3, "resample": True}}
    )
    g1, g2 = build_graph(resampled, run_seed=1), build_graph(resampled, run_seed=2)
    assert not np.array_equal(g1.indices, g2.indices)


def test_edgelist_keeps_ids_as_given(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("# comment\n10 20\n20 30 0.5\n\n30 10\n10 10\n")
    g = read_edgelist(path, directed=False, delimiter=None)
    assert g.n == 3 and g.n_edges == 3  # the self-loop is dropped
    assert list(g.label_of(np.arange(3))) == [10, 20, 30]
    assert list(g.index_of([30, "20"], "seeds.ids")) == [2, 1]
    with pytest.raises(ConfigError, match=r"seeds.ids: id 99 is not in the graph"):
        g.index_of([99], "seeds.ids")


def test_csv_with_header_and_text_ids(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("source,target,weight\nalice,bob,1\nbob,carol,2\n")
    g = read_edgelist(path, directed=True, delimiter=",")
    assert g.directed and g.n == 3 and g.n_edges == 2
    assert list(g.label_of(np.arange(3))) == ["alice", "bob", "carol"]
    alice = g.index_of(["alice"], "x")[0]
    assert g.out_degree()[alice] == 1 and g.in_degree()[alice] == 0


def test_malformed_edge_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1 2\n2 3\nfour\n")
    with pytest.raises(ConfigError, match=r"bad.txt, line 3: expected two node ids"):
        read_edgelist(path, directed=False, delimiter=None)


def test_gzip_compressed_edge_list_reads_as_the_plain_one(tmp_path):
    text = "# comment\n10 20\n20 30 0.5\n\n30 10\nalice,bob\n"
    plain, packed = tmp_path / "g.txt", tmp_path / "g.txt.gz"
    plain.write_text(text.replace("alice,bob\n", ""))
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a = read_edgelist(plain, directed=True, delimiter=None)
    b = read_edgelist(packed, directed=True, delimiter=None)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert list(a.label_of(np.arange(a.n))) == list(b.label_of(np.arange(b.n)))
    # Errors name the compressed file and the line of its decompressed text.
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(gzip.compress(b"1 2\n2 3\nfour\n"))
    with pytest.raises(ConfigError, match=r"bad.txt.gz, line 3: expected two node ids"):
        read_edgelist(bad, directed=False, delimiter=None)


def test_damaged_gzip_edge_list_is_a_config_error_naming_file_and_line(tmp_path):
    whole = gzip.compress("".join(f"{i} {i + 1}\n" for i in range(50_000)).encode())
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ConfigError, match=r"cut.txt.gz, line \d+: damaged gzip file"):
        read_edgelist(cut, directed=False, delimiter=None)


def test_networkx_graph_passed_directly_keeps_node_names():
    nxg = nx.karate_club_graph()
    nxg = nx.relabel_nodes(nxg, {i: f"p{i}" for i in nxg})
    model = ReferralModel(
        parse_config({"graph": {"kind": "complete", "n": 34}, "seeds": {"count": 3}}),
        rng=1,
        graph=nxg,
    )
    assert model.graph.n == 34 and model.graph.n_edges == 78
    model.run()
    assert set(model.members()["node"]).issubset({f"p{i}" for i in range(34)})


def test_communities_and_groups_respect_max_size():
    g = make(kind="stochastic_block", sizes=[300, 300, 300], p_in=0.05, p_out=0.001)
    labels = communities(g, seed=3)
    # Leiden recovers the three planted blocks almost exactly
    for block in range(3):
        _, counts = np.unique(labels[block * 300 : (block + 1) * 300], return_counts=True)
        assert counts.max() >= 290
    cfg = parse_config({"groups": {"source": "communities", "max_size": 100}})
    groups = build_groups(cfg, g, seed=3)
    assert groups.sizes().max() <= 100
    assert groups.sizes().sum() == 900  # everyone in exactly one group
    cfg = parse_config({"groups": {"source": "random", "mean_size": 50, "memberships": 2}})
    groups = build_groups(cfg, g, seed=3)
    assert groups.count == 36
    assert groups.sizes().mean() == pytest.approx(50, rel=0.05)


def test_hub_groups_gather_around_the_best_connected_friend():
    from sim.graphs import hub_of

    # 0 is a hub of 5; 6 is a hub of 3 linked to leaf 1 of hub 0; 10 is alone
    g = nx.Graph()
    g.add_edges_from((0, i) for i in range(1, 6))
    g.add_edges_from((6, i) for i in (7, 8, 9))
    g.add_edge(6, 1)
    g.add_node(10)
    graph = Graph.from_networkx(g)
    hubs = graph.label_of(hub_of(graph))
    names = graph.label_of(np.arange(graph.n))
    hub = dict(zip(names.tolist(), hubs.tolist(), strict=True))
    assert [hub[i] for i in (0, 2, 3, 4, 5)] == [0] * 5
    assert hub[1] == 0  # friend of both hubs: the bigger one (5 friends against 4)
    assert [hub[i] for i in (6, 7, 8, 9)] == [6] * 4
    assert hub[10] == 10  # no friends: their own group
    cfg = parse_config({"groups": {"source": "hubs", "max_size": 3}})
    groups = build_groups(cfg, graph, seed=1)
    assert groups.sizes().max() <= 3 and groups.sizes().sum() == 11
    # on a million-person BA graph it is linear-time; here check sizes on 20,000
    big = make(kind="barabasi_albert", n=20_000, m=3)
    sizes = build_groups(
        parse_config({"groups": {"source": "hubs", "max_size": 200}}), big, 1
    ).sizes()
    assert sizes.max() == 200 and sizes.sum() == 20_000
