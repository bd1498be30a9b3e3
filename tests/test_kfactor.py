"""The K-factor as planners read it (new members per member, issue 17): the runs table's
``k_members``, ``k_seeds`` and ``k_kols`` and the generations table's K per generation,
on a graph where every number is known in advance (every invitation converts, everyone
shares once to all friends: the cascade is the graph's breadth-first tree)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.config import parse_config
from sim.model import ReferralModel
from tests.conftest import IC_BEHAVIOUR

# A seed at the root of a 3-ary tree of depth 3 (3, 9, 27 people below it) and, apart,
# a KOL at the root of a binary tree of depth 2 (2, 4).
SEED_TREE = nx.balanced_tree(3, 3)  # nodes 0 … 39, root 0
KOL_TREE = nx.balanced_tree(2, 2)  # nodes 40 … 46 after the union, root 40
FOREST = nx.disjoint_union(SEED_TREE, KOL_TREE)


@pytest.fixture(scope="module")
def forest_run() -> ReferralModel:
    data = {
        "experiment": {"days": 10},
        "graph": {"kind": "complete", "n": 100},  # replaced by FOREST
        "seeds": {"strategy": "list", "ids": [0]},
        "population": {
            "seed_share_multiplier": 1.0,
            "kol_count": 1,
            "kol_strategy": "list",
            "kol_ids": [40],
            "segment_mix": {"payer": 1.0, "convertible": 0.0, "junk": 0.0},
        },
        "behaviour": {**IC_BEHAVIOUR, "accept_probability": 1.0},
    }
    return ReferralModel(parse_config(data), rng=1, graph=FOREST).run()


def test_starters_and_members_k_on_known_trees(forest_run):
    s = forest_run.summary()
    assert s["joined"] == 39 + 6
    assert s["k_seeds"] == 3.0  # the seed brought its 3 children
    assert s["k_kols"] == 2.0  # the KOL its 2
    # generation 1 (3 + 2 members) brought 9 + 4
    assert s["k_members"] == pytest.approx((9 + 4) / (3 + 2))
    assert s["referral_share"] == pytest.approx(45 / 47)


def test_k_by_generation_on_known_trees(forest_run):
    table = forest_run.generations()
    assert table["members"].tolist() == [2, 3 + 2, 9 + 4, 27]
    expected = [5 / 2, 13 / 5, 27 / 13, 0.0]
    assert table["k_factor"].to_numpy() == pytest.approx(expected)


def test_k_of_members_above_one_when_every_member_brings_three():
    # a 3-ary tree seeded at its root (3, 9, 27, 81 below it): each member of generation
    # 1 brings 3. The average over everyone who joined would be (9 + 27 + 81) / 120 < 1.
    data = {
        "experiment": {"days": 10},
        "graph": {"kind": "complete", "n": 100},
        "seeds": {"strategy": "list", "ids": [0]},
        "population": {"seed_share_multiplier": 1.0},
        "behaviour": {**IC_BEHAVIOUR, "accept_probability": 1.0},
    }
    s = ReferralModel(parse_config(data), rng=1, graph=nx.balanced_tree(3, 4)).run().summary()
    assert s["k_members"] == 3.0 and s["k_seeds"] == 3.0
    assert np.isnan(s["k_kols"])


def test_k_of_members_is_undefined_without_a_first_generation():
    data = {
        "experiment": {"days": 3},
        "graph": {"kind": "complete", "n": 100},
        "seeds": {"strategy": "list", "ids": [0]},
        "population": {"seed_share_multiplier": 1.0},
        "behaviour": {**IC_BEHAVIOUR, "accept_probability": 1.0},
    }
    s = ReferralModel(parse_config(data), rng=1, graph=nx.empty_graph(5)).run().summary()
    assert s["joined"] == 0 and s["k_seeds"] == 0.0
    assert np.isnan(s["k_members"])
