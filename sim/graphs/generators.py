"""Graphs built from a config: the random generators, edge-list files, the graph's seed,
and a per-process cache of built graphs.

Big graphs never go through networkx (``shared/docs/infra.md``): the generators write
edge arrays with numpy and scipy builds the CSR in C.
"""

from __future__ import annotations

import os
from pathlib import Path

import numba
import numpy as np

from sim.config import Config, ConfigError, GraphConfig
from sim.graphs.csr import Graph
from sim.graphs.edgelist import read_edgelist
from sim.graphs.igraph_rng import _IgraphSeeded
from sim.streams import derive_seed


def _erdos_renyi(n: int, mean_degree: float, rng: np.random.Generator) -> Graph:
    """G(n, p) with p = mean_degree / (n - 1): a binomial edge count, then uniform pairs."""
    pairs = n * (n - 1) // 2
    p = min(1.0, mean_degree / max(n - 1, 1))
    target = int(rng.binomial(pairs, p)) if pairs else 0
    if p > 0.5:  # dense: enumerate pairs directly
        u, v = np.triu_indices(n, 1)
        keep = rng.random(u.size) < p
        return Graph.from_edges(u[keep], v[keep], n)
    keys = np.zeros(0, np.int64)
    while keys.size < target:
        need = target - keys.size
        u = rng.integers(0, n, size=need + need // 8 + 16)
        v = rng.integers(0, n, size=u.size)
        ok = u != v
        lo, hi = np.minimum(u[ok], v[ok]), np.maximum(u[ok], v[ok])
        fresh = np.unique(lo * n + hi)
        keys = np.union1d(keys, fresh)
    if keys.size > target:  # drop a uniform surplus so the count is exactly binomial
        keys = rng.choice(keys, size=target, replace=False)
    return Graph.from_edges(keys // n, keys % n, n)


def _barabasi_albert(n: int, m: int, rng: np.random.Generator) -> Graph:
    """Preferential attachment by Batagelj & Brandes' linear-time method (Phys. Rev. E 2005).

    Edge e (of person e // m) copies a uniform position r in [0, 2e] of the endpoint list:
    even positions are sources, odd ones the target of an earlier edge (``_ba_targets``).
    Self-loops and repeated edges are dropped.
    """
    edges = n * m
    src = np.arange(edges, dtype=np.int64) // m
    return Graph.from_edges(src, _ba_targets(rng.random(edges), m), n)


@numba.njit(cache=True, nogil=True)
def _ba_targets(u: np.ndarray, m: int) -> np.ndarray:  # pragma: no cover - compiled
    """Each edge's target: edge e copies position r = ⌊u[e] × (2e + 1)⌋ (at most 2e) of
    the endpoint list. An even r is the source of edge r // 2 (person r // 2 // m); an
    odd r is the target of edge (r - 1) // 2, an earlier edge, whose target is known by
    then. One pass in edge order (a numpy version needs rounds of pointer jumping over
    the unresolved edges, and an array per step: 5 to 10 times slower)."""
    dst = np.empty(u.size, dtype=np.int64)
    for e in range(u.size):
        position = min(np.int64(u[e] * (2 * e + 1)), 2 * e)
        if position % 2 == 0:
            dst[e] = position // 2 // m
        else:
            dst[e] = dst[(position - 1) // 2]
    return dst


def _watts_strogatz(n: int, k: int, p_rewire: float, rng: np.random.Generator) -> Graph:
    """Ring lattice with k nearest neighbours; each edge's far end rewired with p_rewire."""
    half = k // 2
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = (src + np.tile(np.arange(1, half + 1), n)) % n
    rewire = rng.random(src.size) < p_rewire
    new = rng.integers(0, n - 1, size=int(rewire.sum()))
    new = new + (new >= src[rewire])  # never the person themself
    dst[rewire] = new
    return Graph.from_edges(src, dst, n)


def _powerlaw_cluster(n: int, m: int, p_triangle: float, rng: np.random.Generator) -> Graph:
    """Holme & Kim (Phys. Rev. E 2002): preferential attachment plus triangle closure.

    The algorithm of networkx's ``powerlaw_cluster_graph``, on plain lists and sets (no
    graph object). Sequential by nature: fine to a few hundred thousand people; use
    barabasi_albert beyond that.
    """
    import random

    if m >= n:
        raise ConfigError(f"graph.m: must be smaller than graph.n ({n})")
    draw = random.Random(int(rng.integers(2**62)))
    friends: list[set[int]] = [set() for _ in range(n)]
    repeated: list[int] = list(range(m))  # each person once per edge end (and once at start)
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
    return Graph.from_edges(np.array(src, np.int64), np.array(dst, np.int64), n)


def _stochastic_block(
    sizes: list[int], p_in: float, p_out: float, rng: np.random.Generator
) -> Graph:
    """Blocks (communities) with edge chance p_in inside a block and p_out between blocks."""
    starts = np.concatenate([[0], np.cumsum(sizes)])
    n = int(starts[-1])
    src_parts, dst_parts = [], []
    for a, size_a in enumerate(sizes):
        for b in range(a, len(sizes)):
            p = p_in if a == b else p_out
            pairs = size_a * (size_a - 1) // 2 if a == b else size_a * sizes[b]
            count = int(rng.binomial(pairs, p)) if pairs and p > 0 else 0
            if not count:
                continue
            picked = rng.choice(pairs, size=count, replace=False)
            if a == b:  # decode an index into the strict upper triangle
                i = (np.floor((np.sqrt(8 * picked + 1) - 1) / 2) + 1).astype(np.int64)
                j = picked - i * (i - 1) // 2
                src_parts.append(starts[a] + i)
                dst_parts.append(starts[a] + j)
            else:
                src_parts.append(starts[a] + picked // sizes[b])
                dst_parts.append(starts[b] + picked % sizes[b])
    src = np.concatenate(src_parts) if src_parts else np.zeros(0, np.int64)
    dst = np.concatenate(dst_parts) if dst_parts else np.zeros(0, np.int64)
    return Graph.from_edges(src, dst, n)


def _complete(n: int) -> Graph:
    indptr = np.arange(n + 1, dtype=np.int64) * (n - 1)
    full = np.tile(np.arange(n, dtype=np.int32), n).reshape(n, n)
    indices = full[~np.eye(n, dtype=bool)].astype(np.int32)
    return Graph(indptr=indptr, indices=indices)


def _random_regular(n: int, degree: int, rng: np.random.Generator) -> Graph:
    """A uniform random regular graph (igraph's generator, seeded from ``rng``)."""
    if (n * degree) % 2 or degree >= n:
        raise ConfigError("graph.degree: n * degree must be even and degree < n")
    import igraph as ig

    with _IgraphSeeded(rng):
        g = ig.Graph.K_Regular(n, degree)
    pairs = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    return Graph.from_edges(pairs[:, 0], pairs[:, 1], n)


def generate(cfg: GraphConfig, rng: np.random.Generator, base_dir: str = ".") -> Graph:
    """Build the graph a config describes, drawing from ``rng``."""
    kind = cfg.kind
    if kind == "erdos_renyi":
        graph = _erdos_renyi(cfg.n, cfg.mean_degree, rng)
    elif kind == "barabasi_albert":
        graph = _barabasi_albert(cfg.n, cfg.m, rng)
    elif kind == "watts_strogatz":
        if cfg.k >= cfg.n:
            raise ConfigError("graph.k: must be smaller than graph.n")
        graph = _watts_strogatz(cfg.n, cfg.k, cfg.p_rewire, rng)
    elif kind == "random_regular":
        graph = _random_regular(cfg.n, cfg.degree, rng)
    elif kind == "powerlaw_cluster":
        graph = _powerlaw_cluster(cfg.n, cfg.m, cfg.p_triangle, rng)
    elif kind == "stochastic_block":
        graph = _stochastic_block(cfg.sizes, cfg.p_in, cfg.p_out, rng)
    elif kind == "complete":
        graph = _complete(cfg.n)
    else:
        path = Path(base_dir) / cfg.path
        graph = read_edgelist(path.resolve(), directed=cfg.directed, delimiter=cfg.delimiter)
    if graph.n == 0:
        raise ConfigError("graph: the graph has no people")
    return graph


def graph_seed(config: Config, run_seed: int) -> int:
    """The graph's seed: the experiment's (shared by replicates) unless graph.resample."""
    if config.graph.resample:
        return derive_seed(run_seed, "graph")
    return derive_seed(config.experiment.seed, "graph")


def build_graph(config: Config, run_seed: int) -> Graph:
    """The graph for a run; a graph shared by replicates is built once per process."""
    cfg = config.graph
    stamp = ""
    if cfg.kind == "edgelist":
        path = config.graph_path()
        if not path.is_file():
            raise ConfigError(f"graph.path: file not found: {path}")
        stat = os.stat(path)
        stamp = f"{path}:{stat.st_size}:{stat.st_mtime_ns}"
    key = (cfg.model_dump_json(), config.base_dir, stamp, graph_seed(config, run_seed))
    graph = _GRAPH_CACHE.pop(key, None)
    if graph is None:
        graph = generate(cfg, np.random.default_rng(key[-1]), config.base_dir)
    _GRAPH_CACHE[key] = graph  # most recently used last
    while len(_GRAPH_CACHE) > 4:
        _GRAPH_CACHE.pop(next(iter(_GRAPH_CACHE)))
    return graph


_GRAPH_CACHE: dict[tuple[str, str, str, int], Graph] = {}
