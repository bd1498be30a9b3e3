"""Expected spread of a seed set, estimated on sampled worlds, for greedy selection.

Two estimators share one small interface (``value``, ``gain``, ``commit``, ``fresh``),
so CELF and plain greedy (``sim.influence.greedy``) run unchanged on either:

* ``LiveEdgeWorlds``: independent cascade as live-edge worlds (Kempe, Kleinberg, Tardos
  2003). Each edge is live with probability p, once per world; the people a seed set
  reaches are those within ``depth`` live edges of it. Every candidate is scored on the
  same worlds (common random numbers), so the estimate is a coverage function: monotone
  and submodular, and CELF returns exactly plain greedy's seeds.
* ``EngineEstimator`` (``sim.influence.engine``): the simulator itself.

Values are totals over the worlds (integers as floats), so a score never depends on the
order of a sum and CELF and greedy compare bit-identical numbers.
"""

from __future__ import annotations

import numpy as np

from sim.graphs import Graph

UNREACHED = np.iinfo(np.int32).max


def gather(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """All entries of the given CSR rows, concatenated in row order."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return indices[:0]
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return indices[np.repeat(starts, lengths) + offsets]


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values. (np.unique on numpy 2.5 hashes integers: 100x slower than
    this sort for a million int64 keys with few repeats.)"""
    values = np.sort(values)
    if values.size < 2:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def live_positions(total: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions in [0, total), each live independently with probability p.

    Geometric gaps between live positions: about total × p draws instead of total.
    """
    if total <= 0 or p <= 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1:
        return np.arange(total, dtype=np.int64)
    if p > 0.3:
        return np.flatnonzero(rng.random(total) < p)
    expected = total * p
    size = int(expected + 6 * np.sqrt(expected) + 16)
    positions = np.cumsum(rng.geometric(p, size)) - 1
    parts = [positions]
    while parts[-1][-1] < total:
        more = parts[-1][-1] + np.cumsum(rng.geometric(p, max(16, size // 8)))
        parts.append(more)
    positions = np.concatenate(parts) if len(parts) > 1 else positions
    return positions[positions < total]


class LiveEdgeWorlds:
    """``worlds`` live-edge worlds of IC(p), stored as one CSR over worlds × n nodes.

    Node ``w * n + v`` is person v in world w. The state is the seed set chosen so far,
    kept as each node's live-edge distance from it (``UNREACHED`` beyond ``depth``).

    Args:
        graph: the social graph (edges in the direction a share travels).
        p: probability an edge is live (an invitation along it converts).
        worlds: number of sampled worlds (``seeds.simulations``).
        rng: draws the worlds.
        depth: most live edges from a seed (a campaign of d days reaches d generations);
            None for no limit.
        starters: people who start anyway (KOLs): reached before any seed is chosen.
    """

    def __init__(
        self,
        graph: Graph,
        p: float,
        worlds: int,
        rng: np.random.Generator,
        *,
        depth: int | None = None,
        starters: np.ndarray | None = None,
    ) -> None:
        n, m = graph.n, graph.indices.size
        live = live_positions(worlds * m, p, rng)
        world, edge = np.divmod(live, m)
        source = np.repeat(np.arange(n, dtype=np.int64), graph.out_degree())
        offset = world * n
        counts = np.bincount(offset + source[edge], minlength=worlds * n)
        self.indptr = np.concatenate([[0], np.cumsum(counts)])
        self.indices = offset + graph.indices[edge]
        self.n = n
        self.worlds = worlds
        self.depth = UNREACHED - 1 if depth is None else int(depth)
        self.starters = np.zeros(0, np.int64) if starters is None else np.asarray(starters)
        self._reset()

    def _reset(self) -> None:
        self.distance = np.full(self.worlds * self.n, UNREACHED, dtype=np.int32)
        self._mark = np.zeros(self.worlds * self.n, dtype=np.int32)
        self._token = 0
        self.value = 0.0
        if self.starters.size:
            self.value = float(self._commit_nodes(self._copies(self.starters)))

    def fresh(self) -> LiveEdgeWorlds:
        """The same worlds with no seed chosen (the starters still reached)."""
        twin = object.__new__(LiveEdgeWorlds)
        twin.__dict__.update(
            {k: v for k, v in self.__dict__.items() if k not in ("distance", "_mark")}
        )
        twin._reset()
        return twin

    def _copies(self, people: np.ndarray) -> np.ndarray:
        """Node numbers of these people in every world."""
        people = np.asarray(people, dtype=np.int64)
        return (np.arange(self.worlds, dtype=np.int64)[:, None] * self.n + people).ravel()

    def _search(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nodes the starts reach strictly sooner than the chosen set does, with depths.

        Pruning at a node the chosen set reaches no later is exact: whatever lies beyond
        it, the chosen set reaches no later either.
        """
        self._token += 1
        token = self._token
        starts = distinct(starts[self.distance[starts] > 0])
        self._mark[starts] = token
        nodes, depths = [starts], [np.zeros(starts.size, np.int32)]
        frontier, d = starts, 0
        while frontier.size and d < self.depth:
            d += 1
            reached = gather(self.indptr, self.indices, frontier)
            reached = reached[(self.distance[reached] > d) & (self._mark[reached] != token)]
            if not reached.size:
                break
            reached = distinct(reached)
            self._mark[reached] = token
            nodes.append(reached)
            depths.append(np.full(reached.size, d, np.int32))
            frontier = reached
        return np.concatenate(nodes), np.concatenate(depths)

    def _commit_nodes(self, starts: np.ndarray) -> int:
        nodes, depths = self._search(starts)
        new = int(np.count_nonzero(self.distance[nodes] == UNREACHED))
        self.distance[nodes] = depths
        return new

    def gain(self, person: int) -> float:
        """People newly reached, summed over the worlds, if ``person`` were added."""
        nodes, _ = self._search(self._copies([person]))
        return float(np.count_nonzero(self.distance[nodes] == UNREACHED))

    def commit(self, person: int, gain: float | None = None) -> float:
        """Add ``person`` to the chosen set; returns their gain (``gain`` is not needed)."""
        new = self._commit_nodes(self._copies([person]))
        self.value += new
        return float(new)

    def reach_per_world(self, people: np.ndarray) -> np.ndarray:
        """People reached in each world by ``people`` (with the starters), on fresh state."""
        twin = self.fresh()
        twin._commit_nodes(twin._copies(people))
        reached = np.flatnonzero(twin.distance != UNREACHED) // self.n
        return np.bincount(reached, minlength=self.worlds)
