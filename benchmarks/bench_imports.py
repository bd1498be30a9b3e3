"""How long the command line takes to start: ``--help`` and ``validate`` as fresh processes.

Targets: ``python -m sim --help`` <= 0.5 s and ``python -m sim validate
experiments/default.toml`` <= 2 s, wall time of the whole process (interpreter start
included). Neither may load the simulation stack it does not use (HEAVY below); the
script also lists which of those modules each command loaded, from a child process that
imports ``sim.cli``, calls ``main([...])`` and prints the heavy top-level modules then
in ``sys.modules``.

Each command runs ``--repeat`` times (default 5); the script prints the median and min
wall time and the median CPU time (user + system of the child). On a busy machine wall
time is inflated and CPU time is closer to what an idle machine gives.

Run from the repository root:  python benchmarks/bench_imports.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "mesa",
    "scipy",
    "pandas",
    "numba",
    "dask",
    "distributed",
    "dash",
    "plotly",
    "pyarrow",
    "igraph",
    "networkx",
    "SALib",
    "pyabc",
)
# (arguments after `python -m sim`, target wall seconds)
COMMANDS = (
    (["--help"], 0.5),
    (["validate", "experiments/default.toml"], 2.0),
)
# Run in a child: main(argv) with its output swallowed, then the heavy modules loaded.
PROBE = """
import contextlib, io, json, sys
from sim.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main(json.loads(sys.argv[1]))
heavy = json.loads(sys.argv[2])
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def time_command(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh ``python -m sim ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        env=_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heavy_loaded(args: list[str]) -> list[str]:
    """The heavy top-level modules in ``sys.modules`` after ``sim.cli.main(args)``."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        cwd=ROOT,
        env=_environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (5)")
    args = parser.parse_args()

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.repeat} runs each")
    for argv, target in COMMANDS:
        runs = [time_command(argv) for _ in range(args.repeat)]
        walls = [wall for wall, _ in runs]
        median = statistics.median(walls)
        cpu = statistics.median(c for _, c in runs)
        verdict = "met" if median <= target else "MISSED"
        print(
            f"python -m sim {' '.join(argv)}: median {median:.3f} s, min {min(walls):.3f} s, "
            f"CPU {cpu:.3f} s (target <= {target:g} s: {verdict})"
        )
        loaded = heavy_loaded(argv)
        print(f"  heavy modules loaded: {', '.join(loaded) if loaded else 'none'}")


if __name__ == "__main__":
    main()
