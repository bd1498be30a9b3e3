"""IMM: influence maximisation by reverse-reachable sets (Tang, Shi, Xiao, SIGMOD 2015).

A reverse-reachable (RR) set is everyone who reaches a uniformly drawn root in a
sampled live-edge world. A seed set's expected spread is n × the chance that it meets
an RR set, so choosing seeds becomes maximum coverage over many RR sets. IMM decides how
many RR sets give a (1 − 1/e − ε) approximation with probability 1 − n^(−ℓ).

Vectorised: a batch of RR sets grows by breadth-first search on the reverse CSR, one
level for the whole batch at a time; live in-edges are drawn by geometric gaps (one draw
per live edge, not per edge); a person in an RR set is a key ``set × n + person``.
RR sets of one person only (the root; most of them when p is small) are kept as a count
per person.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.config import ConfigError
from sim.graphs import Graph
from sim.influence.greedy import Progress
from sim.influence.worlds import distinct, gather, live_positions

BATCH = 1 << 17  # most RR sets searched together
BATCH_ENTRIES = 1 << 22  # people a batch should hold: big RR sets make small batches
CHUNK = 1 << 26  # RR sets drawn at once (roots as counts per person)
MAX_ENTRIES = 200_000_000  # people over all stored RR sets (about 2.4 GB with the index)
# Refuse once the RR sets searched so far project this many times MAX_ENTRIES: a margin
# so that a few large sets among the first never refuse what would have fitted.
PROJECTED_MARGIN = 4


@dataclass(frozen=True)
class Drawn:
    """What a collection holds before a chunk is drawn: its searched RR sets (those not
    of one person) and the people in them. A chunk's projection pools them with its own."""

    searched: int = 0
    entries: int = 0


