"""Each member's buying traits, drawn once when they join: counter-based Gamma and Beta
draws (``sim.value.sampling``), so a person's traits are a pure function of the run's
seed, the trait and the person, the same in every scenario of a study."""

from __future__ import annotations

import numpy as np

from sim.compiled import njit
from sim.value.sampling import beta, gamma


@njit
def _gammas(key: np.uint64, people: np.ndarray, shape: float) -> np.ndarray:
    out = np.empty(people.size)
    for k in range(people.size):
        out[k], _ = gamma(key, people[k], 0, shape)
    return out


@njit
def _betas(key: np.uint64, people: np.ndarray, a: float, b: float) -> np.ndarray:
    out = np.empty(people.size)
    for k in range(people.size):
        out[k], _ = beta(key, people[k], 0, a, b)
    return out


def gammas(key: np.uint64, people: np.ndarray, shape: float) -> np.ndarray:
    """A Gamma(shape, 1) draw per person in ``people`` under the trait's ``key``."""
    return _gammas(np.uint64(key), np.ascontiguousarray(people, dtype=np.int64), float(shape))


def betas(key: np.uint64, people: np.ndarray, a: float, b: float) -> np.ndarray:
    """A Beta(a, b) draw per person in ``people`` under the trait's ``key``."""
    return _betas(np.uint64(key), np.ascontiguousarray(people, dtype=np.int64), float(a), float(b))
