"""The app's Optimise tab without a browser (issue 15): it starts as the shipped search,
its form becomes the [optimise] table ``fission optimise`` reads, its job runs on the
shared job board (fair turns, Cancel, the app's limits, no file written) and finds the
same trials and recommendation as ``optimise()`` on the same study and seed, and it
shows the report's own figures and table."""

from __future__ import annotations

import threading
import time
import tomllib

import pandas as pd
import pytest

from sim import lang
from sim.app import actions, levers, params, search, search_view, ui
from sim.app.folders import DEFAULT_FOLDERS
from sim.app.jobs import JobBoard
from sim.app.limits import Limits
from sim.app.server import _search_form, create_app
from sim.app.store import frame_from_store
from sim.optimise.recommend import recommended_toml
from sim.optimise.report import sections
from sim.optimise.search import optimise, planned_runs
from sim.optimise.space import parse_space
from sim.optimise.words import sentence
from sim.study import load_study
from tests.conftest import EXPERIMENTS
from tests.test_app import SMALL, form

SHIPPED = EXPERIMENTS / "optimise.toml"


class NoBoard:
    """A board that fails the test if anything is queued."""

    def drive(self, *args, **kwargs):
        raise AssertionError("nothing may run")


@pytest.fixture(scope="module")
def board():
    jobs = JobBoard(workers=2)
    yield jobs
    jobs.shutdown()


def search_form(trials: int = 10, start: int = 2, most: int = 4, **rows) -> dict:
    """The tab's starting values as Search reads them (``levers.optimise_table``'s
    arguments), a smaller search, and some lever rows changed (key -> fields)."""
    start_form = levers.start_form()
    levers_rows = {
        r.key: {
            "searched": r.searched,
            "low": r.low,
            "high": r.high,
            "log": r.log,
            "choices": list(r.choices),
        }
        for r in start_form.levers
    }
    for key, fields in rows.items():
        levers_rows[key.replace("__", ".")].update(fields)
    return {
        "levers": levers_rows,
        "objective": start_form.objective,
        "constraints": list(start_form.constraints),
        "trials": str(trials),
        "start": str(start),
        "most": str(most),
        "finalists": 2,
    }


def run_search(board: JobBoard, values: dict, form_values: dict, tab: str | None = None) -> dict:
    job, message = search.start_search(board, values, form_values, None, tab=tab)
    assert job is not None, message.text
    while not (step := search.poll_search(board, job)).finished:
        time.sleep(0.05)
    assert step.current is not None, step.message.text
    return step.current


# ---------------------------------------------------------------- the form


def test_the_tab_starts_as_the_shipped_search_with_fewer_trials():
    """The tab's starting form is experiments/optimise.toml's [optimise] table: the same
    levers, ranges, choices, objective, constraints and replicates; 40 trials. (The
    levers come in the tab's order, the panels', not the file's.)"""
    start = levers.start_form()
    table = levers.optimise_table(**search_form(trials=40, start=4, most=32) | {"finalists": 6})
    shipped = load_study(SHIPPED)
    from_tab = parse_space(shipped, table)
    expected = parse_space(shipped)
    assert sorted(from_tab.levers, key=str) == sorted(expected.levers, key=str)
    assert from_tab.objectives == expected.objectives
    assert from_tab.constraints == expected.constraints
    assert from_tab.replicates == expected.replicates
    assert (from_tab.trials, start.trials, expected.trials) == (40, 40, 200)
    ticked = [r.key for r in start.levers if r.searched]
    assert sorted(ticked) == sorted(tomllib.loads(SHIPPED.read_text())["optimise"]["levers"])


