"""The vectorised engine and the plain-loop reference (``tests/reference_model.py``) agree
in distribution.

Both models run the same campaign many times with their own random numbers (engine and
reference seeds never overlap), and the mean of each outcome must agree within 4
standard errors of the difference:

    |mean_engine - mean_reference| <= 4 * sqrt(se_engine² + se_reference²)

Why 4 SE is enough, and not too much:

* False alarms. With 400 replicates a side the means are close to normal, so a correct
  engine fails one comparison with probability P(|Z| > 4) = 6.3e-5. There are 12
  outcomes × 6 configurations; leaving out the ones that are constant by construction
  (KOL fees, and the budget outcomes of the unlimited budget), 64 comparisons carry
  noise, so the chance of any false alarm is at most 64 × 6.3e-5 = 0.4% (Bonferroni; no
  independence needed). The seeds are fixed, so the test is deterministic anyway.
  Engine runs reuse the same seeds for every configuration (and so do reference runs):
  configurations on the same graph then share their starting positions, and the small
  gaps tend to have the same sign across them. That is common random numbers, not a
  bias: with 3,000 fresh runs a side, group_buy_multi_level agrees within 1.5 SE on
  every outcome, and phases 2-4 match their conditional expectations in both models.
* Power. 4 SE of the difference is a few percent of each mean (the numbers are printed
  by ``python -m tests.test_reference_agreement``). A real mistake moves outcomes by far
  more: ``test_agreement_check_catches_a_wrong_reference`` runs references with a
  deliberate error and checks that the comparison rejects each of them. Ignoring the
  repeat-exposure factor (0.5) shows up at 7.4 SE (joined); counting the lure's extra
  appeal twice at 10.5 SE (budget exhaustion day) and 9.5 SE (referred joins).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pytest

from sim.config import Config, parse_config
from sim.model import ReferralModel
from tests.reference_model import ReferenceModel

REPLICATES = 400
TOLERANCE_SE = 4.0
ENGINE_SEEDS = range(1_000, 1_000 + REPLICATES)
REFERENCE_SEEDS = range(500_000, 500_000 + REPLICATES)  # independent of the engine's
DAYS = 20

# The outcomes compared: these from the summaries, plus the invitations sent over the
# campaign, whether the budget ran out (share of runs) and the day it did (DAYS + 1 if never).
SUMMARY_METRICS = (
    "joined",
    "joined_via_referral",
    "paying",
    "invited",
    "max_generation",
    "reward_cost",
    "lure_cost",
    "revenue",
    "kol_cost",
)
METRICS = (*SUMMARY_METRICS, "total_invites", "budget_exhausted", "exhausted_day")

# Everything the configurations share: a small graph with random chat groups, all three
# channels, KOLs with a fee starting on day 2, an outside channel, activity decay and
# saturation, a per-person cap and a budget that runs out in some runs and not others.
BASE: dict[str, Any] = {
    "experiment": {"days": DAYS, "seed": 77},
    "graph": {"kind": "powerlaw_cluster", "n": 300, "m": 3, "p_triangle": 0.3},
    "groups": {"source": "random", "mean_size": 30, "attention": 0.15},
    "population": {"kol_count": 2, "kol_fee": 50.0, "kol_start_day": 2},
    "seeds": {"count": 5},
    "behaviour": {
        "channel": {"direct": 0.4, "feed": 0.4, "group": 0.2},
        "accept_probability": 0.08,
        "repeat_exposure_factor": 0.5,
        "share_half_life_days": 4.0,
        "purchase_probability": {"payer": 0.08, "convertible": 0.02},
    },
    "external": {"daily_rate": 0.002},
}
SBM = {"kind": "stochastic_block", "sizes": [100, 100, 100], "p_in": 0.06, "p_out": 0.005}

CONFIGS: dict[str, dict[str, Any]] = {
    "cash_double_sided": {
        "lure": {"kind": "cash", "value": 5.0},
        "reward": {
            "rule": "double_sided",
            "amount": 5.0,
            "invitee_amount": 3.0,
            "cap_per_person": 10.0,
            "budget": 300.0,
        },
    },
    "coupon_tiered_first_purchase": {
        "graph": SBM,
        "lure": {"kind": "coupon", "value": 10.0},
        "reward": {
            "rule": "tiered",
            "amount": 2.0,
            "tiers": [{"invites": 2, "bonus": 5.0}, {"invites": 4, "bonus": 10.0}],
            "pay_on": "first_purchase",
            "cap_per_person": 12.0,
            "budget": 150.0,
        },
    },
    "group_buy_multi_level": {
        "lure": {"kind": "group_buy", "value": 4.0, "group_size": 3, "window_days": 3},
        "reward": {
            "rule": "multi_level",
            "level_amounts": [3.0, 2.0, 1.0],
            "cap_per_person": 8.0,
            "budget": 80.0,
        },
    },
    "bargain_leaderboard": {
        "graph": SBM,
        "lure": {"kind": "bargain", "value": 2.0, "max_helps": 3},
        # The budget often runs out at the prizes on the last day, some paid, some not.
        "reward": {"rule": "leaderboard", "prizes": [40.0, 25.0, 10.0], "budget": 105.0},
    },
    "free_content_referrer_no_saturation": {
        # The engine's other acceptance branch (repeat factor 1), no decay, a share limit,
        # an unlimited budget, and the appeal and perceived value set by hand.
        "graph": SBM,
        "behaviour": {
            **BASE["behaviour"],
            "repeat_exposure_factor": 1.0,
            "share_half_life_days": math.inf,
            "max_shares": 2,
            "accept_probability": 0.04,
        },
        "lure": {
            "kind": "free_content",
            "value": 3.0,
            "appeal": {"payer": 0.5, "convertible": 2.0, "junk": 4.0},
        },
        "reward": {"rule": "referrer", "amount": 4.0, "perceived_value": 6.0},
    },
    "lottery_lottery": {
        "lure": {"kind": "lottery", "value": 30.0, "win_probability": 0.2},
        "reward": {
            "rule": "lottery",
            "amount": 20.0,
            "win_probability": 0.25,
            "cap_per_person": 20.0,
            "budget": 250.0,
        },
    },
}


def make_config(name: str) -> Config:
    """One of the CONFIGS on top of BASE (a section given replaces BASE's whole section)."""
    data = {**BASE, **CONFIGS[name]}
    return parse_config(data)


def outcomes(summary: dict[str, Any], total_invites: int) -> dict[str, float]:
    """The compared outcomes of one run, from either model's summary."""
    exhausted = summary["budget_exhausted_day"]
    row = {name: float(summary[name]) for name in SUMMARY_METRICS}
    row["total_invites"] = float(total_invites)
    row["budget_exhausted"] = float(exhausted is not None)
    row["exhausted_day"] = float(DAYS + 1 if exhausted is None else exhausted)
    return row


@functools.cache  # shared by the agreement and the power tests
def engine_runs(name: str) -> dict[str, np.ndarray]:
    """Each outcome over the engine's replicates of one configuration."""
    config = make_config(name)
    rows = []
    for seed in ENGINE_SEEDS:
        model = ReferralModel(config, rng=seed).run()
        invites = sum(model.datacollector.model_vars["new_invites"])
        rows.append(outcomes(model.summary(), invites))
    return {m: np.array([r[m] for r in rows]) for m in METRICS}


def reference_runs(
    name: str, model_class: type[ReferenceModel] = ReferenceModel
) -> dict[str, np.ndarray]:
    """Each outcome over the reference's replicates of one configuration."""
    config = make_config(name)
    rows = []
    for seed in REFERENCE_SEEDS:
        summary = model_class(config, seed).run().summary()
        rows.append(outcomes(summary, summary["total_invites"]))
    return {m: np.array([r[m] for r in rows]) for m in METRICS}


def discrepancy(a: np.ndarray, b: np.ndarray) -> float:
    """|mean(a) - mean(b)| in standard errors of the difference (0 if both are constant
    and equal, inf if constant and different)."""
    gap = abs(a.mean() - b.mean())
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    if se == 0:
        return 0.0 if gap == 0 else math.inf
    return gap / se


def disagreements(
    engine: dict[str, np.ndarray], reference: dict[str, np.ndarray]
) -> dict[str, float]:
    """The outcomes whose means differ by more than the tolerance, with their SE units."""
    gaps = {m: discrepancy(engine[m], reference[m]) for m in METRICS}
    return {m: round(z, 2) for m, z in gaps.items() if z > TOLERANCE_SE}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_engine_matches_reference_in_distribution(name: str) -> None:
    engine = engine_runs(name)
    reference = reference_runs(name)
    assert not disagreements(engine, reference), (
        f"{name}: engine and reference disagree (SE units): {disagreements(engine, reference)}"
    )


# ---------------------------------------------------------------- the check has power


WRONG_CHECKED_ON = "cash_double_sided"


class IgnoresRepeatFactor(ReferenceModel):
    """Wrong on purpose: every invitation converts as if it were the first."""

    def __init__(self, config: Config, seed: int) -> None:
        super().__init__(config, seed)
        self.repeat_factor = 1.0


class DoublesLureAppeal(ReferenceModel):
    """Wrong on purpose: the lure's extra appeal counted twice."""

    def __init__(self, config: Config, seed: int) -> None:
        super().__init__(config, seed)
        self.appeal = [2 * a - 1 for a in self.appeal]


@pytest.mark.parametrize(
    "wrong", [IgnoresRepeatFactor, DoublesLureAppeal], ids=lambda wrong: wrong.__name__
)
def test_agreement_check_catches_a_wrong_reference(wrong: type[ReferenceModel]) -> None:
    found = disagreements(engine_runs(WRONG_CHECKED_ON), reference_runs(WRONG_CHECKED_ON, wrong))
    assert found, f"{wrong.__name__} passed the agreement check: the check has no power"


if __name__ == "__main__":  # print the agreement numbers, in SE units
    runs = {name: (engine_runs(name), reference_runs(name)) for name in CONFIGS}
    for wrong in (IgnoresRepeatFactor, DoublesLureAppeal):
        runs[wrong.__name__] = (
            engine_runs(WRONG_CHECKED_ON),
            reference_runs(WRONG_CHECKED_ON, wrong),
        )
    for config_name, (e, r) in runs.items():
        print(config_name)
        for metric in METRICS:
            z = discrepancy(e[metric], r[metric])
            tol = TOLERANCE_SE * math.sqrt(e[metric].var(ddof=1) / REPLICATES * 2)
            print(
                f"  {metric:20s} engine {e[metric].mean():9.3f}  reference "
                f"{r[metric].mean():9.3f}  {z:5.2f} SE  (4 SE ≈ {tol:.3f})"
            )
