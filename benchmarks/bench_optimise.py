"""fission optimise: how near the known optimum, against random search, and how long.

  python -m benchmarks.bench_optimise known      # a campaign whose best design is computed
  python -m benchmarks.bench_optimise random     # TPE vs random search on 3 shipped studies
  python -m benchmarks.bench_optimise large      # 100,000 people, six levers, two workers

known: coupon 2-20 yuan × referrer reward 0-6 yuan (integers: 133 designs) on a small
campaign (tests/optimise_problem.py); the grid at 16 replicates says which design is best
and the optimiser may use a fifth of its runs. random: the same search with Optuna's TPE
and with random search, each given the same trials and replicates; the recommendation of
each is then run on 16 fresh replicates (another root seed) and compared. large: the
wall-clock time of a whole search. Prints its figures; benchmarks/README.md records them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sim.config import read_config_file
from sim.optimise.evaluate import Candidate, Evaluator
from sim.optimise.search import optimise
from sim.optimise.space import outcome_names
from sim.study import parse_study
from tests.conftest import EXPERIMENTS
from tests.optimise_problem import grid_means, known_study, problem

LEVERS = {
    "default.toml": {
        "lure.value": {"low": 2.0, "high": 20.0},
        "reward.amount": {"low": 0.0, "high": 12.0},
        "seeds.count": {"low": 10, "high": 200, "integer": True, "log": True},
    },
    "lures.toml": {
        "lure.kind": ["cash", "coupon", "free_content", "group_buy"],
        "lure.value": {"low": 1.0, "high": 15.0},
        "lure.group_size": {"low": 2, "high": 5, "integer": True},
    },
    "reward_rules.toml": {
        "reward.rule": ["referrer", "double_sided"],
        "reward.amount": {"low": 0.0, "high": 12.0},
        "reward.cap_per_person": {"low": 10.0, "high": 100.0},
        "lure.value": {"low": 2.0, "high": 20.0},
    },
}


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


def versus_random(trials: int, people: int, workers: int) -> None:
    for name, levers in LEVERS.items():
        data = read_config_file(EXPERIMENTS / name)
        data.pop("scenarios", None)
        data["graph"]["n"] = people
        data["optimise"] = {
            "objective": {"maximize": "paying"},
            "constraints": {"cost_per_paying": {"high": 40.0}},
            "levers": levers,
            "trials": trials,
            "batch": 8,
            "replicates": {"start": 4, "max": 16, "finalists": 4},
        }
        figures = {}
        for sampler in ("auto", "random"):
            data["optimise"]["sampler"] = sampler
            study = parse_study(data, EXPERIMENTS)
            started = time.perf_counter()
            outcome = optimise(study, workers=workers)
            seconds = time.perf_counter() - started
            figures[sampler] = (_fresh(data, outcome.recommended), outcome.runs, seconds)
        tpe, rnd = figures["auto"], figures["random"]
        print(
            f"{name}: paying on 16 fresh replicates, TPE {tpe[0]:.1f} ({tpe[1]} runs, "
            f"{tpe[2]:.0f} s) vs random {rnd[0]:.1f} ({rnd[1]} runs, {rnd[2]:.0f} s)"
        )


def _fresh(data: dict, design: Candidate) -> float:
    """A design's mean paying on 16 replicates of another root seed (not searched on)."""
    other = {**data, "experiment": {**data["experiment"], "seed": data["experiment"]["seed"] + 1}}
    other.pop("optimise")
    evaluator = Evaluator(parse_study(other, EXPERIMENTS), outcome_names())
    evaluator.ensure([(design, 16)])
    return float(np.nanmean(evaluator.values(design, "paying")))


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=["known", "random", "large"])
    parser.add_argument("--replicates", type=int, default=16)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--people", type=int)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.part == "known":
        known(args.replicates, args.workers)
    elif args.part == "random":
        versus_random(args.trials, args.people or 10_000, args.workers)
    else:
        large(args.people or 100_000, args.trials, args.workers or 2)


if __name__ == "__main__":
    _ = problem  # the problem's definition: tests/optimise_problem.py
    main()
