"""What members are worth (sim.value, docs/model.md §8): the exact BG/NBD special case,
the daily model over a horizon, the books (profit, payback, weeks), the counter-based
draws, and the published directions of the referral effects."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import hyp2f1

from sim.config import ConfigError, parse_config
from sim.model import ReferralModel
from sim.streams import person_key
from sim.value.traits import betas, gammas
from tests.conftest import EXPERIMENTS

DAYS, HORIZON = 20, 150
NO_EFFECTS = {
    "referred_spend_premium": 0.0,
    "referred_dropout_factor": 1.0,
    "referrer_dropout_factor": 1.0,
    "reward_quality_loss": 0.0,
    "cash_hunter_exit": 0.0,
}
# Everyone a payer, members joining on every day (outside channel and referrals), no
# lure (nothing lifts a purchase), a fixed order value.
EXACT = {
    "experiment": {"days": DAYS, "write_members": True},
    "graph": {"kind": "erdos_renyi", "n": 20000, "mean_degree": 4},
    "population": {"segment_mix": {"payer": 1.0, "convertible": 0.0, "junk": 0.0}},
    "seeds": {"count": 10},
    "external": {"daily_rate": 0.01},
}


def expected_purchases(t: np.ndarray, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """Fader, Hardie & Lee (2005), eq. 9: E[X(t)] of a customer alive at time 0."""
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def members_of(config: dict, seed: int) -> tuple[ReferralModel, object]:
    model = ReferralModel(parse_config(config), rng=seed).run()
    members = model.members()
    return model, members[members.role == "member"]


# ------------------------------------------------------------ the exact special case


@pytest.mark.parametrize(
    ("r", "alpha", "a", "b"),
    [(0.243, 30.898, 0.793, 2.426), (1.5, 20.0, 1.2, 3.0), (0.5, 10.0, 2.5, 5.0)],
)
def test_bg_nbd_members_buy_exactly_fader_hardie_lee_expected_purchases(r, alpha, a, b):
    # A member who joined on day j buys from day j + 1 to the horizon's end: over
    # t = DAYS + HORIZON − j days they make E[X(t)] purchases in expectation. The sum of
    # (orders − E[X]) over ~3,700 independent members, divided by its estimated standard
    # error, is within 4: a false alarm has probability 6e-5, while a process off by 2%
    # of the mean (a rate or dropout slightly wrong) is about 3 to 5 SE out and a wrong
    # exposure (one day more or less for everyone) far more.
    value = {"model": "bg_nbd", "horizon_days": HORIZON, "spend": "fixed", **NO_EFFECTS}
    value["payer"] = {"r": r, "alpha": alpha, "a": a, "b": b}
    _, members = members_of({**EXACT, "value": value}, seed=7)
    exposure = (DAYS + HORIZON - members.day_joined.to_numpy()).astype(float)
    expected = expected_purchases(exposure, r, alpha, a, b)
    orders = members.orders.to_numpy()
    assert members.shape[0] > 3000
    z = (orders - expected).sum() / math.sqrt(((orders - expected) ** 2).sum())
    assert abs(z) < 4, (orders.mean(), expected.mean(), z)


def test_daily_model_over_a_horizon_buys_its_daily_chance_every_day():
    # The daily model: a payer buys with 0.04 a day, every day from joining to the
    # horizon's end, never dropping out: orders ~ Binomial(exposure, 0.04) exactly.
    # Same 4-SE tolerance as above.
    chance = 0.04
    config = {**EXACT, "value": {"model": "daily", "horizon_days": HORIZON}}
    _, members = members_of(config, seed=11)
    exposure = DAYS + HORIZON - members.day_joined.to_numpy()
    orders = members.orders.to_numpy()
    expected = exposure * chance
    z = (orders.sum() - expected.sum()) / math.sqrt((exposure * chance * (1 - chance)).sum())
    assert abs(z) < 4, z
    assert members.alive_at_horizon.all()  # nobody drops out


# ------------------------------------------------------------ the books


VALUE_CAMPAIGN = {
    "experiment": {"days": 15, "write_members": True},
    "graph": {"kind": "powerlaw_cluster", "n": 3000, "m": 4, "p_triangle": 0.3},
    "seeds": {"count": 30},
    "population": {"kol_count": 2, "kol_fee": 100.0},
    "external": {"daily_rate": 0.002},
    "lure": {"kind": "coupon", "value": 10.0},
    "reward": {"rule": "referrer", "amount": 5.0, "budget": 2000.0},
    "value": {"model": "bg_nbd", "horizon_days": 200, "discount_rate": 0.0},
}


@pytest.fixture(scope="module")
def valued() -> ReferralModel:
    return ReferralModel(parse_config(VALUE_CAMPAIGN), rng=5).run()


def test_the_books_add_up(valued):
    s = valued.summary()
    members = valued.members()
    joined = members[members.role == "member"]
    weeks = valued.weeks()
    # Orders: the members' own, the campaign's and the weeks' agree.
    assert s["orders_total"] == joined.orders.sum()
    campaign_orders = int(joined.purchases.sum())
    assert campaign_orders + weeks.orders.sum() == s["orders_total"]
    assert s["revenue_total"] == pytest.approx(s["revenue"] + weeks.revenue.sum(), rel=1e-12)
    # No discounting: the discounted margin is the margin, the profit margin − costs.
    assert s["discounted_margin"] == pytest.approx(s["margin_total"], rel=1e-12)
    assert s["profit"] == pytest.approx(s["margin_total"] - s["total_cost"], rel=1e-12)
    assert s["clv"] == pytest.approx(s["discounted_margin"] / s["joined"])
    assert s["ltv_cac"] == pytest.approx(s["discounted_margin"] / s["total_cost"])
    assert s["paying_total"] == (joined.orders > 0).sum() >= s["paying"]
    # The weeks: 200 days are 28 full weeks and one of 4 days; the alive only fall.
    assert list(weeks.week) == list(range(1, 30))
    assert weeks.last_day.iloc[-1] == 15 + 200
    assert (np.diff(weeks.alive) <= 0).all()
    assert weeks.alive.iloc[-1] == s["alive_at_horizon"] == joined.alive_at_horizon.sum()
    assert weeks.cumulative_margin.iloc[-1] == pytest.approx(s["margin_total"], rel=1e-12)


def test_payback_day_is_where_cumulative_margin_first_covers_the_cost(valued):
    s = valued.summary()
    weeks = valued.weeks()
    day = s["payback_day"]
    assert day is not None and day > 15  # the campaign's own 15 days do not pay it back
    # The week that holds the payback day is the first whose cumulative margin covers it.
    covered = weeks[weeks.cumulative_margin >= s["total_cost"]]
    first_week = covered.iloc[0]
    assert first_week.last_day - 7 < day <= first_week.last_day


def test_discounting_takes_a_yuan_t_days_out_at_the_yearly_rate():
    # One fixed-value order per day for a payer (chance 1): with a 10% yearly rate the
    # discounted margin of a member is Σ margin × 1.1^(−t/365) over their order days.
    config = {
        "experiment": {"days": 5, "write_members": True},
        "graph": {"kind": "erdos_renyi", "n": 200, "mean_degree": 3},
        "population": {"segment_mix": {"payer": 1.0, "convertible": 0.0, "junk": 0.0}},
        "seeds": {"count": 5},
        "behaviour": {"purchase_probability": {"payer": 1.0, "convertible": 0.0}},
        "value": {"model": "daily", "horizon_days": 30, "discount_rate": 0.1},
    }
    _, members = members_of(config, seed=3)
    for row in members.head(20).itertuples():
        days = np.arange(row.day_joined + 1, 5 + 30 + 1)
        assert row.orders == days.size
        expected = (60.0 * 0.35 * 1.1 ** (-days / 365.0)).sum()
        assert row.discounted_margin == pytest.approx(expected, rel=1e-12)


def test_no_horizon_keeps_the_campaign_window_and_writes_no_weeks():
    config = {**VALUE_CAMPAIGN, "value": {"model": "daily"}}
    model = ReferralModel(parse_config(config), rng=5).run()
    s = model.summary()
    assert s["revenue_total"] == s["revenue"]
    assert s["orders_total"] == model.members().purchases.sum()
    assert model.weeks().empty


# ------------------------------------------------------------ the draws


def test_counter_based_gamma_and_beta_draws_have_their_distributions():
    # 200,000 draws per shape; the Kolmogorov-Smirnov p-value is uniform under the true
    # distribution, so p > 1e-4 fails falsely once in 10,000, while a sampler off in
    # shape by 2% gives p far below that at this size.
    people = np.arange(200_000)
    key = person_key(1, "test")
    for shape in (0.243, 0.793, 2.5, 6.25):
        draws = gammas(key, people, shape)
        assert stats.kstest(draws, stats.gamma(shape).cdf).pvalue > 1e-4, shape
    draws = betas(key, people, 0.793, 2.426)
    assert stats.kstest(draws, stats.beta(0.793, 2.426).cdf).pvalue > 1e-4
    # A person's draw is theirs whoever else is drawn (common random numbers).
    assert gammas(key, people[5:10], 2.5).tolist() == gammas(key, people, 2.5)[5:10].tolist()


def test_the_gamma_squeeze_gives_the_draws_of_the_exact_test_alone():
    # Marsaglia and Tsang's squeeze skips the exact test's logarithms for most draws; it
    # must change no draw (results stay bit-identical). The reference below is the
    # sampler without the squeeze. A million people per shape: the squeeze decides about
    # 98% of them, a draw that crossed the margin would show as a different float.
    import numba

    from sim.value.sampling import uniform

    @numba.njit
    def exact_only(key, people, shape):
        out = np.empty(people.size)
        for k in range(people.size):
            counter, a, boost = 0, shape, 1.0
            if a < 1.0:
                boost = uniform(key, people[k], counter) ** (1.0 / a)
                counter += 1
                a += 1.0
            d = a - 1.0 / 3.0
            c = 1.0 / math.sqrt(9.0 * d)
            while True:
                u1 = uniform(key, people[k], counter)
                u2 = uniform(key, people[k], counter + 1)
                u = uniform(key, people[k], counter + 2)
                counter += 3
                x = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
                v = 1.0 + c * x
                if v <= 0.0:
                    continue
                v = v * v * v
                if math.log(u) < 0.5 * x * x + d - d * v + d * math.log(v):
                    out[k] = boost * d * v
                    break
        return out

    people = np.arange(1_000_000)
    key = person_key(2, "squeeze")
    for shape in (0.001, 0.243, 0.793, 1.0, 2.426, 40.0, 1e6):
        assert np.array_equal(gammas(key, people, shape), exact_only(key, people, shape)), shape


def test_a_member_is_the_same_customer_in_every_scenario():
    # Two campaigns that differ in their lure: whoever joins both has the same buying
    # rate, dropout and spend (counter-based traits).
    one = ReferralModel(parse_config(VALUE_CAMPAIGN), rng=9).run()
    other = parse_config({**VALUE_CAMPAIGN, "lure": {"kind": "cash", "value": 3.0}})
    two = ReferralModel(other, rng=9).run()
    both = np.intersect1d(
        one._joiners[: one._cumulative_joined], two._joiners[: two._cumulative_joined]
    )
    assert both.size > 30
    assert (one.value.rate[both] == two.value.rate[both]).all()
    # Spend differs only by the referral effects: compare those who came on their own.
    own = both[(one.inviter[both] < 0) & (two.inviter[both] < 0)]
    assert own.size >= 5
    assert (one.value.scale[own] == two.value.scale[own]).all()


# ------------------------------------------------------------ published directions


def _means(config: dict, replicates: int = 4) -> dict[str, float]:
    rows = [
        ReferralModel(parse_config(config), rng=100 + r).run().summary() for r in range(replicates)
    ]
    return {k: float(np.mean([row[k] for row in rows])) for k in ("joined", "clv", "profit")}


# A campaign that spreads well (thousands of joiners among 20,000 people), so that the
# directions below are several standard errors wide.
DIRECTIONS = {
    "experiment": {"days": 20},
    "graph": {"kind": "powerlaw_cluster", "n": 20000, "m": 4, "p_triangle": 0.3},
    "seeds": {"count": 50},
    "behaviour": {"accept_probability": 0.25, "share_probability": 0.8, "sharer_share": 0.5},
    "lure": {"kind": "coupon", "value": 10.0},
    "reward": {"rule": "referrer", "amount": 6.0},
    "value": {"model": "bg_nbd", "horizon_days": 365},
}


def test_a_bigger_cash_reward_brings_more_joins_but_less_value_per_member():
    # Wolters, Schulze & Gedenk (2020); reward hunters (§3.4). 4 replicates of about
    # 3,000 joiners on common random numbers; measured: a referrer reward of 20 yuan
    # instead of 2 brings 17% more joins at 16% less value per member, a cash lure of 20
    # instead of 2 3.4 times the joins at 6% less. The thresholds keep half of each gap.
    small = {**DIRECTIONS, "reward": {"rule": "referrer", "amount": 2.0}}
    big = {**DIRECTIONS, "reward": {"rule": "referrer", "amount": 20.0}}
    low, high = _means(small), _means(big)
    assert high["joined"] > 1.08 * low["joined"]
    assert high["clv"] < 0.92 * low["clv"]
    cash_small = {**DIRECTIONS, "lure": {"kind": "cash", "value": 2.0}}
    cash_big = {**DIRECTIONS, "lure": {"kind": "cash", "value": 20.0}}
    low, high = _means(cash_small), _means(cash_big)
    assert high["joined"] > 1.5 * low["joined"]
    assert high["clv"] < 0.97 * low["clv"]


def test_referred_members_outlive_outside_joiners():
    # Schmitt, Skiera & Van den Bulte (2011): the retention advantage persists. A
    # customer's chance of dropping out after an order is lower for referred members:
    # dropouts per order, over thousands of orders (members who referred anyone are
    # left out: their own factor applies). Expected ratio 0.8 (referred_dropout_factor);
    # the binomial standard errors of the two rates are about 5% of them, so < 0.9 is
    # a clear margin, and a model without the effect (ratio 1) fails it.
    config = {
        **DIRECTIONS,
        "experiment": {"days": 20, "write_members": True},
        "external": {"daily_rate": 0.003},
        "population": {"segment_mix": {"payer": 1.0, "convertible": 0.0, "junk": 0.0}},
    }
    rates = {}
    for factor in (0.8, 1.0):
        dropouts, orders = {True: 0, False: 0}, {True: 0, False: 0}
        value = {**config["value"], "referred_dropout_factor": factor}
        for seed in range(2):
            _, members = members_of({**config, "value": value}, seed)
            customers = members[(members.orders > 0) & (members.invites == 0)]
            for referred in (True, False):
                who = customers[customers.inviter.notna() == referred]
                dropouts[referred] += int((~who.alive_at_horizon).sum())
                orders[referred] += int(who.orders.sum())
        assert min(dropouts.values()) > 400
        rates[factor] = (dropouts[True] / orders[True]) / (dropouts[False] / orders[False])
    assert rates[0.8] < 0.9
    assert 0.9 < rates[1.0] < 1.1


def test_members_who_refer_drop_out_less():
    # Garnefeld et al. (2013): churn 19% → 7% a year for referrers.
    config = {
        **DIRECTIONS,
        "experiment": {"days": 20, "write_members": True},
        "population": {"segment_mix": {"payer": 1.0, "convertible": 0.0, "junk": 0.0}},
    }
    _, members = members_of(config, seed=1)
    customers = members[members.orders > 1]
    referrers = customers[customers.invites > 0]
    others = customers[customers.invites == 0]
    assert min(len(referrers), len(others)) > 200
    assert referrers.alive_at_horizon.mean() > others.alive_at_horizon.mean() + 0.05


def test_a_referred_members_dropout_is_the_factor_times_an_outside_joiners():
    # Dropouts are Beta(a, b) draws; a referred member's is referred_dropout_factor
    # times theirs (0.8 by default, 1 switched off). Members who referred someone are
    # left out (their own factor). Two-sample KS at p > 1e-4 (false alarm 1 in 10,000).
    config = {
        **DIRECTIONS,
        "external": {"daily_rate": 0.003},
        "population": {"segment_mix": {"payer": 1.0, "convertible": 0.0, "junk": 0.0}},
    }
    for factor in (0.8, 1.0):
        value = {"model": "bg_nbd", "horizon_days": 30, "referred_dropout_factor": factor}
        model = ReferralModel(parse_config({**config, "value": value}), rng=4).run()
        joiners = model._joiners[: model._cumulative_joined]
        joiners = joiners[model.invites[joiners] == 0]
        referred = joiners[model.inviter[joiners] >= 0]
        outside = joiners[model.inviter[joiners] < 0]
        assert min(referred.size, outside.size) > 500
        scaled = model.value.dropout[referred] / factor
        assert stats.ks_2samp(scaled, model.value.dropout[outside]).pvalue > 1e-4
        assert (
            not stats.ks_2samp(
                model.value.dropout[referred] / 0.5, model.value.dropout[outside]
            ).pvalue
            > 1e-4
        )  # the check can fail


# ------------------------------------------------------------ buyers by person number


def _tables(model: ReferralModel) -> list:
    return [pd.DataFrame([model.summary()]), model.daily(), model.members(), model.generations()]


def test_buyers_by_person_number_give_exactly_the_tables_of_buyers_in_join_order(monkeypatch):
    """BG/NBD's daily passes take the buyers by person number (``sim.buyers``); what
    follows the orders (coupons paid on a first order until the budget runs out, the
    groups' commission, revenue summed) takes them back in join order. Equal to the
    bit with the pool switched off, on a campaign where that order matters: the budget
    runs out during the campaign, living groups lift buying and earn commission."""
    from sim.value.bg_nbd import BgNbdValue

    data = tomllib.loads((EXPERIMENTS / "groups.toml").read_text(encoding="utf-8"))
    del data["scenarios"]
    data["graph"]["n"] = 3000
    data["experiment"]["write_members"] = True
    data["groups"].update(activities_per_week=2, commission=0.1)
    data["reward"]["budget"] = 1500.0
    config = parse_config(data)
    pooled = ReferralModel(config, rng=11).run()
    assert pooled._buyer_pool is not None and pooled.budget.exhausted_day is not None
    assert pooled.summary()["orders_total"] > 300
    monkeypatch.setattr(BgNbdValue, "draws_by_person", False)
    in_join_order = ReferralModel(config, rng=11).run()
    assert in_join_order._buyer_pool is None
    for got, want in zip(_tables(pooled), _tables(in_join_order), strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_orders_taken_with_their_chance_in_one_pass_equal_the_two_passes(monkeypatch):
    """Nothing lifts the chance (a cash lure, no groups): BG/NBD takes each buyer's chance
    in its orders pass (``orders_today(view)``). Equal to the bit to asking for the chance
    first and handing it over as both chance and lifted chance, as a lure that lifts
    buying is asked."""
    from sim.lures.base import Lure

    data = tomllib.loads((EXPERIMENTS / "default.toml").read_text(encoding="utf-8"))
    data["graph"]["n"] = 3000
    data["experiment"]["write_members"] = True
    data["lure"] = {"kind": "cash", "value": 8.0}
    config = parse_config(data)
    assert not ReferralModel(config, rng=4).lure.lifts_purchases
    one_pass = ReferralModel(config, rng=4).run()
    assert one_pass.summary()["orders_total"] > 200
    monkeypatch.setattr(Lure, "lifts_purchases", property(lambda self: True))
    two_passes = ReferralModel(config, rng=4).run()
    for got, want in zip(_tables(one_pass), _tables(two_passes), strict=True):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_the_buyer_pool_is_sorted_and_gives_back_join_order():
    from sim.buyers import BuyerPool

    pool = BuyerPool()
    joiners = np.array([40, 7, 93, 12, 55, 3])
    assert pool.today(joiners[:0]).tolist() == []
    assert pool.today(joiners[:3]).tolist() == [7, 40, 93]
    assert pool.today(joiners).tolist() == [3, 7, 12, 40, 55, 93]
    bought = np.isin(pool.sorted, [3, 12, 40, 93])
    assert pool.sorted[bought][pool.join_order(bought)].tolist() == [40, 93, 12, 3]


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"horizon_days": -1}, "horizon_days"),
        ({"discount_rate": math.inf}, "discount_rate"),
        ({"model": "bg_nbd", "spend_q": 1.0}, "spend_q"),
        ({"model": "bg_nbd", "payer": {"r": 0.0}}, "r"),
        ({"model": "lifetimes"}, "value"),
        ({"model": "daily", "payer": {"r": 1.0}}, "payer"),
    ],
)
def test_bad_value_tables_are_refused_naming_the_field(value, field):
    with pytest.raises(ConfigError, match=field):
        parse_config({"value": value})
