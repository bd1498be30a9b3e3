"""The live app in a real browser (Debian's Chromium driven by Playwright).

The app runs on a free loopback port in a background thread of this process, with its
own pool of worker processes; every number the page shows is checked against the engine
run here on the same config and seed. Screenshots of each page go to the
``screenshots_dir`` for people to look at.
"""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sim.app import params, ui
from sim.app.folders import Folders
from sim.app.server import AppServer
from sim.experiment import run_experiment
from sim.study import load_study, parse_study
from sim.wording import option_label

RUN_TIMEOUT_MS = 30_000


@pytest.fixture(autouse=True, scope="module")
def patient_expectations():
    """Generous waits for page updates in this module (a busy 2-core machine redraws
    ten charts slowly); Playwright's default of 5 s again afterwards."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> Folders:
    """The folders the app may use: a save folder and a results root of the test's own."""
    root = tmp_path_factory.mktemp("app")
    return Folders(
        graphs=params.DEFAULT_GRAPHS_DIR, save=root / "studies", results=root / "results"
    )


@pytest.fixture(scope="module")
def server(places):
    app = AppServer("127.0.0.1", 0, folders=places, workers=2).start()  # workers warm up
    yield app
    app.stop()


def open_app(page: Page, server: AppServer) -> None:
    """Load the app; wait until its workers are up and have built the default community."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server.url)
    expect(page.locator("#run")).to_be_enabled()
    assert server.board.wait_ready(timeout=120)


def fill(page: Page, key: str, text: str) -> None:
    page.fill(f'input[name="{key}"]', text)


def choose(page: Page, key: str, option: str) -> None:
    page.locator(f'div.field[title="{key}"] button.dash-dropdown').click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.locator(f'div.field[title="{key}"] button.dash-dropdown')).to_contain_text(option)


def run_and_wait(page: Page) -> float:
    """Click Run and wait for this run's results (the KPI cards carry the job id they
    show); the seconds from the click to the KPI cards."""
    cards = page.locator("#kpis .kpis")
    before = cards.get_attribute("data-run") if cards.count() else None
    start = time.monotonic()
    page.click("#run")
    expect(cards).to_have_attribute(
        "data-run", re.compile(r"^[0-9a-f]{32}$"), timeout=RUN_TIMEOUT_MS
    )
    if before is not None:
        expect(cards).not_to_have_attribute("data-run", before, timeout=RUN_TIMEOUT_MS)
    seconds = time.monotonic() - start
    expect(page.locator("#message")).to_contain_text("Done:")
    return seconds


def kpi(page: Page, metric: str) -> float:
    return float(page.get_attribute(f"#kpi-{metric} .value", "data-value"))


def engine(overrides: dict) -> object:
    """The engine's results for the app's starting campaign with these changes."""
    return run_experiment(
        load_study(params.START_CAMPAIGN, {"experiment.replicates": 10, **overrides})
    )


def test_run_shows_the_engines_kpis_and_charts_for_the_same_config(
    page: Page, server, screenshots_dir
):
    open_app(page, server)
    choose(page, "lure.kind", option_label("lure.kind", "cash"))
    fill(page, "lure.value", "8")
    fill(page, "reward.budget", "2000")
    seconds = run_and_wait(page)
    assert seconds < 10  # 10,000 people x 10 replicates, with warm workers: ~1 s

    expected = engine({"lure.kind": "cash", "lure.value": 8.0, "reward.budget": 2000.0})
    runs = expected.runs
    assert kpi(page, "joined") == runs["joined"].mean()
    assert kpi(page, "paying") == runs["paying"].mean()
    assert kpi(page, "total_cost") == runs["total_cost"].mean()
    assert kpi(page, "roi") == runs["roi"].mean()
    shown = page.inner_text("#kpi-joined .value")
    assert shown == ui.number(runs["joined"].mean(), "joined")
    assert "10,000 people, 10 replicates, 30 days" in page.inner_text("#run-title")

    # The cumulative-joins chart: its median line ends at the engine's median.
    page.wait_for_selector('[data-chart="cumulative_joins"] .js-plotly-plot .scatterlayer')
    last = page.evaluate(
        """() => {
        const gd = document.querySelector('[data-chart="cumulative_joins"] .js-plotly-plot');
        const line = gd._fullData.find(t => t.name === 'this run');
        return line.y[line.y.length - 1];
    }"""
    )
    daily = expected.daily
    final = daily[daily["day"] == daily["day"].max()]["cumulative_joined"]
    assert last == pytest.approx(final.median())
    for key in ui.RUN_CHARTS:
        expect(page.locator(f'[data-chart="{key}"] .js-plotly-plot')).to_have_count(1)
    page.screenshot(path=screenshots_dir / "app_run.png", full_page=True)


def test_two_pinned_scenarios_are_compared_and_saved_as_a_study_fission_runs(
    page: Page, server, screenshots_dir, places
):
    open_app(page, server)
    run_and_wait(page)
    page.fill("#pin-name", "coupon 10")
    page.click("#pin")
    expect(page.locator("#pins-list")).to_contain_text("coupon 10")
    fill(page, "lure.value", "14")
    run_and_wait(page)
    page.fill("#pin-name", "coupon 14")
    page.click("#pin")
    rows = page.locator("#comparison-table tbody tr")
    expect(rows).to_have_count(2)

    data = params.start_data()
    data["scenarios"] = [
        {"name": "coupon 10", "set": {}},
        {"name": "coupon 14", "set": {"lure.value": 14.0}},
    ]
    table = run_experiment(parse_study(data, params.ROOT / "experiments")).compare()
    for scenario in ("coupon 10", "coupon 14"):
        row = page.locator(f'#comparison-table tr[data-scenario="{scenario}"] td')
        cells = row.evaluate_all("tds => tds.slice(1).map(td => td.dataset.value)")
        expected = table[table["scenario"] == scenario]["mean"].tolist()
        assert [float(c) for c in cells] == pytest.approx(expected, rel=0, abs=0, nan_ok=True)
    best = page.locator("#comparison-table td.best")
    assert best.count() == int(table["best"].sum())  # one per ranked outcome with a value
    assert best.count() >= 6
    expect(page.locator('#comparison-charts [data-chart="cost_vs_paying"]')).to_have_count(1)
    expect(page.locator('#comparison-charts [data-chart="segment_mix"]')).to_have_count(1)

    page.fill("#save-path", "../pinned.toml")  # a path: refused, nothing written
    page.click("#save")
    expect(page.locator("#save-message")).to_contain_text("save: a file name ending in .toml")
    assert not (places.save.parent / "pinned.toml").exists()
    study_file = places.save / "pinned.toml"
    page.fill("#save-path", "pinned.toml")
    page.click("#save")
    expect(page.locator("#save-message")).to_contain_text("Saved 2 scenarios")
    saved = run_experiment(load_study(study_file))
    assert saved.compare()["mean"].tolist() == pytest.approx(
        table["mean"].tolist(), rel=0, abs=0, nan_ok=True
    )
    page.screenshot(path=screenshots_dir / "app_compare.png", full_page=True)

    with page.expect_download() as download:
        page.click("#download-button")
    text = Path(download.value.path()).read_text()
    assert tomllib.loads(text)["scenarios"] == tomllib.loads(study_file.read_text())["scenarios"]
    page.click('button[title="unpin coupon 10"]')
    expect(rows).to_have_count(1)
    expect(page.locator("#comparison-table")).not_to_contain_text("coupon 10")


def test_an_invalid_value_shows_a_message_naming_the_field_and_runs_nothing(
    page: Page, server, screenshots_dir
):
    open_app(page, server)
    jobs_before = len(server.board._jobs)
    fill(page, "lure.value", "-5")
    page.click("#run")
    message = page.locator("#message")
    expect(message).to_have_text("lure.value: Input should be greater than or equal to 0")
    expect(message).to_have_class(re.compile("error"))
    fill(page, "seeds.count", "many")
    fill(page, "lure.value", "5")
    page.click("#run")
    expect(message).to_have_text("seeds.count: 'many' is not a whole number")
    time.sleep(0.5)  # a poll would have started by now, had anything been queued
    assert len(server.board._jobs) == jobs_before
    expect(page.locator("#kpis")).to_have_text("Set up a campaign and click Run.")
    expect(page.locator("#run")).to_be_enabled()
    page.screenshot(path=screenshots_dir / "app_invalid.png", full_page=True)


def test_controls_are_locked_with_a_progress_bar_while_a_run_is_going(page: Page, server):
    open_app(page, server)
    fill(page, "experiment.replicates", "40")  # about 1.5 s
    page.click("#run")
    expect(page.locator("#run")).to_be_disabled()
    expect(page.locator('input[name="lure.value"]')).to_be_disabled()
    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator("#message")).to_contain_text("Done: 40 runs", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run")).to_be_enabled()
    expect(page.locator('input[name="lure.value"]')).to_be_enabled()
    expect(page.locator("#progress")).to_be_hidden()


def test_cancel_stops_a_long_run_and_unlocks_the_form(page: Page, server, screenshots_dir):
    open_app(page, server)
    fill(page, "graph.n", "50000")
    fill(page, "experiment.replicates", "1000")  # minutes of work
    page.click("#run")
    expect(page.locator("#message")).to_contain_text("Running:", timeout=RUN_TIMEOUT_MS)
    page.screenshot(path=screenshots_dir / "app_cancel.png", full_page=True)
    start = time.monotonic()
    page.click("#cancel")
    expect(page.locator("#message")).to_contain_text(
        re.compile(r"Cancelled after \d+ of 1000 runs"), timeout=5_000
    )
    assert time.monotonic() - start < 5
    expect(page.locator("#run")).to_be_enabled()
    expect(page.locator("#progress")).to_be_hidden()
    fill(page, "graph.n", "10000")
    fill(page, "experiment.replicates", "3")
    run_and_wait(page)  # the tab may run again at once


def test_two_tabs_run_at_once_and_each_shows_its_own_campaign(page: Page, server):
    other = page.context.new_page()
    for tab, value in ((page, "4"), (other, "20")):
        open_app(tab, server)
        fill(tab, "lure.value", value)
        fill(tab, "experiment.replicates", "3")
    page.click("#run")
    other.click("#run")
    for tab in (page, other):
        expect(tab.locator("#message")).to_contain_text("Done:", timeout=RUN_TIMEOUT_MS)
    for tab, value in ((page, 4.0), (other, 20.0)):
        expected = engine({"lure.value": value, "experiment.replicates": 3})
        assert kpi(tab, "joined") == expected.runs["joined"].mean()


@pytest.fixture(scope="module")
def results_folder(places) -> Path:
    out = places.results / "lures"
    study = load_study(
        params.ROOT / "experiments" / "lures.toml",
        {"experiment.replicates": 2, "graph.n": 1000, "experiment.days": 10},
    )
    run_experiment(study, out)
    return out


def test_a_results_folder_opens_with_the_reports_table_and_charts(
    page: Page, server, results_folder, screenshots_dir
):
    open_app(page, server)
    page.get_by_text("Results folder", exact=True).click()
    page.fill("#results-dir", str(results_folder))  # a path, not a name in the root
    page.click("#open-results")
    expect(page.locator("#results-message")).to_contain_text("results folder: a relative name")
    page.fill("#results-dir", "lures")
    page.click("#open-results")
    expect(page.locator("#results-message")).to_contain_text("lures: 14 runs")
    rows = page.locator("#results-view #comparison-table tbody tr")
    expect(rows).to_have_count(7)
    expect(
        page.locator('#results-view [data-chart="cumulative_joins"] .js-plotly-plot')
    ).to_have_count(1)
    # A chart this folder cannot have is replaced by the report's note.
    expect(page.locator('#results-view [data-chart="referral_tree"] .note')).to_contain_text(
        "members.parquet"
    )
    page.screenshot(path=screenshots_dir / "app_results.png", full_page=True)

    (results_folder.parent / "empty").mkdir(exist_ok=True)
    page.fill("#results-dir", "empty")
    page.click("#open-results")
    expect(page.locator("#results-message")).to_contain_text("not a finished Fission results")


def test_results_option_opens_the_folder_at_start(page: Page, results_folder, places):
    app = AppServer("127.0.0.1", 0, folders=places, results_name="lures", workers=1, warm=False)
    app.start()
    try:
        page.goto(app.url)
        expect(page.locator("#results-view #comparison-table tbody tr")).to_have_count(7)
    finally:
        app.stop()
