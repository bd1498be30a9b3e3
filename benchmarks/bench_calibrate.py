"""Calibration speed: a 10,000-person, 7-day pilot, two parameters (accept_probability
and share_half_life_days), ABC-SMC with 100 particles and up to 5 generations, single
core (the reproducible default) or ``--workers 2`` (pyabc's multicore sampler, not
bit-reproducible). Run: python benchmarks/bench_calibrate.py [--workers 2]"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.calibration import calibrate_daily, load_calibration
from sim.model import ReferralModel

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    workers = parser.parse_args().workers
    overrides = {"graph.n": 10_000, "seeds.count": 100}
    problem = load_calibration(ROOT / "experiments/pilot.toml", overrides)
    truth = {"behaviour.accept_probability": 0.08, "behaviour.share_half_life_days": 4.0}
    daily = ReferralModel(problem.config_with(truth), rng=2024).run().daily()
    pilot = daily[["day", "new_joins", "new_invites"]]
    start = time.perf_counter()
    fit = calibrate_daily(problem, pilot, workers=workers)
    seconds = time.perf_counter() - start
    print(
        f"10,000 people, 7 days, 2 parameters, {workers} worker(s): {seconds:.1f} s, "
        f"{fit.simulations} simulations, {fit.generations} generations"
    )
    print(fit.table[["parameter", "estimate", "low", "high"]].to_string(index=False))


if __name__ == "__main__":
    main()
