"""Buying in living groups (docs/model.md §4.1, §4.4, §4.8): the groups' factor on their
people's buying over campaign + horizon, through the value models' machinery (exactly, on
the value model alone); the existing customers in the groups and what the groups add to
their margin, counted in profit; events lifting purchases over the horizon."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config import parse_config
from sim.model import ReferralModel
from sim.value import CustomerView, GroupBuying, make_value
from tests.test_value import expected_purchases

MIXED = {"direct": 0.5, "feed": 0.3, "group": 0.2}


def living(n: int = 3000, **extra: object) -> dict:
    """Overrides of a campaign with living random groups of about 50 people."""
    return {
        "graph.n": n,
        "groups.source": "random",
        "groups.mean_size": 50.0,
        "groups.lifecycle": True,
        "behaviour.channel": MIXED,
        "seeds.count": 30,
        **extra,
    }


# ------------------------------------------- the value model alone: one group each


def one_group_each(
    people: int, last: int, dies_after: int, slow: float, lift: np.ndarray | None = None
) -> GroupBuying:
    """Person i alone in group i, alive on days 1 … ``dies_after`` and dead after (its
    factor ``slow``), lifted on living days by ``lift`` (by day) when given."""
    alive = np.zeros((people, last + 1), dtype=bool)
    alive[:, : dies_after + 1] = True
    lifted = np.zeros((0, 0), dtype=np.float32)
    if lift is not None:
        lifted = np.repeat(lift[None, :].astype(np.float32), people, axis=0)
    weeks = -(-last // 7)
    return GroupBuying(
        indptr=np.arange(people + 1),
        group=np.arange(people),
        until=np.full(people, last + 1),
        alive=alive,
        lift=lifted,
        event=np.ones(last + 1),
        slow=slow,
        plain_from=np.full(people, last + 1),
        home=np.arange(people),
        week_orders=np.zeros((weeks, people)),
        week_revenue=np.zeros((weeks, people)),
        dead_from=np.full(people, dies_after + 1),
    )


def customers_bought(value_table: dict, groups: GroupBuying, last: int, rate: float):
    """Each customer's orders as their group moved them, and the baseline's, from the
    value model of ``value_table`` (everyone a customer from day 1 to ``last``)."""
    config = parse_config({"experiment": {"days": 10}, "value": value_table})
    people = groups.home.size
    value = make_value(config.value, people, config.behaviour, config.experiment.days)
    value.start(seed=11)
    books = value.existing_customers(
        CustomerView(np.arange(people), np.full(people, float(last)), rate, groups, -(-last // 7))
    )
    moved = books.week_orders.sum(axis=0)
    baseline = moved - books.week_incremental.sum(axis=0)
    return moved, baseline, books, value


def z_score(orders: np.ndarray, expected: np.ndarray) -> float:
    """The sum of (orders − expected) over independent customers in units of its
    estimated standard error."""
    return (orders - expected).sum() / math.sqrt(((orders - expected) ** 2).sum())


CDNOW_SHAPES = (0.243, 0.793, 2.426)  # heavy-tailed rates, a quarter drop out per order
STEADY = (20.0, 2.0, 2000.0)  # rates alike, almost nobody drops out: orders ∝ time


@pytest.mark.parametrize(
    ("dies_after", "slow", "lifted", "shapes"),
    [
        (10, 0.8, False, STEADY),
        (200, 1.0, True, STEADY),
        (40, 0.5, False, CDNOW_SHAPES),
        (0, 0.0, False, CDNOW_SHAPES),
    ],
    ids=["dies on day 10", "alive, lifted on even days", "dies, CDNOW shapes", "dead at once"],
)
def test_a_groups_factor_is_a_time_change_of_bg_nbd_exactly(dies_after, slow, lifted, shapes):
    # BG/NBD in operational time: a customer whose buying is × m(d) on day d buys what an
    # unmoved one buys over M(t) = Σ m(d) days, so E[orders] = E[X(M(T))] (Fader, Hardie
    # & Lee 2005) with the customers' shapes (the payer's r, a, b; α = r ÷ 0.05), and the
    # baseline (never moved) E[X(T)]. 40,000 customers each; the sums of (orders − E) are
    # within 4 estimated standard errors (a false alarm 6e-5). With steady customers (r
    # 20: rates alike; b 2000: hardly any dropout) a clock 2% fast or slow is 7 to 8 SE
    # out (measured); CDNOW's dropouts make orders insensitive to time (the same error is
    # under 1 SE): they check the dropouts.
    last, rate = 120, 0.05
    r, a, b = shapes
    lift = None
    if lifted:
        lift = np.where(np.arange(last + 1) % 2 == 0, 1.0, 0.0)  # × 2 on even days
    groups = one_group_each(40000, last, dies_after, slow, lift)
    table = {
        "model": "bg_nbd",
        "horizon_days": last - 10,
        "spend": "fixed",
        "payer": {"r": r, "a": a, "b": b},
    }
    moved, baseline, books, _ = customers_bought(table, groups, last, rate)
    days = np.arange(1, last + 1)
    factor = np.where(days <= dies_after, 1.0, slow)
    if lift is not None:
        factor = factor * (1.0 + lift[1:])
    operational = factor.sum()
    alpha = r / rate
    if operational == 0:  # a factor 0 from day 1: nobody buys
        assert moved.sum() == 0
    else:
        assert abs(z_score(moved, expected_purchases(operational, r, alpha, a, b))) < 4
    assert abs(z_score(baseline, expected_purchases(float(last), r, alpha, a, b))) < 4
    assert books.orders == moved.sum()
    assert books.incremental_orders == moved.sum() - baseline.sum()


@pytest.mark.parametrize(("dies_after", "slow"), [(30, 0.5), (0, 0.0)])
def test_the_daily_model_buys_its_chance_times_the_days_factor(dies_after, slow):
    # The daily model: a customer buys on each day with 0.05 × m(d): orders ~ a sum of
    # Bernoullis with mean 0.05 × (days alive + slow × days dead). 4,000 customers: the
    # sum is within 4 binomial standard deviations (a false alarm 6e-5).
    last, rate = 100, 0.05
    groups = one_group_each(4000, last, dies_after, slow)
    moved, baseline, books, value = customers_bought(
        {"model": "daily", "horizon_days": last - 10}, groups, last, rate
    )
    chances = np.r_[np.full(dies_after, rate), np.full(last - dies_after, rate * slow)]
    mean, variance = 4000 * chances.sum(), 4000 * (chances * (1 - chances)).sum()
    assert abs(moved.sum() - mean) <= 4 * math.sqrt(variance)
    base_mean = 4000 * rate * last
    assert abs(baseline.sum() - base_mean) < 4 * math.sqrt(base_mean * (1 - rate))
    # Fixed order value (60 yuan), margin 0.35, 10% a year: the incremental margin is the
    # extra orders' margin discounted from their days; undiscounted, it is by day.
    assert books.incremental_margin < 0
    assert value.incremental_by_day.sum() == pytest.approx(
        (moved.sum() - baseline.sum()) * 60 * 0.35
    )


# ---------------------------------------------------------- the model: the wiring


def test_existing_customers_are_a_share_of_the_groups_people_and_buy_their_chance():
    # Groups that never die (threshold 0), no events, no activity lift: the groups move
    # nobody, so nothing is incremental, exactly; existing customers (half the people in
    # groups, seeds excepted) buy 0.05 a day from day 1 until they join or the last day:
    # a sum of Bernoullis, within 4 standard deviations.
    over = living(
        4000,
        **{
            "groups.dead_threshold": 0.0,
            "groups.customer_share": 0.5,
            "groups.customer_purchase_probability": 0.05,
            "experiment.days": 20,
            "value.horizon_days": 60,
        },
    )
    model = ReferralModel(rng=3, **over).run()
    s = model.summary()
    customers = model.group_life.customers
    assert 0 < model.member[customers].sum() < customers.size  # some joined the campaign
    assert (model.role[customers] == 0).all()  # no seed is an existing customer
    # 3,970 people who are not seeds: half of them, within 4 binomial SDs (sd 31.5)
    assert abs(s["existing_customers"] - 3970 / 2) < 4 * math.sqrt(3970 / 4)
    assert s["existing_customers"] == customers.size
    until = np.where(model.member[customers], model.day_joined[customers], 80)
    mean = 0.05 * until.sum()
    assert abs(s["existing_customer_orders"] - mean) < 4 * math.sqrt(mean * 0.95)
    assert s["incremental_orders"] == 0 and s["incremental_margin"] == 0.0
    weeks = model.group_weeks()
    assert weeks["customer_orders"].sum() == s["existing_customer_orders"]
    assert (weeks["incremental_orders"] == 0).all()


def test_what_the_groups_add_to_existing_customers_is_counted_in_profit():
    # Activities every day by diligent owners keep every group at activity 1, and
    # activity lifts buying × (1 + 0.5 × activity): the customers buy more. With no
    # purchase lift of activity and no commission the customers change nothing else: the
    # runs differ in profit by exactly the incremental margin.
    over = living(
        3000,
        **{
            "groups.owner_diligence": 1.0,
            "groups.activities_per_week": 7,
            "groups.activity_lift": 1.0,
            "groups.purchase_lift": 0.0,
            "groups.activity_purchase_lift": 0.5,
            "groups.customer_purchase_probability": 0.05,
            "experiment.days": 20,
            "value.horizon_days": 40,
        },
    )
    without = ReferralModel(rng=5, **over).run().summary()
    model = ReferralModel(rng=5, **(over | {"groups.customer_share": 0.5})).run()
    s = model.summary()
    assert s["joined"] == without["joined"] and s["total_cost"] == without["total_cost"]
    assert s["profit"] - without["profit"] == pytest.approx(s["incremental_margin"], rel=1e-9)
    # From day 2 every group is at activity 1: each customer buys 0.05 × 1.5 a day (day 1:
    # × (1 + 0.5 × its first activity)); the baseline 0.05. The extra orders' expectation
    # is 0.025 × the customer-days from day 2, and its variance at most the two counts'.
    customers = model.group_life.customers
    until = np.where(model.member[customers], model.day_joined[customers], 60)
    extra = 0.025 * (until - 1).sum()
    assert extra > 500
    spread = math.sqrt(2 * (s["existing_customer_orders"] + 0.05 * until.sum()))
    day_one = 0.025 * customers.size  # at most what day 1 adds
    assert -4 * spread < s["incremental_orders"] - extra < 4 * spread + day_one
    assert s["incremental_margin"] > 0


def test_dead_groups_lose_existing_customers_sales_and_profit():
    # Every group dies at the end of day 1 (threshold 1, one quiet day): from day 2 on its
    # customers buy × dead_purchase_factor 0.5, also after drifting out of it; they lose
    # half their orders (within 4 SD of the difference, bounded as in the last test).
    over = living(
        3000,
        **{
            "groups.dead_threshold": 1.0,
            "groups.dead_after_days": 1,
            "groups.dead_purchase_factor": 0.5,
            "groups.customer_share": 0.5,
            "groups.customer_purchase_probability": 0.05,
            "experiment.days": 10,
            "value.horizon_days": 90,
        },
    )
    model = ReferralModel(rng=8, **over).run()
    s = model.summary()
    customers = model.group_life.customers
    until = np.where(model.member[customers], model.day_joined[customers], 100)
    lost = -0.025 * (until - 1).sum()
    spread = math.sqrt(2 * (s["existing_customer_orders"] + 0.05 * until.sum()))
    assert abs(s["incremental_orders"] - lost) < 4 * spread
    assert s["incremental_margin"] < 0


def test_the_owners_commission_is_paid_on_existing_customers_sales_too():
    # Groups that never die; everyone in one group. A 10% commission on the group's sales:
    # its campaign members' orders (campaign days) and its existing customers' (fixed
    # order value 60 yuan).
    over = living(
        2000,
        **{
            "groups.commission": 0.1,
            "groups.dead_threshold": 0.0,
            "groups.customer_share": 0.3,
        },
    )
    model = ReferralModel(rng=5, **over).run()
    s = model.summary()
    weeks = model.group_weeks()
    customers = 60.0 * s["existing_customer_orders"]
    assert s["existing_customer_orders"] > 50
    assert weeks["commission"].sum() == pytest.approx(0.1 * (s["revenue"] + customers))
    assert s["owner_cost"] == pytest.approx(weeks["commission"].sum())


def test_events_lift_purchases_over_the_horizon_as_on_campaign_days():
    # Groups that never die, the daily model, events on three horizon days with a
    # purchase lift of 3: on those days every member buys with 3 × their daily chance
    # (payers 0.04, convertibles 0.006), on the days around them with 1 ×. Sums of
    # Bernoullis over three days, within 4 standard deviations.
    over = living(
        4000,
        **{
            "groups.dead_threshold": 0.0,
            "groups.event_days": [45, 60, 75],
            "groups.event_purchase_lift": 3.0,
            "groups.event_cost": 0.0,
            "experiment.days": 30,
            "value.horizon_days": 60,
            "external.daily_rate": 0.02,
        },
    )
    model = ReferralModel(rng=12, **over).run()
    joiners = np.flatnonzero(model.member & (model.role == 0))
    chance = np.array([0.04, 0.006, 0.0])[model.segment[joiners]].sum()
    orders = model.value.by_day[0]  # by horizon day: day 31 is 0
    for days, lift in (([45, 60, 75], 3.0), ([44, 61, 74], 1.0)):
        seen = orders[np.array(days) - 31].sum()
        mean = 3 * lift * chance
        assert abs(seen - mean) < 4 * math.sqrt(mean), (days, seen, mean)
