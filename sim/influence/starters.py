"""Who starts a replicate, whatever the strategy: chosen before its model is built.

The experiment chooses each replicate's KOLs and seed users here and hands them to
``ReferralModel`` as a list (``starters=``), so building a model never builds other
models (CELF on the simulator runs campaigns). The draws are the model's own: the
``kols`` and ``seeds`` streams of the run's seed, and the community seed of its graph.
"""

from __future__ import annotations

from sim.config import Config
from sim.graphs import Graph, graph_seed
from sim.influence.choose import optimised_seeds
from sim.seeding import OPTIMISING, Starters, choose_kols, choose_seeds
from sim.streams import stream


def choose_starters(config: Config, graph: Graph, seed: int) -> Starters:
    """The KOLs and seed users of the run with this seed on this graph."""
    kols = choose_kols(config, graph, stream(seed, "kols"))
    community_seed = graph_seed(config, seed)
    if config.seeds.strategy in OPTIMISING:
        seeds = optimised_seeds(config, graph, kols, community_seed)
    else:
        seeds = choose_seeds(config, graph, kols, stream(seed, "seeds"), community_seed)
    return Starters(kols, seeds)
