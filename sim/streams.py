"""Random streams: one root seed, one independent generator per kind of decision.

Every stochastic decision draws from its own named stream derived from the run's seed
with numpy's ``SeedSequence``. Adding a behaviour (a new stream) never shifts the
numbers another decision sees, and two scenarios that share a decision share its numbers
(common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

# The kinds of decision; a name's stream depends only on the name, not on this order.
STREAMS = (
    "graph",
    "groups",
    "segments",
    "propensity",
    "kols",
    "seeds",
    "external",
    "sharing",
    "reach",
    "acceptance",
    "inviter",
    "payments",
    "lottery",
    "purchases",
)


def _key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def derive_seed(seed: int, *path: int | str) -> int:
    """A 63-bit seed derived from ``seed`` along ``path`` (names or integers)."""
    key = tuple(_key(p) if isinstance(p, str) else int(p) for p in path)
    state = np.random.SeedSequence(int(seed), spawn_key=key).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator for one kind of decision in the run with this seed."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(_key(name),)))


class Streams:
    """Named generators of one run, created on first use."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in STREAMS:
            raise KeyError(f"unknown random stream {name!r}")
        if name not in self._generators:
            self._generators[name] = stream(self.seed, name)
        return self._generators[name]