def test_every_lever_is_a_campaign_control_and_its_starting_range_is_a_valid_search():
    """Each number or choice the tab offers, ticked alone (with its starting range or
    every option), is a search ``fission optimise`` accepts on the starting campaign
    (levers of other lure kinds or reward rules than the campaign's excepted)."""
    start = levers.start_form()
    controls = params.controls()
    chosen = {sel: form().get(sel) for sel in params.SELECTORS.values()}
    tried = 0
    for row in start.levers:
        assert controls[row.key] == row.control
        if not params.applies(row.key, chosen):
            continue
        alone = search_form()
        for key, fields in alone["levers"].items():
            fields["searched"] = key == row.key
        table = levers.optimise_table(**alone)
        _data, _study, space = search.search_study(form(), table, None)
        assert space.keys == (row.key,)
        tried += 1
    assert tried >= 12


@pytest.mark.parametrize(
    ("rows", "settings", "message", "row"),
    [
        (
            {"lure__value": {"low": "cheap"}},
            {},
            "optimise.levers.lure.value.low: 'cheap' is not a number",
            "lure.value",
        ),
        (
            {"lure__value": {"low": "30", "high": "5"}},
            {},
            "optimise.levers.lure.value: low (30) is greater than high (5)",
            "lure.value",
        ),
        ({"lure__kind": {"choices": []}}, {}, "optimise.levers.lure.kind", "lure.kind"),
        (  # the group size is a group buy's: with the lure kind unticked, a coupon's
            {"lure__kind": {"searched": False}},
            {},
            "optimise.levers.lure.group_size",
            "lure.group_size",
        ),
        ({}, {"trials": "many"}, "optimise.trials: 'many' is not a whole number", None),
        ({}, {"start": "1"}, "optimise.replicates.start: Input should be greater", None),
    ],
    ids=["not a number", "low above high", "no choice", "lever of no kind", "trials", "start"],
)
def test_a_bad_search_is_refused_naming_the_field_and_nothing_runs(rows, settings, message, row):
    values = search_form(**rows) | settings
    job, shown = search.start_search(NoBoard(), form(), values, None)
    assert job is None and shown.kind == "error"
    assert shown.text.startswith(message), shown.text
    keys = [r.key for r in levers.start_form().levers]
    errors = search_view.lever_errors(keys, shown.text)  # under the lever's own row
    assert [k for k, e in zip(keys, errors, strict=True) if e] == ([row] if row else [])


def test_no_lever_ticked_is_refused():
    rows = {r.key.replace(".", "__"): {"searched": False} for r in levers.start_form().levers}
    job, shown = search.start_search(NoBoard(), form(), search_form(**rows), None)
    assert job is None and shown.text == "optimise.levers: tick at least one lever to search"


def test_a_search_beyond_the_apps_limits_is_refused_naming_the_field():
    """Work is people × planned runs, at most the largest Run allowed (--max-people ×
    --max-replicates); a design's replicates at most --max-replicates."""
    small = Limits(max_people=20_000, max_replicates=50)
    # 10,000 people × (40 × 4 + 24 × 4 + 6 × 28 = 424 runs: four times the finalists
    # screened at 4, the finalists raced to 32) = 4.24 M > 1 M
    values = search_form(trials=40, start=4, most=32) | {"finalists": 6}
    job, shown = search.start_search(NoBoard(), form(), values, None, small)
    assert job is None
    assert shown.text.startswith(
        "optimise.trials: 424 runs of 10,000 people is more work than this app allows "
        "(1,000,000 people × runs"
    ), shown.text
    job, shown = search.start_search(NoBoard(), form(), search_form(most=64), None, small)
    assert shown.text.startswith("optimise.replicates.max: at most 50 in this app, not 64")
    job, shown = search.start_search(
        NoBoard(), form(**{"graph.n": "30000"}), search_form(), None, small
    )
    assert shown.text.startswith("graph.n: at most 20,000 people in this app")
    # within the limits: 10,000 × (10 × 2 + 8 × 2 + 2 × 2) = 400,000
    study = search.search_study(form(), levers.optimise_table(**search_form()), None)[1]
    small.check_search(study, planned_runs(parse_space(study), 10), 4)


# ---------------------------------------------------------------- the job


