"""Random streams: one root seed, one independent generator per kind of decision.

Every stochastic decision draws from its own named stream derived from the run's seed
with numpy's ``SeedSequence``. Adding a behaviour (a new stream) never shifts the
numbers another decision sees, and two scenarios that share a decision share its numbers
(common random numbers).

Traits of a person (their segment, their sharing propensity) are drawn differently: by a
counter-based generator keyed per trait, so person i's draw is a pure function of the
seed, the trait and i (``person_uniforms``). The engine then draws only the people a
campaign touches, in any order, and a person is the same person in every scenario. The
compiled phases' decisions (sharing, reach, acceptance, inviter) are counter-based too,
keyed per decision and day (``person_key``, ``splitmix``; see ``sim.kernels``).
"""

from __future__ import annotations

import numpy as np

# Seeds along a path of names need no numba: they live in sim.rootseed (which sim.study
# imports alone) and are re-exported here.
from sim.compiled import njit
from sim.rootseed import derive_seed as derive_seed
from sim.rootseed import name_key as name_key
from sim.rootseed import stream as stream

# The engine's own decisions drawn from generators; mechanisms declare theirs
# (``sim.mechanism.Mechanism.streams``). A name's stream depends only on the name.
STREAMS = ("graph", "groups", "kols", "seeds", "purchases")


class Streams:
    """Named generators of one run, created on first use: the engine's (``STREAMS``) and
    those the run's mechanisms declared (``declared``); any other name is a mistake."""

    def __init__(self, seed: int, declared: tuple[str, ...] = ()) -> None:
        self.seed = int(seed)
        self.names = frozenset((*STREAMS, *declared))
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self.names:
            raise KeyError(f"unknown random stream {name!r}")
        if name not in self._generators:
            self._generators[name] = stream(self.seed, name)
        return self._generators[name]


# SplitMix64 (Steele, Lea & Flood 2014): its i-th output from a key is a strong 64-bit
# mix of key + (i + 1) × golden gamma, so any person's draw is computed directly.
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def person_key(seed: int, trait: str, part: int = 0) -> np.uint64:
    """The 64-bit key of one trait's or compiled decision's counter-based draws in the run
    with this seed (traits "segments", "propensity"; decisions "sharing", "reach",
    "acceptance", "inviter"); ``part`` tells a trait's uniforms apart."""
    sequence = np.random.SeedSequence(int(seed), spawn_key=(name_key(trait), int(part)))
    return sequence.generate_state(1, np.uint64)[0]


@njit(inline="always")  # inlined into the kernels' loops
def splitmix(key: np.uint64, i: int) -> np.uint64:
    """SplitMix64's i-th 64-bit output under ``key`` (compiled)."""
    z = key + (np.uint64(i) + np.uint64(1)) * _GAMMA
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(inline="always")
def person_uniform(key: np.uint64, person: int) -> float:
    """Person ``person``'s uniform draw in [0, 1) under ``key`` (compiled; kernels call it)."""
    return float(splitmix(key, person) >> np.uint64(11)) * (1.0 / 9007199254740992.0)  # 2**-53


@njit
def _uniforms(key: np.uint64, people: np.ndarray) -> np.ndarray:
    out = np.empty(people.size, dtype=np.float64)
    for k in range(people.size):
        out[k] = person_uniform(key, people[k])
    return out


def person_uniforms(key: np.uint64, people: np.ndarray) -> np.ndarray:
    """Uniform draws in [0, 1), one per person number in ``people``, under ``key``."""
    return _uniforms(np.uint64(key), np.ascontiguousarray(people, dtype=np.int64))
