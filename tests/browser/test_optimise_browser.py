"""The app's Optimise tab in a real browser (Debian's Chromium driven by Playwright): a
tiny community and a handful of trials, searched on the app's workers, must show the
recommendation ``optimise()`` makes in this process on the same study and seed, the
report's figures, and a recommended.toml to download that says the same design."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sim.app import levers, params, search
from sim.app.folders import Folders
from sim.app.server import AppServer
from sim.optimise.search import optimise
from sim.optimise.words import sentence
from tests.test_app import SMALL, form

SEARCH = {"search-trials": "6", "search-start": "2", "search-max": "4"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("app")
    places = Folders(graphs=params.DEFAULT_GRAPHS_DIR, save=root / "s", results=root / "r")
    app = AppServer("127.0.0.1", 0, folders=places, workers=2).start()
    yield app
    app.stop()


def expected_search():
    """``optimise()`` in this process on what the page will ask: the small campaign and
    the tab's starting search with 6 trials, replicates 2 to 4."""
    start = levers.start_form()
    rows = {
        r.key: {"searched": r.searched, "low": r.low, "high": r.high, "log": r.log}
        | {"choices": list(r.choices)}
        for r in start.levers
    }
    table = levers.optimise_table(
        rows, start.objective, list(start.constraints), "6", "2", "4", start.finalists
    )
    _data, study, _space = search.search_study(form(**SMALL), table, params.DEFAULT_GRAPHS_DIR)
    return optimise(study)


def test_a_search_in_the_tab_recommends_what_optimise_does(page: Page, server, screenshots_dir):
    expect.set_options(timeout=20_000)
    try:
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.goto(server.url)
        expect(page.locator("#run")).to_be_enabled()
        for key, text in SMALL.items():
            page.fill(f'input[name="{key}"]', text)
        page.get_by_text("Optimise", exact=True).click()
        for ident, text in SEARCH.items():
            page.fill(f"#{ident}", text)
        page.click("#search-run")
        expect(page.locator("#search-run")).to_be_disabled()
        expect(page.locator("#search-message")).to_contain_text("Done:", timeout=120_000)
        expected = expected_search()
        shown = page.locator("#search-sentence b")
        expect(shown).to_have_attribute("data-candidate", expected.recommended.key)
        expect(shown).to_have_text(sentence(expected))
        ticked = sum(r.searched for r in levers.start_form().levers)
        expect(page.locator('#search-charts [data-chart="best"] .js-plotly-plot')).to_have_count(1)
        expect(page.locator('#search-charts [data-chart^="lever:"]')).to_have_count(ticked)
        expect(page.locator("#search-best tbody tr").first).to_contain_text("yes")
        page.screenshot(path=screenshots_dir / "app_optimise.png", full_page=True)
        with page.expect_download() as download:
            page.click("#search-download-button")
        recommended = tomllib.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        for key, value in expected.recommended.levers:
            section, name = key.split(".")
            assert recommended[section][name] == value
        assert "optimise" not in recommended
    finally:
        expect.set_options(timeout=5_000)
