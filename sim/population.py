"""Who the people are: each person's segment and sharing propensity.

Both are drawn per person from counter-based streams (``sim.streams.person_uniforms``), so
a person's traits are a pure function of the run's seed and the person's number. The
model draws them only for the people a campaign touches (members when they join, and the
people invited, whose segment decides the lure's appeal, drawn inside the delivery
kernel): a campaign that reaches 50,000 people of a million draws 50,000, not a million.
And the same seed gives the same people in every scenario, whatever the scenario does
(common random numbers)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from sim.agents import ROLE_CLASSES
from sim.compiled import njit
from sim.config import Config
from sim.streams import person_key, person_uniform, person_uniforms


@njit(inline="always")
def segment_of(u: float, cuts: np.ndarray) -> int:
    """The segment a uniform u in [0, 1) picks: how many of the cumulative shares
    (payer, payer + convertible) it passes (compiled; the delivery kernel calls it)."""
    return 0 if u < cuts[0] else 1 if u < cuts[1] else 2


@njit
def _segments(key: np.uint64, cuts: np.ndarray, people: np.ndarray) -> np.ndarray:
    out = np.empty(people.size, dtype=np.int8)
    for k in range(people.size):
        out[k] = segment_of(person_uniform(key, people[k]), cuts)
    return out


class Population:
    """The draws of one run's people (segments: the 271 mix; propensities: domain §3.1)."""

    def __init__(self, config: Config, seed: int) -> None:
        mix = config.population.segment_mix
        self.segment_cuts = np.array([mix.payer, mix.payer + mix.convertible])
        self.segment_key = person_key(seed, "segments")
        b = config.behaviour
        self.sharer_share = b.sharer_share
        self.share_probability = b.share_probability
        self.sigma = b.propensity_sigma
        self._sharer_key = person_key(seed, "propensity", 0)
        self._rate_key = person_key(seed, "propensity", 1)
        self._always = np.array([c.always_shares for c in ROLE_CLASSES])
        self._multiplier = np.array([c.share_multiplier(config) for c in ROLE_CLASSES])

    def segment(self, people: np.ndarray) -> np.ndarray:
        """Each person's segment (0 payer, 1 convertible, 2 junk; ``sim.agents.Segment``)."""
        people = np.ascontiguousarray(people, dtype=np.int64)
        return _segments(np.uint64(self.segment_key), self.segment_cuts, people)

    def propensity(self, people: np.ndarray, role: np.ndarray) -> np.ndarray:
        """Each person's daily chance of sharing at full activity and no reward
        (probability per day, before the cap at 1).

        Most people never share (a share ``sharer_share`` do, and seeds and KOLs always);
        sharers' rates are log-normal with mean ``share_probability`` and log-sd
        ``propensity_sigma``, a heavy tail of broadcasters; the role multiplies it.
        """
        people = np.asarray(people, dtype=np.int64)
        rate = self.share_probability
        if self.sigma > 0:
            # Inverse-CDF normals: one uniform each, monotone in it.
            z = ndtri(person_uniforms(self._rate_key, people))
            rate = rate * np.exp(self.sigma * z - self.sigma**2 / 2)
        rate = rate * self._multiplier[role]
        if self.sharer_share < 1:
            drawn = person_uniforms(self._sharer_key, people) < self.sharer_share
            rate[~(self._always[role] | drawn)] = 0.0
        return rate
