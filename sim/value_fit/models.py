"""Fitting BG/NBD and Gamma-Gamma to per-customer summaries by maximum likelihood.

The inputs are arrays, one entry a customer, so a published summary (FHL's CDNOW
sample: x, t_x, T in weeks) is fitted as directly as one computed from an orders file
(``sim.value_fit.orders``). Customers with the same data are counted once, with a
weight: integer days repeat a lot, so a million customers cost a few thousand terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.value_fit.likelihood import (
    bg_nbd_log_likelihood,
    expected_purchases,
    gamma_gamma_log_likelihood,
    mean_order_value,
    probability_no_repeat,
)
from sim.value_fit.mle import Estimate, Maximum, derived, maximise

BG_NBD = ("r", "alpha", "a", "b")
GAMMA_GAMMA = ("p", "q", "gamma")


@dataclass(frozen=True)
class BgNbdFit:
    """BG/NBD fitted to ``customers`` customers; ``alpha`` in the unit of t_x and T."""

    maximum: Maximum
    customers: int
    repeat_purchases: int  # Σ x
    expected_repeat_purchases: float  # Σ E[X(T_i)] under the fit
    no_repeat: int  # customers with x = 0
    expected_no_repeat: float  # Σ P(X(T_i) = 0) under the fit

    @property
    def params(self) -> dict[str, float]:
        return dict(zip(BG_NBD, map(float, self.maximum.values), strict=True))

    def estimates(self, time_unit: str = "days") -> list[Estimate]:
        units = {"alpha": time_unit}
        return [self.maximum.estimate(n, units.get(n, "")) for n in BG_NBD]


@dataclass(frozen=True)
class GammaGammaFit:
    """Gamma-Gamma fitted to the ``customers`` with at least one repeat order."""

    maximum: Maximum
    customers: int
    observed_mean_value: float  # mean over those customers of their mean order value
    frequency_value_correlation: float  # Pearson r of x and z̄ (the model assumes ~0)

    @property
    def params(self) -> dict[str, float]:
        return dict(zip(GAMMA_GAMMA, map(float, self.maximum.values), strict=True))

    def estimates(self, currency: str = "yuan") -> list[Estimate]:
        units = {"gamma": currency}
        return [self.maximum.estimate(n, units.get(n, "")) for n in GAMMA_GAMMA]

    def mean_value(self, currency: str = "yuan") -> Estimate:
        """The mean value of an order pγ/(q−1), with its delta-method interval; its log
        has gradient (1, −q/(q−1), 1) in (log p, log q, log γ)."""
        p, q, gamma = self.maximum.values
        value = mean_order_value(p, q, gamma)
        gradient = np.array([1.0, -q / (q - 1.0), 1.0]) if q > 1 else np.full(3, np.nan)
        return derived("mean order value", value, gradient, self.maximum, currency)


def _unique(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of the columns and how many customers have each."""
    rows, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return rows, counts.astype(float)


def check_summary(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> None:
    """Raise ValueError unless 0 ≤ t_x ≤ age, x a whole number ≥ 0, t_x = 0 when x = 0."""
    if not (len(x) == len(t_x) == len(age)) or len(x) == 0:
        raise ValueError("x, t_x and age must be equally long and not empty")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(age))):
        raise ValueError("x, t_x and age must be finite")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("x must be whole numbers >= 0")
    if np.any(t_x < 0) or np.any(t_x > age):
        raise ValueError("0 <= t_x <= age for every customer")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("t_x must be 0 for customers with no repeat purchase")


def fit_bg_nbd(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> BgNbdFit:
    """BG/NBD by maximum likelihood from each customer's repeat purchases ``x``, recency
    ``t_x`` and ``age`` (FHL's T; one unit of time for both, which ``alpha`` then has)."""
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    check_summary(x, t_x, age)
    rows, weight = _unique(x, t_x, age)
    ux, ut, uage = rows.T

    def log_likelihood(theta: np.ndarray) -> float:
        return float(weight @ bg_nbd_log_likelihood(*theta, ux, ut, uage))

    # Starts around the data's own scale: α near the mean age per purchase.
    scale = max(float(np.mean(age)) / (float(np.mean(x)) + 1.0), 1e-3)
    starts = [
        (1.0, scale, 1.0, 1.0),
        (0.3, 0.3 * scale, 0.8, 2.5),
        (3.0, 3.0 * scale, 2.0, 5.0),
        (0.5, scale, 0.3, 0.3),
        (2.0, 0.5 * scale, 5.0, 20.0),
    ]
    maximum = maximise(log_likelihood, BG_NBD, starts)
    r, alpha, a, b = maximum.values
    return BgNbdFit(
        maximum,
        customers=len(x),
        repeat_purchases=int(x.sum()),
        expected_repeat_purchases=float(weight @ expected_purchases(uage, r, alpha, a, b)),
        no_repeat=int((x == 0).sum()),
        expected_no_repeat=float(weight @ probability_no_repeat(uage, r, alpha)),
    )


def fit_gamma_gamma(x: np.ndarray, mean_value: np.ndarray) -> GammaGammaFit:
    """Gamma-Gamma by maximum likelihood from customers' repeat orders ``x`` (≥ 1) and
    the mean value of those orders ``mean_value`` (yuan, > 0), as FHL fit it: the first
    order is left out, its value being often unlike a repeat order's."""
    x = np.asarray(x, dtype=float)
    z = np.asarray(mean_value, dtype=float)
    if len(x) != len(z) or len(x) < 2:
        raise ValueError("Gamma-Gamma needs at least two customers with repeat orders")
    if np.any(x < 1) or np.any(~np.isfinite(z)) or np.any(z <= 0):
        raise ValueError("Gamma-Gamma needs x >= 1 and a mean order value > 0")
    rows, weight = _unique(x, z)
    ux, uz = rows.T

    def log_likelihood(theta: np.ndarray) -> float:
        return float(weight @ gamma_gamma_log_likelihood(*theta, ux, uz))

    mean = float(np.mean(z))
    # γ = mean·(q−1)/p puts the start's mean order value on the data's
    starts = [
        (1.0, 2.0, mean),
        (5.0, 4.0, 0.6 * mean),
        (20.0, 10.0, 0.45 * mean),
        (2.0, 1.5, 0.25 * mean),
    ]
    maximum = maximise(log_likelihood, GAMMA_GAMMA, starts)
    correlation = float(np.corrcoef(x, z)[0, 1]) if np.ptp(x) > 0 and np.ptp(z) > 0 else 0.0
    return GammaGammaFit(maximum, len(x), mean, correlation)
