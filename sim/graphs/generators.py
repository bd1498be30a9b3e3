"""Graphs built from a config: the random generators, edge-list files, the graph's seed,
and a per-process cache of built graphs.

Big graphs never go through networkx (``shared/docs/infra.md``): the generators write
edge arrays with numpy and scipy builds the CSR in C.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim.compiled import njit
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


@njit
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

    The algorithm of networkx's ``powerlaw_cluster_graph``, compiled (``_holme_kim_edges``):
    about 0.2 s at 100,000 people and 4 s at 1,000,000 with m = 4 (sequential by nature;
    barabasi_albert is faster still). Its draws are those of a ``random.Random`` seeded
    from ``rng``, so a seed gives the same graph as the pure-Python version it replaced
    (the regression baseline rests on it).
    """
    if m >= n:
        raise ConfigError(f"graph.m: must be smaller than graph.n ({n})")
    import random

    seed = int(rng.integers(2**62))
    state = np.array(random.Random(seed).getstate()[1], dtype=np.int64)
    src, dst = _holme_kim_edges(n, m, p_triangle, state)
    return Graph.from_edges(src, dst, n)


# Hand-written on purpose: every fixed-seed result (tests/baseline/ included) rests on the
# exact stream of CPython's ``random.Random`` as the pure-Python Holme-Kim generator drew
# it (``random()`` and ``shuffle``), one draw at a time, as many as the graph asks for. No
# library gives that stream in compiled code: numpy's MT19937 can be set to this state and
# then gives the same words and the same ``random()``, but its bounded integers are drawn
# otherwise than CPython's ``_randbelow`` (the top bits of one word, drawn again while too
# big). So the state is taken from Python (``getstate()``: 624 words, then the position)
# and stepped here as Modules/_randommodule.c and Lib/random.py (3.12) do; the tests check
# these helpers against ``random.Random``. The words are kept in int64 (masked to 32 bits)
# so that numba never mixes signed and unsigned integers.


@njit
def _mt_twist(state: np.ndarray) -> None:  # pragma: no cover - compiled
    """The next 624 words of MT19937 (genrand_uint32's refill), in place."""
    for i in range(624):
        y = (state[i] & 0x80000000) | (state[(i + 1) % 624] & 0x7FFFFFFF)
        state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)


@njit
def _mt_uint32(state: np.ndarray) -> int:  # pragma: no cover - compiled
    """CPython's genrand_uint32: the next 32-bit output, tempered; ``state`` is the 624
    words of ``random.Random.getstate()[1]`` followed by the position, as int64."""
    position = state[624]
    if position >= 624:
        _mt_twist(state)
        position = 0
    y = state[position]
    state[624] = position + 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    y ^= y >> 18
    return y


@njit
def _mt_random(state: np.ndarray) -> float:  # pragma: no cover - compiled
    """``random.Random.random()``: 53 bits from two outputs, in [0, 1)."""
    a = _mt_uint32(state) >> 5
    b = _mt_uint32(state) >> 6
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


@njit
def _mt_below(state: np.ndarray, n: int) -> int:  # pragma: no cover - compiled
    """``random.Random._randbelow(n)`` for n >= 1: ``getrandbits(n.bit_length())`` (the top
    bits of one output, n < 2**32) drawn again while it is n or more."""
    bits = 0
    while (n >> bits) > 0:
        bits += 1
    r = _mt_uint32(state) >> (32 - bits)
    while r >= n:
        r = _mt_uint32(state) >> (32 - bits)
    return r


@njit
def _insert_sorted(values: np.ndarray, count: int, value: int) -> int:  # pragma: no cover
    """Insert ``value`` into the sorted ``values[:count]`` unless it is there; the new
    count. For a few values (numba's sort costs about 0.5 µs an array even at 4)."""
    i = count
    while i > 0 and values[i - 1] > value:
        i -= 1
    if i > 0 and values[i - 1] == value:
        return count
    for k in range(count, i, -1):
        values[k] = values[k - 1]
    values[i] = value
    return count + 1


@njit
def _holds(values: np.ndarray, count: int, value: int) -> bool:  # pragma: no cover
    """Whether the sorted ``values[:count]`` hold ``value``."""
    for i in range(count):
        if values[i] >= value:
            return values[i] == value
    return False


_CHUNK = 8  # a row of later friends: 7 people, then the next row's index (-1: none yet)


