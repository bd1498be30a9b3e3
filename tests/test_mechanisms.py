"""Mechanisms as modules: each lure kind and reward rule is validated against its own
fields, switching a kind drops the keys only the old kind takes (and validate says so),
every column and random stream a run has is declared, and starters are chosen before a
model is built."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli import main
from sim.config import ConfigError, parse_config
from sim.experiment import run_experiment
from sim.graphs import build_graph
from sim.influence import choose_starters
from sim.lures import LURES
from sim.mechanism import Draws
from sim.model import ReferralModel
from sim.registry import columns, decision_outcomes
from sim.rewards import REWARDS
from sim.streams import Streams
from tests.conftest import EXPERIMENTS

SMALL = {
    "experiment": {"days": 8, "replicates": 2},
    "graph": {"kind": "powerlaw_cluster", "n": 400, "m": 3, "p_triangle": 0.3},
    "seeds": {"count": 10},
}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"lure": {"kind": "cash", "max_helps": 3}}, "lure.max_helps: lure kind 'cash' does not"),
        ({"lure": {"value": 5.0}}, "lure.value: lure kind 'none' does not take this key"),
        ({"lure": {"kind": "voucher"}}, "lure.kind: voucher is not one of none, cash, coupon"),
        ({"lure": {"kind": "coupon", "valeu": 1.0}}, "^lure.valeu: unknown key$"),
        (
            {"reward": {"rule": "multi_level", "amount": 2.0, "level_amounts": [1.0]}},
            "reward.amount: reward rule 'multi_level' does not take this key",
        ),
        (
            {"reward": {"rule": "none", "cap_per_person": 5.0}},
            "reward.cap_per_person: reward rule 'none' does not take this key",
        ),
        ({"reward": {"rule": "tiered", "amount": 1.0}}, "^reward.tiers: Field required$"),
        (
            {"lure": {"kind": "lottery", "win_probability": 1.5}},
            "^lure.win_probability: Input should be less than or equal to 1$",
        ),
    ],
)
def test_each_kind_takes_only_its_own_keys_and_the_error_names_field_and_kind(table, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(table)


def test_every_kind_is_valid_with_its_defaults_and_its_keys_are_its_own():
    for family in (LURES, REWARDS):
        for kind in family.names:
            fields = family.fields(kind)
            assert family.tag not in fields
            required = [f for f in fields if family.field(f, kind).is_required()]
            if not required:  # tiered, multi_level, leaderboard need their lists
                params = parse_config({family.section: {family.tag: kind}})
                assert getattr(getattr(params, family.section), family.tag) == kind
    assert LURES.fields("none") == () and REWARDS.fields("none") == ("budget",)
    assert set(LURES.fields("stored_value")) == {"value", "appeal", "half_value", "purchase_lift"}


def test_a_scenario_switching_the_kind_drops_the_old_kinds_keys_and_runs():
    study = {
        **SMALL,
        "lure": {"kind": "coupon", "value": 10.0, "first_purchase_lift": 3.0},
        "reward": {"rule": "referrer", "amount": 6.0, "budget": 500.0},
        "scenarios": [
            {"name": "coupon", "set": {}},
            {"name": "bargain", "set": {"lure.kind": "bargain", "lure.max_helps": 4}},
            {
                "name": "2-level",
                "set": {"reward.rule": "multi_level", "reward.level_amounts": [3.0]},
            },
        ],
    }
    runs = run_experiment(study).runs.set_index("scenario")
    assert list(dict.fromkeys(runs.index)) == ["coupon", "bargain", "2-level"]
    # bargain keeps value (both kinds take it), drops first_purchase_lift, and runs
    assert (runs.loc["bargain", "lure_cost"] >= 0).all()


def test_a_key_set_together_with_the_switch_is_kept_and_checked():
    with pytest.raises(ConfigError, match=r"lure.first_purchase_lift: lure kind 'cash' does not"):
        run_experiment(
            {
                **SMALL,
                "scenarios": [
                    {"name": "x", "set": {"lure.kind": "cash", "lure.first_purchase_lift": 2.0}}
                ],
            }
        )


def test_validate_lists_the_keys_a_switch_dropped(capsys):
    config = str(EXPERIMENTS / "default.toml")
    assert (
        main(
            ["validate", config, "--set", "graph.kind=erdos_renyi", "--set", "graph.mean_degree=4"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "keys dropped because a kind was switched" in out
    assert "--set: graph.m, graph.p_triangle" in out
    assert main(["validate", str(EXPERIMENTS / "reward_rules.toml")]) == 0
    out = capsys.readouterr().out
    assert "scenario '2-level 5/2': reward.amount" in out
    assert "scenario 'referrer 6'" not in out


def test_a_run_draws_only_from_declared_streams():
    streams = Streams(1, ("lottery",))
    assert streams["lottery"].random() == Streams(1, ("lottery",))["lottery"].random()
    with pytest.raises(KeyError, match="unknown random stream 'lottery'"):
        Streams(1)["lottery"]
    draws = Draws(("lottery",), streams.__getitem__)
    with pytest.raises(KeyError, match="'payments' was not declared"):
        draws["payments"]


def test_the_runs_table_is_the_declared_columns():
    config = parse_config({**SMALL, "lure": {"kind": "stored_value", "value": 5.0}})
    with ReferralModel(config, rng=3) as model:
        summary = model.run().summary()
    declared = [o.name for o in columns("runs") if o.name in summary]
    assert list(summary) == declared  # declared order; the card's column included
    assert "stored_value_unspent" in summary
    assert {o.name for o in decision_outcomes()} >= {"joined", "paying", "roi", "profit"}
    assert "total_cost" not in {o.name for o in decision_outcomes()}  # context, never ranked


def test_optimised_seeds_are_chosen_before_the_model_and_a_model_builds_no_other():
    config = parse_config({**SMALL, "seeds": {"strategy": "imm", "count": 5}})
    with pytest.raises(ConfigError, match=r"seeds.strategy: 'imm' seeds are chosen before"):
        ReferralModel(config, rng=4)
    graph = build_graph(config, 4)
    starters = choose_starters(config, graph, 4)
    with ReferralModel(config, rng=4, graph=graph, starters=starters) as model:
        assert np.array_equal(model.seeds, starters.seeds) and model.seeds.size == 5
    # the basic strategies: the same starters whether the model or the experiment chooses
    basic = parse_config({**SMALL, "seeds": {"strategy": "random", "count": 5}})
    with ReferralModel(basic, rng=4) as model:
        chosen = choose_starters(basic, build_graph(basic, 4), 4)
        assert np.array_equal(model.seeds, chosen.seeds)


def test_person_state_is_made_when_first_used_and_reads_as_zeros_before():
    """A mechanism's per-person arrays (``person_state``) are made on first use: in a
    campaign where nobody can buy the value model's never are (at a million people they
    cost 8 ms a run to zero), and its columns read zeros, of their declared types, as if
    they had been made. Where members buy, the arrays exist and hold their orders."""
    config = {
        "graph": {"kind": "barabasi_albert", "n": 800, "m": 3},
        "seeds": {"count": 20},
        "behaviour": {"accept_probability": 0.3},
        "experiment": {"days": 10},
    }
    idle = parse_config(
        {
            **config,
            "behaviour": {
                "accept_probability": 0.3,
                "purchase_probability": {"payer": 0.0, "convertible": 0.0},
            },
        }
    )
    model = ReferralModel(idle, rng=3).run()
    value = model.value
    made = [name for name, _ in value.person_state if name in vars(value)]
    assert made == [] and model.summary()["joined"] > 50
    members = model.members()
    assert members["orders"].dtype == np.int32 and members["margin"].dtype == np.float64
    assert members[["orders", "margin", "discounted_margin"]].to_numpy().sum() == 0
    assert model.summary()["orders_total"] == 0 and model.summary()["profit"] <= 0
    with pytest.raises(AttributeError, match="no attribute 'ordrs'"):
        value.ordrs  # noqa: B018 (a name that is not state is an error, as always)

    buying = ReferralModel(parse_config(config), rng=3).run()
    assert {"orders", "spent", "worth"} <= set(vars(buying.value))
    orders = buying.members()["orders"]
    assert orders.sum() == buying.summary()["orders_total"] > 0
