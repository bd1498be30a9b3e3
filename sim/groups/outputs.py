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
        "owners' training, weekly pay and commission on their groups' sales, over campaign + "
        "horizon (outside the budget)",
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
    _group("commission", "yuan", "the owner's commission on those orders"),
    _group("activity_costs", "yuan", "activities held, events and revivals in the week"),
    _group("horizon", "", "the week ends after the campaign's last day (value horizon)", "bool"),
)
