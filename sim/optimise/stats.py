"""Statistics of a candidate's replicates: mean and intervals, constraint violations, the
paired comparison of two candidates and the probability that each candidate is the best.

Candidates share their random numbers replicate by replicate (replicate r of every
candidate runs with ``derive_seed(root, "replicate", r)``), so two candidates are
compared on paired differences, and the resampling behind the probability of being best
reweights replicates jointly across candidates (it keeps the pairing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from sim.compare import paired_interval

CONFIDENCE = 0.95  # of the interval of a mean and of a paired difference
BAND = (0.05, 0.95)  # the spread of single runs, as everywhere in Fission
PROB_BEST_DRAWS = 4000


def describe(values: np.ndarray) -> dict[str, float]:
    """Mean, its 95% t-interval (``low``, ``high``), the 5th and 95th percentile of the
    runs, and the replicates (``n``) of one outcome; NaN runs (an undefined ratio) left
    out."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = values.size
    if n == 0:
        return {"mean": np.nan, "low": np.nan, "high": np.nan, "p5": np.nan, "p95": np.nan, "n": 0}
    mean = float(values.mean())
    half = np.inf
    if n > 1:
        se = float(values.std(ddof=1)) / np.sqrt(n)
        half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * se
    return {
        "mean": mean,
        "low": mean - half,
        "high": mean + half,
        "p5": float(np.quantile(values, BAND[0])),
        "p95": float(np.quantile(values, BAND[1])),
        "n": n,
    }


def loss_chance(values: np.ndarray) -> float:
    """Share of runs below zero (NaN runs left out; NaN when none is defined)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float((values < 0).mean()) if values.size else np.nan


def violations(constraints: dict[str, Any], outcomes: dict[str, np.ndarray]) -> list[float]:
    """One number per bound, in the outcome's unit (share for the loss chance): at most 0
    when the bound holds, the amount by which it is missed otherwise (Optuna's
    convention). An outcome with no defined run misses its bounds by infinity."""
    out: list[float] = []
    for name, bound in constraints.items():
        values = outcomes[name]
        summary = describe(values)
        mean, p5 = summary["mean"], summary["p5"]
        for limit, value, sign in (
            (bound.low, mean, -1.0),
            (bound.high, mean, 1.0),
            (bound.p5_low, p5, -1.0),
            (bound.loss_chance_high, loss_chance(values), 1.0),
        ):
            if limit is None:
                continue
            out.append(float(sign * (value - limit)) if np.isfinite(value) else float("inf"))
    return out


def paired_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``a − b`` over the replicates both have, and its 95% t-interval."""
    n = min(len(a), len(b))
    diff = np.asarray(a[:n], dtype=float) - np.asarray(b[:n], dtype=float)
    finite = diff[np.isfinite(diff)]
    mean = float(finite.mean()) if finite.size else np.nan
    low, high = paired_interval(diff, CONFIDENCE)
    return mean, float(low), float(high)


def prob_best(
    values: list[np.ndarray], higher_is_better: bool, seed: int, draws: int = PROB_BEST_DRAWS
) -> np.ndarray:
    """The probability that each candidate has the best mean, by a Bayesian bootstrap
    over replicates: each draw weights replicate r by the same Dirichlet weight in every
    candidate (common random numbers: the pairing is kept), and a candidate's mean is
    over the replicates it has. Deterministic in ``seed``."""
    width = max(len(v) for v in values)
    matrix = np.full((len(values), width), np.nan)
    for i, v in enumerate(values):
        matrix[i, : len(v)] = v
    present = np.isfinite(matrix)
    filled = np.where(present, matrix, 0.0)
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(width), size=draws)  # draws × replicates
    totals = weights @ present.T.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (weights @ filled.T) / totals  # draws × candidates
    means = np.where(np.isfinite(means), means, -np.inf if higher_is_better else np.inf)
    best = means.argmax(axis=1) if higher_is_better else means.argmin(axis=1)
    return np.bincount(best, minlength=len(values)) / draws
