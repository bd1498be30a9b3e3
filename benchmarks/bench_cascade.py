"""Independent-cascade benchmark: the engine's IC special case against two references.

1. On a 1,000,000-person Barabási–Albert graph (m = 5), T = 0.05, 50 random seeds: the
   engine (``ReferralModel(cfg, rng=seed, graph=graph).run()``, graph built once and
   not timed) against cynetdiff's ``IndependentCascadeModel`` (a C++ IC) on the same
   edges and, replicate by replicate, the same 50 seeds. Building cynetdiff's model is
   not timed; only its cascades are. Mean final sizes must agree within noise.
2. On a 100,000-person BA graph: the engine against a straightforward per-agent Mesa
   implementation of the same cascade (``MesaCascade`` below), same graph, same seeds.
   Target: the engine at least 100 times faster.

The engine's config is ``experiments/validation/independent_cascade.toml`` (every member
shares once, the day after joining, to all friends; each invitation converts with
probability T), with its graph, T, seeds and days replaced.

    python benchmarks/bench_cascade.py                       # the full benchmark
    python benchmarks/bench_cascade.py --n 100000 --small-n 20000 --replicates 5
    python benchmarks/bench_cascade.py --skip-large          # only the Mesa comparison
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mesa
import numba
import numpy as np

from sim.kernels import AHEAD, INVITED, MEMBER, prefetch

ROOT = Path(__file__).resolve().parents[1]
IC_CONFIG = ROOT / "experiments" / "validation" / "independent_cascade.toml"

TARGET_SPEEDUP = 100.0

# Used only when the validation file is missing: the same special case, spelled out.
IC_FALLBACK: dict[str, Any] = {
    "experiment": {"name": "independent_cascade"},
    "population": {"seed_share_multiplier": 1.0},
    "behaviour": {
        "repeat_exposure_factor": 1.0,
        "sharer_share": 1.0,
        "share_probability": 1.0,
        "propensity_sigma": 0.0,
        "max_shares": 1,
        "feed_attention": 1.0,
        "channel": {"direct": 0.0, "feed": 1.0, "group": 0.0},
    },
}


def ic_config(
    path: Path, n: int, m: int, t: float, seeds: int, days: int, agent_objects_max: int | None
) -> tuple[Any, str]:
    """The IC special case on a BA graph of n people, transmissibility t."""
    from sim.config import parse_config, read_config_file

    if path.is_file():
        data, base_dir, source = read_config_file(path), path.parent, str(path)
    else:
        data, base_dir, source = IC_FALLBACK, ROOT, "built-in IC settings"
    data = {key: dict(value) for key, value in data.items()}
    data["graph"] = {"kind": "barabasi_albert", "n": n, "m": m}
    data["behaviour"]["accept_probability"] = t
    data["seeds"] = {"strategy": "random", "count": seeds}
    data["experiment"]["days"] = days
    data.setdefault("population", {})["seed_share_multiplier"] = 1.0
    if agent_objects_max is not None:
        data["population"]["agent_objects_max"] = agent_objects_max
    cfg = parse_config(data, base_dir=base_dir)
    _check_ic(cfg)
    return cfg, source


def _check_ic(cfg: Any) -> None:
    """Stop if the config is not the plain independent cascade this benchmark assumes."""
    b = cfg.behaviour
    expected = {
        "behaviour.sharer_share": (b.sharer_share, 1.0),
        "behaviour.share_probability": (b.share_probability, 1.0),
        "behaviour.propensity_sigma": (b.propensity_sigma, 0.0),
        "behaviour.max_shares": (b.max_shares, 1),
        "behaviour.channel.feed": (b.channel.feed, 1.0),
        "behaviour.feed_attention": (b.feed_attention, 1.0),
        "behaviour.repeat_exposure_factor": (b.repeat_exposure_factor, 1.0),
        "population.seed_share_multiplier": (cfg.population.seed_share_multiplier, 1.0),
        "population.kol_count": (cfg.population.kol_count, 0),
        "external.daily_rate": (cfg.external.daily_rate, 0.0),
        "lure.kind": (cfg.lure.kind, "none"),
        "reward.rule": (cfg.reward.rule, "none"),
    }
    wrong = [
        f"{key} = {got!r} (IC needs {want!r})"
        for key, (got, want) in expected.items()
        if got != want
    ]
    if wrong:
        raise SystemExit("not an independent cascade: " + "; ".join(wrong))


# --------------------------------------------------------------- the per-agent reference


class CascadePerson(mesa.Agent):
    """One person of the per-agent reference: their friends and the day they joined."""

    def __init__(self, model: MesaCascade) -> None:
        super().__init__(model)
        self.friends: list[CascadePerson] = []
        self.joined_day: int | None = None

    def step(self) -> None:
        model = self.model
        if self.joined_day != model.day - 1:
            return  # shares once: on the day after joining
        for friend in self.friends:
            if friend.joined_day is None and model.random.random() < model.transmissibility:
                friend.joined_day = model.day  # joins today, shares tomorrow
                model.joined_today += 1


class MesaCascade(mesa.Model):
    """The independent cascade written the straightforward Mesa way: one agent object per
    person holding its neighbour list, every agent stepped every day in random order.

    Same update rule as the engine: people who joined yesterday share to all friends,
    each friend not yet a member joins with probability ``transmissibility``.
    """

    def __init__(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        seeds: Sequence[int],
        transmissibility: float,
        days: int,
        rng: int,
    ) -> None:
        super().__init__(rng=rng)
        self.transmissibility = transmissibility
        self.days = days
        self.day = 0
        self.joined_today = 0
        people = [CascadePerson(self) for _ in range(len(indptr) - 1)]
        for i, person in enumerate(people):
            person.friends = [people[j] for j in indices[indptr[i] : indptr[i + 1]].tolist()]
        for s in seeds:
            people[s].joined_day = 0
        self.people = people

    def step(self) -> None:
        self.day += 1
        self.joined_today = 0
        self.agents.shuffle_do("step")

    def run(self) -> MesaCascade:
        while self.day < self.days:
            self.step()
        return self

    def size(self) -> int:
        return sum(person.joined_day is not None for person in self.people)


# --------------------------------------------------------------- helpers


@dataclass
class Times:
    """Seconds of repeated timed calls: wall clock and this process's CPU.

    On a busy machine wall time is inflated; CPU time is closer to an idle machine's wall
    time (everything timed here is single-threaded).
    """

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = func(*args, **kwargs)
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return result

    def __add__(self, other: Times) -> Times:
        return Times(
            [a + b for a, b in zip(self.wall, other.wall, strict=True)],
            [a + b for a, b in zip(self.cpu, other.cpu, strict=True)],
        )

    def __str__(self) -> str:
        return f"{statistics.fmean(self.wall):.3f} s (cpu {statistics.fmean(self.cpu):.3f} s)"

    def ratio(self, other: Times) -> tuple[float, float]:
        """Mean of self over mean of other: (wall, cpu)."""
        return (
            statistics.fmean(self.wall) / statistics.fmean(other.wall),
            statistics.fmean(self.cpu) / statistics.fmean(other.cpu),
        )


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return mean, se


def sizes(label_a: str, a: Sequence[float], label_b: str, b: Sequence[float]) -> str:
    """Both mean final sizes with their standard errors, and their difference in SEs."""
    (ma, sa), (mb, sb) = mean_se(a), mean_se(b)
    se = math.hypot(sa, sb)
    z = (ma - mb) / se if se > 0 else 0.0
    return (
        f"mean final size: {label_a} {ma:,.0f} ± {sa:,.0f} SE, {label_b} {mb:,.0f} ± {sb:,.0f} "
        f"SE; difference {z:+.2f} SE ({'agree' if abs(z) < 3 else 'DISAGREE'})"
    )


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


@dataclass
class EngineRuns:
    construct: Times = field(default_factory=Times)
    run: Times = field(default_factory=Times)
    close: Times = field(default_factory=Times)
    size: list[int] = field(default_factory=list)
    seeds: list[list[int]] = field(default_factory=list)
    last_join_day: list[int] = field(default_factory=list)
    day_joined: list[np.ndarray] = field(default_factory=list)
    invitations: list[int] = field(default_factory=list)  # new_invites over the days
    invited: list[int] = field(default_factory=list)  # people who got one

    @property
    def whole(self) -> Times:
        """Each replicate's construction, run and close, summed."""
        return self.construct + self.run + self.close


