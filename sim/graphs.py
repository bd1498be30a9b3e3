"""Social graphs as compact arrays (CSR), from generators, edge-list files or networkx.

People are numbered 0..n-1. ``indptr``/``indices`` hold each person's out-neighbours:
the people a share of theirs can reach. Undirected graphs store each friendship in both
directions. Labels from files (or networkx node names) are kept to report results back
with the ids a planner gave.

Big graphs never go through networkx (``shared/docs/infra.md``): the generators write
edge arrays with numpy and scipy builds the CSR in C.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from sim.community import Community
from sim.config import Config, ConfigError, GraphConfig
from sim.streams import derive_seed


@dataclass(frozen=True, eq=False)
class Graph:
    """A social graph in compressed sparse row form.

    Attributes:
        indptr: int64, length n + 1; person i's out-neighbours are
            ``indices[indptr[i]:indptr[i + 1]]``.
        indices: int32 neighbour numbers.
        labels: the ids people had in the input (file or networkx), or None for 0..n-1.
        directed: whether edges are one-way (a share goes from source to target).
    """

    indptr: np.ndarray
    indices: np.ndarray
    labels: np.ndarray | None = None
    directed: bool = False
    # What is worked out once for this graph and kept with it (sim.community).
    community: Community = field(default_factory=Community, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of edges (friendships for undirected graphs)."""
        m = len(self.indices)
        return m if self.directed else m // 2

    def out_degree(self) -> np.ndarray:
        """People each person can reach directly."""
        return np.diff(self.indptr)

    def in_degree(self) -> np.ndarray:
        """People who can reach each person directly."""
        return np.bincount(self.indices, minlength=self.n)

    def neighbours(self, person: int) -> np.ndarray:
        return self.indices[self.indptr[person] : self.indptr[person + 1]]

    def label_of(self, people: np.ndarray) -> np.ndarray:
        """The ids people had in the input, for people numbered 0..n-1 (-1 stays -1)."""
        people = np.asarray(people)
        if self.labels is None:
            return people
        out = self.labels[np.clip(people, 0, None)]
        if out.dtype.kind in "iu":
            return np.where(people < 0, -1, out)
        return np.where(people < 0, None, out).astype(object)

    def index_of(self, ids: list[Any], what: str) -> np.ndarray:
        """People's numbers for ids given in the input; ``what`` names the field on error."""
        if self.labels is None:
            lookup = {i: i for i in range(self.n)}
        else:
            lookup = self.community.lookup
            if lookup is None:
                lookup = {lab: i for i, lab in enumerate(self.labels.tolist())}
                self.community.lookup = lookup
        out = []
        for raw in ids:
            key = raw
            if key not in lookup and isinstance(raw, str) and raw.lstrip("-").isdigit():
                key = int(raw)
            if key not in lookup and not isinstance(raw, str):
                key = str(raw)
            if key not in lookup:
                raise ConfigError(f"{what}: id {raw!r} is not in the graph")
            out.append(lookup[key])
        return np.asarray(out, dtype=np.int64)

    def adjacency(self) -> sp.csr_matrix:
        """The graph as a scipy CSR matrix (1 where a share of row reaches column)."""
        data = np.ones(self.indices.size, dtype=np.int8)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n, self.n))

    def undirected_edges(self) -> np.ndarray:
        """Each connected pair once, as an (m, 2) array with u < v."""
        src = np.repeat(np.arange(self.n, dtype=np.int64), self.out_degree())
        dst = self.indices.astype(np.int64)
        if not self.directed:  # stored both ways, already without repeats
            keep = src < dst
            return np.column_stack([src[keep], dst[keep]])
        u, v = np.minimum(src, dst), np.maximum(src, dst)
        keys = np.unique(u * self.n + v)
        return np.column_stack([keys // self.n, keys % self.n])

    @classmethod
    def from_edges(
        cls,
        src: np.ndarray,
        dst: np.ndarray,
        n: int,
        *,
        directed: bool = False,
        labels: np.ndarray | None = None,
    ) -> Graph:
        """Build from edge endpoint arrays; self-loops and repeated edges are dropped."""
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        keep = src != dst
        src, dst = src[keep], dst[keep]
        if not directed:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        # scipy's COO->CSR is a counting sort in C; sum_duplicates merges repeated edges.
        adjacency = sp.csr_matrix(
            (np.ones(src.size, dtype=np.int8), (src.astype(np.int32), dst.astype(np.int32))),
            shape=(n, n),
        )
        adjacency.sum_duplicates()
        return cls(
            indptr=adjacency.indptr.astype(np.int64),
            indices=adjacency.indices.astype(np.int32),
            labels=labels,
            directed=directed,
        )

    @classmethod
    def from_networkx(cls, nx_graph: Any) -> Graph:
        """Convert a networkx graph; its node names become the labels, in node order."""
        nodes = list(nx_graph.nodes)
        position = {node: i for i, node in enumerate(nodes)}
        if nx_graph.number_of_edges():
            pairs = np.array([(position[u], position[v]) for u, v in nx_graph.edges], np.int64)
        else:
            pairs = np.zeros((0, 2), np.int64)
        labels = np.array(nodes) if nodes else np.zeros(0, np.int64)
        if labels.dtype.kind not in "iuU":
            labels = np.array(nodes, dtype=object)
        return cls.from_edges(
            pairs[:, 0], pairs[:, 1], len(nodes), directed=nx_graph.is_directed(), labels=labels
        )

    def to_networkx(self) -> Any:
        """A networkx copy, for small graphs (labels as node names)."""
        import networkx as nx

        graph = nx.DiGraph() if self.directed else nx.Graph()
        names = self.label_of(np.arange(self.n)).tolist()
        graph.add_nodes_from(names)
        src = np.repeat(np.arange(self.n), self.out_degree())
        graph.add_edges_from(
            zip((names[i] for i in src), (names[j] for j in self.indices), strict=True)
        )
        return graph


# ---------------------------------------------------------------- generators


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
    even positions are sources, odd ones the target of an earlier edge, resolved here by
    pointer jumping. Self-loops and repeated edges are dropped.
    """
    edges = n * m
    e = np.arange(edges, dtype=np.int64)
    src = e // m
    r = np.minimum((rng.random(edges) * (2 * e + 1)).astype(np.int64), 2 * e)
    even = r % 2 == 0
    dst = np.where(even, (r // 2) // m, -1)
    pointer = np.where(even, -1, (r - 1) // 2)
    todo = np.flatnonzero(~even)
    while todo.size:
        p = pointer[todo]
        ready = dst[p] >= 0
        dst[todo[ready]] = dst[p[ready]]
        waiting = todo[~ready]
        pointer[waiting] = pointer[p[~ready]]  # jump: follow the pointer's pointer
        todo = waiting
    return Graph.from_edges(src, dst, n)


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


class _IgraphSeeded:
    """igraph has one global random generator: seed it from ours for the block, then restore."""

    def __init__(self, rng: np.random.Generator) -> None:
        import random

        self._random = random.Random(int(rng.integers(2**62)))

    def __enter__(self) -> None:
        import igraph as ig

        ig.set_random_number_generator(self._random)

    def __exit__(self, *exc: object) -> None:
        import random

        import igraph as ig

        ig.set_random_number_generator(random)


def read_edgelist(path: Path, *, directed: bool, delimiter: str | None) -> Graph:
    """Read a SNAP-style edge list (``#`` comments) or a CSV (header allowed).

    Extra columns (weights, times) are ignored. Node ids are kept as given: integers when
    every id is an integer, text otherwise. Errors name the file and line.
    """
    if not path.is_file():
        raise ConfigError(f"graph.path: file not found: {path}")
    sources: list[str] = []
    targets: list[str] = []
    first_data = True
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text.startswith(("#", "%")):
                continue
            fields = text.split(delimiter) if delimiter else text.split()
            if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
                raise ConfigError(f"{path}, line {number}: expected two node ids, got {text!r}")
            u, v = fields[0].strip(), fields[1].strip()
            if first_data and delimiter == "," and not (_is_int(u) and _is_int(v)):
                first_data = False  # a CSV header
                continue
            first_data = False
            sources.append(u)
            targets.append(v)
    if not sources:
        raise ConfigError(f"graph.path: {path} has no edges")
    if all(_is_int(s) for s in sources) and all(_is_int(t) for t in targets):
        src_ids = np.array(sources, dtype=np.int64)
        dst_ids = np.array(targets, dtype=np.int64)
    else:
        src_ids = np.array(sources, dtype=object)
        dst_ids = np.array(targets, dtype=object)
    labels, inverse = np.unique(np.concatenate([src_ids, dst_ids]), return_inverse=True)
    m = len(sources)
    return Graph.from_edges(inverse[:m], inverse[m:], len(labels), directed=directed, labels=labels)


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


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


def require_people(graph: Graph) -> Graph:
    """The graph, if anyone is in it (a campaign needs people)."""
    if graph.n == 0:
        raise ConfigError("graph: the graph has no people")
    return graph


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


# ---------------------------------------------------------------- communities and groups


def communities(graph: Graph, seed: int) -> np.ndarray:
    """Community label of each person (Leiden, modularity; edges taken as undirected)."""
    partitions = graph.community.partitions
    if seed not in partitions:
        import igraph as ig

        edges = graph.undirected_edges()
        g = ig.Graph(n=graph.n, edges=edges)
        with _IgraphSeeded(np.random.default_rng(seed)):
            # Two passes (igraph's default): iterating to convergence costs 20x more
            # (23 s against 1.2 s at 100,000 people) for a near-identical partition.
            parts = g.community_leiden(objective_function="modularity", n_iterations=2)
        partitions[seed] = np.asarray(parts.membership, dtype=np.int64)
    return partitions[seed]


def hub_of(graph: Graph) -> np.ndarray:
    """Each person's hub: the best-connected of themself and their friends (ties to the
    higher number). Chat groups gather around stores, brands and KOLs (domain §2): the
    people with the widest reach. Linear in the edges, so fine at a million people."""
    n = graph.n
    degree = graph.out_degree().astype(np.int64)
    key = degree * n + np.arange(n, dtype=np.int64)  # compare by degree, then number
    best = key.copy()
    has = degree > 0
    if has.any():
        best_friend = np.maximum.reduceat(key[graph.indices], graph.indptr[:-1][has])
        best[has] = np.maximum(key[has], best_friend)
    return best % n


@dataclass(frozen=True)
class Groups:
    """Chat groups: ``members[indptr[g]:indptr[g + 1]]`` are group g's people, and
    ``groups_of[person_indptr[i]:person_indptr[i + 1]]`` are person i's groups."""

    indptr: np.ndarray
    members: np.ndarray
    person_indptr: np.ndarray
    groups_of: np.ndarray

    @property
    def count(self) -> int:
        return len(self.indptr) - 1

    def sizes(self) -> np.ndarray:
        return np.diff(self.indptr)

    @classmethod
    def from_pairs(cls, person: np.ndarray, group: np.ndarray, n: int, n_groups: int) -> Groups:
        by_group = sp.csr_matrix(
            (np.ones(person.size, np.int8), (group.astype(np.int32), person.astype(np.int32))),
            shape=(n_groups, n),
        )
        by_group.sum_duplicates()
        by_person = by_group.T.tocsr()
        by_person.sort_indices()
        return cls(
            indptr=by_group.indptr.astype(np.int64),
            members=by_group.indices.astype(np.int32),
            person_indptr=by_person.indptr.astype(np.int64),
            groups_of=by_person.indices.astype(np.int32),
        )


def build_groups(
    config: Config, graph: Graph, seed: int, community_seed: int | None = None
) -> Groups | None:
    """Chat groups from the graph's communities (Leiden), around its hubs, or drawn at
    random, as configured.

    Group sizes are not hard-coded (domain §3.11): communities or hub circles bigger than
    ``groups.max_size`` are split at random into groups of at most that size.
    """
    cfg = config.groups
    rng = np.random.default_rng(seed)
    n = graph.n
    if cfg.source == "none":
        return None
    if cfg.source == "random":
        count = max(1, round(n * cfg.memberships / cfg.mean_size))
        person = np.repeat(np.arange(n, dtype=np.int64), cfg.memberships)
        group = rng.integers(0, count, size=person.size)  # repeats merge: "about" memberships
        return Groups.from_pairs(person, group, n, count)
    if cfg.source == "hubs":
        labels = hub_of(graph)
    else:
        labels = communities(graph, seed if community_seed is None else community_seed)
    order = np.lexsort((rng.random(n), labels))  # random order within each community
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    rank = np.arange(n) - starts
    chunk = rank // cfg.max_size
    _, group = np.unique(np.column_stack([sorted_labels, chunk]), axis=0, return_inverse=True)
    group = group.ravel()
    return Groups.from_pairs(order, group, n, int(group.max()) + 1)
