"""Seeds derived from a run's seed along a path of names: ``derive_seed`` and ``stream``.

They need numpy only. They live apart from ``sim.streams``, which compiles its
counter-based draws with numba, so that reading and expanding a study (``sim.study``,
``fission validate``) derives its replicates' seeds without importing numba;
``sim.streams`` re-exports them, and importing them from there works as before. (Named
for the root seed, not "seeding": ``sim.seeding`` chooses seed users.)
"""

from __future__ import annotations

import zlib

import numpy as np


def name_key(name: str) -> int:
    """The integer that stands for a name in a seed's path: its CRC-32."""
    return zlib.crc32(name.encode("utf-8"))


def derive_seed(seed: int, *path: int | str) -> int:
    """A 63-bit seed derived from ``seed`` along ``path`` (names or integers)."""
    key = tuple(name_key(p) if isinstance(p, str) else int(p) for p in path)
    state = np.random.SeedSequence(int(seed), spawn_key=key).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & ((1 << 63) - 1)


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator for one kind of decision in the run with this seed."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(name_key(name),)))
