"""Simulating what the data record, and the summary statistics compared with them.

Daily series: the engine's own ``daily()`` table. Cascades: each simulated cascade grows
from one first adopter. When the campaign is exactly an independent cascade
(``sim.influence.fit.exact_ic_probability``), a cascade is a breadth-first walk over
live edges, one generation a day, which is the engine's outcome in distribution and far
cheaper; otherwise engine runs each start ``cascade_batch`` first adopters at once and
every joiner is traced back to the first adopter of their referral chain (cascades in
one run can then compete for the same people; keep the batch small against the graph).
"""

from __future__ import annotations

import numpy as np

from sim.calibration.inputs import Problem
from sim.config import Config
from sim.graphs import Graph, build_graph
from sim.influence.fit import exact_ic_probability
from sim.influence.worlds import gather
from sim.model import ReferralModel
from sim.runs import campaign_model

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
LOG2_EDGES = (*range(0, 12), np.inf)  # log2(size) bins: 1, 2-3, 4-7, ..., 2048+


def simulate_daily(config: Config, seed: int, columns: tuple[str, ...]) -> np.ndarray:
    """The campaign's daily ``columns`` (days × columns) in the run with this seed."""
    with campaign_model(config, int(seed)) as model:
        daily = model.run().daily()
    return daily[list(columns)].to_numpy(dtype=float)


def daily_stats(series: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Daily and cumulative counts of each column (the adaptive distance scales them)."""
    out = {}
    for j, column in enumerate(columns):
        out[column] = series[:, j].astype(float)
        out[f"{column}_cumulative"] = np.cumsum(series[:, j]).astype(float)
    return out


def _ic_curves(graph: Graph, p: float, roots: np.ndarray, days: int, rng) -> np.ndarray:
    out = np.zeros((len(roots), days + 1), dtype=np.int64)
    reached = np.zeros(graph.n, dtype=bool)
    for i, root in enumerate(roots):
        reached[root] = True
        touched = [np.array([root])]
        frontier = touched[0]
        counts = [1]
        for _ in range(days):
            if frontier.size == 0:
                counts.append(0)
                continue
            targets = gather(graph.indptr, graph.indices, frontier)
            targets = targets[rng.random(targets.size) < p]
            targets = np.unique(targets[~reached[targets]])
            reached[targets] = True
            touched.append(targets)
            counts.append(targets.size)
            frontier = targets
        out[i] = np.cumsum(counts)
        reached[np.concatenate(touched)] = False
    return out


def _engine_curves(config: Config, roots: np.ndarray, days: int, seed: int) -> np.ndarray:
    graph = build_graph(config, seed)
    ids = [x.item() if isinstance(x, np.generic) else x for x in graph.label_of(roots)]
    data = config.model_dump(mode="python", exclude_none=True)
    data["seeds"] = {"strategy": "list", "ids": ids}
    model = ReferralModel(type(config).model_validate(data), rng=int(seed)).run()
    root_of = np.full(graph.n, -1, dtype=np.int64)
    order = np.flatnonzero(model.member)
    root_of[roots] = np.arange(len(roots))
    order = order[np.argsort(model.generation[order], kind="stable")]
    for person in order:
        if root_of[person] < 0 and model.inviter[person] >= 0:
            root_of[person] = root_of[model.inviter[person]]
    joined = np.flatnonzero(root_of >= 0)
    day = np.clip(model.day_joined[joined], 0, days)
    counts = np.zeros((len(roots), days + 1), dtype=np.int64)
    np.add.at(counts, (root_of[joined], day), 1)
    return np.cumsum(counts, axis=1)


class CascadeSimulator:
    """Simulated cascade curves (adopters by the end of each day) for one config."""

    def __init__(self, problem: Problem, roots: np.ndarray | None, min_size: int) -> None:
        self.problem = problem
        self.roots = roots  # graph person numbers of observed first adopters, or None
        self.min_size = min_size
        self.graph = build_graph(problem.config, problem.config.experiment.seed)

    def __call__(self, config: Config, seed: int) -> np.ndarray:
        spec = self.problem.spec
        days = config.experiment.days
        rng = np.random.default_rng(seed)
        p = exact_ic_probability(config, self.graph)
        kept, have = [], 0
        for round_ in range(spec.max_cascade_rounds):
            want = spec.cascades if round_ == 0 else max(spec.cascade_batch, spec.cascades - have)
            if self.roots is not None:
                roots = rng.choice(self.roots, size=want)
            else:
                roots = rng.integers(0, self.graph.n, size=want)
            if p is not None:
                curves = _ic_curves(self.graph, p, roots, days, rng)
            else:
                parts = []
                for start in range(0, want, spec.cascade_batch):
                    batch = np.unique(roots[start : start + spec.cascade_batch])
                    parts.append(_engine_curves(config, batch, days, int(rng.integers(2**62))))
                curves = np.concatenate(parts)
            curves = curves[curves[:, -1] >= self.min_size]
            kept.append(curves)
            have += len(curves)
            if have >= spec.cascades:
                break
        return np.concatenate(kept)[: spec.cascades]


def cascade_stats(curves: np.ndarray) -> dict[str, np.ndarray]:
    """Size quantiles and log2-size histogram, and how soon cascades reach 2x and 4x
    their size after the first day (share that do, mean day among those)."""
    if len(curves) == 0:  # every simulated cascade was censored away: as far as can be
        curves = np.zeros((1, 2), dtype=np.int64)
    sizes = curves[:, -1].astype(float)
    logs = np.log2(np.maximum(sizes, 1.0))
    hist = np.histogram(logs, bins=np.asarray(LOG2_EDGES, dtype=float))[0] / len(sizes)
    out = {
        "log2_size_quantiles": np.quantile(logs, QUANTILES),
        "log2_size_histogram": hist,
    }
    first = curves[:, min(1, curves.shape[1] - 1)]
    for factor in (2, 4):
        reached = curves >= factor * np.maximum(first, 1)[:, None]
        ever = reached.any(axis=1)
        day = np.argmax(reached, axis=1)
        out[f"reach_{factor}x_share"] = np.array([ever.mean()])
        out[f"reach_{factor}x_day"] = np.array([day[ever].mean() if ever.any() else 0.0])
    return out
