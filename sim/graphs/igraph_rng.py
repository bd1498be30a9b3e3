"""igraph's one global random generator, seeded from a numpy generator for a block."""

from __future__ import annotations

import numpy as np


class _IgraphSeeded:
    """igraph has one global random generator: seed it from ours for the block, then restore."""

    def __init__(self, rng: np.random.Generator) -> None:
        import random

        self._random = random.Random(int(rng.integers(2**62)))

    def __enter__(self) -> None:
        import igraph as ig

        ig.set_random_number_generator(self._random)

    def __exit__(self, *exc: object) -> None:
        import random

        import igraph as ig

        ig.set_random_number_generator(random)
