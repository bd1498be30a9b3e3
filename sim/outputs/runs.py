"""The columns of ``runs.parquet``: one row per run.

``IDENTIFIERS`` are written by the experiment runner, not the model: they name the run a
row belongs to. ``RUNS`` is what ``ReferralModel.summary()`` returns, in order.
"""

from __future__ import annotations

from sim.mechanism import Output


def _runs(name: str, unit: str, meaning: str, **kw: str | bool | None) -> Output:
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
        headline=True,
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
        "people who joined through the outside channel (`external.daily_rate`) and accepted "
        "no invitation that day: `joined − joined_via_referral − joined_store` (the store "
        "channel's, when it is on)",
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
        headline=True,
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
        headline=True,
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
        "`reward_cost + lure_cost + kol_cost`, plus `check_cost` where risk checks are "
        "modelled (docs/model.md §14) and `group_cost` where groups live and die (§4.3)",
        context=True,
        label="total cost (yuan)",
        short="total cost (yuan)",
        fmt=",.0f",
        headline=True,
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
        "`total_cost ÷ paying`: the price of a paying member",
        empty_when="`paying` = 0, or nothing was spent (`total_cost` = 0: no price, as ROI)",
        better="less",
        label="cost per paying member (yuan per person)",
        short="cost per paying (yuan)",
        fmt=",.2f",
        headline=True,
    ),
    _runs(
        "roi",
        "ratio",
        "`(revenue × behaviour.gross_margin − total_cost) ÷ total_cost`. 0 is break-even on "
        "campaign-window margin; −1 means no margin at all.",
        empty_when="`total_cost` = 0",
        better="more",
        label="campaign-days ROI (ratio; 0 = break-even)",
        short="campaign ROI (ratio)",
        fmt=",.2f",
        headline=True,
    ),
    _runs(
        "k_members",
        "people per member",
        "the K-factor of ordinary members: people brought in per member of generation 1 "
        "(the members the starters and outside joiners invited): invitations per member × "
        "the share that converted. Above 1 each member brings in more than one new member "
        "and the campaign spreads by itself (viral); below 1 it dies out without its "
        "starters. Generation 1 had the most time to invite and met the fewest people "
        "already in, so its K is the cascade's branching number; `generations.parquet` "
        "gives every generation's. Starters are counted apart: `k_seeds`, `k_kols`.",
        empty_when="nobody is in generation 1 (no starter or outside joiner brought anyone)",
        better="more",
        label="K-factor of members (people per member)",
        short="K of members",
        fmt=".2f",
        headline=True,
    ),
    _runs(
        "k_seeds",
        "people per member",
        "people who joined on a seed user's invitation ÷ seed users (`seeds.count`): what "
        "one seed brought in",
        empty_when="there are no seed users",
        label="people brought in per seed user (people per member)",
        short="K of seeds",
        fmt=".2f",
    ),
    _runs(
        "k_kols",
        "people per member",
        "people who joined on a KOL's invitation ÷ KOLs (`population.kol_count`): what one "
        "KOL brought in",
        empty_when="there are no KOLs",
        label="people brought in per KOL (people per member)",
        short="K of KOLs",
        fmt=".2f",
    ),
    _runs(
        "referral_share",
        "share",
        "`joined_via_referral ÷ all members at the end` (seeds + KOLs + `joined`); for a "
        "finished cascade in which everyone brings K this equals K (docs/model.md §10.3), "
        "otherwise it is not a K-factor (read `k_members`). Results written before "
        "`k_members` existed call it `k_factor`.",
        empty_when="never (seeds or KOLs guarantee a member at the end)",
        label="share of members who came by referral (share)",
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
        headline=True,
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
        headline=True,
    ),
)
