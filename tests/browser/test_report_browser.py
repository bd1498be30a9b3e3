"""The report in a real browser (Debian's Chromium): it opens from file://, draws the
expected charts with the numbers of runs.parquet, logs no error and sends no request off
the machine. A full-page screenshot of each report goes to the screenshots folder."""

from __future__ import annotations

import numpy as np
import pytest

from sim.registry import CONTEXT_OUTCOMES
from sim.report import write_report
from tests.test_report import EXPECTED_CHARTS, make_results

LOCAL = ("file://", "data:", "blob:", "about:")


@pytest.fixture(scope="module", params=["scenarios", "sobol"])
def report(request, tmp_path_factory):
    """(kind, results, report path) of a small study of each kind."""
    results = make_results(request.param, tmp_path_factory.mktemp("browser") / request.param)
    return request.param, results, write_report(results.path, results=results)


def open_report(page, path):
    """Open the report; return the console errors and the requests it made."""
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 1300, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return errors, requests


def plotted(page, key: str) -> list[dict]:
    """The traces of one chart as drawn (plotly's full data, typed arrays as lists)."""
    return page.evaluate(
        """key => document.getElementById('plot-' + key)._fullData.map(t => ({
            name: t.name,
            x: t.x ? Array.from(t.x) : [],
            y: t.y ? Array.from(t.y) : [],
            text: t.text === undefined ? null : t.text,
        }))""",
        key,
    )


def test_report_opens_offline_with_every_chart_and_the_runs_numbers(page, report, screenshots_dir):
    kind, results, path = report
    errors, requests = open_report(page, path)
    page.screenshot(path=str(screenshots_dir / f"report_{kind}.png"), full_page=True)

    assert errors == []
    assert [u for u in requests if not u.startswith(LOCAL)] == []
    assert page.locator(".js-plotly-plot").count() == EXPECTED_CHARTS[kind]
    assert page.locator("svg.main-svg").count() >= EXPECTED_CHARTS[kind]  # drawn, not empty

    runs = results.runs
    means = runs.groupby("scenario", sort=False)[["total_cost", "paying"]].mean()
    marker = next(t for t in plotted(page, "cost_vs_paying") if t["name"] == "scenario mean")
    assert list(marker["text"]) == list(means.index)
    np.testing.assert_allclose(marker["x"], means["total_cost"])
    np.testing.assert_allclose(marker["y"], means["paying"])

    boxes = plotted(page, "roi")
    for box in boxes:
        values = runs.loc[runs["scenario"] == box["name"], "roi"].dropna()
        np.testing.assert_allclose(box["y"], values)

    medians = runs.groupby("scenario")["joined"].median()
    for line in plotted(page, "cumulative_joins"):
        if line["name"] in medians:
            assert line["y"][-1] == pytest.approx(medians[line["name"]])

    if kind == "scenarios":
        table = page.locator("#comparison-table td.best")
        compared = results.compare()
        ranked = compared.loc[~compared["outcome"].isin(CONTEXT_OUTCOMES), "outcome"]
        assert table.count() == ranked.nunique()  # one best per ranked outcome
        tree = plotted(page, "referral_tree")
        assert sum(len(t["x"]) for t in tree if t["name"].startswith("generation ")) > 0
    else:
        s1 = [t for t in plotted(page, "sobol") if t["name"] == "first order S1"]
        got = np.concatenate([t["y"] for t in s1])
        np.testing.assert_allclose(got, results.sensitivity["S1"])
        assert page.locator("#referral_tree .note").count() == 1