def run_engine(
    cfg: Any,
    graph: Any,
    seeds: Sequence[int],
    between: Callable[[list[list[int]]], None] | None = None,
    block: int = 5,
) -> EngineRuns:
    """Engine replicates on a prebuilt graph: times, final sizes, seed sets, last join day.
    After every ``block`` replicates, ``between`` gets their seed users (to time a
    reference on the same seeds next, under the same machine conditions)."""
    from sim.model import ReferralModel

    out = EngineRuns()
    # One untimed replicate first: it compiles the numba kernels when their on-disk cache
    # is missing or stale (seconds, once per machine and engine version), as cynetdiff's
    # extension is compiled before its benchmark.
    start = time.perf_counter()
    ReferralModel(cfg, rng=seeds[0] - 1, graph=graph).run().close()
    print(f"  warm-up replicate (not timed): {time.perf_counter() - start:.2f} s")
    for seed in seeds:
        model = out.construct.call(ReferralModel, cfg, rng=seed, graph=graph)
        out.run.call(model.run)
        out.size.append(int(model.member.sum()))
        out.seeds.append([int(s) for s in model.seeds])
        joins = model.daily()["new_joins"].to_numpy()
        out.last_join_day.append(int(np.flatnonzero(joins)[-1]) + 1 if joins.any() else 0)
        out.day_joined.append(model.day_joined.copy())
        out.invitations.append(int(model.daily()["new_invites"].sum()))
        out.invited.append(int(model.summary()["invited"]))
        # Freeing the replicate's arrays, as the runners do (a Mesa model is a reference
        # cycle: left to the cycle collector, dead replicates pile up), is timed too.
        out.close.call(model.close)
        if between is not None and (len(out.seeds) % block == 0 or seed == seeds[-1]):
            since = (len(out.seeds) - 1) % block + 1  # replicates since the last call
            between(out.seeds[-since:])
    days = cfg.experiment.days
    last = max(out.last_join_day)
    note = "" if last < days else "  WARNING: joins on the last day, raise --days"
    print(f"  last day with a join: {last} of {days}{note}")
    return out


