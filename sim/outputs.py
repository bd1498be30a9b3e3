"""Every column of the output tables, declared once.

Each column of ``runs.parquet``, ``daily.parquet``, ``members.parquet`` and
``generations.parquet`` is an ``Output`` (``sim.mechanism``): its unit, its exact
definition, when it is empty, which direction a planner prefers and how charts label it.
Mechanisms (``sim.lures``, ``sim.rewards``, ``sim.channels``) declare the columns they
add the same way; ``columns(table, extra)`` gives a table's core columns followed by
theirs. The column tables of docs/outputs.md are written from these declarations
(``scripts/write_output_docs.py``), and so are the charts' axis titles and the
comparison's "better" direction.

``IDENTIFIERS`` are written by the experiment runner, not the model: they name the run a
row belongs to. ``RUNS`` is what ``ReferralModel.summary()`` returns, in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sim.mechanism import Output

TABLES = ("runs", "daily", "members", "generations")


def _runs(name: str, unit: str, meaning: str, **kw: str | None) -> Output:
    return Output(name, unit, meaning, table="runs", **kw)


def _segment(segment: str) -> Output:
    return _runs(
        f"joined_{segment}",
        "people",
        f"joined people of the latent {segment} segment (the 271 mix of who came)",
        type="int",
        label=f"joined, {segment} segment (people)",
        fmt=",.0f",
    )


# ------------------------------------------------------------------ runs.parquet

IDENTIFIERS: tuple[Output, ...] = (
    _runs(
        "run_id",
        "",
        "the run's number, 0, 1, … in design order (scenario, then sweep point, then "
        "replicate); the key shared with the other tables. In a plain experiment it equals "
        "`replicate`.",
        type="int",
        label="run",
        fmt="d",
    ),
    _runs(
        "scenario",
        "",
        "the scenario's `name`, or `base` for a study without scenarios",
        type="text",
    ),
    _runs(
        "point",
        "",
        "the sweep point's number (0 without a sweep)",
        type="int",
        label="sweep point",
        fmt="d",
    ),
    # (the swept parameters' columns come here: see SWEPT_KEYS)
    _runs(
        "replicate",
        "",
        "replicate number, 0 … `experiment.replicates` − 1",
        type="int",
        label="replicate",
        fmt="d",
    ),
)

# The row of docs/outputs.md that stands for the swept parameters' columns (one per
# swept key, named by it): not a column of its own, so not an Output.
SWEPT_KEYS = (
    "| *swept keys* | number or text | the parameter's | the value of each swept parameter "
    "at this point | never |"
)

RUNS: tuple[Output, ...] = (
    _runs(
        "seed",
        "",
        'the run\'s seed, `derive_seed(experiment.seed, "replicate", replicate)`: it depends '
        "on the replicate only, so every scenario and sweep point runs replicate r on the "
        "same random numbers (common random numbers), and adding a scenario changes no other "
        "scenario's numbers. `ReferralModel(config, rng=seed).run()` with the run's config "
        "reproduces the row.",
        type="uint64",
        label="seed",
        fmt="d",
    ),
    _runs(
        "invited",
        "people",
        "distinct people who noticed at least one invitation while not a member (one-to-one "
        "messages, and feed or group posts they noticed). Includes people who then joined.",
        type="int",
        empty_when="never (0 if nobody was reached)",
        label="people invited (people)",
        fmt=",.0f",
    ),
    _runs(
        "joined",
        "people",
        "people who became members during the campaign, by invitation or outside channel. "
        "Excludes seeds and KOLs.",
        type="int",
        better="more",
        label="members joined (people)",
        short="joined (people)",
        fmt=",.0f",
    ),
    _runs(
        "joined_via_referral",
        "people",
        "joined people who have an inviter: their first converting invitation (in that day's "
        "random order) names the inviter. An outside-channel joiner who also accepted an "
        "invitation the same day counts here.",
        type="int",
        label="joined by referral (people)",
        fmt=",.0f",
    ),
    _runs(
        "joined_external",
        "people",
        "`joined − joined_via_referral`: people who joined through the outside channel "
        "(`external.daily_rate`) and accepted no invitation that day",
        type="int",
        label="joined through the outside channel (people)",
        fmt=",.0f",
    ),
    _runs(
        "paying",
        "people",
        "joined people with at least one purchase during the campaign",
        type="int",
        better="more",
        label="paying members (people)",
        short="paying (people)",
        fmt=",.0f",
    ),
    _runs(
        "junk_share",
        "share",
        "joined people of the junk segment (羊毛党, never buy) ÷ `joined`",
        empty_when="`joined` = 0",
        better="less",
        label="junk share of joined (share)",
        short="junk share",
        fmt=".3f",
    ),
    _segment("payer"),
    _segment("convertible"),
    _segment("junk"),
    _runs(
        "reward_cost",
        "yuan",
        "all reward-rule payments made: the inviter's reward, the invitee's part of a "
        "double-sided reward, tier bonuses, multi-level commissions, leaderboard prizes, "
        "lottery-reward wins",
        label="reward cost (yuan)",
        fmt=",.0f",
    ),
    _runs(
        "lure_cost",
        "yuan",
        "all lure payments made: cash red packets, free content, redeemed coupons, completed "
        "group buys (拼团, `value × group_size` each), bargain cuts (砍一刀), lottery-lure "
        "prizes",
        label="lure cost (yuan)",
        fmt=",.0f",
    ),
    _runs(
        "kol_cost",
        "yuan",
        "KOL fees: `population.kol_fee` for each KOL, counted on `kol_start_day`; outside "
        "the budget",
        label="KOL fees (yuan)",
        fmt=",.0f",
    ),
    _runs(
        "total_cost",
        "yuan",
        "`reward_cost + lure_cost + kol_cost`",
        better="less",
        label="total cost (yuan)",
        short="total cost (yuan)",
        fmt=",.0f",
    ),
    _runs(
        "revenue",
        "yuan",
        "gross revenue of every order placed by joined people during the campaign: orders × "
        "`behaviour.revenue_per_order`. Seeds and KOLs place no counted orders.",
        label="revenue (yuan)",
        fmt=",.0f",
    ),
    _runs(
        "cac",
        "yuan per person",
        "`total_cost ÷ joined` (0 when nothing was spent)",
        empty_when="`joined` = 0",
        label="cost per joined member (yuan per person)",
        fmt=",.2f",
    ),
    _runs(
        "cost_per_paying",
        "yuan per person",
        "`total_cost ÷ paying`",
        empty_when="`paying` = 0",
        better="less",
        label="cost per paying member (yuan per person)",
        short="cost per paying (yuan)",
        fmt=",.2f",
    ),
    _runs(
        "roi",
        "ratio",
        "`(revenue × behaviour.gross_margin − total_cost) ÷ total_cost`. 0 is break-even on "
        "campaign-window margin; −1 means no margin at all.",
        empty_when="`total_cost` = 0",
        better="more",
        label="ROI (ratio; 0 = break-even)",
        short="ROI (ratio)",
        fmt=",.2f",
    ),
    _runs(
        "k_factor",
        "share",
        "`joined_via_referral ÷ all members at the end` (seeds + KOLs + `joined`); see below",
        empty_when="defined whenever there is a member at the end (seeds or KOLs guarantee one)",
        label="K-factor (share)",
        short="K-factor",
        fmt=".3f",
    ),
    _runs(
        "max_generation",
        "generations",
        "the highest generation among members: 0 = seeds, KOLs and outside joiners, 1 = "
        "people they invited, 2 = people those invited, …",
        type="int",
        label="deepest generation (generations)",
        fmt=".0f",
    ),
    _runs(
        "peak_day",
        "day",
        "the day with the most new joins (`daily.new_joins`); the earliest such day on ties",
        type="int",
        empty_when="nobody joined",
        label="peak day (day)",
        fmt=".0f",
    ),
    _runs(
        "budget_exhausted_day",
        "day",
        "the day a payment first did not fit the budget (or the budget reached exactly 0); "
        "lures and rewards are off from the next day",
        type="int",
        empty_when="the budget lasted or is unlimited (a budget of 0 gives day 0: incentives "
        "were never offered)",
        label="day the budget ran out (day)",
        fmt=".0f",
    ),
)


# ----------------------------------------------------------------- daily.parquet


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
        "ratio",
        "members of generation g + 1 ÷ members of generation g: the branching ratio of the "
        "cascade at that depth (0 for the deepest generation)",
        label="branching ratio (ratio)",
        fmt=".3f",
    ),
)


# The key columns each table starts with (written by the experiment runner). The daily
# and generations tables also carry `scenario`, `point` and `replicate`; docs/outputs.md
# documents only `run_id` in the daily table and names them in prose for generations.
KEYS: dict[str, tuple[Output, ...]] = {
    "runs": IDENTIFIERS,
    "daily": (_daily("run_id", "", "as in `runs.parquet`", type="int", label="run", fmt="d"),),
    "members": (_members("run_id", "", "as in `runs.parquet`", type="int", label="run", fmt="d"),),
    "generations": (),
}

CORE: dict[str, tuple[Output, ...]] = {
    "runs": RUNS,
    "daily": DAILY,
    "members": MEMBERS,
    "generations": GENERATIONS,
}

DAILY_COLUMNS: tuple[str, ...] = tuple(o.name for o in DAILY)
SUMMARY_COLUMNS: tuple[str, ...] = tuple(o.name for o in RUNS)


def columns(table: str, extra: Iterable[Output] = ()) -> tuple[Output, ...]:
    """A table's columns written by the model: the core ones, then the mechanisms'
    (``extra``, those of other tables ignored; the same declaration twice counts once).

    Raises:
        ValueError: for an unknown table, or two different declarations of one column.
    """
    if table not in CORE:
        raise ValueError(f"unknown table {table!r} (tables: {', '.join(TABLES)})")
    added = tuple(dict.fromkeys(o for o in extra if o.table == table))
    result = CORE[table] + added
    seen: dict[str, Output] = {o.name: o for o in KEYS[table]}
    for o in result:
        if o.name in seen:
            raise ValueError(f"column {o.name!r} of {table} is declared twice: {seen[o.name]}, {o}")
        seen[o.name] = o
    return result


def find(name: str, extra: Iterable[Output] = (), table: str | None = None) -> Output | None:
    """The declaration of a column, or None. Names shared by tables (``revenue``,
    ``k_factor``, ``generation``, ``run_id``) resolve to the first table in ``TABLES``
    order unless ``table`` is given; key columns are found too."""
    extra = tuple(extra)
    for t in TABLES if table is None else (table,):
        for o in KEYS[t] + columns(t, extra):
            if o.name == name:
                return o
    return None


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(
    table: str, extra: Iterable[Output] = (), after: Mapping[str, str] | None = None
) -> str:
    """The table's columns as docs/outputs.md prints them: key columns first, then the
    model's and the mechanisms'. ``after`` maps a column name to a ready row printed after
    its row (the runs table's *swept keys*). Ends with a newline."""
    after = after or {}
    full = table != "generations"  # generations.parquet has no empty-when column
    head = ["column", "type", "unit", "definition"] + (["empty when"] if full else [])
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(["---"] * len(head)) + " |"]
    for o in KEYS[table] + columns(table, extra):
        cells = [f"`{o.name}`", o.type, o.unit or "–", o.meaning]
        if full:
            cells.append(o.empty_when)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        if o.name in after:
            lines.append(after[o.name])
    return "\n".join(lines) + "\n"