def test_the_tabs_search_finds_what_optimise_finds_on_the_same_study_and_seed(
    board, tmp_path, monkeypatch
):
    """The job on the board's workers (the tab's search) and ``optimise()`` in this
    process, on the same campaign, [optimise] table and root seed, give the same trials
    (every number of trials.parquet), recommendation, sentence and recommended.toml.
    The search writes no file (the folder the server runs in stays empty)."""
    monkeypatch.chdir(tmp_path)
    values = form(**SMALL)
    result = run_search(board, values, search_form())
    _data, study, _space = search.search_study(values, levers.optimise_table(**search_form()), None)
    direct = optimise(study)
    pd.testing.assert_frame_equal(frame_from_store(result["trials"]), direct.trials)
    pd.testing.assert_frame_equal(frame_from_store(result["importance"]), direct.importance)
    assert result["recommended"] == direct.recommended.key
    assert result["sentence"] == sentence(direct)
    assert result["toml"] == recommended_toml(direct, None)
    assert result["runs"] == direct.runs == 10 * 2 + 2 * 2
    assert list(tmp_path.iterdir()) == []
    recommended = tomllib.loads(result["toml"])  # a study `fission run` takes as is
    assert "optimise" not in recommended
    for key, value in direct.recommended.levers:
        section, name = key.split(".")
        assert recommended[section][name] == value


def test_the_sentence_is_said_in_the_tabs_language(board):
    with lang.using("zh"):
        result = run_search(board, form(**SMALL), search_form(trials=4))
    assert "利润" in result["sentence"] and "种子用户" in result["sentence"]
    assert result["toml"].startswith("# 由 `fission optimise` 推荐：")


def test_a_search_and_another_tabs_run_share_the_workers(board):
    """Runs go to the workers in turn: a 3-run campaign of another tab, started after a
    search of about 200 runs, finishes long before the search does."""
    job, _ = search.start_search(
        board, form(**SMALL), search_form(trials=50, start=4, most=4), None, tab="searcher"
    )
    assert job is not None
    while board.poll(job["id"]).done < 4:
        time.sleep(0.02)
    run, _ = actions.start_run(board, form(**SMALL), None, tab="planner")
    while not actions.poll_job(board, run).finished:
        time.sleep(0.02)
    status = board.poll(job["id"])
    assert status.state == "running" and status.done < 120, status
    assert board.cancel(job["id"], "searcher")


