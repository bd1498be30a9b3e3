"""fission optimise: how near the known optimum, against random search, and how long.

  python -m benchmarks.bench_optimise known      # a campaign whose best design is computed
  python -m benchmarks.bench_optimise random     # TPE vs random search on 3 shipped studies
  python -m benchmarks.bench_optimise random --studies reward_rules.toml --roots 11-15
  python -m benchmarks.bench_optimise large      # 100,000 people, six levers, two workers

known: coupon 2-20 yuan × referrer reward 0-6 yuan (integers: 133 designs) on a small
campaign (tests/optimise_problem.py); the grid at 16 replicates says which design is best
and the optimiser may use a fifth of its runs. random: on three shipped studies judged by
profit over a year of buying after the campaign (BG/NBD), Optuna's TPE against its random
sampler, each given the same trials and replicates, repeated over several root seeds
(1 … --searches, or --roots; tune on others than the reported 1-5);
both recommendations of a root seed are then run on fresh replicates of a root seed no
search used and compared pairwise. large: the wall-clock time of a whole search. Prints
its figures; benchmarks/README.md records them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sim.config import read_config_file
from sim.optimise.evaluate import Candidate, Evaluator
from sim.optimise.search import optimise
from sim.optimise.space import outcome_names
from sim.optimise.stats import paired_difference
from sim.study import parse_study
from tests.conftest import EXPERIMENTS
from tests.optimise_problem import grid_means, known_study, problem

# The levers searched in each shipped study: what a planner decides there that moves
# profit (its lure, its reward, its seeds, its budget).
LEVERS = {
    "default.toml": {
        "lure.value": {"low": 2.0, "high": 20.0},
        "reward.amount": {"low": 0.0, "high": 12.0},
        "reward.budget": {"low": 500.0, "high": 10000.0, "log": True},
        "seeds.count": {"low": 10, "high": 200, "integer": True, "log": True},
    },
    "lures.toml": {
        "lure.kind": ["cash", "coupon", "free_content", "group_buy"],
        "lure.value": {"low": 1.0, "high": 20.0},
        "lure.group_size": {"low": 2, "high": 5, "integer": True},
        "seeds.count": {"low": 10, "high": 200, "integer": True, "log": True},
    },
    "reward_rules.toml": {
        "reward.rule": ["referrer", "double_sided"],
        "reward.amount": {"low": 0.0, "high": 12.0},
        "reward.invitee_amount": {"low": 0.0, "high": 12.0},
        "reward.cap_per_person": {"low": 10.0, "high": 100.0},
        "reward.budget": {"low": 500.0, "high": 10000.0, "log": True},
    },
}
# A year of buying after the campaign, as experiments/optimise.toml judges profit.
VALUE = {"model": "bg_nbd", "horizon_days": 365, "discount_rate": 0.1}
FRESH_SEED = 987_654_321  # the root seed of the fresh replicates: no search runs on it


def known(replicates: int, workers: int) -> None:
    grid_study = known_study(people=600, days=15, coupon=(2, 20), reward=(0, 6))
    started = time.perf_counter()
    grid = grid_means(grid_study, replicates, workers)
    grid_s = time.perf_counter() - started
    runs = len(grid) * replicates
    study = known_study(
        people=600,
        days=15,
        coupon=(2, 20),
        reward=(0, 6),
        trials=60,
        batch=6,
        replicates={"start": 4, "max": replicates, "finalists": 4},
    )
    started = time.perf_counter()
    outcome = optimise(study, workers=workers)
    search_s = time.perf_counter() - started
    chosen = outcome.recommended.as_dict()
    value = grid[(chosen["lure.value"], chosen["reward.amount"])]
    best_point = min(grid, key=grid.get)
    best = grid[best_point]
    print(
        f"known: grid {len(grid)} designs x {replicates} replicates = {runs} runs, {grid_s:.0f} s"
    )
    print(f"  best design {best_point}: cost per paying {best:.2f} yuan")
    print(
        f"  recommended {chosen}: {value:.2f} yuan ({(value / best - 1) * 100:+.1f}% from the "
        f"best), {outcome.runs} runs ({outcome.runs / runs:.0%} of the grid's), {search_s:.0f} s"
    )


def versus_random(
    trials: int, people: int, workers: int, roots: list[int], fresh: int, studies: list[str]
) -> None:
    """TPE against random search on each of ``studies``, maximising profit: a pair of
    searches for each root seed of ``roots``, each pair given the same trials and
    replicates; both recommendations of a pair are then run on ``fresh`` replicates of a
    root seed no search used, on common random numbers, and compared pairwise (95%
    t-interval)."""
    searches = len(roots)
    for name in studies:
        levers = LEVERS[name]
        data = read_config_file(EXPERIMENTS / name)
        data.pop("scenarios", None)
        data["graph"]["n"] = people
        data["value"] = dict(VALUE)
        data["optimise"] = {
            "objective": {"maximize": "profit"},
            "levers": levers,
            "trials": trials,
            "batch": 8,
            "replicates": {"start": 4, "max": 16, "finalists": 4},
        }
        diffs, means, runs, seconds = [], {"auto": [], "random": []}, [], []
        for seed in roots:
            data["experiment"]["seed"] = seed
            chosen = {}
            for sampler in ("auto", "random"):
                data["optimise"]["sampler"] = sampler
                started = time.perf_counter()
                outcome = optimise(parse_study(data, EXPERIMENTS), workers=workers)
                seconds.append(time.perf_counter() - started)
                runs.append(outcome.runs)
                chosen[sampler] = outcome.recommended
            profit = _fresh(data, [chosen["auto"], chosen["random"]], fresh, workers)
            tpe, rnd = profit
            diff, low, high = paired_difference(tpe, rnd)
            diffs.append((diff, low, high))
            means["auto"].append(float(tpe.mean()))
            means["random"].append(float(rnd.mean()))
            verdict = "TPE better" if low > 0 else "random better" if high < 0 else "tie"
            print(
                f"{name} seed {seed}: profit on {fresh} fresh replicates, TPE "
                f"{tpe.mean():,.0f} vs random {rnd.mean():,.0f} yuan: TPE - random "
                f"{diff:+,.0f} [{low:+,.0f}, {high:+,.0f}] ({verdict})",
                flush=True,
            )
        wins = sum(low > 0 for _, low, _ in diffs)
        losses = sum(high < 0 for _, _, high in diffs)
        mean_diff = np.mean([d for d, _, _ in diffs])
        print(
            f"{name}: TPE {np.mean(means['auto']):,.0f} vs random {np.mean(means['random']):,.0f} "
            f"yuan on average over {searches} searches each (mean difference {mean_diff:+,.0f}); "
            f"TPE better in {wins}, random better in {losses}, tied in "
            f"{searches - wins - losses}; {min(runs)}-{max(runs)} runs per search, "
            f"{min(seconds):.0f}-{max(seconds):.0f} s",
            flush=True,
        )


def _fresh(data: dict, designs: list[Candidate], replicates: int, workers: int) -> list:
    """Each design's profit on ``replicates`` runs of a root seed no search used (the
    same random numbers for every design: their differences are paired)."""
    other = {**data, "experiment": {**data["experiment"], "seed": FRESH_SEED}}
    other.pop("optimise")
    evaluator = Evaluator(parse_study(other, EXPERIMENTS), outcome_names(), workers=workers)
    try:
        evaluator.ensure((design, replicates) for design in designs)
        return [evaluator.values(design, "profit") for design in designs]
    finally:
        evaluator.close()


def large(people: int, trials: int, workers: int) -> None:
    data = read_config_file(EXPERIMENTS / "optimise.toml")
    data["graph"]["n"] = people
    data["optimise"]["trials"] = trials
    study = parse_study(data, EXPERIMENTS)
    started = time.perf_counter()
    outcome = optimise(study, workers=workers)
    seconds = time.perf_counter() - started
    from sim.optimise.words import sentence

    print(f"large: {people:,} people, 6 levers, {trials} trials, {workers} workers")
    print(f"  {outcome.runs} runs in {seconds:.0f} s; {sentence(outcome)}")


def _roots(text: str) -> list[int]:
    """``11-15`` (both ends included) or ``3,7,9``."""
    if "-" in text:
        first, last = (int(part) for part in text.split("-"))
        return list(range(first, last + 1))
    return [int(part) for part in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=["known", "random", "large"])
    parser.add_argument("--replicates", type=int, default=16)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--people", type=int)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--searches", type=int, default=5, help="random: searches per sampler (root seeds 1 …)"
    )
    parser.add_argument(
        "--roots", type=_roots, help="random: the root seeds instead, as 11-15 or 3,7,9"
    )
    parser.add_argument(
        "--studies", nargs="+", choices=list(LEVERS), default=list(LEVERS), help="random"
    )
    parser.add_argument("--fresh", type=int, default=64, help="random: fresh replicates")
    args = parser.parse_args()
    if args.part == "known":
        known(args.replicates, args.workers)
    elif args.part == "random":
        roots = args.roots or list(range(1, args.searches + 1))
        versus_random(
            args.trials, args.people or 10_000, args.workers, roots, args.fresh, args.studies
        )
    else:
        large(args.people or 100_000, args.trials, args.workers or 2)


if __name__ == "__main__":
    _ = problem  # the problem's definition: tests/optimise_problem.py
    main()
