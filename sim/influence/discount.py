"""Degree discount (Chen, Wang, Yang, KDD 2009): near-greedy seeds for IC in milliseconds.

DegreeDiscountIC: a person's score starts at their degree d_v; each time a neighbour
becomes a seed (t_v seeds among their neighbours) it drops to

    dd_v = d_v − 2 t_v − (d_v − t_v) t_v p,

for the edge to the seed is wasted and the person is likely reached by it already. On
directed graphs d_v is the out-degree and t_v counts seeds among v's in- and
out-neighbours (edges taken as undirected for the discount).
"""

from __future__ import annotations

import numpy as np

from sim.graphs import Graph


def _neighbours(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    if not graph.directed:
        return graph.indptr, graph.indices
    forward = graph.adjacency()
    both = (forward + forward.T).tocsr()
    both.sort_indices()
    return both.indptr.astype(np.int64), both.indices.astype(np.int64)


def degree_discount(
    graph: Graph, count: int, p: float, *, starters: np.ndarray | None = None
) -> np.ndarray:
    """``count`` seeds by DegreeDiscountIC with probability p, in the order chosen (ties to
    the lower person number). ``starters`` (KOLs) count as seeds already and are never
    chosen."""
    indptr, indices = _neighbours(graph)
    degree = graph.out_degree().astype(np.float64)
    seeds_near = np.zeros(graph.n, dtype=np.float64)  # t_v
    score = degree.copy()
    taken = np.zeros(graph.n, dtype=bool)
    chosen: list[int] = []

    def take(person: int) -> None:
        taken[person] = True
        near = indices[indptr[person] : indptr[person + 1]]
        near = near[~taken[near]]
        seeds_near[near] += 1
        t, d = seeds_near[near], degree[near]
        score[near] = d - 2 * t - (d - t) * t * p

    for kol in [] if starters is None else np.asarray(starters).tolist():
        take(int(kol))
    for _ in range(count):
        person = int(np.argmax(np.where(taken, -np.inf, score)))
        if taken[person]:
            break
        chosen.append(person)
        take(person)
    return np.asarray(chosen, dtype=np.int64)