def test_cancel_stops_a_search_at_once_and_frees_the_tab(board):
    job, _ = search.start_search(board, form(**SMALL), search_form(trials=200), None, tab="t")
    assert job is not None
    while board.poll(job["id"]).done < 6:
        time.sleep(0.02)
    busy, message = actions.start_run(board, form(**SMALL), None, tab="t")
    assert busy is None and "still going" in message.text  # one job per tab
    assert search.cancel_search(board, job, "other tab").text == "Nothing to cancel."
    assert search.cancel_search(board, job, "t").text == "Cancelling…"
    step = search.poll_search(board, job)
    assert step.finished and step.current is None
    assert step.message.text.startswith("Search cancelled after ")
    deadline = time.monotonic() + 10
    while any(t.name == "fission-driver" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the search's driver did not stop"
        time.sleep(0.05)
    assert not board._jobs[job["id"]].todo  # nothing more queued
    quick, _ = actions.start_run(board, form(**SMALL), None, tab="t")
    assert quick is not None
    while not actions.poll_job(board, quick).finished:
        time.sleep(0.02)


# ---------------------------------------------------------------- the page


@pytest.fixture(scope="module")
def result(board) -> dict:
    return run_search(board, form(**SMALL), search_form(trials=24))


def test_the_result_shows_the_reports_figures_and_table(result):
    shown_sentence, table, charts = search_view.result_view(result)
    assert shown_sentence.children == result["sentence"]
    assert shown_sentence.to_plotly_json()["props"]["data-candidate"] == result["recommended"]
    trials = frame_from_store(result["trials"])
    rows = table.children[1].children
    assert len(rows) == min(8, trials["candidate"].nunique())
    assert rows[0].children[-1].children == "yes"  # the recommended design comes first
    figures = charts[0].children
    drawn = sections(
        trials, None, frame_from_store(result["importance"]), [("profit", True)], result["levers"]
    )
    assert [f.to_plotly_json()["props"]["data-chart"] for f in figures] == [s.key for s in drawn]
    assert [f.children[1].figure for f in figures] == [s.figure for s in drawn]
    assert "importance" in [s.key for s in drawn]  # 24 trials: enough for importance


def test_the_page_has_the_tab_and_its_form_reads_as_the_shipped_search():
    """The Optimise tab's components, as the page is built, read by the server's
    ``_search_form`` (what Search passes on), make the shipped search."""
    page = ui.layout(DEFAULT_FOLDERS)
    found: dict = {}

    def walk(node) -> None:
        ident = getattr(node, "id", None)
        if ident is not None:
            found[str(ident) if isinstance(ident, str) else tuple(sorted(ident.items()))] = node
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(page)
    tab = next(t for t in page.children[1].children if t.value == "optimise")
    assert tab.label == "Optimise"
    states = []
    for part in ("on", "low", "high", "log", "choices"):
        states.append(
            [
                {"id": dict(k), "value": getattr(found[k], "value", None)}
                for k in found
                if isinstance(k, tuple) and dict(k)["type"] == f"lever-{part}"
            ]
        )
    states += [
        {"value": found["objective-outcome"].value},
        {"value": found["objective-direction"].value},
    ]
    for part in ("outcome", "bound", "value"):
        states.append(
            [
                {"id": dict(k), "value": found[k].value}
                for k in found
                if isinstance(k, tuple) and dict(k)["type"] == f"constraint-{part}"
            ]
        )
    states += [{"value": found[i].value} for i in ("search-trials", "search-start", "search-max")]
    table = levers.optimise_table(**_search_form(states))
    shipped = tomllib.loads(SHIPPED.read_text())["optimise"]
    from_page = parse_space(load_study(SHIPPED), table).levers
    assert sorted(from_page, key=str) == sorted(parse_space(load_study(SHIPPED)).levers, key=str)
    assert table["objective"] == shipped["objective"]
    assert table["constraints"] == shipped["constraints"]
    assert table["trials"] == levers.APP_TRIALS
    app = create_app(NoBoard())  # the callbacks are wired
    for output in ("search-job.data", "search-result.data", "search-download.data"):
        assert any(output in key for key in app.callback_map), output


def test_the_tab_speaks_chinese():
    """Built in Chinese, the tab's visible texts (labels, options, placeholders, the
    dropdowns' own texts, buttons, notes) have no English left: no Latin word but the
    names used as they are (KOL, LTV/CAC, ROI, the algorithms CELF, IMM and PageRank)
    and the file recommended.toml (a {placeholder} is the dropdown's to fill)."""
    import re

    allowed = {"KOL", "LTV", "CAC", "ROI", "CELF", "IMM", "PageRank", "recommended.toml"}
    with lang.using("zh"):
        tab = search_view.search_tab(levers.start_form())
    texts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            texts.append(node)
            return
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
            return
        for name in ("children", "placeholder"):
            walk(getattr(node, name, None) or [])
        for option in getattr(node, "options", None) or []:
            texts.append(str(option["label"]))
        texts.extend((getattr(node, "labels", None) or {}).values())

    walk(tab)
    shown = [re.sub(r"\{\w+\}", "", t) for t in texts]
    words = {w for t in shown for w in re.findall(r"[A-Za-z][A-Za-z_.]{2,}", t)} - allowed
    assert not words, sorted(words)
    assert (
        "可调项：搜索可以改变什么" in texts
        and "搜索" in texts
        and "已选 {num_selected} 项" in texts
    )
