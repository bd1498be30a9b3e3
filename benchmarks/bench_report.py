"""The report of a 1,000-run experiment: its size, build time, load time in Chromium and
image export time.

Target (issue "Report"): report.html of a 1,000-run experiment opens offline and is drawn
in a few seconds (<= 5 s from navigation to every chart drawn, measured in the page).

Two studies of about 1,000 runs each, members kept (so every chart, the referral tree
included, is drawn): the lures study with 143 replicates (7 scenarios x 143 = 1,001
runs) and the reward LHS sweep with 200 points x 5 replicates. Results are kept in
--dir and reused when already there.

Run from the repository root:  python benchmarks/bench_report.py [--people 10000] [--images]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.config import read_config_file
from sim.experiment import Results, run_experiment
from sim.report import report_charts, write_report
from sim.study import parse_study

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
STUDIES = {"lures": "lures.toml", "reward_sweep": "reward_sweep.toml"}


def results_of(name: str, folder: Path, people: int, workers: int) -> Results:
    """About 1,000 runs of a shipped study, members kept; reused from folder if there."""
    if (folder / "manifest.json").is_file() and (folder / "runs.parquet").is_file():
        return Results.load(folder)
    path = ROOT / "experiments" / STUDIES[name]
    data = read_config_file(path)
    data["experiment"].update(name=name, write_members=True)
    data["graph"]["n"] = people
    if "sweep" in data:
        data["sweep"]["samples"] = 200  # x 5 replicates
    else:
        data["experiment"]["replicates"] = 143  # x 7 scenarios
    study = parse_study(data, path.parent)
    return run_experiment(study, folder, workers=workers, fresh=True)


def load_time(path: Path, repeats: int = 3) -> tuple[float, float]:
    """(in-page ms from navigation to every chart drawn, wall seconds), best of repeats."""
    from playwright.sync_api import sync_playwright

    best_ms, best_wall = float("inf"), float("inf")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready=true]", timeout=120_000)
            wall = time.perf_counter() - start
            ms = float(page.get_attribute("body", "data-ready-ms"))
            best_ms, best_wall = min(best_ms, ms), min(best_wall, wall)
            page.close()
        browser.close()
    return best_ms, best_wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "benchmarks" / "out" / "report")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--images", action="store_true", help="also time PNG + SVG export")
    args = parser.parse_args()

    for name in STUDIES:
        folder = args.dir / name
        start = time.perf_counter()
        results = results_of(name, folder, args.people, args.workers)
        ran = time.perf_counter() - start
        start = time.perf_counter()
        path = write_report(folder, results=results)
        built = time.perf_counter() - start
        drawn = sum(c.figure is not None for c in report_charts(results))
        ms, wall = load_time(path)
        met = "met" if ms <= 5000 else "NOT met"
        print(
            f"{name}: {len(results.runs):,} runs ({ran:.0f} s to get), {drawn} charts; "
            f"report.html {path.stat().st_size / 1e6:.2f} MB built in {built:.2f} s; "
            f"drawn in Chromium {ms / 1000:.2f} s after navigation (wall {wall:.2f} s); "
            f"target <= 5 s: {met}"
        )
        if args.images:
            start = time.perf_counter()
            write_report(folder, results=results, images=True)
            took = time.perf_counter() - start - built
            files = len(list((folder / "images").glob("*.*")))
            print(f"  images: {files} files (PNG + SVG) in {took:.1f} s, one kaleido batch")


if __name__ == "__main__":
    main()
