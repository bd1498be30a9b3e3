"""Campaigns on real social networks from data/graphs (SNAP ego-Facebook,
email-Eu-core): what must hold there, checked exactly where the model allows."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.config import parse_config
from sim.model import ReferralModel
from tests.conftest import IC_BEHAVIOUR

IC = IC_BEHAVIOUR


def edgelist_config(path, directed: bool, t: float, seeds: dict, days: int = 40) -> dict:
    return {
        "experiment": {"days": days},
        "graph": {"kind": "edgelist", "path": str(path), "directed": directed},
        "seeds": seeds,
        "population": {"seed_share_multiplier": 1.0},
        "behaviour": {**IC, "accept_probability": t},
    }


@pytest.fixture(scope="module")
def email(graphs_dir):
    return nx.read_edgelist(
        graphs_dir / "email-Eu-core.txt.gz", nodetype=int, create_using=nx.DiGraph
    )


def test_facebook_loads_with_snap_statistics(graphs_dir):
    cfg = parse_config(
        edgelist_config(graphs_dir / "facebook_combined.txt.gz", False, 0.1, {"count": 1})
    )
    m = ReferralModel(cfg, rng=1)
    assert m.graph.n == 4039 and m.graph.n_edges == 88_234
    assert m.graph.out_degree().max() == 1045
    assert m.graph.label_of(np.argmax(m.graph.out_degree())) == 107


def test_certain_cascade_on_facebook_reaches_everyone_at_bfs_distance(graphs_dir):
    # T = 1: everyone reachable joins, and each joins on the day equal to their
    # shortest-path distance from the seed (one day per hop), as generation = distance.
    cfg = parse_config(
        edgelist_config(
            graphs_dir / "facebook_combined.txt.gz", False, 1.0, {"strategy": "list", "ids": [0]}
        )
    )
    m = ReferralModel(cfg, rng=1).run()
    fb = nx.read_edgelist(graphs_dir / "facebook_combined.txt.gz", nodetype=int)
    distance = nx.single_source_shortest_path_length(fb, 0)
    members = m.members().set_index("node")
    assert len(members) == 4039
    assert all(members.loc[node, "generation"] == d for node, d in distance.items())
    assert all(members.loc[node, "day_joined"] == d for node, d in distance.items())


def test_directed_email_shares_flow_only_along_out_edges(graphs_dir, email):
    # T = 1 from one sender: the members are exactly the sender's out-reachable set.
    seed = 160
    cfg = parse_config(
        edgelist_config(
            graphs_dir / "email-Eu-core.txt.gz", True, 1.0, {"strategy": "list", "ids": [seed]}
        )
    )
    m = ReferralModel(cfg, rng=2).run()
    members = set(m.members()["node"])
    assert members == nx.descendants(email, seed) | {seed}
    assert m.graph.n == 1005
    assert m.graph.n_edges == 25_571 - 642  # self-loops dropped


def test_directed_email_every_invitation_follows_an_edge(graphs_dir, email):
    # The best-connected seeds, so that every run takes off (five random seeds may have
    # 17 out-edges between them: no referral at all 42% of the time at T = 0.05).
    cfg = parse_config(
        edgelist_config(
            graphs_dir / "email-Eu-core.txt.gz", True, 0.05, {"strategy": "top_degree", "count": 5}
        )
    )
    for seed in range(5):
        table = ReferralModel(cfg, rng=seed).run().members()
        referred = table[table["inviter"].notna()]
        assert len(referred) > 50
        assert all(
            email.has_edge(int(u), int(v))
            for u, v in zip(referred["inviter"], referred["node"], strict=True)
        )


def test_a_sender_nobody_hears_brings_no_one(graphs_dir, email):
    silent = [n for n in email if email.out_degree(n) - email.has_edge(n, n) == 0]
    assert silent, "email-Eu-core has people who never wrote to anyone"
    cfg = parse_config(
        edgelist_config(
            graphs_dir / "email-Eu-core.txt.gz", True, 1.0, {"strategy": "list", "ids": silent[:3]}
        )
    )
    assert ReferralModel(cfg, rng=1).run().summary()["joined"] == 0


def test_top_degree_seeds_beat_random_seeds_on_facebook(graphs_dir):
    # With T = 0.01 (subcritical on most of the graph) top-degree seeds reach far more
    # people: their 5 seeds have 1,045 + 792 + ... friends vs a mean degree of 44.
    def mean_joined(strategy: str) -> float:
        cfg = parse_config(
            edgelist_config(
                graphs_dir / "facebook_combined.txt.gz",
                False,
                0.01,
                {"strategy": strategy, "count": 5},
            )
        )
        return float(
            np.mean([ReferralModel(cfg, rng=r).run().summary()["joined"] for r in range(30)])
        )

    top, random = mean_joined("top_degree"), mean_joined("random")
    assert top > 3 * random
    # expected first-generation joins from top seeds alone: 0.01 * their degrees
    assert top > 0.01 * (1045 + 792 + 755 + 547 + 347) * 0.9
