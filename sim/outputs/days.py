"""The columns of ``daily.parquet``: one row per run and campaign day."""

from __future__ import annotations

from sim.mechanism import Output


def _daily(name: str, unit: str, meaning: str, **kw: str | None) -> Output:
    return Output(name, unit, meaning, table="daily", **kw)


DAILY: tuple[Output, ...] = (
    _daily(
        "day", "day", "1 … `experiment.days`", type="int", label="campaign day (day)", fmt=".0f"
    ),
    _daily(
        "new_invites",
        "invitations",
        "invitations delivered today to people who were not members, one per (sender, "
        "person) pair, after the feed or group attention draw. A person reached by three "
        "shares counts three; shares that reached only members count nothing.",
        type="int",
        label="invitations delivered (invitations)",
        fmt=",.0f",
    ),
    _daily(
        "new_joins",
        "people",
        "people who joined today, by invitation or outside channel",
        type="int",
        label="new members (people)",
        fmt=",.0f",
    ),
    _daily(
        "cumulative_joined",
        "people",
        "`new_joins` summed from day 1 through today (seeds and KOLs not included)",
        type="int",
        label="members joined so far (people)",
        fmt=",.0f",
    ),
    _daily(
        "active_sharers",
        "people",
        "members who shared today",
        type="int",
        label="members who shared (people)",
        fmt=",.0f",
    ),
    _daily(
        "reward_paid",
        "yuan",
        "reward payments made today (on the last day including leaderboard prizes)",
        type="number",
        label="rewards paid (yuan)",
        fmt=",.2f",
    ),
    _daily(
        "lure_paid",
        "yuan",
        "lure payments made today",
        type="number",
        label="lure payments (yuan)",
        fmt=",.2f",
    ),
    _daily(
        "budget_left",
        "yuan",
        "`reward.budget` minus every lure and reward payment made through the end of today. "
        "Can stay above 0 after exhaustion: the payment that did not fit is not made.",
        empty_when="the budget is unlimited (`reward.budget` unset)",
        label="budget left (yuan)",
        fmt=",.0f",
    ),
    _daily(
        "revenue",
        "yuan",
        "today's orders × `revenue_per_order`",
        label="revenue of the day (yuan)",
        fmt=",.0f",
    ),
    _daily(
        "new_paying",
        "people",
        "people who bought for the first time today",
        type="int",
        label="first-time buyers (people)",
        fmt=",.0f",
    ),
)

# Its key column, written by the experiment runner (``KEYS`` in ``sim.outputs.catalog``).
DAILY_KEYS: tuple[Output, ...] = (
    _daily("run_id", "", "as in `runs.parquet`", type="int", label="run", fmt="d"),
)
