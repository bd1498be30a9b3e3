"""What a year of buying after the campaign adds to a run (issue 13, speed target).

The campaign is ``experiments/default.toml`` on a 1,000,000-person Barabási–Albert graph
(m = 5) with an outside channel strong enough that about half of the people join in the
30 days (``external.daily_rate`` 0.023: 1 − 0.977^30 ≈ 0.5), under the BG/NBD value model.
Each round runs one replicate through the worker's path (``sim.runs.execute_run``: the
model, its run, and every table a results folder gets, members excepted) twice on the
same seed, with ``value.horizon_days`` = 0 (the anchor) and 365, taking turns (the
machine's speed drifts). The extra cost of the year is the difference; the horizon's
own compiled loop is timed apart, from the model's ``after_campaign``. Target: at most
0.5 s more per replicate.

    python benchmarks/bench_value.py                    # 1,000,000 people, 5 rounds
    python benchmarks/bench_value.py --n 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.5


def config(n: int, horizon: int, rate: float):
    from sim.config import apply_overrides, parse_config, read_config_file

    data = read_config_file(ROOT / "experiments" / "default.toml")
    overrides = {
        "graph.kind": "barabasi_albert",
        "graph.n": n,
        "graph.m": 5,
        "groups.source": "none",
        "behaviour.channel.direct": 0.6,
        "behaviour.channel.feed": 0.4,
        "behaviour.channel.group": 0.0,
        "external.daily_rate": rate,
        "value.horizon_days": horizon,
    }
    return parse_config(apply_overrides(data, overrides), base_dir=str(ROOT / "experiments"))


def one_run(cfg, seed: int) -> tuple[float, float, int, float]:
    """Seconds of ``execute_run``, of its horizon alone, the members who joined, and the
    run's CPU seconds (closer to an idle machine's figure when the machine is busy)."""
    import sim.value.base as value_base
    from sim.runs import RunTask, execute_run
    from sim.study import RunSpec

    spent = [0.0]
    original = value_base.ValueModel.after_campaign

    def timed(self, view):  # the horizon's loop, measured inside the run
        start = time.perf_counter()
        original(self, view)
        spent[0] += time.perf_counter() - start

    value_base.ValueModel.after_campaign = timed
    try:
        spec = RunSpec(run_id=0, scenario="base", point=0, params=(), replicate=0, seed=seed)
        start, cpu = time.perf_counter(), time.process_time()
        output = execute_run(RunTask(spec, cfg))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        value_base.ValueModel.after_campaign = original
    return seconds, spent[0], int(output.summary["joined"].iloc[0]), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="people")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=0.023, help="external.daily_rate")
    parser.add_argument("--horizon", type=int, default=365, help="value.horizon_days")
    args = parser.parse_args()

    anchor, year = config(args.n, 0, args.rate), config(args.n, args.horizon, args.rate)
    print(f"{platform.node()} {platform.machine()} Python {platform.python_version()}")
    print(f"warm-up (graph, compiled kernels) at {args.n:,} people ...", flush=True)
    one_run(anchor, 1)
    one_run(year, 1)
    rows = []
    for r in range(args.rounds):
        seed = 100 + r
        base, _, joined, base_cpu = one_run(anchor, seed)
        with_year, loop, joined_year, year_cpu = one_run(year, seed)
        assert joined == joined_year  # the horizon changes nothing before it
        rows.append((base, with_year, loop, joined, year_cpu - base_cpu))
        print(
            f"round {r + 1}: no horizon {base:.3f} s, {args.horizon}-day horizon "
            f"{with_year:.3f} s (+{with_year - base:.3f} s, CPU +{year_cpu - base_cpu:.3f} s; "
            f"its loop {loop:.3f} s), {joined:,} members",
            flush=True,
        )
    extra = statistics.median(w - b for b, w, _, _, _ in rows)
    extra_cpu = statistics.median(x[4] for x in rows)
    loop = statistics.median(x[2] for x in rows)
    members = statistics.median(x[3] for x in rows)
    verdict = "met" if extra <= TARGET_SECONDS else "NOT met"
    print(
        f"median over {args.rounds} rounds: +{extra:.3f} s (CPU +{extra_cpu:.3f} s) per "
        f"replicate for a "
        f"{args.horizon}-day horizon (its loop {loop:.3f} s) with {members:,.0f} members of "
        f"{args.n:,}; target <= {TARGET_SECONDS} s: {verdict}"
    )


if __name__ == "__main__":
    main()
