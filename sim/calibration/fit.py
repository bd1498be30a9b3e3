"""ABC-SMC (pyabc) over the parameters of ``[calibration]``.

Reproducible bit for bit: pyabc draws its particles from numpy's global generator, so
the run uses pyabc's single-core sampler with that generator seeded from
``derive_seed(experiment.seed, "calibration")`` (and restored afterwards), and every
simulation takes its seed from the same generator. With ``workers > 1`` pyabc's
multicore sampler is used instead: faster, but not bit-reproducible.

Progress: a fit reports through ``on_progress`` (a ``Progress`` after each finished ABC-SMC
generation, out of ``max_generations`` at most, then after each posterior- and
prior-predictive run); the samplers themselves count nothing, so the generations are
run one by one as pyabc's ``ABCSMC.run`` does. Nothing here prints: the command line
draws the bars.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.calibration.inputs import Cascade, Problem, cascade_curves
from sim.calibration.simulate import (
    CascadeSimulator,
    cascade_stats,
    daily_stats,
    simulate_daily,
)
from sim.config import ConfigError
from sim.extras import require
from sim.streams import derive_seed

BAND = (0.05, 0.95)


@dataclass(frozen=True)
class Progress:
    """How far a calibration is. ``stage`` "fit": ``done`` ABC-SMC generations of at most
    ``total`` (``max_generations``; the fit stops sooner once the threshold reaches
    ``min_epsilon`` or the simulations run out), ``epsilon`` the last one's acceptance
    threshold (a distance; None before the first) and ``simulations`` so far. Stage
    "check": ``done`` predictive runs of ``total`` (posterior's and prior's draws)."""

    stage: Literal["fit", "check"]
    done: int
    total: int
    epsilon: float | None = None
    simulations: int = 0


OnProgress = Callable[[Progress], None]


def _ignore(progress: Progress) -> None:
    """No one is watching."""


@dataclass
class Fit:
    """A finished calibration: weighted posterior samples and what checks them."""

    kind: str  # "daily" or "cascades"
    problem: Problem
    samples: pd.DataFrame  # one column per parameter key, plus "weight"
    table: pd.DataFrame  # parameter, estimate, low, high, prior_low, prior_high
    epsilon: float
    distance: float
    generations: int
    simulations: int
    observed: Any  # daily: DataFrame; cascades: curves array
    predictive: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "parameters": self.table.to_dict(orient="records"),
            "epsilon": self.epsilon,
            "distance": self.distance,
            "generations": self.generations,
            "simulations": self.simulations,
            "particles": len(self.samples),
            "checks": self.checks,
        }


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cum = np.cumsum(w) - 0.5 * w
    return float(np.interp(q * w.sum(), cum, v))


def _table(problem: Problem, samples: pd.DataFrame) -> pd.DataFrame:
    rows = []
    w = samples["weight"].to_numpy()
    for key, prior in problem.spec.params.items():
        v = samples[key].to_numpy()
        rows.append(
            {
                "parameter": key,
                "estimate": weighted_quantile(v, w, 0.5),
                "low": weighted_quantile(v, w, BAND[0]),
                "high": weighted_quantile(v, w, BAND[1]),
                "mean": float(np.average(v, weights=w)),
                "prior_low": prior.low,
                "prior_high": prior.high,
                "log": prior.log,
            }
        )
    return pd.DataFrame(rows)


def _abc(
    problem: Problem,
    simulate: Callable[[dict[str, float], int], dict[str, np.ndarray]],
    observed: dict[str, np.ndarray],
    workers: int,
    address: str | None = None,
    on_progress: OnProgress = _ignore,
) -> tuple[pd.DataFrame, float, float, int, int]:
    require("calibration", "calibration")
    import pyabc

    spec = problem.spec
    keys = list(spec.params)
    names = {key: f"p{i}" for i, key in enumerate(keys)}
    priors = {}
    for key, prior in spec.params.items():
        lo, hi = (
            (np.log10(prior.low), np.log10(prior.high)) if prior.log else (prior.low, prior.high)
        )
        priors[names[key]] = pyabc.RV("uniform", lo, hi - lo)

    def values_of(par: Any) -> dict[str, float]:
        out = {}
        for key, prior in spec.params.items():
            x = float(par[names[key]])
            out[key] = 10.0**x if prior.log else x
        return out

    def model(par: Any) -> dict[str, np.ndarray]:
        seed = int(np.random.randint(0, 2**62, dtype=np.int64))
        return simulate(values_of(par), seed)

    cluster = None
    if address is not None:  # the experiments' cluster path: a running Dask scheduler
        from sim.executors import OnDask

        cluster = OnDask(address=address)
        sampler = pyabc.sampler.DaskDistributedSampler(dask_client=cluster.client)
    elif workers > 1:
        sampler = pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)
    else:
        sampler = pyabc.sampler.SingleCoreSampler()
    state = np.random.get_state()
    loggers = [n for n in logging.Logger.manager.loggerDict if n.split(".")[0] in ("ABC", "pyabc")]
    quiet = [logging.getLogger(n) for n in ("ABC", "pyabc", *loggers)]
    levels = [lg.level for lg in quiet]
    for lg in quiet:
        lg.setLevel(logging.WARNING)
    try:
        np.random.seed(derive_seed(problem.config.experiment.seed, "calibration") % 2**32)
        abc = pyabc.ABCSMC(
            model,
            pyabc.Distribution(**priors),
            pyabc.AdaptivePNormDistance(p=2),
            population_size=spec.population_size,
            sampler=sampler,
        )
        with tempfile.TemporaryDirectory(prefix="fission-abc-") as tmp:
            abc.new("sqlite:///" + str(Path(tmp) / "abc.db"), observed)
            history = _run(abc, spec, on_progress)
            t = history.max_t
            frame, weights = history.get_distribution(m=0, t=t)
            distances = history.get_weighted_distances(t=t)
            populations = history.get_all_populations()
            simulations = int(history.total_nr_simulations)
            engine = getattr(history, "_engine", None)
            if engine is not None:
                engine.dispose()
    finally:
        if cluster is not None:
            cluster.close()
        np.random.set_state(state)
        for lg, level in zip(quiet, levels, strict=True):
            lg.setLevel(level)
    samples = pd.DataFrame(
        {key: [values_of(row)[key] for _, row in frame.iterrows()] for key in keys}
    )
    samples["weight"] = np.asarray(weights, float) / np.sum(weights)
    epsilon = float(populations.loc[populations["t"] == t, "epsilon"].iloc[0])
    distance = weighted_quantile(distances["distance"].to_numpy(), distances["w"].to_numpy(), 0.5)
    return samples, epsilon, distance, int(t) + 1, simulations


def _run(abc: Any, spec: Any, on_progress: OnProgress) -> Any:
    """``abc.run(...)`` with the spec's stopping rules, generation by generation with
    pyabc's own steps (``initialize_components_before_run``, ``run_generation``,
    ``check_terminate``, and ``run``'s clean-up: the history closed, the sampler
    stopped), reporting each finished generation. Returns the history."""
    t = abc.initialize_components_before_run(
        minimum_epsilon=spec.min_epsilon,
        max_nr_populations=spec.max_generations,
        min_acceptance_rate=0.0,
        max_total_nr_simulations=spec.max_simulations or np.inf,
        max_walltime=None,
        min_eps_diff=0.0,
    )
    total = spec.max_generations
    try:
        on_progress(Progress("fit", 0, total))
        while True:
            finished = abc.run_generation(t=t)
            if finished["successful"]:
                on_progress(
                    Progress(
                        "fit",
                        t + 1,
                        total,
                        epsilon=float(abc.eps(t)),
                        simulations=int(abc.history.total_nr_simulations),
                    )
                )
            if not finished["successful"] or abc.check_terminate(
                t=t, acceptance_rate=finished["acceptance_rate"]
            ):
                break
            t += 1
    finally:
        abc.history.done(end_time=datetime.now())
        abc.sampler.stop()
    return abc.history


def _fit(
    kind: str,
    problem: Problem,
    simulate: Callable[[dict[str, float], int], dict[str, np.ndarray]],
    observed_stats: dict[str, np.ndarray],
    observed: Any,
    workers: int,
    address: str | None,
    on_progress: OnProgress,
) -> Fit:
    """Run ABC-SMC and wrap its posterior as a Fit (predictive checks added by the caller)."""
    samples, epsilon, distance, generations, sims = _abc(
        problem, simulate, observed_stats, workers, address, on_progress
    )
    table = _table(problem, samples)
    return Fit(kind, problem, samples, table, epsilon, distance, generations, sims, observed)


def _draws(problem: Problem, samples: pd.DataFrame, label: str) -> list[dict[str, float]]:
    """Parameter values for predictive runs: from the posterior (weighted resampling)
    or the prior, from the calibration's own stream."""
    spec = problem.spec
    rng = np.random.default_rng(derive_seed(problem.config.experiment.seed, "calibration", label))
    n = spec.predictive_draws
    if label == "posterior":
        w = samples["weight"].to_numpy()
        rows = rng.choice(len(samples), size=n, p=w / w.sum())
        return [{k: float(samples[k].iloc[r]) for k in spec.params} for r in rows]
    out = []
    for _ in range(n):
        values = {}
        for key, prior in spec.params.items():
            u = rng.random()
            if prior.log:
                values[key] = float(
                    10 ** (np.log10(prior.low) + u * np.log10(prior.high / prior.low))
                )
            else:
                values[key] = float(prior.low + u * (prior.high - prior.low))
        out.append(values)
    return out


