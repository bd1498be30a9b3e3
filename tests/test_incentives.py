"""Each lure and reward rule pays exactly what it promises, on graphs small enough to
work out by hand: every invitation converts (accept_probability 1) and everyone shares
once, to all friends, the day after joining."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.config import ConfigError, parse_config
from sim.model import ReferralModel
from tests.conftest import IC_BEHAVIOUR

CERTAIN = {**IC_BEHAVIOUR, "accept_probability": 1.0}


def run(graph: nx.Graph, days: int = 6, behaviour=None, **sections) -> ReferralModel:
    data = {
        "experiment": {"days": days},
        "graph": {"kind": "complete", "n": 100},
        "seeds": {"strategy": "list", "ids": [0]},
        "population": {
            "seed_share_multiplier": 1.0,
            "segment_mix": {"payer": 1.0, "convertible": 0.0, "junk": 0.0},
        },
        "behaviour": {**CERTAIN, **(behaviour or {})},
        **sections,
    }
    return ReferralModel(parse_config(data), rng=1, graph=graph).run()


STAR = nx.star_graph(6)  # person 0 with six friends who know no one else
PATH = nx.path_graph(5)  # 0 - 1 - 2 - 3 - 4


def test_star_everyone_joins_on_day_one():
    m = run(STAR)
    s = m.summary()
    assert s["joined"] == s["joined_via_referral"] == 6
    assert list(m.daily()["new_joins"]) == [6, 0, 0, 0, 0, 0]
    assert s["total_cost"] == 0 and s["referral_share"] == 6 / 7
    assert s["k_seeds"] == 6 and s["k_members"] == 0 and np.isnan(s["k_kols"])
    assert np.isnan(s["cost_per_paying"])  # no price when nothing was spent, not 0


def test_cash_lure_pays_each_invitee_on_joining():
    s = run(STAR, lure={"kind": "cash", "value": 5.0}).summary()
    assert s["lure_cost"] == 30.0 and s["reward_cost"] == 0.0


def test_free_content_costs_per_joiner():
    assert run(STAR, lure={"kind": "free_content", "value": 2.5}).summary()["lure_cost"] == 15.0


def test_lottery_lure_with_certain_win_pays_the_prize():
    s = run(STAR, lure={"kind": "lottery", "value": 8.0, "win_probability": 1.0}).summary()
    assert s["lure_cost"] == 48.0
    assert (
        run(STAR, lure={"kind": "lottery", "value": 8.0, "win_probability": 0.0}).summary()[
            "lure_cost"
        ]
        == 0.0
    )


def test_coupon_costs_only_when_used_and_lifts_first_purchase():
    buying = {"purchase_probability": {"payer": 1.0, "convertible": 0.0}}
    m = run(STAR, behaviour=buying, lure={"kind": "coupon", "value": 10.0})
    s = m.summary()
    daily = m.daily()
    assert s["lure_cost"] == 60.0  # six coupons, all used on day 2
    assert list(daily["new_paying"]) == [0, 6, 0, 0, 0, 0]
    assert s["revenue"] == 6 * 5 * 60.0  # everyone buys every day from day 2
    unused = run(STAR, lure={"kind": "coupon", "value": 10.0}).summary()
    assert unused["lure_cost"] == 0.0


def test_referrer_reward_and_cap():
    m = run(STAR, reward={"rule": "referrer", "amount": 3.0})
    assert m.summary()["reward_cost"] == 18.0 and m.reward_earned[0] == 18.0
    capped = run(STAR, reward={"rule": "referrer", "amount": 3.0, "cap_per_person": 10.0})
    assert capped.reward_earned[0] == 10.0 and capped.summary()["reward_cost"] == 10.0


def test_double_sided_pays_both():
    m = run(STAR, reward={"rule": "double_sided", "amount": 3.0, "invitee_amount": 2.0})
    assert m.summary()["reward_cost"] == 18.0 + 12.0
    assert m.reward_earned[0] == 18.0 and np.all(m.reward_earned[1:] == 2.0)


def test_tiered_bonus_at_each_threshold_once():
    tiers = [
        {"invites": 3, "bonus": 10.0},
        {"invites": 5, "bonus": 20.0},
        {"invites": 7, "bonus": 99.0},
    ]
    m = run(STAR, reward={"rule": "tiered", "amount": 1.0, "tiers": tiers})
    assert m.summary()["reward_cost"] == 6 * 1.0 + 10.0 + 20.0


def test_multi_level_pays_three_levels_up_the_chain():
    m = run(PATH, reward={"rule": "multi_level", "level_amounts": [4.0, 2.0, 1.0]})
    # 1 joins: 0 gets 4; 2 joins: 1 gets 4, 0 gets 2; 3: 2, 1, 0 get 4, 2, 1; 4: 3, 2, 1
    assert list(m.reward_earned) == [7.0, 7.0, 6.0, 4.0, 0.0]
    assert m.summary()["max_generation"] == 4


def test_more_than_three_levels_is_refused():
    with pytest.raises(ConfigError, match=r"reward: .*at most 3 levels"):
        run(PATH, reward={"rule": "multi_level", "level_amounts": [4.0, 2.0, 1.0, 0.5]})


def test_leaderboard_pays_after_the_last_day_by_rank():
    graph = nx.star_graph(6)
    graph.add_edges_from([(1, 7), (1, 8)])  # person 1 invites two more on day 2
    m = run(graph, reward={"rule": "leaderboard", "prizes": [50.0, 30.0, 10.0]})
    assert m.reward_earned[0] == 50.0 and m.reward_earned[1] == 30.0
    assert m.summary()["reward_cost"] == 80.0  # no third inviter
    assert list(m.daily()["reward_paid"]) == [0, 0, 0, 0, 0, 80.0]


def test_reward_on_first_purchase_skips_people_who_never_buy():
    junk = {"payer": 0.0, "convertible": 0.0, "junk": 1.0}
    rule = {"rule": "referrer", "amount": 3.0, "pay_on": "first_purchase"}
    data = {"population": {"seed_share_multiplier": 1.0, "segment_mix": junk}}
    assert run(STAR, reward=rule, **data).summary()["reward_cost"] == 0.0
    buying = {"purchase_probability": {"payer": 1.0, "convertible": 0.0}}
    m = run(STAR, behaviour=buying, reward=rule)
    assert m.summary()["reward_cost"] == 18.0
    assert list(m.daily()["reward_paid"]) == [0, 18.0, 0, 0, 0, 0]


def test_budget_stops_payments_at_the_first_that_does_not_fit():
    m = run(STAR, reward={"rule": "referrer", "amount": 3.0, "budget": 10.0})
    s = m.summary()
    assert s["reward_cost"] == 9.0 and s["budget_exhausted_day"] == 1
    assert m.daily()["budget_left"].iloc[-1] == 1.0


def test_group_buy_pays_when_the_group_fills_in_time():
    lure = {"kind": "group_buy", "value": 4.0, "group_size": 3, "window_days": 2}
    assert run(STAR, lure=lure).summary()["lure_cost"] == 12.0
    # on a path, each member brings only one friend: no group ever fills
    assert run(PATH, lure=lure).summary()["lure_cost"] == 0.0


def test_bargain_cuts_the_price_per_help_up_to_the_floor():
    lure = {"kind": "bargain", "value": 2.0, "max_helps": 4}
    m = run(STAR, lure=lure)
    assert m.summary()["lure_cost"] == 8.0


def test_kol_fee_outside_the_budget():
    m = run(
        STAR,
        population={
            "kol_count": 1,
            "kol_fee": 500.0,
            "kol_ids": [3],
            "kol_strategy": "list",
            "seed_share_multiplier": 1.0,
        },
        reward={"rule": "referrer", "amount": 1.0, "budget": 100.0},
    )
    s = m.summary()
    assert s["kol_cost"] == 500.0 and m.budget.spent == s["reward_cost"] <= 100.0


def test_lure_appeal_by_segment_follows_the_evidence():
    # cash appeals most to junk, coupons most to payers (domain §3.4)
    from sim.incentives import make_lure

    def lure(**table):
        return make_lure(parse_config({"lure": table}).lure, 1)

    cash = lure(kind="cash", value=10.0).appeal()
    coupon = lure(kind="coupon", value=10.0).appeal()
    assert np.argmax(cash) == 2 and np.argmax(coupon) == 0
    assert list(cash) == [1.5, 1.75, 4.0]  # 1 + strength * 10 / (10 + 10)
    none = lure(kind="none").appeal()
    assert list(none) == [1.0, 1.0, 1.0]
