"""The app's first Run after start (issue 19, target 5), timed from the user's path.

A planner starts the app (``python -m sim app --port P``, from the repository root, as a
child process of this one: its own interpreter, imports and worker pool), opens the page
and clicks Run. This script does the same on Debian's Chromium through Playwright, with
the browser tests' launch arguments (``tests/browser/conftest.py``) and their selectors
(``tests/browser/test_app_browser.py``: ``input[name="graph.n"]``,
``input[name="experiment.replicates"]``, ``#run``, the KPI cards ``#kpis .kpis`` whose
``data-run`` carries the job id they show). It sets 10,000 people and 10 replicates on the
starting campaign (``experiments/default.toml``: a Holme–Kim community, 30 days), clicks
Run and times:

* the **first Run**: from the click until the KPI cards of its job are on the page (what
  the browser tests wait for), and until the run's charts are drawn (the last change to
  them, on the browser's clock, once each holds a plot and nothing changed for a second);
* a **second Run** of the same campaign, clicked when the first is shown, timed alike.

Each round starts two fresh apps, one clicked as soon as the page loads (``early``: the
workers may still be warming up) and one clicked after the app printed that its workers
are ready (``warm``). Printed beside them: the app's start until it serves its page, until
its workers are ready, the CPU time the app and its workers used in each Run (user +
system, ``psutil``: on a shared machine closer to what a quiet one gives than wall time),
and the load average before and after. Target: the first Run at most 5 s. It asserts
nothing.

    python -m benchmarks.bench_app [--rounds 3] [--when early warm] [--workers W]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 5.0  # issue 19, target 5: the first Run after start, 10,000 people x 10 replicates
READY_LINE = "Simulation workers ready"  # what `fission app` prints when its warm-up is done
WAIT_MS = 300_000  # the longest a Run may take before the benchmark gives up


@dataclass
class RunTimes:
    """One Run, in seconds from the click: until its KPI cards, until its charts; the
    CPU seconds the app's server process and its workers used meanwhile."""

    cards: float
    charts: float
    cpu_server: float
    cpu_workers: float


@dataclass
class Trial:
    """One app from its start: seconds until it serves, until its workers are ready
    (None: not by the end), until the page was loaded, when Run was clicked; both Runs."""

    when: str
    serving: float
    ready: float | None
    loaded: float
    clicked: float
    first: RunTimes
    second: RunTimes
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


