"""Social graphs as compact arrays (CSR), from generators, edge-list files or networkx, and
the chat groups built on them.

* ``csr``: the ``Graph`` (CSR arrays, labels, its ``Community``), networkx conversion,
  ``require_people``.
* ``generators``: the random generators, ``generate`` (a graph from its config),
  ``graph_seed``, and ``build_graph`` with its per-process cache.
* ``edgelist``: ``read_edgelist``, SNAP-style edge lists and CSVs.
* ``groups``: Leiden ``communities``, ``hub_of``, and chat ``Groups`` (``build_groups``;
  ``groups_of`` keeps them with the graph).
* ``igraph_rng``: seeding igraph's global random generator from ours for a block.
"""

from sim.graphs.csr import Graph, require_people
from sim.graphs.edgelist import read_edgelist
from sim.graphs.generators import _GRAPH_CACHE as _GRAPH_CACHE
from sim.graphs.generators import build_graph, built_graphs, generate, graph_seed, keep_graphs
from sim.graphs.groups import Groups, build_groups, communities, groups_of, hub_of

__all__ = [
    "Graph",
    "Groups",
    "build_graph",
    "build_groups",
    "built_graphs",
    "communities",
    "generate",
    "graph_seed",
    "groups_of",
    "hub_of",
    "keep_graphs",
    "read_edgelist",
    "require_people",
]
