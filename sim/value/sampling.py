"""Counter-based draws for the value models: gamma, beta, Poisson and geometric
variates that are pure functions of (key, person, counter).

Why by hand: numpy's generators are sequential, so a person's buying rate would depend
on who else joined before them, and two scenarios would give the same person different
customers. Here, as for the engine's traits (``sim.streams``), person i's k-th uniform
under a key is SplitMix64's output number ``i × STRIDE + k``: a person is the same
customer in every scenario of a study (common random numbers), whatever the order the
engine visits people in. numba compiles these into the loops that use them.

Each person owns ``STRIDE`` = 2^32 counters under a key; callers give each use its own
range (a campaign day's draws, the horizon's draws; see ``sim.value.orders``).
"""

from __future__ import annotations

import math

import numpy as np

from sim.compiled import njit
from sim.streams import person_uniform

STRIDE = np.uint64(1) << np.uint64(32)  # counters per person under one key


@njit(inline="always")
def uniform(key: np.uint64, person: int, counter: int) -> float:
    """A uniform in (0, 1): never 0, so that its logarithm is finite."""
    index = np.uint64(person) * STRIDE + np.uint64(counter)
    u = person_uniform(key, index)
    return u if u > 0.0 else 2.0**-54


@njit
def gamma(key: np.uint64, person: int, counter: int, shape: float) -> tuple[float, int]:
    """A Gamma(shape, 1) variate (Marsaglia & Tsang 2000) and the next free counter.

    Shapes below 1 use Gamma(shape) = Gamma(shape + 1) × U^(1/shape) (Marsaglia & Tsang,
    §6). Normal variates come from Box-Muller on two uniforms.

    Their squeeze, u < 1 − 0.0331 x⁴, accepts about 98% of candidates without the two
    logarithms of the exact test; it lies inside the exact test's region, and the margin
    keeps it inside once rounded (the exact test's rounding error is below 2e-15 × (d +
    10√d + 45), far under it), so every draw is the one the exact test alone gives,
    bit for bit (tests/test_value.py compares them). 20% less time a draw."""
    boost = 1.0
    if shape < 1.0:
        boost = uniform(key, person, counter) ** (1.0 / shape)
        counter += 1
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    squeeze = 1.0 - 1e-12 * (1.0 + d)
    while True:
        u1 = uniform(key, person, counter)
        u2 = uniform(key, person, counter + 1)
        u = uniform(key, person, counter + 2)
        counter += 3
        x = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        x2 = x * x
        if u < squeeze - 0.0331 * x2 * x2:
            return boost * d * v, counter
        if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
            return boost * d * v, counter


@njit
def beta(key: np.uint64, person: int, counter: int, a: float, b: float) -> tuple[float, int]:
    """A Beta(a, b) variate as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b); the next counter."""
    x, counter = gamma(key, person, counter, a)
    y, counter = gamma(key, person, counter, b)
    total = x + y
    return (x / total if total > 0.0 else 0.5), counter


@njit(inline="always")
def geometric(key: np.uint64, person: int, counter: int, chance: float) -> int:
    """The number of the first success in trials of probability ``chance`` (1, 2, ...)."""
    if chance >= 1.0:
        return 1
    u = uniform(key, person, counter)
    return math.floor(math.log(u) / math.log1p(-chance)) + 1


@njit
def poisson(key: np.uint64, person: int, counter: int, mean: float) -> tuple[int, int]:
    """A Poisson(mean) count, as the arrivals of a rate-``mean`` process in a unit of
    time (exact for any mean; a day's orders have means far below 1, so it costs one
    uniform almost always), and the next free counter."""
    count = 0
    t = -math.log(uniform(key, person, counter)) / mean if mean > 0.0 else 2.0
    counter += 1
    while t <= 1.0:
        count += 1
        t -= math.log(uniform(key, person, counter)) / mean
        counter += 1
    return count, counter
