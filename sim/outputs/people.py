"""The columns of the tables about people: ``members.parquet`` (one row per member) and
``generations.parquet`` (one row per generation of the cascade)."""

from __future__ import annotations

from sim.mechanism import Output

# --------------------------------------------------------------- members.parquet


def _members(name: str, unit: str, meaning: str, **kw: str | None) -> Output:
    return Output(name, unit, meaning, table="members", **kw)


MEMBERS: tuple[Output, ...] = (
    _members(
        "node",
        "",
        "the person's id as given in the input: the edge-list id, the networkx node name, or "
        "the number 0 … n−1 for generated graphs",
        type="int or text",
    ),
    _members("role", "", "`seed`, `kol` or `member` (someone who joined)", type="category"),
    _members(
        "came_by",
        "",
        "how they came: `seed`, `kol`, `referral` (accepted an invitation), `outside` (the "
        "outside channel) or `store` (scanned a store's group QR code)",
        type="category",
    ),
    _members("segment", "", "`payer`, `convertible` or `junk` (the 271 rule)", type="category"),
    _members(
        "day_joined",
        "day",
        "0 for seeds and KOLs, the day of joining otherwise",
        type="int",
        label="day joined (day)",
        fmt=".0f",
    ),
    _members(
        "inviter",
        "",
        "`node` id of the person whose invitation brought this one in",
        type="int or text",
        empty_when="seeds, KOLs and outside joiners",
    ),
    _members(
        "generation",
        "generations",
        "0 for seeds, KOLs and outside joiners; the inviter's generation + 1 otherwise",
        type="int",
        label="generation (generations)",
        fmt=".0f",
    ),
    _members(
        "invites",
        "people",
        "people who joined on this person's invitation (counted whatever the budget and "
        "`reward.pay_on`). Summed over a run: `joined_via_referral`.",
        type="int",
        label="people brought in (people)",
        fmt=",.0f",
    ),
    _members(
        "purchases",
        "orders",
        "orders placed during the campaign (always 0 for seeds and KOLs)",
        type="int",
        label="orders placed (orders)",
        fmt=",.0f",
    ),
    _members(
        "reward_earned",
        "yuan",
        "reward-rule money paid to this person, after the cap and the budget (as inviter, as "
        "double-sided invitee, as upline, as prize winner). Lure payments are not included, "
        "even those booked to an inviter (group-buy completion, bargain cuts). Summed over a "
        "run: `reward_cost`.",
        label="reward earned (yuan)",
        fmt=",.2f",
    ),
)

# Its key column, written by the experiment runner (``KEYS`` in ``sim.outputs.catalog``).
MEMBERS_KEYS: tuple[Output, ...] = (
    _members("run_id", "", "as in `runs.parquet`", type="int", label="run", fmt="d"),
)

# ----------------------------------------------------------- generations.parquet


def _generations(name: str, unit: str, meaning: str, **kw: str | None) -> Output:
    return Output(name, unit, meaning, table="generations", **kw)


GENERATIONS: tuple[Output, ...] = (
    _generations(
        "generation",
        "",
        "0 = seeds, KOLs and outside joiners; g + 1 = people invited by generation g",
        type="int",
        label="generation",
        fmt="d",
    ),
    _generations(
        "members",
        "people",
        "members of this generation at the end",
        type="int",
        label="members of the generation (people)",
        fmt=",.0f",
    ),
    _generations(
        "sharers",
        "people",
        "of those, the ones who shared at least once",
        type="int",
        label="members who shared (people)",
        fmt=",.0f",
    ),
    _generations(
        "k_factor",
        "people per member",
        "members of generation g + 1 ÷ members of generation g: the K-factor of the "
        "generation, people it brought in per member (0 for the deepest generation). "
        "Generation 0 mixes starters and outside joiners: `runs.parquet` gives the starters' "
        "own (`k_seeds`, `k_kols`)",
        label="K-factor of the generation (people per member)",
        fmt=".3f",
    ),
)