def sharers_by_day(day_joined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A finished cascade's members in the order they shared (the day after joining),
    and each one's joining day: the input of ``invitation_bookkeeping``."""
    members = np.flatnonzero(day_joined >= 0)
    members = members[np.argsort(day_joined[members], kind="stable")]
    return members, day_joined[members]


@numba.njit(nogil=True)
def invitation_bookkeeping(
    indptr: np.ndarray,
    indices: np.ndarray,
    sharers: np.ndarray,
    day: np.ndarray,
    status: np.ndarray,
) -> int:
    """Only the engine's bookkeeping of one finished cascade, as its kernel keeps it: the
    members who joined on day d share on day d + 1 to every friend; count the invitations
    that reach a non-member and mark who got one (daily.new_invites, runs.invited). One
    status byte per person (MEMBER, INVITED), friend lists prefetched, no random draws.
    cynetdiff skips this: it draws each edge's coin first and reads only the edges that
    transmit. ``status`` must be zeroed; returns the invitations."""
    last = sharers.size - 1
    delivered = 0
    start = 0
    while start <= last:  # one day's sharers: sharers[start:stop]
        stop = start
        while stop <= last and day[stop] == day[start]:
            status[sharers[stop]] |= MEMBER  # members from the start of their sharing day
            stop += 1
        for i in range(start, stop):
            prefetch(indptr, sharers[min(i + 2 * AHEAD, last)])
            prefetch(indices, indptr[sharers[min(i + AHEAD, last)]])
            s = sharers[i]
            for j in range(indptr[s], indptr[s + 1]):
                t = indices[j]
                state = status[t]
                if not state & MEMBER:
                    delivered += 1
                    status[t] = state | INVITED
        start = stop
    return delivered


# --------------------------------------------------------------- the two comparisons


def _stepped(model: Any, days: int) -> list[int]:
    """Advance a cynetdiff model one step a day, keeping each day's new members' count."""
    daily = []
    for _ in range(days):
        model.advance_model()
        daily.append(len(list(model.get_newly_activated_nodes())))
    return daily


def large(args: argparse.Namespace) -> None:
    from sim.graphs import build_graph

    cfg, source = ic_config(
        args.config, args.n, args.m, args.t, args.seeds, args.days, args.agent_objects_max
    )
    print(
        f"\n=== IC on Barabási–Albert n={args.n:,}, m={args.m}, T={args.t}, "
        f"{args.seeds} random seeds, {args.replicates} replicates ==="
    )
    print(f"config: {source}")
    start = time.perf_counter()
    graph = build_graph(cfg, args.seed)
    print(
        f"graph: {graph.n:,} people, {graph.n_edges:,} friendships "
        f"(built in {time.perf_counter() - start:.2f} s, not timed below)"
    )
    seeds = [args.seed + r for r in range(args.replicates)]
    cascades, cyn_size, ic = Times(), [], None
    try:
        from cynetdiff.models import IndependentCascadeModel
    except ImportError:
        print('cynetdiff is not installed (pip install -e ".[bench]"): engine only')
    else:
        start = time.perf_counter()
        # The same CSR arrays networkx_to_ic_model builds from graph.to_networkx(), without
        # the detour through networkx (about 30 s and 900 MiB at 1M people).
        ic = IndependentCascadeModel(
            graph.indptr[:-1].astype(np.uint32),
            graph.indices.astype(np.uint32),
            activation_prob=args.t,
            rng=args.seed,
        )
        print(f"cynetdiff model built in {time.perf_counter() - start:.2f} s (not timed)")
        ic.set_seeds(list(range(args.seeds)))
        ic.advance_until_completion()  # warm-up, as the engine's

    def cynetdiff_cascades(seed_sets: list[list[int]]) -> None:
        """cynetdiff on the seeds of the engine's last few replicates, right after them:
        blocks of each in turn time both under the same conditions on a machine whose
        speed drifts, each back to back as a planner's replicates run."""
        if ic is not None:
            for seed_set in seed_sets:
                ic.set_seeds(seed_set)  # also resets the model
                cascades.call(ic.advance_until_completion)
                cyn_size.append(ic.get_num_activated_nodes())

    engine = run_engine(cfg, graph, seeds, between=cynetdiff_cascades, block=args.block)
    whole = engine.whole
    print(
        f"engine     {whole} per replicate = construct {engine.construct} "
        f"+ run {engine.run} ({args.days} days) + close {engine.close}"
    )
    if ic is None:
        return
    print(f"cynetdiff  {cascades} per cascade")
    # For context only (the target compares the cascade run to completion): cynetdiff
    # stepped day by day, collecting each day's new members, as a daily table needs.
    stepped = Times()
    for seed_set in engine.seeds:
        ic.set_seeds(seed_set)
        stepped.call(_stepped, ic, args.days)
    print(f"cynetdiff  {stepped} per cascade stepped {args.days} days with daily new members")
    # What the engine must do and cynetdiff need not: look at every invitation.
    floor, status = Times(), np.zeros(graph.n, dtype=np.uint8)
    finished = [sharers_by_day(day_joined) for day_joined in engine.day_joined]
    invitation_bookkeeping(graph.indptr, graph.indices, *finished[0], status)  # compile
    for r, (sharers, day) in enumerate(finished):
        status[:] = 0
        delivered = floor.call(
            invitation_bookkeeping, graph.indptr, graph.indices, sharers, day, status
        )
        invited = int(np.count_nonzero(status & INVITED))
        if (delivered, invited) != (engine.invitations[r], engine.invited[r]):
            print(f"  WARNING: replicate {r}: bookkeeping differs from the engine's tables")
    invitations, people = statistics.fmean(engine.invitations), statistics.fmean(engine.invited)
    print(
        f"bookkeeping alone {floor} per cascade: counting the {invitations:,.0f} invitations "
        f"and marking the {people:,.0f} people invited (the engine's tables; cynetdiff "
        "reads only the edges that transmit)"
    )
    print(sizes("engine", engine.size, "cynetdiff", cyn_size))
    wall, cpu = whole.ratio(cascades)
    run_wall, run_cpu = engine.run.ratio(cascades)
    paired = statistics.median(e / c for e, c in zip(whole.wall, cascades.wall, strict=True))
    # Cascade sizes vary a lot between replicates (the SE above), and time grows with
    # size: per member joined, the two are compared on the same amount of work.
    per_member = (sum(whole.wall) / sum(engine.size)) / (sum(cascades.wall) / sum(cyn_size))
    print(
        f"engine time / cynetdiff time: whole replicate {wall:.2f}x (cpu {cpu:.2f}x; median "
        f"of the {len(whole.wall)} paired replicates {paired:.2f}x; per member joined "
        f"{per_member:.2f}x), run() only {run_wall:.2f}x (cpu {run_cpu:.2f}x)"
    )
    print(f"at least as fast as cynetdiff (whole replicate, wall): {verdict(wall <= 1.0)}")


def small(args: argparse.Namespace) -> None:
    from sim.graphs import build_graph

    n = args.small_n
    cfg, source = ic_config(
        args.config, n, args.m, args.t, args.seeds, args.days, args.agent_objects_max
    )
    print(
        f"\n=== IC on Barabási–Albert n={n:,}, m={args.m}, T={args.t}: engine vs per-agent "
        f"Mesa, {args.small_replicates} replicates ==="
    )
    print(f"config: {source}")
    graph = build_graph(cfg, args.seed)
    print(
        f"graph: {graph.n:,} people, {graph.n_edges:,} friendships (not timed); "
        f"population.agent_objects_max = {cfg.population.agent_objects_max:,}"
    )
    seeds = [args.seed + r for r in range(args.small_replicates)]
    engine = run_engine(cfg, graph, seeds)

    ref_build, ref_run, ref_size = Times(), Times(), []
    for seed, seed_set in zip(seeds, engine.seeds, strict=True):
        ref = ref_build.call(
            MesaCascade, graph.indptr, graph.indices, seed_set, args.t, args.days, rng=seed
        )
        ref_run.call(ref.run)
        ref_size.append(ref.size())

    eng_whole, ref_whole = engine.whole, ref_build + ref_run
    print(
        f"engine     {eng_whole} per replicate = construct {engine.construct} + run "
        f"{engine.run} + close {engine.close}"
    )
    print(f"per-agent  {ref_whole} per replicate = construct {ref_build} + run {ref_run}")
    print(sizes("engine", engine.size, "per-agent", ref_size))
    for label, (wall, cpu) in (
        ("whole replicate", ref_whole.ratio(eng_whole)),
        ("run() only     ", ref_run.ratio(engine.run)),
    ):
        print(
            f"speed-up, {label}: {wall:5.0f}x (cpu {cpu:5.0f}x)   target >= "
            f"{TARGET_SPEEDUP:.0f}x   {verdict(wall >= TARGET_SPEEDUP)}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="people, large graph")
    parser.add_argument("--small-n", type=int, default=100_000, help="people, Mesa comparison")
    parser.add_argument("--m", type=int, default=5, help="BA edges per new person (default 5)")
    parser.add_argument("--t", type=float, default=0.05, help="transmissibility T (0.05)")
    parser.add_argument("--seeds", type=int, default=50, help="seed users (default 50)")
    parser.add_argument("--days", type=int, default=100, help="days simulated (default 100)")
    parser.add_argument("--replicates", type=int, default=40, help="large graph (default 40)")
    parser.add_argument("--small-replicates", type=int, default=5, help="Mesa comparison (5)")
    parser.add_argument(
        "--block", type=int, default=5, help="replicates of each in turn, 1M comparison (5)"
    )
    parser.add_argument("--seed", type=int, default=1, help="graph and first replicate seed")
    parser.add_argument("--config", type=Path, default=IC_CONFIG, help="IC config file")
    parser.add_argument(
        "--agent-objects-max",
        type=int,
        default=None,
        help="set population.agent_objects_max (default: the engine's default)",
    )
    parser.add_argument("--skip-large", action="store_true", help="skip the 1M comparison")
    parser.add_argument("--skip-small", action="store_true", help="skip the Mesa comparison")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"python {platform.python_version()}, mesa {mesa.__version__}, numpy {np.__version__}")
    if not args.skip_large:
        large(args)
    if not args.skip_small:
        small(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
