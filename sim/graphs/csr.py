"""The ``Graph``: a social graph as compact arrays (CSR), with its labels.

People are numbered 0..n-1. ``indptr``/``indices`` hold each person's out-neighbours:
the people a share of theirs can reach. Undirected graphs store each friendship in both
directions. Labels from files (or networkx node names) are kept to report results back
with the ids a planner gave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sim.community import Community
from sim.compiled import njit
from sim.config import ConfigError


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
        src = np.ascontiguousarray(src, dtype=np.int64)
        dst = np.ascontiguousarray(dst, dtype=np.int64)
        indptr, indices = _csr(src, dst, n, directed)
        return cls(indptr=indptr, indices=indices, labels=labels, directed=directed)

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


def require_people(graph: Graph) -> Graph:
    """The graph, if anyone is in it (a campaign needs people)."""
    if graph.n == 0:
        raise ConfigError("graph: the graph has no people")
    return graph


@njit
def _csr(
    src: np.ndarray, dst: np.ndarray, n: int, directed: bool
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Each person's out-neighbours from edge endpoints (both ways unless ``directed``),
    ascending and without repeats or self-loops: a counting sort by person, then each
    person's list sorted and its repeats dropped. What scipy's COO to CSR conversion
    and ``sum_duplicates`` give, without their copies of every edge (a third of
    building a million-person graph)."""
    degree = np.zeros(n + 1, dtype=np.int64)
    for e in range(src.size):
        if src[e] != dst[e]:
            degree[src[e] + 1] += 1
            if not directed:
                degree[dst[e] + 1] += 1
    start = np.cumsum(degree)  # start[i]: where person i's list begins
    fill = start[:-1].copy()
    listed = np.empty(start[-1], dtype=np.int32)
    for e in range(src.size):
        a, b = src[e], dst[e]
        if a != b:
            listed[fill[a]] = b
            fill[a] += 1
            if not directed:
                listed[fill[b]] = a
                fill[b] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    kept = 0
    for i in range(n):
        row = np.sort(listed[start[i] : start[i + 1]])
        for k in range(row.size):
            if k == 0 or row[k] != row[k - 1]:
                listed[kept] = row[k]
                kept += 1
        indptr[i + 1] = kept
    return indptr, listed[:kept].copy()
