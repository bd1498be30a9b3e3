"""Communities (Leiden), hubs and the chat groups built from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.config import Config
from sim.graphs.csr import Graph
from sim.graphs.igraph_rng import _IgraphSeeded
from sim.rootseed import derive_seed


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

    def with_members(self, person: np.ndarray, group: np.ndarray) -> Groups:
        """These groups with ``person[k]`` added to ``group[k]`` (none of them in it yet),
        in the order ``from_pairs`` would give: a few additions cost two copies, not a
        rebuild."""
        at = np.lexsort((person, group))
        person, group = person[at], group[at]
        into_group = [
            self.indptr[g] + np.searchsorted(self.members[self.indptr[g] : self.indptr[g + 1]], p)
            for p, g in zip(person.tolist(), group.tolist(), strict=True)
        ]
        at = np.lexsort((group, person))
        into_person = [
            self.person_indptr[p]
            + np.searchsorted(self.groups_of[self.person_indptr[p] : self.person_indptr[p + 1]], g)
            for p, g in zip(person[at].tolist(), group[at].tolist(), strict=True)
        ]
        return Groups(
            indptr=_grown(self.indptr, group),
            members=np.insert(self.members, into_group, person.astype(self.members.dtype)),
            person_indptr=_grown(self.person_indptr, person),
            groups_of=np.insert(
                self.groups_of, into_person, group[at].astype(self.groups_of.dtype)
            ),
        )


def _grown(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Row offsets after one more entry in each of ``rows``."""
    grown = indptr.copy()
    grown[1:] += np.cumsum(np.bincount(rows, minlength=indptr.size - 1))
    return grown


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
    # Random order within each community: by label, ties by a random number (what
    # np.lexsort((random, labels)) gives, in two stable sorts: a third of its time).
    tiebreak = np.argsort(rng.random(n), kind="stable")
    order = tiebreak[np.argsort(labels[tiebreak], kind="stable")]
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    rank = np.arange(n) - starts
    chunk = rank // cfg.max_size
    # Groups numbered in order of (label, chunk), which the rows are already sorted by:
    # a new group wherever either changes (np.unique of the pairs, without its sort).
    group = np.zeros(n, dtype=np.int64)
    np.cumsum((np.diff(sorted_labels) != 0) | (np.diff(chunk) != 0), out=group[1:])
    return Groups.from_pairs(order, group, n, int(group[-1]) + 1 if n else 0)


def groups_of(config: Config, graph: Graph, graph_seed: int) -> Groups | None:
    """The chat groups of a campaign on this graph, built once per graph and settings
    and kept with the graph (``graph.community.groups``) for every replicate on it."""
    g = config.groups  # only who is in which group: a group's life does not rebuild them
    key = f"{g.source}:{g.mean_size}:{g.memberships}:{g.max_size}:{graph_seed}"
    kept = graph.community.groups
    if key not in kept:
        # the same community partition as community_spread seeding uses
        seed = derive_seed(graph_seed, "groups")
        kept[key] = build_groups(config, graph, seed, community_seed=graph_seed)
    return kept[key]