def _seed(problem: Problem, label: str, j: int) -> int:
    return derive_seed(problem.config.experiment.seed, "calibration", label, j)


def _predictive(
    problem: Problem, fit: Fit, run: Callable[[dict[str, float], int], Any], on_progress: OnProgress
) -> dict[str, list[Any]]:
    """The posterior- and prior-predictive runs (``run(values, seed)`` per draw), each
    reported as it finishes."""
    draws = {label: _draws(problem, fit.samples, label) for label in ("posterior", "prior")}
    total = sum(len(d) for d in draws.values())
    done, out = 0, {}
    for label, values in draws.items():
        out[label] = []
        for j, v in enumerate(values):
            out[label].append(run(problem.config_with(v), _seed(problem, label, j)))
            done += 1
            on_progress(Progress("check", done, total))
    return out


def calibrate_daily(
    problem: Problem,
    pilot: pd.DataFrame,
    *,
    workers: int = 1,
    address: str | None = None,
    on_progress: OnProgress = _ignore,
) -> Fit:
    """Fit the ``[calibration]`` parameters to a pilot's daily counts (``read_pilot``),
    reporting each generation and predictive run to ``on_progress``."""
    columns = tuple(c for c in pilot.columns if c != "day")
    days = problem.config.experiment.days
    if len(pilot) != days:
        raise ConfigError(f"the pilot table has {len(pilot)} days, the config {days}")
    observed = daily_stats(pilot[list(columns)].to_numpy(float), columns)

    def simulate(values: dict[str, float], seed: int) -> dict[str, np.ndarray]:
        return daily_stats(simulate_daily(problem.config_with(values), seed, columns), columns)

    fit = _fit("daily", problem, simulate, observed, pilot, workers, address, on_progress)

    def run(config: Any, seed: int) -> np.ndarray:
        return simulate_daily(config, seed, columns)

    for label, runs in _predictive(problem, fit, run, on_progress).items():
        fit.predictive[label] = np.stack(runs)  # draws × days × columns
    post = fit.predictive["posterior"]
    obs = pilot[list(columns)].to_numpy(float)
    for j, column in enumerate(columns):
        cum = np.cumsum(post[:, :, j], axis=1)
        lo, hi = np.quantile(cum, BAND, axis=0)
        inside = (np.cumsum(obs[:, j]) >= lo) & (np.cumsum(obs[:, j]) <= hi)
        fit.checks[f"{column}_cumulative_days_in_band"] = float(inside.mean())
    return fit


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (scipy's)."""
    from scipy.stats import ks_2samp

    return float(ks_2samp(np.asarray(a, float), np.asarray(b, float)).statistic)


def calibrate_cascades(
    problem: Problem,
    cascades: list[Cascade],
    *,
    min_size: int = 1,
    workers: int = 1,
    address: str | None = None,
    on_progress: OnProgress = _ignore,
) -> Fit:
    """Fit the ``[calibration]`` parameters to observed cascades (``read_cascades``),
    reporting each generation and predictive run to ``on_progress``."""
    days = problem.config.experiment.days
    curves = cascade_curves(cascades, days)
    keep = curves[:, -1] >= min_size
    if not keep.any():
        raise ConfigError(f"no observed cascade reaches {min_size} adopters within {days} days")
    curves = curves[keep]
    cascades = [c for c, k in zip(cascades, keep, strict=True) if k]
    roots = _observed_roots(problem, cascades)
    simulator = CascadeSimulator(problem, roots, min_size)
    observed = cascade_stats(curves)

    def simulate(values: dict[str, float], seed: int) -> dict[str, np.ndarray]:
        return cascade_stats(simulator(problem.config_with(values), seed))

    fit = _fit("cascades", problem, simulate, observed, curves, workers, address, on_progress)
    fit.checks["from_observed_first_adopters"] = float(roots is not None)
    fit.checks["observed_cascades"] = float(len(curves))
    for label, runs in _predictive(problem, fit, simulator, on_progress).items():
        fit.predictive[label] = runs  # one curves array per draw
        pooled = np.concatenate([r[:, -1] for r in runs]) if runs else np.zeros(0)
        if pooled.size:
            fit.checks[f"ks_size_{label}"] = ks_statistic(pooled, curves[:, -1])
    return fit


def _observed_roots(problem: Problem, cascades: list[Cascade]) -> np.ndarray | None:
    """Graph person numbers of the observed first adopters, if the graph has them all."""
    from sim.graphs import build_graph

    if problem.config.graph.kind != "edgelist":  # generated people are not those users
        return None
    graph = build_graph(problem.config, problem.config.experiment.seed)
    firsts = [c.users[0] for c in cascades]
    if graph.labels is None:
        labels = {str(i): i for i in range(graph.n)}
    else:
        labels = {str(x): i for i, x in enumerate(graph.labels.tolist())}
    if not all(f in labels for f in firsts):
        return None
    return np.array([labels[f] for f in firsts], dtype=np.int64)
