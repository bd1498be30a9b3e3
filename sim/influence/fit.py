"""The independent cascade (IC) that stands in for the configured behaviour.

Degree discount and IMM work on IC with one probability p per edge; CELF works on the
simulator itself, except when the configured behaviour *is* IC, when sampled live-edge
worlds give the same expected spread far faster. This module says when that holds
(``exact_ic_probability``) and otherwise fits p (``fitted_ic_probability``); the formula
is written out in docs/model.md ("Optimised seed selection").
"""

from __future__ import annotations

import math

import numpy as np

from sim.channels import CHANNELS
from sim.config import Config
from sim.graphs import Graph
from sim.incentives import appeal_offered as scheme_appeal
from sim.incentives import make_lure, make_reward_rule

_SEGMENTS = ("payer", "convertible", "junk")


def _mix(config: Config) -> np.ndarray:
    mix = config.population.segment_mix
    shares = np.array([mix.payer, mix.convertible, mix.junk])
    return shares / shares.sum()  # exactly 1 in total (0.2 + 0.7 + 0.1 is not, in floats)


def appeal_offered(config: Config, people: int) -> np.ndarray:
    """Conversion multiplier by segment while funded: the lure's appeal plus a double-sided
    reward's pull (the model's ``appeal_offered``); 1 when the budget is 0 (never funded)."""
    if config.reward.budget == 0:
        return np.ones(3)
    return scheme_appeal(make_lure(config.lure, 1), make_reward_rule(config.reward, 1))


def sharing_motivation(config: Config) -> float:
    """Mean reward motivation M over the segment mix (1 with no reward or no budget)."""
    if config.reward.budget == 0:
        return 1.0
    m = make_reward_rule(config.reward, 1).motivation()
    lift = np.array(config.behaviour.reward_motivation.as_tuple())
    return float(_mix(config) @ (1.0 + lift * m))


def expected_shares(config: Config) -> float:
    """Expected shares of an ordinary member over the campaign (from their first share day).

    sharer_share × Σ_{t=0}^{days-1} min(1, share_probability × M × 0.5^(t/h)), capped at
    ``behaviour.max_shares``.
    """
    b = config.behaviour
    days = np.arange(config.experiment.days, dtype=np.float64)
    if math.isfinite(b.share_half_life_days):
        activity = 0.5 ** (days / b.share_half_life_days)
    else:
        activity = np.ones_like(days)
    rate = b.share_probability * sharing_motivation(config)
    shares = b.sharer_share * float(np.minimum(1.0, rate * activity).sum())
    if b.max_shares is not None:
        shares = min(shares, float(b.max_shares))
    return shares


def reach_per_share(config: Config, graph: Graph) -> float:
    """Chance one share reaches a given friend: direct × min(1, direct_count / mean degree)
    + feed × feed_attention. Group shares are left out (a group is not a friendship)."""
    b = config.behaviour
    degree = graph.out_degree()
    mean_degree = float(degree.mean()) if degree.size else 0.0
    if b.direct_count >= (int(degree.max()) if degree.size else 0):
        direct = 1.0  # every friend of everyone is messaged
    else:
        direct = min(1.0, b.direct_count / mean_degree) if mean_degree > 0 else 0.0
    return b.channel.direct * direct + b.channel.feed * b.feed_attention


def fitted_ic_probability(config: Config, graph: Graph) -> float:
    """p of the IC that best approximates the configured behaviour (``seeds.ic_probability``
    when set): the chance that a member's invitations over the campaign reach and convert
    a given friend,

        p = min(1, expected_shares × reach_per_share × accept_probability × mean appeal).

    In the IC special case (docs/model.md §10.1) every factor but accept_probability is
    exactly 1, so p = accept_probability.
    """
    if config.seeds.ic_probability is not None:
        return config.seeds.ic_probability
    exact = exact_ic_probability(config, graph)
    if exact is not None:
        return exact  # what the formula gives too, without rounding
    appeal = float(_mix(config) @ appeal_offered(config, graph.n))
    p = (
        expected_shares(config)
        * reach_per_share(config, graph)
        * config.behaviour.accept_probability
        * appeal
    )
    return float(min(1.0, max(0.0, p)))


def exact_ic_probability(config: Config, graph: Graph) -> float | None:
    """T when the configured campaign is exactly an independent cascade, else None.

    Exactly IC (docs/model.md §10.1): every member shares once, surely, on their first
    share day, and the share reaches every friend; every invitation converts
    independently with the same chance T; nobody joins from outside. Then day t's
    joiners are generation t, and the members at the end are everyone within ``days``
    live edges of a starter.
    """
    b = config.behaviour
    pop = config.population
    degree = graph.out_degree()
    max_degree = int(degree.max()) if degree.size else 0
    rate = b.share_probability
    if (
        b.sharer_share < 1
        or b.propensity_sigma != 0
        or b.max_shares != 1
        or b.repeat_exposure_factor != 1
        or any(channel(getattr(config, channel.section), 0).active for channel in CHANNELS)
        or b.channel.group != 0
        or (b.channel.direct > 0 and b.direct_count < max_degree)
        or (b.channel.feed > 0 and b.feed_attention < 1)
        or rate < 1
        or rate * pop.seed_share_multiplier < 1
    ):
        return None
    if pop.kol_count and (
        pop.kol_weight != 1 or rate * pop.kol_share_multiplier < 1 or pop.kol_start_day != 1
    ):
        return None
    if not np.all(appeal_offered(config, graph.n) == 1.0):
        return None
    return b.accept_probability


def paying_share(config: Config) -> float:
    """Chance that a joiner pays during the campaign, over the segment mix.

    A joiner is taken to have days/2 days to buy (joins spread over the campaign), with
    the lift the lure gives (a coupon's, to the first order):
    Σ_s mix_s × (1 − (1 − min(1, π_s × L))^(days/2)).
    Used to turn IC reach into expected paying members; it scales every candidate alike.
    """
    b = config.behaviour
    lift = make_lure(config.lure, 1).purchase_lift
    daily = np.array([b.purchase_probability.payer, b.purchase_probability.convertible, 0.0])
    daily = np.minimum(1.0, daily * lift)
    days = config.experiment.days / 2
    return float(_mix(config) @ (1.0 - (1.0 - daily) ** days))
