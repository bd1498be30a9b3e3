"""Maximum likelihood on log parameters, with intervals from the inverse Hessian.

Every parameter of both models is positive, so the search runs on log θ: L-BFGS-B
(scipy.optimize.minimize) from several starts, the best kept, then polished by Newton
steps on a finite-difference Hessian. The covariance of log θ is the inverse of the
Hessian of −log L at the maximum (the observed information). Reported:

* standard error of θ by the delta method, se(θ) = θ · se(log θ);
* a 90% interval exp(log θ̂ ± 1.645 · se(log θ)): the Wald interval on the log scale
  mapped back, so it stays positive and is skewed as the likelihood of a scale
  parameter usually is. It is not a profile-likelihood interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm

LEVEL = 0.90
Z = float(norm.ppf(0.5 + LEVEL / 2))  # 1.645 for a 90% interval
# The search box on log θ: 1e-6 .. 1e8 (days, yuan or none); an estimate on its edge
# means the data do not pin the parameter down (``Maximum.at_bound`` says so).
LOG_BOUNDS = (np.log(1e-6), np.log(1e8))
GRADIENT_STEP = 1e-5  # on log θ: central differences
HESSIAN_STEP = 1e-3  # on log θ: larger, as second differences lose more digits
AGREE = 1e-3  # log-likelihood units: starts within this of the best found the same maximum


@dataclass(frozen=True)
class Estimate:
    """One parameter's estimate, standard error and 90% interval, in ``unit``."""

    name: str
    value: float
    se: float
    low: float
    high: float
    unit: str = ""


@dataclass(frozen=True)
class Maximum:
    """The maximum of a log-likelihood over positive parameters."""

    names: tuple[str, ...]
    values: np.ndarray  # θ̂
    log_covariance: np.ndarray  # covariance of log θ̂ (inverse Hessian); NaN if not PD
    log_likelihood: float
    starts: int  # starts tried
    agreeing: int  # starts that reached the best maximum (within AGREE)
    at_bound: tuple[str, ...]  # parameters on the edge of the search box

    @property
    def positive_definite(self) -> bool:
        return bool(np.all(np.isfinite(self.log_covariance)))

    def estimate(self, name: str, unit: str = "") -> Estimate:
        i = self.names.index(name)
        return derived(name, self.values[i], np.eye(len(self.names))[i], self, unit)


def derived(
    name: str, value: float, log_gradient: np.ndarray, fit: Maximum, unit: str = ""
) -> Estimate:
    """A positive function g(θ) of the parameters, with ``log_gradient`` = ∂ log g / ∂ log θ
    at θ̂: its standard error by the delta method, its 90% interval on the log scale."""
    log_se = float(np.sqrt(log_gradient @ fit.log_covariance @ log_gradient))
    if not np.isfinite(log_se) or not np.isfinite(value) or value <= 0:
        return Estimate(name, float(value), float("nan"), float("nan"), float("nan"), unit)
    return Estimate(
        name,
        float(value),
        float(value * log_se),
        float(value * np.exp(-Z * log_se)),
        float(value * np.exp(Z * log_se)),
        unit,
    )


def maximise(
    log_likelihood: Callable[[np.ndarray], float],
    names: Sequence[str],
    starts: Sequence[Sequence[float]],
) -> Maximum:
    """Maximise ``log_likelihood(θ)`` over θ > 0 from each of ``starts`` (values of θ)."""

    def cost(phi: np.ndarray) -> float:
        value = log_likelihood(np.exp(phi))
        return -value if np.isfinite(value) else 1e300

    def gradient(phi: np.ndarray) -> np.ndarray:
        return _central_gradient(cost, phi, GRADIENT_STEP)

    bounds = [LOG_BOUNDS] * len(names)
    found = []
    for start in starts:
        phi0 = np.clip(np.log(np.asarray(start, dtype=float)), *LOG_BOUNDS)
        result = minimize(
            cost,
            phi0,
            jac=gradient,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-6},
        )
        found.append((float(result.fun), result.x))
    best_cost, phi = min(found, key=lambda item: item[0])
    phi, best_cost, hessian = _polish(cost, phi, best_cost)
    agreeing = sum(1 for c, _ in found if c - best_cost < AGREE)
    try:
        cholesky = np.linalg.cholesky(hessian)  # raises unless positive definite
        inverse = np.linalg.inv(cholesky)
        covariance = inverse.T @ inverse
    except np.linalg.LinAlgError:
        covariance = np.full_like(hessian, np.nan)
    edge = 1e-6
    at_bound = tuple(
        n
        for n, v in zip(names, phi, strict=True)
        if v < LOG_BOUNDS[0] + edge or v > LOG_BOUNDS[1] - edge
    )
    return Maximum(
        tuple(names), np.exp(phi), covariance, -best_cost, len(starts), agreeing, at_bound
    )


def _polish(
    cost: Callable[[np.ndarray], float], phi: np.ndarray, value: float, steps: int = 5
) -> tuple[np.ndarray, float, np.ndarray]:
    """Newton steps from L-BFGS-B's answer, each kept only if it lowers the cost: the
    maximum to many digits, so the Hessian is taken where the gradient is zero."""
    hessian = _central_hessian(cost, phi, HESSIAN_STEP)
    for _ in range(steps):
        try:
            step = np.linalg.solve(hessian, _central_gradient(cost, phi, GRADIENT_STEP))
        except np.linalg.LinAlgError:
            break
        trial = np.clip(phi - step, *LOG_BOUNDS)
        trial_value = cost(trial)
        if not trial_value < value:
            break
        phi, value = trial, trial_value
        hessian = _central_hessian(cost, phi, HESSIAN_STEP)
    return phi, value, hessian


def _central_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    grad = np.empty_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def _central_hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    n = len(x)
    hessian = np.empty((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h
        hessian[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h**2
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = h
            hessian[i, j] = hessian[j, i] = (
                f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
            ) / (4 * h**2)
    return hessian
