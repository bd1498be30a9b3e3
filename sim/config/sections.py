"""The sections of a config, one pydantic model each, and ``Config``, the campaign.

Each field has its unit and allowed range; the validators check what one field cannot
(a graph kind's fields, shares summing to 1, seeds and KOLs fitting in the graph).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, create_model, field_validator, model_validator

from sim.channels import CHANNELS
from sim.family import Family
from sim.groups import (
    ActivityParams,
    BuyingParams,
    EventParams,
    OwnerParams,
    ScreeningParams,
)
from sim.lures import LURES, LureConfig
from sim.params import BySegment, Probability, Section, Yuan
from sim.rewards import REWARDS, RewardConfig
from sim.risk import RISKS
from sim.value import VALUE, ValueConfig

# The config tables whose keys depend on a kind: the table, and the family that says.
FAMILIES: dict[str, Family] = {"lure": LURES, "reward": REWARDS, "value": VALUE}

_Section = Section

# Upper bounds: what cannot fit in memory or finish is refused when the config is read,
# not after hours of swapping. They are far above any campaign planned so far.
#
# The most people in a graph. Ten million is a target of the product; the default
# campaign peaks under 1 GiB at a million people (benchmarks/README.md), so about
# BYTES_PER_PERSON each: 100 million people need about 70 GB, a large server's memory.
MAX_PEOPLE = 100_000_000
BYTES_PER_PERSON = 700
# The most friendships in a graph: each is held twice in the CSR arrays (8 bytes) and
# about BYTES_PER_FRIENDSHIP while the graph is built (endpoint arrays, both directions,
# the sort): a billion need about 50 GB.
MAX_FRIENDSHIPS = 1_000_000_000
BYTES_PER_FRIENDSHIP = 50
# The stochastic block generator visits every pair of blocks (half a million at most).
MAX_BLOCKS = 1_000
# The most replicates of a study. Each is a whole campaign; at 100,000 the Monte Carlo
# error of a mean is already 0.3 % of the runs' spread, and more would only take time.
MAX_REPLICATES = 100_000
# Friends one one-to-one share messages: WeChat caps a person's friends at 10,000, and
# the kernel keeps a buffer of this many picks.
MAX_DIRECT_COUNT = 10_000
# celf's Monte Carlo worlds per estimate (and × 1,000 RR sets for degree discount).
MAX_SIMULATIONS = 100_000


def _gigabytes(count: float, each: int) -> str:
    """Memory of ``count`` things of ``each`` bytes, said in GB."""
    return f"{count * each / 1e9:,.3g} GB"


class ExperimentConfig(_Section):
    # A folder name, never a path: letters of any script (Chinese included), digits,
    # "_", "-" and ".", not starting with "." (so never "." or "..").
    name: str = Field("campaign", pattern=r"^[\w\-][\w.\-]*$", max_length=100)
    days: int = Field(30, ge=1, le=3650, description="campaign length (days)")
    replicates: int = Field(
        20, ge=1, description=f"independent runs of the campaign (at most {MAX_REPLICATES:,})"
    )
    seed: int = Field(20261122, ge=0, description="the one root seed of the experiment")
    write_members: bool = Field(False, description="write members.parquet (one row per member)")

    @field_validator("replicates")
    @classmethod
    def _replicates_fit(cls, value: int) -> int:
        if value > MAX_REPLICATES:
            raise ValueError(
                f"at most {MAX_REPLICATES:,}, not {value:,} (each replicate is a whole "
                "campaign; at that many the Monte Carlo error of a mean is already 0.3 % of "
                "the runs' spread)"
            )
        return value


GraphKind = Literal[
    "erdos_renyi",
    "barabasi_albert",
    "watts_strogatz",
    "random_regular",
    "powerlaw_cluster",
    "stochastic_block",
    "complete",
    "edgelist",
]

# Which fields each generator needs; any other graph field set by the user is an error.
GRAPH_FIELDS: dict[str, tuple[str, ...]] = {
    "erdos_renyi": ("n", "mean_degree"),
    "barabasi_albert": ("n", "m"),
    "watts_strogatz": ("n", "k", "p_rewire"),
    "random_regular": ("n", "degree"),
    "powerlaw_cluster": ("n", "m", "p_triangle"),
    "stochastic_block": ("sizes", "p_in", "p_out"),
    "complete": ("n",),
    "edgelist": ("path",),
}
GRAPH_OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {"edgelist": ("directed", "delimiter")}


class GraphConfig(_Section):
    """The social graph: a generator and its size, or an edge-list file."""

    kind: GraphKind = "powerlaw_cluster"
    n: int | None = Field(None, ge=1, description=f"people (at most {MAX_PEOPLE:,})")
    mean_degree: float | None = Field(None, gt=0, description="friends per person on average")
    m: int | None = Field(None, ge=1, description="edges added per new person")
    k: int | None = Field(None, ge=2, description="ring neighbours (even)")
    p_rewire: Probability | None = Field(None, description="chance a ring link is rewired")
    degree: int | None = Field(None, ge=1, description="friends of every person")
    p_triangle: Probability | None = Field(None, description="chance a new link closes a triangle")
    sizes: list[Annotated[int, Field(ge=1)]] | None = Field(
        None, max_length=MAX_BLOCKS, description="people per block"
    )
    p_in: Probability | None = Field(None, description="chance of a link inside a block")
    p_out: Probability | None = Field(None, description="chance of a link between blocks")
    path: str | None = Field(None, description="edge-list file, relative to the config file")
    directed: bool = False
    delimiter: str | None = Field(None, description="None: any whitespace; ',' for CSV")
    resample: bool = Field(False, description="redraw the graph for every replicate")

    @field_validator("n")
    @classmethod
    def _people_fit(cls, value: int | None) -> int | None:
        if value is not None and value > MAX_PEOPLE:
            raise ValueError(_too_many_people(value))
        return value

    @field_validator("sizes")
    @classmethod
    def _blocks_fit(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and sum(value) > MAX_PEOPLE:
            raise ValueError(_too_many_people(sum(value), " in all"))
        return value

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> GraphConfig:
        needed = GRAPH_FIELDS[self.kind]
        allowed = set(needed) | set(GRAPH_OPTIONAL_FIELDS.get(self.kind, ())) | {"kind", "resample"}
        for name in needed:
            if getattr(self, name) is None:
                raise ValueError(f"graph kind '{self.kind}' needs '{name}'")
        fields = type(self).model_fields
        extra = sorted(
            name
            for name in fields
            if name not in allowed and getattr(self, name) != fields[name].default
        )
        if extra:
            raise ValueError(f"graph kind '{self.kind}' does not take {', '.join(extra)}")
        if self.kind == "watts_strogatz" and self.k % 2:
            raise ValueError("graph.k must be even (k/2 neighbours on each side of the ring)")
        if self.kind == "stochastic_block" and self.n is not None:
            raise ValueError("stochastic_block takes 'sizes', not 'n'")
        friendships = self.friendships
        if friendships is not None and friendships > MAX_FRIENDSHIPS:
            raise ValueError(
                f"about {friendships:,.0f} friendships would need about "
                f"{_gigabytes(friendships, BYTES_PER_FRIENDSHIP)} of memory to build; "
                f"at most {MAX_FRIENDSHIPS:,} (fewer people or friends per person)"
            )
        return self

    @property
    def friendships(self) -> float | None:
        """Expected number of friendships (undirected edges) of a generated graph."""
        n = self.n or 0
        pairs = n * (n - 1) / 2
        if self.kind == "erdos_renyi":
            return min(pairs, n * self.mean_degree / 2)
        if self.kind in ("barabasi_albert", "powerlaw_cluster"):
            return float(n * self.m)
        if self.kind == "watts_strogatz":
            return n * self.k / 2
        if self.kind == "random_regular":
            return n * self.degree / 2
        if self.kind == "complete":
            return pairs
        if self.kind == "stochastic_block":
            total = sum(self.sizes)
            inside = sum(s * (s - 1) / 2 for s in self.sizes)
            between = (total * total - sum(s * s for s in self.sizes)) / 2
            return self.p_in * inside + self.p_out * between
        return None  # an edge list: as many as the file has

    @property
    def people(self) -> int | None:
        """Number of people, when known without reading a file."""
        if self.kind == "stochastic_block":
            return sum(self.sizes or [])
        return self.n


def _too_many_people(people: int, where: str = "") -> str:
    return (
        f"at most {MAX_PEOPLE:,} people{where}, not {people:,} (that many would need about "
        f"{_gigabytes(people, BYTES_PER_PERSON)} of memory)"
    )


class GroupStructure(_Section):
    """Chat groups (社群): who is in which. A share into a group reaches every member,
    each with low attention."""

    source: Literal["none", "hubs", "communities", "random"] = Field(
        "none",
        description="hubs: around each person's best-connected friend (fast); communities: "
        "Leiden (slow past 100,000 people); random",
    )
    mean_size: float = Field(100.0, ge=2, description="random groups: mean members per group")
    memberships: int = Field(1, ge=1, le=50, description="random groups: groups per person")
    max_size: int = Field(500, ge=2, description="communities larger than this are split (people)")
    attention: Probability = Field(
        0.05, description="chance a group member notices one share into the group"
    )


class GroupsConfig(
    ScreeningParams, BuyingParams, EventParams, OwnerParams, ActivityParams, GroupStructure
):
    """Chat groups (社群): who is in which, and with ``lifecycle``, groups that live and
    die: activity, owners, events, rules (``sim.groups``; docs/model.md §4)."""

    @model_validator(mode="after")
    def _events_fit(self) -> GroupsConfig:
        if len(set(self.event_days)) != len(self.event_days):
            raise ValueError("event_days lists a day twice")
        return self


class SegmentMix(_Section):
    """Shares of the latent segments; the 271 rule by default (domain §2), a parameter."""

    payer: Probability = 0.2
    convertible: Probability = 0.7
    junk: Probability = 0.1

    @model_validator(mode="after")
    def _sums_to_one(self) -> SegmentMix:
        total = self.payer + self.convertible + self.junk
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"segment shares must sum to 1, not {total:g}")
        return self


class PopulationConfig(_Section):
    segment_mix: SegmentMix = SegmentMix()
    kol_count: int = Field(0, ge=0, description="KOLs (意见领袖) in the campaign")
    kol_strategy: Literal["top_degree", "pagerank", "random", "list"] = "top_degree"
    kol_ids: list[int | str] = Field(default_factory=list, description="with kol_strategy = list")
    kol_weight: float = Field(3.0, ge=0, description="a KOL's word: multiplier on acceptance")
    kol_share_multiplier: float = Field(3.0, ge=0, description="multiplier on sharing propensity")
    kol_fee: Yuan = Field(0.0, description="fee per KOL (yuan), outside the incentive budget")
    kol_start_day: int = Field(1, ge=1, description="first day a KOL shares")
    seed_share_multiplier: float = Field(3.0, ge=0, description="seed users are recruited sharers")
    agent_objects_max: int = Field(
        100_000, ge=0, description="above this many people, Mesa objects only for seeds and KOLs"
    )

    @model_validator(mode="after")
    def _list_needs_ids(self) -> PopulationConfig:
        if self.kol_strategy == "list" and len(self.kol_ids) != self.kol_count:
            raise ValueError("kol_strategy 'list' needs kol_ids with kol_count entries")
        return self


SeedStrategy = Literal[
    "random",
    "top_degree",
    "pagerank",
    "kol",
    "community_spread",
    "list",
    "degree_discount",
    "celf",
    "imm",
]


class SeedsConfig(_Section):
    """Who starts the campaign. The optimising strategies (degree_discount, celf, imm)
    and seed costs are described in sim.influence and docs/model.md."""

    strategy: SeedStrategy = "random"
    count: int = Field(10, ge=0, description="seed users (种子用户) on day 0")
    ids: list[int | str] = Field(default_factory=list, description="with strategy = list")
    objective: Literal["joins", "paying"] = Field(
        "joins", description="celf/imm: maximise expected joins or expected paying members"
    )
    ic_probability: Probability | None = Field(
        None, description="IC probability for degree_discount/imm; none = fitted to behaviour"
    )
    simulations: int = Field(
        200, ge=1, le=MAX_SIMULATIONS, description="celf: Monte Carlo worlds per estimate"
    )
    epsilon: float = Field(0.1, gt=0, lt=1, description="imm: approximation slack ε")
    ell: float = Field(1.0, gt=0, description="imm: failure probability n^-ℓ")
    costs: str | None = Field(
        None, description="CSV of 'id,cost' (yuan) per candidate, relative to the config file"
    )
    default_cost: Yuan = Field(0.0, description="cost of a candidate the costs file omits (yuan)")
    budget: Yuan | None = Field(
        None, description="seeding budget (yuan): choose under it, cost-aware (celf)"
    )

    @model_validator(mode="before")
    @classmethod
    def _count_from_ids(cls, data: Any) -> Any:
        # With a list of ids the count is the list's length; a different count is an error.
        if isinstance(data, dict) and data.get("strategy") == "list":
            ids = data.get("ids") or []
            if not ids:
                raise ValueError("strategy 'list' needs ids")
            if data.get("count", len(ids)) != len(ids):
                raise ValueError(f"count {data['count']} differs from the {len(ids)} ids listed")
            data = {**data, "count": len(ids)}
        return data


class ChannelMix(_Section):
    """How a share reaches people (must sum to 1): one-to-one, a feed post, into a group."""

    direct: Probability = 0.6
    feed: Probability = 0.4
    group: Probability = 0.0

    @model_validator(mode="after")
    def _sums_to_one(self) -> ChannelMix:
        total = self.direct + self.feed + self.group
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"channel shares must sum to 1, not {total:g}")
        return self


class PurchaseProbability(_Section):
    """Daily chance a member buys, by segment (probability per day). Junk never buys."""

    payer: Probability = 0.04
    convertible: Probability = 0.006


def _no_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        raise ValueError("nan is not a number of days (inf means no decay)")
    return value


class BehaviourConfig(_Section):
    accept_probability: Probability = Field(
        0.08, description="chance one invitation converts, before lure, weight and saturation"
    )
    repeat_exposure_factor: Probability = Field(
        0.6, description="each further invitation converts with this fraction of the last (§3.2)"
    )
    sharer_share: Probability = Field(0.3, description="share of people who ever share (§3.1-2)")
    share_probability: Probability = Field(
        0.4, description="mean daily sharing propensity of sharers (per day; above 1 = daily)"
    )
    propensity_sigma: float = Field(
        1.2, ge=0, le=5, description="log-normal spread of sharing propensity (heavy tail, §3.1)"
    )
    share_half_life_days: Annotated[float, BeforeValidator(_no_nan)] = Field(
        4.0,
        gt=0,
        allow_inf_nan=True,
        description="activity halves every this many days (§3.10); inf = no decay (the one "
        "number of a config that may be infinite)",
    )
    max_shares: int | None = Field(None, ge=1, description="shares per person over the campaign")
    channel: ChannelMix = ChannelMix()
    direct_count: int = Field(
        3, ge=1, le=MAX_DIRECT_COUNT, description="friends messaged by one one-to-one share"
    )
    feed_attention: Probability = Field(0.25, description="chance a friend notices a feed post")
    reward_motivation: BySegment = BySegment(payer=0.4, convertible=0.6, junk=2.0)
    purchase_probability: PurchaseProbability = PurchaseProbability()
    revenue_per_order: Yuan = Field(60.0, description="revenue of one order (yuan)")
    gross_margin: Probability = Field(0.35, description="share of revenue kept as margin")


def _numbered_below(raw: int | str, people: int) -> bool:
    """Whether an id names one of ``people`` numbered people (as ``Graph.index_of`` reads
    it: an integer, or text of one)."""
    if isinstance(raw, str):
        if not raw.lstrip("-").isdigit():
            return False
        raw = int(raw)
    return 0 <= raw < people


class CampaignTables(_Section):
    """The tables every campaign has (``Config`` adds one per join channel)."""

    experiment: ExperimentConfig = ExperimentConfig()
    graph: GraphConfig = GraphConfig(n=10_000, m=4, p_triangle=0.3)
    groups: GroupsConfig = GroupsConfig()
    population: PopulationConfig = PopulationConfig()
    seeds: SeedsConfig = SeedsConfig()
    behaviour: BehaviourConfig = BehaviourConfig()
    lure: LureConfig = Field(default_factory=LURES.default)
    reward: RewardConfig = Field(default_factory=REWARDS.default)
    value: ValueConfig = Field(default_factory=VALUE.default)
    # Folder that relative file paths in the config are read from (not a user key).
    base_dir: str = Field(".", exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> CampaignTables:
        if self.behaviour.channel.group > 0 and self.groups.source == "none":
            raise ValueError("behaviour.channel.group > 0 needs groups (groups.source)")
        if self.groups.lifecycle and self.groups.source == "none":
            raise ValueError("groups.lifecycle needs groups (groups.source)")
        for channel in CHANNELS:  # a store's visitors are the people of its groups
            params = getattr(self, channel.section, None)
            opened = params is not None and channel.opens(params)
            if opened and channel.needs_groups and self.groups.source == "none":
                raise ValueError(
                    f"{channel.section}: its visitors are the people of the chat groups, "
                    "so it needs groups (groups.source)"
                )
        if self.seeds.strategy == "kol" and self.population.kol_count == 0:
            raise ValueError("seeds.strategy 'kol' needs population.kol_count > 0")
        people = self.graph.people
        seeds = 0 if self.seeds.strategy == "kol" else self.seeds.count  # KOLs are the seeds
        if people is not None and seeds + self.population.kol_count > people:
            raise ValueError(
                f"seeds.count + population.kol_count = "
                f"{seeds + self.population.kol_count} is more than the "
                f"{people} people in the graph"
            )
        if self.population.kol_start_day > self.experiment.days and self.population.kol_count:
            raise ValueError("population.kol_start_day is after the campaign ends")
        if people is not None:  # a generated graph: its people are numbered 0 .. n - 1
            listed = (
                ("seeds.ids", self.seeds.ids if self.seeds.strategy == "list" else []),
                (
                    "population.kol_ids",
                    self.population.kol_ids if self.population.kol_strategy == "list" else [],
                ),
            )
            for where, ids in listed:
                for raw in ids:
                    if not _numbered_below(raw, people):
                        raise ValueError(
                            f"{where}: id {raw!r} is not in the graph "
                            f"(its people are numbered 0 to {people - 1:,})"
                        )
        return self

    def graph_path(self) -> Path:
        """The edge-list file, resolved against the config file's folder."""
        assert self.graph.path is not None
        return (Path(self.base_dir) / self.graph.path).resolve()

    def to_dict(self) -> dict[str, Any]:
        """Plain data, ready to write back as TOML (None values left out)."""
        return self.model_dump(mode="python", exclude_none=True)


# One campaign: everything a single simulation needs. Each join channel brings its own
# table (``[external]`` for the outside channel), added from the registry
# (``sim.channels.CHANNELS``), so that a new channel is one module and one line there;
# so does each risk mechanism (``[fraud]``, ``[collusion]``, ``[controls]``,
# ``[platform]``: ``sim.risk.RISKS``).
Config = create_model(
    "Config",
    __base__=CampaignTables,
    __doc__="One campaign: everything a single simulation needs.",
    **{c.section: (c.Params, Field(default_factory=c.Params)) for c in (*CHANNELS, *RISKS)},
)
