"""The columns living groups add: to ``runs.parquet`` (written for runs with
``groups.lifecycle`` on, empty for others) and ``groups.parquet`` (one row per run, group
and week over campaign + horizon)."""

from __future__ import annotations

from typing import Any

from sim.mechanism import Output


def _runs(name: str, unit: str, meaning: str, **kw: Any) -> Output:
    return Output(
        name,
        unit,
        meaning,
        table="runs",
        empty_when=kw.pop("empty_when", "groups do not live and die (`groups.lifecycle` false)"),
        **kw,
    )


def _group(name: str, unit: str, meaning: str, type: str = "float") -> Output:
    return Output(name, unit, meaning, table="groups", type=type, fmt=",.4g")


RUNS_OUTPUTS: tuple[Output, ...] = (
    _runs(
        "groups",
        "groups",
        "chat groups at the start",
        type="int",
        fmt=",.0f",
        label="chat groups (groups)",
    ),
    _runs(
        "group_owners",
        "people",
        "owners (群主) running them: ⌈groups ÷ `groups.groups_per_owner`⌉",
        type="int",
        fmt=",.0f",
        label="group owners (people)",
    ),
    _runs(
        "member_owners",
        "people",
        "owners who are members running a group (`groups.member_owner_share`), paid by "
        "commission alone; the others are store employees",
        type="int",
        fmt=",.0f",
        label="member owners (people)",
    ),
    _runs(
        "owners_quit",
        "people",
        "member owners who gave their groups up (`groups.member_owner_quit_per_week`) "
        "within campaign + horizon; nobody held those groups' activities afterwards",
        type="int",
        fmt=",.0f",
        label="owners who gave up (people)",
    ),
    _runs(
        "groups_alive_end",
        "groups",
        "groups alive at the end of the campaign's last day",
        type="int",
        better="more",
        fmt=",.0f",
        label="groups alive at the campaign's end (groups)",
        short="groups alive (end)",
    ),
    _runs(
        "groups_alive_horizon",
        "groups",
        "groups alive at the end of the value horizon (`value.horizon_days` after the "
        "campaign; the campaign's end without one)",
        type="int",
        better="more",
        fmt=",.0f",
        label="groups alive at the horizon (groups)",
    ),
    _runs(
        "groups_alive_30",
        "share",
        "share of the groups alive at the end of day 30 (campaign + horizon days)",
        empty_when="fewer than 30 days simulated, or groups do not live and die",
        fmt=".3f",
        label="groups alive after 30 days (share)",
    ),
    _runs(
        "groups_alive_90",
        "share",
        "share of the groups alive at the end of day 90: how many will be dead in three months",
        empty_when="fewer than 90 days simulated, or groups do not live and die",
        better="more",
        fmt=".3f",
        label="groups alive after 90 days (share)",
        short="alive after 90 days",
    ),
    _runs(
        "median_group_lifetime",
        "days",
        "the median day a group died (a group alive at the end outlives every day simulated)",
        empty_when="half or more of the groups outlived campaign + horizon, or groups do "
        "not live and die",
        fmt=",.0f",
        label="median group lifetime (days)",
    ),
    _runs(
        "group_revivals",
        "groups",
        "dead groups revived (`groups.revive_dead`), each at `revival_cost_factor` × "
        "`activity_cost`",
        type="int",
        fmt=",.0f",
        label="groups revived (groups)",
    ),
    _runs(
        "owner_cost",
        "yuan",
        "owners' training, weekly pay and commission on their groups' sales (campaign "
        "members' and existing customers'), over campaign + horizon (outside the budget)",
        context=True,
        fmt=",.0f",
        label="owner cost (yuan)",
    ),
    _runs(
        "activity_cost",
        "yuan",
        "activities held, events and revivals in the groups, over campaign + horizon "
        "(outside the budget)",
        context=True,
        fmt=",.0f",
        label="activity cost (yuan)",
    ),
    _runs(
        "group_cost",
        "yuan",
        "what the groups cost on the campaign's days (owners and activities): part of "
        "`total_cost`; the horizon's part counts in `profit`",
        fmt=",.0f",
        label="group cost in the campaign (yuan)",
    ),
    _runs(
        "existing_customers",
        "people",
        "the chain's existing customers among the people in the groups at the start "
        "(`groups.customer_share`; seeds and KOLs excepted)",
        type="int",
        fmt=",.0f",
        label="existing customers in the groups (people)",
    ),
    _runs(
        "existing_customer_orders",
        "orders",
        "their orders over campaign + horizon as their groups moved their buying (a "
        "customer who joins the campaign counts as a member from their join day)",
        type="int",
        fmt=",.0f",
        label="existing customers' orders (orders)",
    ),
    _runs(
        "incremental_orders",
        "orders",
        "`existing_customer_orders` minus the orders the same customers place on the same "
        "draws when their groups never move their buying (the baseline): what the living "
        "groups added, or lost (negative)",
        type="int",
        fmt=",.0f",
        label="orders the groups added (orders)",
    ),
    _runs(
        "incremental_margin",
        "yuan",
        "the existing customers' discounted margin minus the baseline's: what the living "
        "groups added to it (negative: lost), counted in `profit`",
        fmt=",.0f",
        label="margin the groups added (yuan)",
        short="groups' extra margin (yuan)",
    ),
)

GROUPS_OUTPUTS: tuple[Output, ...] = (
    _group("group", "", "the group's number, 0 … `groups` − 1", "int"),
    _group(
        "week", "", "1 for days 1-7 of the campaign, 2 for days 8-14, … through the horizon", "int"
    ),
    _group(
        "last_day",
        "day",
        "the week's last day from the campaign's start (a last week may be short)",
        "int",
    ),
    _group(
        "owner", "", "the owner's number (an owner runs `groups.groups_per_owner` groups)", "int"
    ),
    _group(
        "members",
        "people",
        "people in the group at the week's end (capacity "
        "`groups.max_size`), campaign members or not",
        "int",
    ),
    _group(
        "campaign_members",
        "people",
        "of them, members of the campaign (seeds, KOLs, joiners)",
        "int",
    ),
    _group(
        "activity",
        "",
        "activity at the week's end, 0-1 (attention = `groups.attention` × activity)",
    ),
    _group("alive", "", "the group is alive at the week's end", "bool"),
    _group("shares", "invitations", "members' shares posted into the group in the week", "int"),
    _group("joins", "people", "people of the group who joined the campaign in the week", "int"),
    _group(
        "purchases", "orders", "orders by its members in the week (campaign and horizon)", "int"
    ),
    _group(
        "commission",
        "yuan",
        "the owner's commission on those orders and on its existing customers' (booked in "
        "the week; the horizon's and the customers' on the week's last day)",
    ),
    _group("activity_costs", "yuan", "activities held, events and revivals in the week"),
    _group(
        "customer_orders",
        "orders",
        "orders by the existing customers whose first group this is, in the week, as the "
        "group moved their buying",
        "int",
    ),
    _group(
        "incremental_orders",
        "orders",
        "those orders minus the baseline's in the week (`runs.incremental_orders`)",
        "int",
    ),
    _group("horizon", "", "the week ends after the campaign's last day (value horizon)", "bool"),
)