def reverse_csr(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """Who can reach each person directly: the transpose of the graph (itself if undirected)."""
    if not graph.directed:
        return graph.indptr, graph.indices
    backward = graph.adjacency().T.tocsr()
    backward.sort_indices()
    return backward.indptr.astype(np.int64), backward.indices.astype(np.int32)


class RRSampler:
    """Draws RR sets of IC(p), each in its own live-edge world, up to ``depth`` levels.

    Roots are drawn as counts per person (a multinomial), and the roots with no live
    in-edge, whose RR set is the root alone, as a binomial per person (chance (1 − p)^d
    for in-degree d): no work per one-person set. Only the other roots are searched,
    their first live in-edge drawn given that there is one.
    """

    def __init__(
        self, graph: Graph, p: float, rng: np.random.Generator, depth: int | None = None
    ) -> None:
        self.n = graph.n
        self.indptr, self.indices = reverse_csr(graph)
        self.p = p
        self.rng = rng
        self.depth = depth
        degree = np.diff(self.indptr)
        self.alone = (1.0 - p) ** degree if depth != 0 else np.ones(self.n)

    def sample(
        self, count: int, drawn: Drawn = Drawn()
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """``count`` RR sets, for a collection that holds ``drawn``: (one-person sets per
        person, then sizes and people of the others, in batches; a set's people are
        concatenated in increasing order).

        Refused (``ConfigError``) as soon as the collection's people pass
        ``MAX_ENTRIES``, or the sets searched so far, the collection's and this chunk's,
        say they will pass it ``PROJECTED_MARGIN`` times over: above the epidemic
        threshold a set can hold most of the graph, and the refusal used to come only
        after all ``count`` sets were drawn (minutes, and memory without bound). The
        projection pools every set searched so far: RR sets' sizes are heavy-tailed, and
        a chunk's first 256 alone once projected 575 million people for a collection that
        needed fewer than 200 million (BA 10M, IC 0.01)."""
        n = self.n
        hits = self.rng.multinomial(count, np.full(n, 1.0 / n))
        singles = self.rng.binomial(hits, self.alone)
        roots = np.repeat(np.arange(n, dtype=np.int64), hits - singles)
        sizes, people = [], []
        entries = drawn.entries  # the collection's, with this chunk's so far
        start, batch = 0, 256  # the first batch measures how big the RR sets are
        while start < roots.size:
            part = roots[start : start + batch]
            batch_sizes, batch_people = self._search(part)
            sizes.append(batch_sizes)
            people.append(batch_people)
            start += part.size
            entries += batch_people.size
            if entries > MAX_ENTRIES:
                raise self._too_big()
            mean = entries / (drawn.searched + start)  # people per searched set, pooled
            projected = entries + (roots.size - start) * mean
            if projected > PROJECTED_MARGIN * MAX_ENTRIES:
                raise self._too_big(projected=projected)
            mean_size = max(1.0, batch_people.size / part.size)
            batch = int(min(BATCH, max(256, BATCH_ENTRIES / mean_size)))
        return singles, sizes, people

    def _too_big(self, projected: float | None = None) -> ConfigError:
        """IC(p) above the graph's epidemic threshold: RR sets hold much of the graph.
        ``projected``: the people all the sets asked for would hold, by those so far."""
        if projected is None:
            how = f"more than {MAX_ENTRIES:,} people in them"
        else:
            how = f"about {projected:,.0f} people in them, {MAX_ENTRIES:,} fit"
        return ConfigError(
            f"seeds.ic_probability: {self.p:g} makes IMM's RR sets too big for this graph "
            f"({how}: above its epidemic threshold); set a smaller one or use "
            'seeds.strategy = "degree_discount"'
        )

    def _first_level(self, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Live in-edges of roots known to have at least one: (root position, edge)."""
        p = self.p
        start = self.indptr[roots]
        degree = self.indptr[roots + 1] - start
        if p >= 1:
            owner = np.repeat(np.arange(roots.size), degree)
            return owner, gather_positions(start, degree)
        # The first live edge j of d: P(j) ∝ (1 − p)^j p, j < d (inverse transform).
        u = self.rng.random(roots.size)
        first = np.floor(np.log1p(-u * (1.0 - self.alone[roots])) / np.log1p(-p))
        first = np.minimum(first.astype(np.int64), degree - 1)
        rest = degree - first - 1  # the edges after the first, each live with p
        ends = np.cumsum(rest)
        live = live_positions(int(ends[-1]) if ends.size else 0, p, self.rng)
        owner = np.searchsorted(ends, live, side="right")
        edge = start[owner] + first[owner] + 1 + live - (ends[owner] - rest[owner])
        owners = np.concatenate([np.arange(roots.size), owner])
        return owners, np.concatenate([start + first, edge])

    def _search(self, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, count = self.n, roots.size
        seen = np.arange(count, dtype=np.int64) * n + roots  # sorted: set-major keys
        owner, edge = self._first_level(roots)
        keys = distinct(owner * n + self.indices[edge])
        level = 1
        while keys.size:
            at = np.minimum(np.searchsorted(seen, keys), seen.size - 1)
            keys = keys[seen[at] != keys]
            if not keys.size:
                break
            if seen.size + keys.size > MAX_ENTRIES:
                raise self._too_big()
            seen = np.concatenate([seen, keys])
            seen.sort(kind="stable")  # a merge of two sorted runs
            if self.depth is not None and level >= self.depth:
                break
            level += 1
            frontier_set, frontier = np.divmod(keys, n)
            degree = self.indptr[frontier + 1] - self.indptr[frontier]
            ends = np.cumsum(degree)
            live = live_positions(int(ends[-1]) if ends.size else 0, self.p, self.rng)
            owner = np.searchsorted(ends, live, side="right")
            edge = self.indptr[frontier[owner]] + live - (ends[owner] - degree[owner])
            keys = distinct(frontier_set[owner] * n + self.indices[edge])
        sets, people = np.divmod(seen, n)
        return np.bincount(sets, minlength=count), people.astype(np.int32)


def gather_positions(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """start[i], start[i] + 1, ..., start[i] + length[i] - 1, for every i in turn."""
    total = int(length.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(length) - length, length)
    return np.repeat(start, length) + offsets


@dataclass
class RRCollection:
    """RR sets drawn so far: one-person sets as counts per person, the others as CSR rows."""

    n: int
    singles: np.ndarray
    sizes: list[np.ndarray]
    people: list[np.ndarray]
    count: int = 0
    entries: int = 0
    searched: int = 0  # sets of more than one person (stored)

    @classmethod
    def empty(cls, n: int) -> RRCollection:
        return cls(n, np.zeros(n, dtype=np.int64), [], [])

    def extend(self, sampler: RRSampler, target: int, on_progress: Progress | None) -> None:
        """Draw RR sets until there are ``target``."""
        while self.count < target:
            chunk = min(CHUNK, target - self.count)
            singles, sizes, people = sampler.sample(chunk, Drawn(self.searched, self.entries))
            self.singles += singles
            self.sizes += sizes
            self.people += people
            self.count += chunk
            self.searched += sum(s.size for s in sizes)
            self.entries += sum(p.size for p in people)  # at most MAX_ENTRIES (sample)
            if on_progress is not None:
                on_progress(self.count, target)

    def coverage(self, blocked: np.ndarray) -> Coverage:
        sizes = np.concatenate(self.sizes) if self.sizes else np.zeros(0, np.int64)
        people = np.concatenate(self.people) if self.people else np.zeros(0, np.int32)
        return Coverage(self.n, self.singles, sizes, people, blocked)


class Coverage:
    """Greedy maximum coverage over RR sets, with incremental counts.

    ``cover[v]`` is the number of RR sets not yet covered that contain v; choosing v
    covers them and lowers the count of everyone else in them (np.subtract.at over their
    people), so a round costs the size of what it covers, plus one argmax.
    """

    def __init__(
        self,
        n: int,
        singles: np.ndarray,
        sizes: np.ndarray,
        people: np.ndarray,
        blocked: np.ndarray,
    ) -> None:
        self.n = n
        self.set_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.people = people
        # The inverted index (person -> their RR sets) by a counting sort in C.
        by_set = sp.csr_matrix(
            (np.ones(people.size, dtype=np.int8), people, self.set_ptr), shape=(sizes.size, n)
        )
        by_person = by_set.tocsc()
        self.sets_of = by_person.indices
        self.person_ptr = by_person.indptr.astype(np.int64)
        self.covered = np.zeros(sizes.size, dtype=bool)
        self.singles = singles.copy()
        self.cover = singles + np.diff(self.person_ptr)
        self.cover[blocked] = -1  # never chosen (counts below are only lowered)
        self.covered_count = 0

    def add(self, person: int) -> int:
        """Cover every RR set containing ``person``; returns how many were new."""
        sets = self.sets_of[self.person_ptr[person] : self.person_ptr[person + 1]]
        sets = sets[~self.covered[sets]]
        self.covered[sets] = True
        np.subtract.at(self.cover, gather(self.set_ptr, self.people, sets), 1)
        new = int(sets.size + self.singles[person])
        self.singles[person] = 0
        self.cover[person] = -1
        self.covered_count += new
        return new

    def best(self) -> int | None:
        """The person covering most uncovered sets (ties to the lower number)."""
        person = int(np.argmax(self.cover))
        return person if self.cover[person] >= 0 else None

    def greedy(self, count: int) -> tuple[list[int], list[int]]:
        chosen, gains = [], []
        for _ in range(count):
            person = self.best()
            if person is None:
                break
            chosen.append(person)
            gains.append(self.add(person))
        return chosen, gains


def _log_binomial(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


@dataclass(frozen=True)
class IMMResult:
    people: np.ndarray  # in the order chosen
    gains: np.ndarray  # marginal expected reach of each (people), estimated on the RR sets
    rr_sets: int  # θ, the RR sets of the final selection
    lower_bound: float  # IMM's lower bound on the best expected reach


def imm(
    graph: Graph,
    count: int,
    p: float,
    rng: np.random.Generator,
    *,
    epsilon: float = 0.1,
    ell: float = 1.0,
    depth: int | None = None,
    starters: np.ndarray | None = None,
    on_progress: Progress | None = None,
) -> IMMResult:
    """IMM (Tang, Shi, Xiao 2015, Algorithms 1-3) for ``count`` seeds under IC(p).

    ``starters`` (KOLs) are reached anyway: their RR sets are covered before the choice
    and they are never chosen. The final selection uses θ fresh RR sets, not those of the
    sampling phase (Chen 2018, "An issue in the martingale analysis of IMM"), so the
    (1 − 1/e − ε) guarantee holds with probability at least 1 − n^(−ℓ).
    """
    n = graph.n
    starters = np.zeros(0, np.int64) if starters is None else np.asarray(starters, np.int64)
    if count + starters.size > n:
        raise ConfigError(f"seeds.count: {count} seeds asked for but the graph has {n} people")
    blocked = np.zeros(n, dtype=bool)
    blocked[starters] = True
    sampler = RRSampler(graph, p, rng, depth)
    if count == 0 or n < 2:
        return IMMResult(np.zeros(0, np.int64), np.zeros(0), 0, 0.0)

    def select(rr: RRCollection) -> tuple[list[int], list[int], int]:
        cover = rr.coverage(blocked)
        for kol in starters.tolist():
            cover.add(kol)
        chosen, gains = cover.greedy(count)
        return chosen, gains, cover.covered_count

    ell = ell * (1 + math.log(2) / math.log(n))  # so that both phases together hold
    log_n = math.log(n)
    log_cnk = _log_binomial(n, count)
    eps1 = math.sqrt(2) * epsilon
    lambda1 = (
        (2 + 2 / 3 * eps1)
        * (log_cnk + ell * log_n + math.log(max(math.log2(n), 1.0)))
        * n
        / eps1**2
    )
    rr = RRCollection.empty(n)
    lower = 1.0
    for i in range(1, max(2, math.ceil(math.log2(n)))):
        x = n / 2**i
        rr.extend(sampler, math.ceil(lambda1 / x), on_progress)
        _, _, covered = select(rr)
        estimate = n * covered / rr.count
        if estimate >= (1 + eps1) * x:
            lower = estimate / (1 + eps1)
            break
    alpha = math.sqrt(ell * log_n + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_cnk + ell * log_n + math.log(2)))
    lambda_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
    theta = math.ceil(lambda_star / lower)
    del rr
    fresh = RRCollection.empty(n)
    fresh.extend(sampler, theta, on_progress)
    chosen, gains, _ = select(fresh)
    return IMMResult(
        np.asarray(chosen, dtype=np.int64),
        np.asarray(gains, dtype=np.float64) * n / fresh.count,
        fresh.count,
        lower,
    )


def rr_gains(
    graph: Graph,
    people: np.ndarray,
    p: float,
    rng: np.random.Generator,
    rr_sets: int,
    *,
    depth: int | None = None,
    starters: np.ndarray | None = None,
) -> np.ndarray:
    """Marginal expected reach of each of ``people`` in order, estimated on ``rr_sets``
    RR sets of IC(p) (for strategies that rank without estimating, as degree discount)."""
    n = graph.n
    rr = RRCollection.empty(n)
    rr.extend(RRSampler(graph, p, rng, depth), rr_sets, None)
    cover = rr.coverage(np.zeros(n, dtype=bool))
    for kol in [] if starters is None else np.asarray(starters).tolist():
        cover.add(kol)
    gains = [cover.add(int(v)) for v in np.asarray(people).tolist()]
    return np.asarray(gains, dtype=np.float64) * n / rr.count
