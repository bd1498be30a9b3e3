"""Chat groups that live and die (sim/groups) and the store channel
(sim/channels/store.py): the exact survival of the decay process, survival falling with
the activity budget, what groups and stores cost, screening, and groups.parquet."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiment import run_experiment
from sim.groups import survival_without_lifts
from sim.groups.activity import scheduled
from sim.model import ReferralModel
from sim.roles import CameBy, Segment
from sim.study import parse_study

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


def test_an_activity_schedule_spreads_its_days_over_each_week():
    assert [d for d in range(1, 15) if scheduled(d, 1)] == [7, 14]
    assert [d for d in range(1, 15) if scheduled(d, 2)] == [4, 7, 11, 14]
    assert [d for d in range(1, 8) if scheduled(d, 7)] == list(range(1, 8))
    assert not any(scheduled(d, 0) for d in range(1, 30))


def test_without_activities_and_shares_groups_die_as_the_decay_process_says_exactly():
    # Nothing lifts activity: A(t) = A0 x 2^(-t/h), A0 ~ Beta(0.6, 0.6); a group dies on
    # its 7th day in a row below 0.05. 4,000 groups (n = 40,000 in groups of about 10).
    over = living(
        40_000,
        **{
            "groups.mean_size": 10.0,
            "groups.activities_per_week": 0,
            "groups.share_lift": 0.0,
            "groups.purchase_lift": 0.0,
            "experiment.days": 20,
            "value.horizon_days": 40,
        },
    )
    model = ReferralModel(rng=7, **over).run()
    life = model.group_life
    days = np.arange(1, 61)
    exact = survival_without_lifts(days, 0.6, 0.6, 5.0, 0.05, 7)
    seen = np.array([np.mean(life.died_day > d) for d in days])
    # Each share is a mean of independent Bernoulli(S) over the groups: within 4
    # standard errors sqrt(S(1 - S)/groups) (plus one group for S near 0 or 1).
    se = np.sqrt(exact * (1 - exact) / life.count) + 1.0 / life.count
    assert np.all(np.abs(seen - exact) <= 4 * se), np.max(np.abs(seen - exact) / se)
    # nobody dies in the first 6 days (7 quiet days are needed); even A0 = 1 is below 0.05
    # after 22 days, so every group is dead by day 28
    assert exact[5] == 1.0 > exact[6] and 0.2 < exact[13] < 0.8 and exact[27] == 0.0
    summary = model.summary()
    assert summary["groups_alive_30"] == pytest.approx(seen[29])
    assert summary["groups"] == life.count > 3000


def test_fewer_activities_leave_fewer_groups_alive_after_30_and_90_days():
    alive = {}
    for per_week in (2, 1, 0):
        rows = []
        for replicate in range(3):  # the same seeds: common random numbers
            over = living(
                4000,
                **{"groups.activities_per_week": per_week, "value.horizon_days": 70},
            )
            s = ReferralModel(rng=100 + replicate, **over).run().summary()
            rows.append((s["groups_alive_30"], s["groups_alive_90"]))
        alive[per_week] = np.mean(rows, axis=0)
    # 80 groups a run, 3 runs: the differences below are 10-60 points; one group is 0.4.
    assert alive[2][0] > alive[1][0] + 0.05 > alive[0][0] + 0.1
    assert alive[2][1] > alive[1][1] + 0.1 > alive[0][1] + 0.2
    assert alive[0][1] == 0.0  # nothing keeps a group alive for 90 days without activities


def test_activity_costs_count_every_activity_held_and_enter_cost_and_profit():
    # Diligent owners (always hold), groups that never die (threshold 0), 3 weeks.
    over = living(
        2000,
        **{
            "groups.owner_diligence": 1.0,
            "groups.dead_threshold": 0.0,
            "groups.activities_per_week": 2,
            "groups.activity_cost": 10.0,
            "groups.training_cost": 100.0,
            "groups.groups_per_owner": 2,
            "groups.owner_pay_per_week": 30.0,
            "experiment.days": 21,
        },
    )
    model = ReferralModel(rng=3, **over).run()
    s = model.summary()
    groups, owners = s["groups"], s["group_owners"]
    assert owners == math.ceil(groups / 2)
    assert s["activity_cost"] == groups * 6 * 10.0  # 2 a week for 3 weeks, all held
    assert s["owner_cost"] == owners * (100.0 + 3 * 30.0)  # no commission
    assert s["group_cost"] == s["activity_cost"] + s["owner_cost"]
    plain = ReferralModel(rng=3, **(over | {"groups.activity_cost": 0.0})).run().summary()
    assert s["total_cost"] - plain["total_cost"] == pytest.approx(groups * 60.0)
    # Each activity day costs groups x 10 yuan, discounted at 10% a year from its day.
    days = [d for d in range(1, 22) if scheduled(d, 2)]
    rate = math.log1p(0.1) / 365
    costs = sum(groups * 10.0 * math.exp(-rate * d) for d in days)
    assert plain["profit"] - s["profit"] == pytest.approx(costs, rel=1e-9)


def test_member_owners_are_paid_by_commission_alone_and_some_give_up():
    # Half the owners are members: no weekly pay; they quit at 20% a week. Owners always
    # hold (diligence 1) and groups never die (threshold 0), so activities held are
    # exactly the scheduled ones of groups whose owner has not quit yet.
    over = living(
        3000,
        **{
            "groups.owner_diligence": 1.0,
            "groups.member_owner_diligence": 1.0,
            "groups.dead_threshold": 0.0,
            "groups.activities_per_week": 1,
            "groups.activity_cost": 1.0,
            "groups.owner_pay_per_week": 30.0,
            "groups.member_owner_share": 0.5,
            "groups.member_owner_quit_per_week": 0.2,
            "experiment.days": 28,
        },
    )
    model = ReferralModel(rng=4, **over).run()
    s = model.summary()
    life = model.group_life
    members, owners = s["member_owners"], s["group_owners"]
    # 60 owners, half members by chance: within 4 binomial SDs (sd 3.9) of 30.
    assert abs(members - owners / 2) < 4 * math.sqrt(owners / 4) and members > 0
    assert s["owners_quit"] == int(np.isfinite(life.quit_day).sum()) > 0
    assert not np.isfinite(life.quit_day[~life.member_owner]).any()  # staff stay
    # Weekly pay goes to staff owners only: 4 weeks × 30 yuan each.
    assert s["owner_cost"] == pytest.approx((owners - members) * 4 * 30.0)
    # Activities: one a week per group, until its owner quits (on a week's last day).
    held = 0
    for owner in life.owner_of:
        days = [d for d in range(1, 29) if scheduled(d, 1) and d <= life.quit_day[owner]]
        held += len(days)
    assert s["activity_cost"] == pytest.approx(held * 1.0)
    # Without member owners nothing is drawn from their stream: the run is as before.
    plain = living(3000, **{"groups.member_owner_share": 0.0, "experiment.days": 28})
    again = plain | {"groups.member_owner_quit_per_week": 0.5}
    a = ReferralModel(rng=4, **plain).run().summary()
    b = ReferralModel(rng=4, **again).run().summary()
    assert a == pytest.approx(b, nan_ok=True)


def test_commission_is_its_share_of_the_groups_sales():
    over = living(2000, **{"groups.commission": 0.1, "groups.dead_threshold": 0.0})
    model = ReferralModel(rng=5, **over).run()
    weeks = model.group_weeks()
    s = model.summary()
    # Everyone is in one random group, so every order's revenue is one group's sales.
    assert weeks["commission"].sum() == pytest.approx(0.1 * s["revenue"])
    assert weeks["purchases"].sum() == s["orders_total"]


def test_a_store_qr_code_with_a_gift_brings_scanners_into_the_store_group():
    over = living(
        2000,
        **{
            "seeds.count": 0,
            "store.stores": 4,
            "store.visitors_per_day": 10.0,
            "store.scan_share": 0.1,
            "store.gift": 5.0,
            "experiment.days": 14,
        },
    )
    model = ReferralModel(rng=11, **over).run()
    s = model.summary()
    assert s["joined"] == s["joined_via_referral"] + s["joined_external"] + s["joined_store"]
    assert s["joined_store"] > 0 and s["joined_external"] == 0
    assert s["store_gift_cost"] == 5.0 * s["store_scans"] == s["lure_cost"]
    assert s["store_cost_per_join"] == pytest.approx(s["store_gift_cost"] / s["joined_store"])
    came = model.came_by[model.member]
    assert np.count_nonzero(came == CameBy.STORE) == s["joined_store"]
    # 4 stores x 10 visitors x 14 days at a scan share 0.1 x (1 + 2 x 5/10) = 0.2:
    # about 112 scans, Poisson-like sd 10; 4 sd either side.
    assert 70 <= s["store_scans"] <= 155
    # Each store joiner sits in a group of their store (group g belongs to store g mod 4),
    # unless their group is full or dead.
    life = model.group_life
    added = life.pair_person.size - model.groups.members.size
    assert 0 < added <= s["joined_store"]


def test_no_gift_scans_at_the_plain_share_and_costs_nothing():
    over = living(2000, **{"seeds.count": 0, "store.stores": 4, "experiment.days": 14})
    s = ReferralModel(rng=11, **over).run().summary()
    assert s["store_gift_cost"] == 0.0 and s["lure_cost"] == 0.0
    assert math.isnan(s["store_cost_per_join"]) or s["store_cost_per_join"] == 0.0


def test_the_entry_rule_keeps_reward_hunters_out_of_store_joins():
    over = living(
        3000,
        **{
            "seeds.count": 0,
            "store.stores": 10,
            "store.scan_share": 0.5,
            "groups.entry_screening": 1.0,
            "groups.screening_join_loss": 0.0,
            "experiment.days": 10,
        },
    )
    model = ReferralModel(rng=2, **over).run()
    joined = np.flatnonzero(model.came_by == CameBy.STORE)
    assert joined.size > 100
    assert not np.any(model.segment[joined] == Segment.JUNK)
    assert model.summary()["store_scans"] > joined.size  # the screened-out scanned too


def test_members_of_dead_groups_buy_by_the_dead_purchase_factor_over_the_horizon():
    # Every group dies on day 1 (threshold 1, one quiet day), so every member buys x f.
    def horizon_orders(factor: float) -> tuple[float, float]:
        over = living(
            4000,
            **{
                "groups.dead_threshold": 1.0,
                "groups.dead_after_days": 1,
                "groups.dead_purchase_factor": factor,
                "experiment.days": 10,
                "value.horizon_days": 200,
            },
        )
        model = ReferralModel(rng=9, **over).run()
        joiners = np.flatnonzero(model.member & (model.role == 0))
        seg = model.segment[joiners]
        daily = np.array([0.04, 0.006, 0.0])[seg]
        orders = model.value.orders[joiners] - model.purchases[joiners]
        return float(orders.sum()), float(daily.sum() * 200 * factor)

    for factor in (0.0, 0.5):
        seen, expected = horizon_orders(factor)
        if factor == 0.0:
            assert seen == 0.0
        else:  # a sum of binomials: sd about sqrt(expected); 4 sd
            assert abs(seen - expected) <= 4 * math.sqrt(expected) + 1


def test_groups_parquet_is_written_with_a_row_per_run_group_and_week(tmp_path):
    data = {
        "experiment": {"name": "g", "days": 14, "replicates": 2},
        "graph": {"kind": "powerlaw_cluster", "n": 1000, "m": 3, "p_triangle": 0.3},
        "groups": {"source": "random", "mean_size": 100.0, "lifecycle": True},
        "behaviour": {"channel": MIXED},
        "value": {"horizon_days": 14},
        "scenarios": [
            {"name": "living", "set": {}},
            {"name": "fixed", "set": {"groups.lifecycle": False}},
        ],
    }
    from sim.results import Results
    from sim.store import ResultStore  # noqa: F401  (the folder path below is the store's)

    results = run_experiment(parse_study(data, "."), out=tmp_path / "g")
    saved = Results.load(tmp_path / "g")
    groups = saved.groups
    assert set(groups["scenario"]) == {"living"}
    per_run = groups.groupby("run_id").size()
    assert list(per_run) == [10 * 4, 10 * 4]  # 10 groups, 4 weeks (28 days)
    runs = saved.runs.set_index("scenario")
    assert runs.loc["fixed", "groups"].isna().all()
    assert (runs.loc["living", "groups"] == 10).all()
    assert results.groups is not None


def test_with_living_groups_and_a_store_the_columns_are_the_declared_ones_in_order():
    from sim import outputs

    over = living(1000, **{"store.stores": 2, "experiment.days": 7, "value.horizon_days": 7})
    model = ReferralModel(rng=1, **over).run()
    extra = model.outputs()
    assert list(model.summary()) == [o.name for o in outputs.columns("runs", extra)]
    assert list(model.group_weeks().columns) == [o.name for o in outputs.columns("groups", extra)]


def test_a_stores_visitors_are_the_people_of_its_groups():
    # 7 groups of 3 people (person p in group p // 3) dealt to 3 stores (group g to
    # store g mod 3): store 0 has groups 0, 3, 6 (9 people), store 1 groups 1, 4, store 2
    # groups 2, 5.
    from sim.channels.base import ArrivalView
    from sim.channels.store import StoreChannel, StoreParams, near
    from sim.mechanism import Draws

    indptr = np.arange(0, 22, 3)
    members = np.arange(21)
    by_store, people = near((indptr, members), 3)
    assert list(np.diff(by_store)) == [9, 6, 6]
    assert sorted(people[by_store[0] : by_store[1]]) == [0, 1, 2, 9, 10, 11, 18, 19, 20]
    # 8 stores: group g is store g's (g < 7), store 7 has no group, so no neighbours.
    channel = StoreChannel(StoreParams(stores=8, visitors_per_day=50.0, scan_share=1.0), 21)
    rng = np.random.default_rng(1)
    member = np.zeros(21, dtype=bool)
    member[[3, 4, 5]] = True  # store 1's neighbours are all members already
    view = ArrivalView(1, member, Draws(("store",), lambda _: rng), groups=(indptr, members))
    scanners = channel.arrivals(view)
    stores = channel.stores_of(scanners)
    # Everyone who is not a member scans (share 1), in their own store: 50 visitors a
    # day from 3 neighbours miss one of them with chance 3 × (2/3)^50 < 1e-8.
    assert list(scanners) == [p for p in range(21) if not member[p]]
    assert list(stores) == list(scanners // 3)


def test_a_scanner_already_in_a_living_group_of_their_store_is_not_added_again():
    over = living(
        2000,
        **{"seeds.count": 0, "store.stores": 5, "store.scan_share": 0.3, "experiment.days": 10},
    )
    model = ReferralModel(rng=4, **over).run()
    life = model.group_life
    listed = set(zip(life.pair_person[life.listed], life.pair_group[life.listed], strict=True))
    assert len(listed) == int(life.listed.sum())  # nobody is listed twice in one group
    joined = np.flatnonzero(model.came_by == CameBy.STORE)
    assert joined.size > 100
    # Groups never die in 10 days here but by chance; every store joiner is in a group of
    # their store (group g belongs to store g mod 5), where they were at the start.
    start = model.groups
    for person in joined[:50]:
        first = start.groups_of[start.person_indptr[person] : start.person_indptr[person + 1]]
        mine = life.pair_group[(life.pair_person == person) & life.listed]
        assert set(first) <= set(mine) or not life.alive[first].all()


def test_store_traffic_without_groups_is_refused_naming_the_table():
    from sim.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"^store: .*needs groups \(groups\.source\)$"):
        parse_config({"store": {"stores": 3}})
    parse_config({"store": {"stores": 0}})  # a closed channel needs nothing


def test_the_comparison_stars_groups_alive_and_store_cost_and_never_the_group_costs():
    import pandas as pd

    from sim.compare import compare
    from sim.registry import compared_outcomes, decision_outcomes

    ranked = {o.name: o.better for o in decision_outcomes()}
    assert ranked["groups_alive_end"] == ranked["groups_alive_horizon"] == "more"
    assert ranked["groups_alive_90"] == "more" and ranked["store_cost_per_join"] == "less"
    shown = {o.name for o in compared_outcomes()}
    assert {"owner_cost", "activity_cost", "total_cost"} <= shown - set(ranked)
    runs = pd.DataFrame(
        {
            "scenario": ["none", "weekly"] * 3,
            "point": 0,
            "replicate": [0, 0, 1, 1, 2, 2],
            "groups_alive_horizon": [2, 20, 3, 25, 1, 22],
            "store_cost_per_join": [4.0, 3.0, 4.5, 3.5, 4.2, 3.1],
            "owner_cost": [100.0, 900.0, 110.0, 950.0, 90.0, 920.0],
        }
    )
    table = compare(runs).set_index(["outcome", "scenario"])
    assert table.loc[("groups_alive_horizon", "weekly"), "best"]
    assert table.loc[("store_cost_per_join", "weekly"), "best"]
    assert not table.loc["owner_cost", "best"].any()
    assert table.loc[("owner_cost", "weekly"), "mean"] == pytest.approx(2770 / 3)


def test_members_added_to_the_groups_are_where_a_full_rebuild_puts_them():
    # 300 people in 40 random groups, 2 memberships each; 60 memberships added (none a
    # person has): inserted in place, the lists equal Groups.from_pairs of all of them,
    # order included (the delivery kernel picks members and groups by position).
    from sim.graphs import Groups

    rng = np.random.default_rng(3)
    person = np.repeat(np.arange(300), 2)
    group = rng.integers(0, 40, person.size)
    start = Groups.from_pairs(person, group, 300, 40)
    taken = set(zip(person.tolist(), group.tolist(), strict=True))
    pairs = zip(rng.integers(0, 300, 200).tolist(), rng.integers(0, 40, 200).tolist(), strict=True)
    added = np.array([pg for pg in dict.fromkeys(pairs) if pg not in taken][:60])
    grown = start.with_members(added[:, 0], added[:, 1])
    full = Groups.from_pairs(np.r_[person, added[:, 0]], np.r_[group, added[:, 1]], 300, 40)
    assert added.shape[0] == 60
    for name in ("indptr", "members", "person_indptr", "groups_of"):
        assert np.array_equal(getattr(grown, name), getattr(full, name)), name
        assert getattr(grown, name).dtype == getattr(full, name).dtype, name
