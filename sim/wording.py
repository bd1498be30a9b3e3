"""The planner's words for the config's keys and choices (domain.md §2), for the faces.

A config key is named for what it means to a planner, not by its field name: ``graph.m``
is "friends each newcomer links to", not "m (edges)"; ``lure.kind = "cash"`` is "cash
red packet". The app's controls and the sweep charts' axes read these names here; the
keys, allowed ranges and descriptions still come from their declarations in
``sim.config`` (``field_description``). Every name is English, marked ``N_`` for the
catalogue, and translated when shown (``key_label``, ``option_label``). A key or choice
not named here (a mechanism added later) is shown by its field name.
"""

from __future__ import annotations

from sim.lang import N_, _

KEY_LABELS: dict[str, str] = {
    "graph.kind": N_("kind of network"),
    "graph.path": N_("members' network (edge list)"),
    "graph.directed": N_("links go one way (followers)"),
    "graph.n": N_("people in the community"),
    "graph.sizes": N_("people in each sub-community"),
    "graph.mean_degree": N_("friends per person, on average"),
    "graph.m": N_("friends each newcomer links to"),
    "graph.k": N_("neighbours each person knows"),
    "graph.p_rewire": N_("chance a neighbour tie reaches far"),
    "graph.degree": N_("friends of every person"),
    "graph.p_triangle": N_("chance a new friend is a friend's friend"),
    "graph.p_in": N_("chance of a friendship inside a sub-community"),
    "graph.p_out": N_("chance of a friendship across sub-communities"),
    "seeds.strategy": N_("how seed users are chosen"),
    "seeds.count": N_("seed users"),
    "population.kol_count": N_("KOLs"),
    "population.kol_strategy": N_("how KOLs are chosen"),
    "population.kol_fee": N_("fee per KOL"),
    "lure.kind": N_("lure (what the friend gets)"),
    "lure.value": N_("lure value per friend"),
    "lure.first_purchase_lift": N_("pull on the first order"),
    "lure.group_size": N_("people a group buy needs"),
    "lure.window_days": N_("days to fill the group"),
    "lure.share_boost": N_("extra sharing while the group is open"),
    "lure.max_helps": N_("friends' helps to reach the lowest price"),
    "lure.win_probability": N_("chance the friend wins"),
    "lure.purchase_lift": N_("pull on buying while credit is left"),
    "reward.rule": N_("reward rule (what the inviter gets)"),
    "reward.budget": N_("budget for lures and rewards"),
    "reward.pay_on": N_("an invite is paid when the friend"),
    "reward.cap_per_person": N_("most one inviter can earn"),
    "reward.amount": N_("reward per friend brought in"),
    "reward.invitee_amount": N_("reward to the friend"),
    "reward.tiers": N_("bonus tiers (invites:bonus)"),
    "reward.level_amounts": N_("commission by level"),
    "reward.prizes": N_("leaderboard prizes"),
    "reward.win_probability": N_("chance an invite wins"),
    "experiment.days": N_("campaign length"),
    "experiment.replicates": N_("replicates (runs with other luck)"),
    "value.model": N_("how members buy"),
    "value.horizon_days": N_("days of buying after the campaign"),
    "value.discount_rate": N_("discount rate per year"),
    "value.spend": N_("order value"),
    "value.referred_spend_premium": N_("extra order value of referred members"),
    "value.referred_dropout_factor": N_("churn of referred members (× others')"),
    "value.referrer_dropout_factor": N_("churn of members who referred (× others')"),
    "value.reward_quality_loss": N_("order value lost to reward hunting"),
    "value.cash_hunter_exit": N_("chance a cash hunter leaves once paid"),
    "behaviour.gross_margin": N_("gross margin"),
    "behaviour.revenue_per_order": N_("revenue per order"),
}

OPTION_LABELS: dict[str, dict[str, str]] = {
    "graph.kind": {
        "erdos_renyi": N_("random (Erdős–Rényi)"),
        "barabasi_albert": N_("a few with many friends (Barabási–Albert)"),
        "watts_strogatz": N_("neighbours and a few far ties (Watts–Strogatz)"),
        "random_regular": N_("everyone with as many friends"),
        "powerlaw_cluster": N_("a few with many friends, in circles"),
        "stochastic_block": N_("sub-communities (stochastic blocks)"),
        "complete": N_("everyone knows everyone"),
        "edgelist": N_("our members' network (edge list)"),
    },
    "seeds.strategy": {
        "random": N_("at random"),
        "top_degree": N_("most friends"),
        "pagerank": N_("most central (PageRank)"),
        "kol": N_("the KOLs"),
        "community_spread": N_("spread over sub-communities"),
        "degree_discount": N_("optimised: degree discount"),
        "celf": N_("optimised: CELF (greedy)"),
        "imm": N_("optimised: IMM"),
        "list": N_("listed ids"),
    },
    "population.kol_strategy": {
        "top_degree": N_("most friends"),
        "pagerank": N_("most central (PageRank)"),
        "random": N_("at random"),
        "list": N_("listed ids"),
    },
    "lure.kind": {
        "none": N_("none"),
        "cash": N_("cash red packet"),
        "coupon": N_("coupon"),
        "free_content": N_("free content (course, sample)"),
        "group_buy": N_("group-buy price"),
        "bargain": N_("help me bargain"),
        "lottery": N_("lottery ticket"),
        "stored_value": N_("stored-value card"),
    },
    "reward.rule": {
        "none": N_("none"),
        "referrer": N_("the inviter is paid per friend"),
        "double_sided": N_("both sides rewarded"),
        "tiered": N_("tiered bonuses"),
        "multi_level": N_("multi-level commission"),
        "leaderboard": N_("leaderboard prizes"),
        "lottery": N_("lottery for the inviter"),
    },
    "reward.pay_on": {"join": N_("joins"), "first_purchase": N_("first buys")},
    "value.model": {
        "daily": N_("a daily chance of an order"),
        "bg_nbd": N_("buy till you die (BG/NBD)"),
    },
    "value.spend": {"fixed": N_("the same for everyone"), "gamma_gamma": N_("customers differ")},
}


def key_label(key: str) -> str:
    """A config key in the planner's words, in the current language; undeclared keys by
    their field name ("lure max helps")."""
    named = KEY_LABELS.get(key)
    return _(named) if named else key.split(".", 1)[-1].replace("_", " ")


def option_label(key: str, option: str) -> str:
    """A choice of a key in the planner's words, in the current language."""
    named = OPTION_LABELS.get(key, {}).get(option)
    return _(named) if named else option.replace("_", " ")


def field_description(key: str) -> str | None:
    """A config key's declared description (English, as ``sim.config`` declares it; the
    part before the first ";"), or None for a key the config does not declare."""
    from sim.config import FAMILIES, Config

    section, _sep, name = key.partition(".")
    try:
        family = FAMILIES.get(section)
        if family is not None:
            field = family.field(name)
        else:
            field = Config.model_fields[section].annotation.model_fields[name]  # type: ignore[union-attr]
    except (KeyError, AttributeError, ValueError):
        return None
    return (field.description or "").split(";")[0].strip()