class App:
    """`python -m sim app` in a child process on a free loopback port, with folders of
    its own; its printed lines timestamped as they come."""

    def __init__(self, folder: Path, workers: int | None) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        command = [sys.executable, "-m", "sim", "app", "--port", str(self.port)]
        command += ["--save-dir", str(folder / "studies"), "--results-root", str(folder)]
        if workers is not None:
            command += ["--workers", str(workers)]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "LANG": "en_US.UTF-8"}
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.perf_counter() - self.started, line.rstrip()))

    def since_start(self) -> float:
        return time.perf_counter() - self.started

    def wait_serving(self, timeout: float = 300) -> float:
        """Seconds from the start until the page answers 200."""
        while self.since_start() < timeout:
            if self.process.poll() is not None:
                raise SystemExit("the app stopped:\n" + "\n".join(t for _, t in self.lines))
            try:
                with urllib.request.urlopen(self.url, timeout=5) as answer:
                    if answer.status == 200:
                        return self.since_start()
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"the app did not serve within {timeout:.0f} s")

    def ready(self) -> float | None:
        """Seconds from the start until the app printed that its workers are ready."""
        return next((t for t, line in self.lines if READY_LINE in line), None)

    def wait_ready(self, timeout: float = 300) -> float:
        while (seconds := self.ready()) is None:
            if self.since_start() > timeout:
                raise SystemExit(f"the app's workers were not ready within {timeout:.0f} s")
            time.sleep(0.05)
        return seconds

    def cpu(self) -> tuple[float, float]:
        """CPU seconds (user + system) so far of the app's server process, and of its
        worker processes together."""
        process = psutil.Process(self.process.pid)
        server = process.cpu_times()
        workers = 0.0
        for child in process.children(recursive=True):
            try:
                times = child.cpu_times()
            except psutil.NoSuchProcess:
                continue
            workers += times.user + times.system
        return server.user + server.system, workers

    def stop(self) -> None:
        """SIGTERM (the app stops its workers), then wait."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# In the page: the browser's time of the last change to the run's charts (a figure added,
# replaced or drawn into), so a Run's charts are timed on the browser's own clock.
WATCH_CHARTS = """() => {
    window.chartsChanged = 0;
    new MutationObserver(() => { window.chartsChanged = performance.now(); })
        .observe(document.getElementById('run-charts'), {childList: true, subtree: true});
}"""
QUIET_S = 1.0  # the charts are drawn when nothing in them changed for this long


def run_and_time(page: Page, app: App) -> RunTimes:
    """Click Run and wait for this run's KPI cards (their job id changes from the shown
    one, as in the browser tests), then for its charts (nothing in them changes for
    ``QUIET_S`` once each figure holds a drawn plot)."""
    cards = page.locator("#kpis .kpis")
    before = cards.get_attribute("data-run") if cards.count() else None
    cpu = app.cpu()
    clicked = page.evaluate("performance.now()")
    start = time.perf_counter()
    page.click("#run")
    expect(cards).to_have_attribute("data-run", re.compile(r"^[0-9a-f]{32}$"), timeout=WAIT_MS)
    if before is not None:
        expect(cards).not_to_have_attribute("data-run", before, timeout=WAIT_MS)
    shown = time.perf_counter() - start
    figures = page.locator("#run-charts figure.chart")
    while True:
        now, changed = page.evaluate("[performance.now(), window.chartsChanged]")
        count = figures.count()
        drawn = page.locator("#run-charts figure.chart .js-plotly-plot").count()
        if changed > clicked and count and drawn == count and now - changed > QUIET_S * 1000:
            break
        if time.perf_counter() - start > WAIT_MS / 1000:
            raise SystemExit("the run's charts were not drawn in time")
        time.sleep(0.05)
    expect(page.locator("#message")).to_contain_text("Done:", timeout=WAIT_MS)
    server, workers = app.cpu()
    return RunTimes(shown, (changed - clicked) / 1000, server - cpu[0], workers - cpu[1])


def trial(browser: Browser, when: str, people: int, replicates: int, workers: int | None) -> Trial:
    """A fresh app; its page loaded once it serves; Run clicked at once (early) or once
    its workers are ready (warm); a second Run after the first."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-app-") as folder:
        app = App(Path(folder), workers)
        try:
            serving = app.wait_serving()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app.url)
            expect(page.locator("#run")).to_be_enabled(timeout=WAIT_MS)
            page.fill('input[name="graph.n"]', str(people))
            page.fill('input[name="experiment.replicates"]', str(replicates))
            page.evaluate(WATCH_CHARTS)
            loaded = app.since_start()
            if when == "warm":
                app.wait_ready()
            clicked = app.since_start()
            first = run_and_time(page, app)
            second = run_and_time(page, app)
            page.close()
            ready = app.ready()
        finally:
            app.stop()
    return Trial(when, serving, ready, loaded, clicked, first, second, load_before, os.getloadavg())


def show_run(name: str, run: RunTimes) -> str:
    return (
        f"{name}: cards {run.cards:.2f} s, charts {run.charts:.2f} s (CPU: server "
        f"{run.cpu_server:.1f} s, workers {run.cpu_workers:.1f} s)"
    )


def show(t: Trial) -> str:
    ready = "not by the end" if t.ready is None else f"{t.ready:.1f} s"
    return (
        f"{t.when:5}: serving {t.serving:.1f} s, page loaded {t.loaded:.1f} s, workers ready "
        f"{ready}, Run clicked {t.clicked:.1f} s after start\n    "
        f"{show_run('first Run', t.first)}\n    {show_run('second Run', t.second)}\n    "
        f"load average {t.load_before[0]:.2f} -> {t.load_after[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--when", nargs="+", choices=("early", "warm"), default=["early", "warm"])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--workers", type=int, help="the app's --workers (default: its own)")
    args = parser.parse_args()

    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{args.people:,} people x {args.replicates} replicates, the app's starting campaign")
    trials: list[Trial] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for round_ in range(args.rounds):
            for when in args.when:
                trials.append(trial(browser, when, args.people, args.replicates, args.workers))
                print(f"round {round_ + 1} {show(trials[-1])}", flush=True)
        browser.close()

    print(f"\ntarget: the first Run after start at most {TARGET_S:.0f} s")
    for when in args.when:
        mine = [t for t in trials if t.when == when]
        firsts = [t.first.cards for t in mine]
        charts = [t.first.charts for t in mine]
        seconds = [t.second.cards for t in mine]
        met = sum(f <= TARGET_S for f in firsts)
        print(
            f"{when:5}: first Run {', '.join(f'{f:.2f}' for f in firsts)} s (median "
            f"{statistics.median(firsts):.2f} s; charts median {statistics.median(charts):.2f}"
            f" s), second Run median {statistics.median(seconds):.2f} s: target met in "
            f"{met} of {len(mine)}"
        )
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
