"""What is worked out once per social graph and kept with it for every replicate on it.

A ``Community`` belongs to one ``sim.graphs.Graph`` (``graph.community``) and lives as
long as the graph does: ``sim.graphs.build_graph`` keeps the last four graphs of a
process, so an experiment's replicates, scenarios and sweep points on one graph share
it, and it goes when its graph is dropped. Each field has one owner that fills it; the
others only read it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(eq=False)
class Community:
    """The graph's derived data, each field with its owner.

    Attributes:
        lookup: input id -> person number, for graphs with labels (``Graph.index_of``).
        partitions: Leiden community labels by seed (``sim.graphs.communities``).
        groups: chat groups by their settings and seed, None for "no groups"
            (``sim.graphs.Groups``; filled by ``sim.model``).
        seed_choices: optimised seed choices and CELF runs, at most a few, least
            recently used first (``sim.influence.choose``).
        spare_states: per-person states handed back by finished replicates for the next
            one (``sim.state.PeopleState``; at most ``sim.state.MAX_SPARES``).
    """

    lookup: dict[Any, int] | None = None
    partitions: dict[int, np.ndarray] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)
    seed_choices: OrderedDict[str, Any] = field(default_factory=OrderedDict)
    spare_states: list[Any] = field(default_factory=list)
