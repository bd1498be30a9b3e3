"""Expanding a study into runs: a pure function, checked on its own."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError
from sim.streams import derive_seed
from sim.study import expand, parse_study, run_config

BASE = {
    "experiment": {"replicates": 4, "seed": 99, "days": 10},
    "graph": {"kind": "erdos_renyi", "n": 300, "mean_degree": 3.0},
    "reward": {"rule": "referrer", "amount": 5.0},
}
SCENARIOS = [
    {"name": "cash", "set": {"lure.kind": "cash", "lure.value": 8.0}},
    {"name": "coupon", "set": {"lure.kind": "coupon", "lure.value": 10.0}},
]


def study(**extra):
    return parse_study({**BASE, **extra})


def test_no_scenarios_no_sweep_is_one_base_scenario_of_replicates():
    design = expand(study())
    assert design.scenarios == ("base",) and design.points == ((),)
    assert [r.run_id for r in design.runs] == [0, 1, 2, 3]
    assert [r.seed for r in design.runs] == [derive_seed(99, "replicate", r) for r in range(4)]


def test_grid_expands_scenarios_times_points_times_replicates():
    sweep = {"method": "grid", "params": {"reward.amount": [2.0, 4.0, 6.0], "seeds.count": [5, 10]}}
    design = expand(study(scenarios=SCENARIOS, sweep=sweep))
    assert len(design.points) == 6 and len(design.runs) == 2 * 6 * 4
    assert design.points[0] == (("reward.amount", 2.0), ("seeds.count", 5))
    assert design.points[1] == (("reward.amount", 2.0), ("seeds.count", 10))
    assert design.points[5] == (("reward.amount", 6.0), ("seeds.count", 10))
    assert [r.run_id for r in design.runs] == list(range(48))
    # common random numbers: the seed depends on the replicate only
    for run in design.runs:
        assert run.seed == derive_seed(99, "replicate", run.replicate)
    assert len({r.seed for r in design.runs}) == 4
    cfg = run_config(study(scenarios=SCENARIOS, sweep=sweep), "coupon", design.points[3])
    assert cfg.lure.kind == "coupon" and cfg.reward.amount == 4.0 and cfg.seeds.count == 10


def test_adding_a_scenario_changes_no_other_scenarios_runs():
    one = expand(study(scenarios=SCENARIOS[:1]))
    two = expand(study(scenarios=SCENARIOS))
    key = lambda r: (r.scenario, r.point, r.replicate, r.seed)  # noqa: E731
    assert {key(r) for r in one.runs} <= {key(r) for r in two.runs}


def test_lhs_stratifies_every_parameter():
    sweep = {
        "method": "lhs",
        "samples": 10,
        "params": {
            "reward.amount": {"low": 5.0, "high": 30.0},
            "reward.budget": {"low": 100.0, "high": 10_000.0, "log": True},
            "seeds.count": {"low": 10, "high": 100, "integer": True},
        },
    }
    design = expand(study(sweep=sweep))
    assert len(design.points) == 10 and len(design.runs) == 40
    amounts = np.array([dict(p)["reward.amount"] for p in design.points])
    budgets = np.array([dict(p)["reward.budget"] for p in design.points])
    counts = [dict(p)["seeds.count"] for p in design.points]
    # one point in each tenth of the range (in log space for the log range)
    assert sorted(np.floor((amounts - 5) / 2.5).astype(int)) == list(range(10))
    assert sorted(np.floor(np.log10(budgets / 100) / 0.2).astype(int)) == list(range(10))
    assert all(isinstance(c, int) and 10 <= c <= 100 for c in counts)
    # the design is a function of the root seed
    assert expand(study(sweep=sweep)).points == design.points
    other = parse_study({**BASE, "experiment": {**BASE["experiment"], "seed": 1}, "sweep": sweep})
    assert expand(other).points != design.points


def test_sobol_design_has_saltelli_size():
    sweep = {
        "method": "sobol",
        "samples": 8,
        "params": {
            "reward.amount": {"low": 0.0, "high": 10.0},
            "behaviour.accept_probability": {"low": 0.01, "high": 0.2},
            "lure.value": {"low": 0.0, "high": 20.0},
        },
    }
    design = expand(study(sweep=sweep, scenarios=SCENARIOS))
    assert len(design.points) == 8 * (3 + 2)
    assert len(design.runs) == 2 * 40 * 4


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"scenarios": []}, "scenarios: the list is empty"),
        ({"scenarios": [SCENARIOS[0], SCENARIOS[0]]}, "scenarios: two scenarios are named 'cash'"),
        (
            {"scenarios": [{"name": "x", "set": {"lure.vaule": 1.0}}]},
            "scenarios[x].set: lure.vaule: unknown key",
        ),
        (
            {"scenarios": [{"name": "x", "set": {"lure.kind": "cash", "lure.value": -1.0}}]},
            "scenarios[x].set: lure.value: Input should be greater than or equal to 0",
        ),
        ({"scenarios": [{"name": "x", "sett": {}}]}, "scenarios[0].sett: unknown key"),
        (
            {
                "sweep": {
                    "method": "lhs",
                    "samples": 4,
                    "params": {"reward.amount": {"low": 9.0, "high": 1.0}},
                }
            },
            "sweep.params.reward.amount: low (9) is greater than high (1)",
        ),
        (
            {"sweep": {"params": {"reward.amont": [1.0, 2.0]}}},
            "sweep.params.reward.amont: not a parameter",
        ),
        (
            {"sweep": {"params": {"behaviour.accept_probability": [0.5, 1.5]}}},
            "sweep.params.behaviour.accept_probability = 1.5: behaviour.accept_probability: "
            "Input should be less than or equal to 1",
        ),
        (
            {"sweep": {"method": "lhs", "params": {"reward.amount": {"low": 1.0, "high": 2.0}}}},
            "sweep: an lhs sweep needs samples",
        ),
        (
            {"sweep": {"method": "sobol", "params": {"reward.amount": [1.0, 2.0]}}},
            "sweep: params.reward.amount: a sobol sweep takes { low, high }",
        ),
        (
            {"sweep": {"method": "grid", "params": {"reward.amount": []}}},
            "sweep.params.reward.amount",
        ),
        ({"sweep": {"method": "random", "params": {"a": [1]}}}, "sweep.method: Input should be"),
    ],
)
def test_bad_studies_name_the_field(extra, message):
    with pytest.raises(ConfigError) as err:
        study(**extra)
    assert str(err.value).startswith(message)
