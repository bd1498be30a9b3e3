"""The stored-value card (储值卡, sim/lures/stored_value.py) pays for orders out of its
credit, costs the campaign only the credit used, reports what is left, and brings
holders back while credit is left: worked out by hand on a star of six friends where
everyone joins on day 1 (tests/test_incentives.py's set-up)."""

from __future__ import annotations

import numpy as np

from sim.experiment import run_experiment
from tests.test_incentives import STAR, run

EVERY_DAY = {"purchase_probability": {"payer": 1.0, "convertible": 0.0}}


def card(value: float, **extra: float) -> dict:
    return {"kind": "stored_value", "value": value, **extra}


def test_credit_below_one_order_is_used_on_the_first_order():
    m = run(STAR, behaviour=EVERY_DAY, lure=card(25.0))
    s = m.summary()
    assert s["lure_cost"] == 6 * 25.0  # six cards, each used up on day 2's order (60 yuan)
    assert s["stored_value_unspent"] == 0.0
    assert list(m.daily()["lure_paid"]) == [0, 150.0, 0, 0, 0, 0]


def test_credit_above_one_order_is_drawn_order_by_order():
    m = run(STAR, behaviour=EVERY_DAY, lure=card(100.0))
    # 60 yuan on day 2's order, the 40 left on day 3's
    assert list(m.daily()["lure_paid"]) == [0, 360.0, 240.0, 0, 0, 0]
    assert m.summary()["stored_value_unspent"] == 0.0


def test_unused_credit_costs_nothing_and_is_reported():
    s = run(STAR, lure=card(25.0)).summary()  # the default behaviour: payers buy at 4% a day
    never = run(
        STAR,
        behaviour={"purchase_probability": {"payer": 0.0, "convertible": 0.0}},
        lure=card(25.0),
    ).summary()
    assert never["lure_cost"] == 0.0 and never["stored_value_unspent"] == 6 * 25.0
    assert s["lure_cost"] + s["stored_value_unspent"] == 6 * 25.0


def test_credit_left_lifts_the_chance_of_an_order():
    half = {"purchase_probability": {"payer": 0.5, "convertible": 0.0}}
    lifted = run(STAR, days=12, behaviour=half, lure=card(10_000.0, purchase_lift=2.0))
    # min(1, 0.5 x 2) = 1: every holder orders every day from day 2
    assert lifted.summary()["revenue"] == 6 * 11 * 60.0
    plain = run(STAR, days=12, behaviour=half, lure=card(10_000.0, purchase_lift=1.0))
    orders = plain.summary()["revenue"] / 60.0
    # 66 chances at 0.5: 33 orders expected, sd 4.1; 66 would be 8 sd away
    assert 15 <= orders <= 51


def test_the_card_output_is_a_column_of_the_runs_table_only_where_used():
    base = {
        "experiment": {"days": 10, "replicates": 2},
        "graph": {"kind": "powerlaw_cluster", "n": 500, "m": 3, "p_triangle": 0.3},
        "seeds": {"count": 20},
        "lure": card(20.0),
        "scenarios": [{"name": "card", "set": {}}, {"name": "cash", "set": {"lure.kind": "cash"}}],
    }
    runs = run_experiment(base).runs.set_index("scenario")
    assert np.all(runs.loc["card", "stored_value_unspent"] >= 0)
    assert runs.loc["cash", "stored_value_unspent"].isna().all()