@njit
def _holme_kim_edges(
    n: int, m: int, p_triangle: float, state: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The Holme-Kim edges in the order the pure-Python generator appended them (a repeat
    kept where a pooled target had already been linked through a triangle).

    Person p (from m on) draws m distinct candidates from the list of every person once
    per edge end (so by degree), sorts and shuffles them, and links to the last; each
    further link closes a triangle with chance p_triangle (a uniform friend of the last
    pooled target, neither p nor p's friend, in increasing order), else takes the next
    candidate. That list is not stored: it is the m people at the start, then for each
    newcomer k the ends of their m edges and k m times (as in ``_ba_targets``).

    A person's friends, sorted, are those they linked to on arrival (``chosen``: at most
    m, kept sorted) followed by those who linked to them later, in arrival order (rows of
    ``later``, chained: one memory line per 7 friends where a hub's friends are walked).
    No set is ever sorted.
    """
    edges = (n - m) * m
    src = np.empty(edges, np.int64)
    dst = np.empty(edges, np.int64)
    chosen = np.empty((n, m), np.int64)
    n_chosen = np.zeros(n, np.int64)
    later = np.empty((n + edges // (_CHUNK - 1) + 1, _CHUNK), np.int64)  # touched as used
    rows = 0
    first_row = np.full(n, -1, np.int64)
    last_row = np.full(n, -1, np.int64)
    filled = np.zeros(n, np.int64)  # friends in the last row
    pool = np.empty(m, np.int64)
    closing = np.empty(n, np.int64)  # friends of the target that would close a triangle
    e = 0
    for person in range(m, n):
        ends = m + 2 * m * (person - m)  # the length of the list of edge ends so far
        found = 0
        while found < m:  # m distinct candidates, kept sorted
            i = int(_mt_random(state) * ends)
            if i < m:
                candidate = i
            else:
                newcomer, j = divmod(i - m, 2 * m)
                candidate = dst[newcomer * m + j] if j < m else m + newcomer
            found = _insert_sorted(pool, found, candidate)
        for i in range(m - 1, 0, -1):  # random.shuffle
            j = _mt_below(state, i + 1)
            pool[i], pool[j] = pool[j], pool[i]
        left = m
        target = -1
        for count in range(m):
            friend = -1
            if count > 0 and _mt_random(state) < p_triangle:
                n_closing = 0
                for i in range(n_chosen[target]):  # before the target: never the person
                    f = chosen[target, i]
                    if not _holds(chosen[person], n_chosen[person], f):
                        closing[n_closing] = f
                        n_closing += 1
                row = first_row[target]
                while row >= 0:
                    size = _CHUNK - 1 if row != last_row[target] else filled[target]
                    for i in range(size):
                        f = later[row, i]
                        if f != person and not _holds(chosen[person], n_chosen[person], f):
                            closing[n_closing] = f
                            n_closing += 1
                    row = later[row, _CHUNK - 1]
                if n_closing:
                    friend = closing[int(_mt_random(state) * n_closing)]
            if friend < 0:
                left -= 1
                target = pool[left]
                friend = target
            src[e] = person
            dst[e] = friend
            e += 1
            if not _holds(chosen[person], n_chosen[person], friend):  # a new friendship
                n_chosen[person] = _insert_sorted(chosen[person], n_chosen[person], friend)
                row = last_row[friend]
                if row < 0 or filled[friend] == _CHUNK - 1:
                    later[rows, _CHUNK - 1] = -1
                    if row < 0:
                        first_row[friend] = rows
                    else:
                        later[row, _CHUNK - 1] = rows
                    row = last_row[friend] = rows
                    filled[friend] = 0
                    rows += 1
                later[row, filled[friend]] = person
                filled[friend] += 1
    return src, dst


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
    graph = _GRAPH_CACHE.get(key)
    if graph is None:
        graph = generate(cfg, np.random.default_rng(key[-1]), config.base_dir)
    _keep(key, graph)
    return graph


_GRAPH_CACHE: dict[tuple[str, str, str, int], Graph] = {}


def _keep(key: tuple[str, str, str, int], graph: Graph) -> None:
    """Keep ``graph`` as the most recently used (last), and at most 4 graphs."""
    _GRAPH_CACHE.pop(key, None)
    _GRAPH_CACHE[key] = graph
    while len(_GRAPH_CACHE) > 4:
        _GRAPH_CACHE.pop(next(iter(_GRAPH_CACHE)))


def built_graphs(graphs: list[Graph]) -> list[tuple[tuple[str, str, str, int], Graph]]:
    """Those of ``graphs`` this process keeps (``build_graph``), to hand to another
    process (``keep_graphs``): each with what was worked out for it (groups, partitions,
    seed choices), without the per-person states replicates left for the next one."""
    wanted = {id(graph) for graph in graphs}
    return [
        (key, replace(graph, community=replace(graph.community, spare_states=[])))
        for key, graph in _GRAPH_CACHE.items()
        if id(graph) in wanted
    ]


def keep_graphs(graphs: list[tuple[tuple[str, str, str, int], Graph]]) -> None:
    """Keep graphs another process built (``built_graphs``), as if built here."""
    for key, graph in graphs:
        _keep(key, graph)
