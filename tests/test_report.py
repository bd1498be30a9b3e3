"""The report and its charts: every chart carries the numbers of the saved tables, the
page is one self-contained file, and `fission run` / `fission report` write it.

The browser half (the page opens from file:// and draws without errors or network) is in
tests/browser/test_report_browser.py, which reuses the studies defined here.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import charts
from sim.charts import ChartUnavailable
from sim.cli import main
from sim.compare import OUTCOMES, format_comparison
from sim.experiment import Results, run_experiment
from sim.report import render_html, report_charts, write_report

# Two scenarios on a 2,000-person graph, members kept, a budget that runs out in some runs.
STUDY = {
    "experiment": {"name": "small", "days": 15, "replicates": 6, "seed": 7, "write_members": True},
    "graph": {"kind": "barabasi_albert", "n": 2000, "m": 3},
    "seeds": {"count": 30},
    "lure": {"kind": "cash", "value": 3.0},
    "reward": {"rule": "referrer", "amount": 2.0, "budget": 150.0},
    "scenarios": [
        {"name": "cash 3", "set": {}},
        {"name": "coupon 5", "set": {"lure.kind": "coupon", "lure.value": 5.0}},
    ],
}
SWEEP_PARAMS = {
    "reward.amount": {"low": 1.0, "high": 6.0},
    "reward.budget": {"low": 50.0, "high": 500.0, "log": True},
}


def sweep_study(method: str, samples: int) -> dict:
    """The study's base, one scenario, no members, swept over the reward and budget."""
    data = {k: copy.deepcopy(v) for k, v in STUDY.items() if k != "scenarios"}
    data["experiment"].update(name=method, replicates=1, write_members=False)
    data["sweep"] = {"method": method, "samples": samples, "params": SWEEP_PARAMS}
    return data


# Charts drawn (plotly divs) per kind of study: 6 always (joins x2, cost scatter, two
# boxes, budget), 3 cascade charts and the segment mix from the always-written tables,
# the referral tree with members.parquet, 1 sweep chart, 1 more for a sobol design.
# The payback curve and value by source are drawn without a value horizon (the
# campaign's days); the survival curve needs one (these studies have none).
EXPECTED_CHARTS = {"scenarios": 13, "lhs": 13, "sobol": 14}


def make_results(kind: str, folder: Path) -> Results:
    """Run one of the small studies into ``folder`` (a few seconds)."""
    data = {"scenarios": STUDY, "lhs": sweep_study("lhs", 6), "sobol": sweep_study("sobol", 8)}
    return run_experiment(data[kind], folder, fresh=True)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Results:
    return make_results("scenarios", tmp_path_factory.mktemp("report") / "study")


@pytest.fixture(scope="module")
def sobol(tmp_path_factory) -> Results:
    return make_results("sobol", tmp_path_factory.mktemp("report") / "sobol")


def trace(fig, name: str):
    return next(t for t in fig.data if t.name == name)


# ----------------------------------------------------------------------- numbers


def test_efficient_frontier_keeps_exactly_the_undominated_points():
    cost = [10, 20, 20, 30, 5, 40, np.nan, 10]
    paying = [5, 9, 7, 9, 1, 12, 50, 5]
    # (20, 7) loses to (20, 9); (30, 9) to (20, 9); NaN never counts; duplicates both stay
    assert charts.efficient_frontier(cost, paying).tolist() == [
        True,
        True,
        False,
        False,
        True,
        True,
        False,
        True,
    ]


def test_local_linear_reproduces_a_straight_line_and_drops_missing_values():
    x = np.linspace(0, 10, 50)
    y = 3.0 - 2.0 * x
    gx, gy = charts.local_linear(np.r_[x, np.nan], np.r_[y, 4.0], points=25)
    assert gx[0] == 0 and gx[-1] == 10 and gy.size == 25
    np.testing.assert_allclose(gy, 3.0 - 2.0 * gx, atol=1e-9)
    assert charts.local_linear([1, 1, 1], [1, 2, 3])[0].size == 0  # one x value: no trend


def test_tree_layout_centres_each_inviter_over_the_people_it_brought_in():
    nodes = ["a", "b", "c", "d", "e", "f"]
    inviters = [None, "a", "a", "b", None, "zz"]  # zz is not listed: f is a root
    parent, y = charts.tree_layout(nodes, inviters)
    assert parent.tolist() == [-1, 0, 0, 1, -1, -1]
    assert y[1] == y[3]  # b has one child, d
    assert y[0] == (y[1] + y[2]) / 2
    assert sorted(y[[3, 2, 4, 5]]) == [0, 1, 2, 3]  # the four branch ends, one row each


def test_daily_bands_are_the_quantiles_over_runs(study):
    bands = charts.daily_bands(study.daily, "cumulative_joined")
    day = study.daily[(study.daily["scenario"] == "coupon 5") & (study.daily["day"] == 7)]
    row = bands[(bands["scenario"] == "coupon 5") & (bands["day"] == 7)].iloc[0]
    values = day["cumulative_joined"].to_numpy(float)
    assert row["runs"] == 6
    assert row["median"] == pytest.approx(np.median(values))
    assert row["low"] == pytest.approx(np.quantile(values, 0.05))
    assert row["high"] == pytest.approx(np.quantile(values, 0.95))


def test_cumulative_joins_end_at_the_median_joined_of_each_scenario(study):
    fig = charts.joins_over_time(study.daily)
    for scenario, joined in study.runs.groupby("scenario")["joined"]:
        line = trace(fig, scenario)
        assert line.x[-1] == 15
        assert line.y[-1] == pytest.approx(joined.median())


def test_cost_scatter_marks_the_runs_means_and_their_frontier(study):
    fig = charts.cost_vs_paying(study.runs)
    means = study.runs.groupby("scenario", sort=False)[["total_cost", "paying"]].mean()
    marker = trace(fig, "scenario mean")
    assert list(marker.text) == list(means.index)
    np.testing.assert_allclose(marker.x, means["total_cost"])
    np.testing.assert_allclose(marker.y, means["paying"])
    for scenario, part in study.runs.groupby("scenario"):
        np.testing.assert_array_equal(trace(fig, scenario).y, part["paying"])
    frontier = trace(fig, "efficient frontier (scenario means)")
    on = charts.efficient_frontier(means["total_cost"], means["paying"])
    assert sorted(frontier.text) == sorted(means.index[on])


@pytest.mark.parametrize("outcome", ["roi", "cost_per_paying"])
def test_box_plots_hold_every_run_value(study, outcome):
    fig = charts.outcome_box(study.runs, outcome)
    assert [t.name for t in fig.data] == ["cash 3", "coupon 5"]
    for t in fig.data:
        values = study.runs.loc[study.runs["scenario"] == t.name, outcome].dropna()
        np.testing.assert_allclose(np.asarray(t.y), values)
        assert np.mean(t.y) == pytest.approx(values.mean())


def test_budget_chart_ends_at_the_share_of_runs_whose_budget_ran_out(study):
    fig = charts.budget_burndown(study.daily, study.runs)
    out_share = study.runs.groupby("scenario")["budget_exhausted_day"].apply(
        lambda s: s.notna().mean()
    )
    assert out_share.max() > 0  # the study is set so that some budgets run out
    lower = [t for t in fig.data if t.yaxis == "y2"]
    assert {t.name: t.y[-1] for t in lower} == pytest.approx(out_share.to_dict())
    median_left = study.daily[study.daily["day"] == 15].groupby("scenario")["budget_left"].median()
    for scenario, left in median_left.items():
        assert trace(fig, scenario).y[-1] == pytest.approx(left)
    unlimited = study.daily.assign(budget_left=np.nan)
    with pytest.raises(ChartUnavailable, match="unlimited"):
        charts.budget_burndown(unlimited, study.runs)


def test_generation_table_is_the_same_from_members_and_from_generations(study):
    from_members = charts.generation_table(study.runs, members=study.members)
    from_generations = charts.generation_table(study.runs, generations=study.generations)
    pd.testing.assert_frame_equal(from_members, from_generations, check_dtype=False)
    table = from_members.set_index(["scenario", "generation"])
    scenario_of = study.runs.set_index("run_id")["scenario"]
    for scenario, people in study.members.groupby(study.members["run_id"].map(scenario_of)):
        sizes = table.loc[scenario, "members"]
        assert (sizes * 6).sum() == pytest.approx(len(people))  # mean per run x 6 runs
        counts = people["generation"].value_counts().sort_index()
        k = table.loc[scenario, "k"]
        assert k.loc[0] == pytest.approx(counts.get(1, 0) / counts.loc[0])
        assert table.loc[scenario, "join_share"].sum() == pytest.approx(1.0)
    fig = charts.generation_sizes(study.runs, generations=study.generations)
    np.testing.assert_allclose(trace(fig, "cash 3").y, table.loc["cash 3", "members"])


def test_a_deep_cascade_shares_its_late_generations_one_segment():
    """A cascade 40 generations deep: the share chart stacks generations 0 to 10 and one
    segment for generation 11 and later, holding their joins; every scenario's shares
    still add up to 1."""
    from sim.charts.cascade import SHARE_SEGMENTS

    depth = 40
    rows = []
    for run_id, scenario in ((0, "a"), (1, "a"), (2, "b")):
        for g in range(depth + 2 if scenario == "a" else 5):  # b: a shallow cascade
            rows.append((run_id, g, 100 - 2 * g + run_id))
    generations = pd.DataFrame(rows, columns=["run_id", "generation", "members"])
    generations["k_factor"] = 1.0
    runs = pd.DataFrame(
        {"run_id": [0, 1, 2], "scenario": ["a", "a", "b"], "joined_external": [3, 4, 5]}
    )
    fig = charts.generation_share(runs, generations=generations)
    assert SHARE_SEGMENTS == 12 and len(fig.data) == 12
    names = [t.name for t in fig.data]
    assert names[:2] == ["generation 0", "generation 1"]
    assert names[-1] == "generation 11 and later"
    table = charts.generation_table(runs, generations=generations).set_index(
        ["scenario", "generation"]
    )
    late = table.loc["a"].loc[11:]
    assert len(late) == depth + 2 - 11
    assert fig.data[-1].x[0] == pytest.approx(late["join_share"].sum())
    assert fig.data[-1].customdata[0] == late["joins"].sum()
    assert fig.data[-1].x[1] == 0.0  # b never reached generation 11
    for row in (0, 1):
        assert sum(t.x[row] for t in fig.data) == pytest.approx(1.0)
    shallow = charts.generation_share(runs[runs["scenario"] == "b"], generations=generations)
    assert [t.name for t in shallow.data] == [f"generation {g}" for g in range(5)]


def test_segment_mix_from_runs_equals_the_members_table(study):
    from_runs = charts.segment_table(study.runs)
    old_runs = study.runs.drop(columns=["joined_payer", "joined_convertible", "joined_junk"])
    from_members = charts.segment_table(old_runs, members=study.members)
    pd.testing.assert_frame_equal(from_runs, from_members, check_dtype=False)
    junk = from_runs[from_runs["segment"] == "junk"].set_index("scenario")["share"]
    for scenario, part in study.runs.groupby("scenario"):
        assert junk[scenario] == pytest.approx(part["joined_junk"].sum() / part["joined"].sum())
    with pytest.raises(ChartUnavailable, match="write_members"):
        charts.segment_table(old_runs)


def test_referral_tree_draws_one_node_per_member_and_one_line_per_referral(study):
    run_id = charts.representative_run(study.runs)
    first = study.runs[study.runs["scenario"] == "cash 3"]
    assert abs(first.set_index("run_id").loc[run_id, "joined"] - first["joined"].median()) == min(
        abs(first["joined"] - first["joined"].median())
    )
    fig = charts.referral_tree(study.members, run_id, runs=study.runs)
    people = study.members[study.members["run_id"] == run_id]
    nodes = [t for t in fig.data if t.name.startswith("generation ")]
    assert sum(len(t.x) for t in nodes) == len(people)
    edges = trace(fig, "invitation")
    assert len(edges.x) // 3 == people["inviter"].notna().sum()
    assert (
        people["inviter"].notna().sum()
        == study.runs.set_index("run_id").loc[run_id, "joined_via_referral"]
    )
    assert "cash 3" in fig.layout.title.text
    with pytest.raises(ChartUnavailable, match="at most 10"):
        charts.referral_tree(study.members, run_id, max_members=10)


def test_sobol_bars_carry_the_indices(sobol):
    fig = charts.sobol_bars(sobol.sensitivity)
    s1 = [t for t in fig.data if t.name == "first order S1"]
    assert len(s1) == sobol.sensitivity["outcome"].nunique()
    got = np.concatenate([np.asarray(t.y) for t in s1])
    np.testing.assert_allclose(got, sobol.sensitivity["S1"])


def test_sweep_chart_is_one_panel_per_outcome_and_parameter(sobol):
    params = charts.swept_parameters(sobol.runs, sobol.config)
    assert params == ["reward.amount", "reward.budget"]
    assert charts.log_parameters(sobol.config) == {"reward.budget"}
    fig = charts.sweep_scatter(sobol.runs, params, log_params={"reward.budget"})
    points = [t for t in fig.data if t.mode == "markers"]
    present = [o for o in charts.SWEEP_OUTCOMES if o in sobol.runs]  # no fraud columns here
    assert len(points) == len(present) * 2
    np.testing.assert_array_equal(points[0].x, sobol.runs["reward.amount"])
    first = charts.SWEEP_OUTCOMES[0]  # profit: the value outcomes lead
    assert first == "profit"
    np.testing.assert_array_equal(points[0].y, sobol.runs[first])
    assert fig.layout.xaxis2.type == "log"


def test_comparison_cells_are_the_numbers_the_cli_prints(study):
    table = study.compare()
    printed = format_comparison(table)
    cells = charts.comparison_cells(table)
    for cell in cells.itertuples():
        line = next(x for x in printed.splitlines() if x.strip().startswith(cell.scenario))
        mark = {"best": "*", "indistinct": "~"}.get(cell.mark, "")
        assert cell.text + mark in line
    ranked = [o for o in table["outcome"].unique() if OUTCOMES[o] is not None]
    assert (cells["mark"] == "best").sum() == len(ranked) == table["outcome"].nunique() - 1
    assert not cells[cells["outcome"] == "total_cost"]["mark"].any()  # a cost is no decision


# -------------------------------------------------------------------------- page


def test_chart_counts_per_kind_of_study(study, sobol, tmp_path):
    lhs = make_results("lhs", tmp_path / "lhs")
    for kind, results in {"scenarios": study, "lhs": lhs, "sobol": sobol}.items():
        drawn = [c.key for c in report_charts(results) if c.figure is not None]
        assert len(drawn) == EXPECTED_CHARTS[kind], (kind, drawn)
    keys = {c.key: c for c in report_charts(sobol)}
    assert "sobol" not in {c.key for c in report_charts(lhs)}
    assert keys["referral_tree"].figure is None
    assert "write_members = true" in keys["referral_tree"].note


def test_results_without_per_member_data_get_notes_not_errors(study):
    old = Results(
        runs=study.runs.drop(columns=["joined_payer", "joined_convertible", "joined_junk"]),
        daily=study.daily,
        config=study.config,
    )
    chart_list = report_charts(old)
    assert sum(c.figure is not None for c in chart_list) == 8
    notes = {c.key: c.note for c in chart_list if c.figure is None}
    assert "horizon_days" in notes.pop("survival")  # no value horizon in these results
    assert set(notes) == {
        "generation_sizes",
        "generation_share",
        "k_by_generation",
        "segment_mix",
        "referral_tree",
    }
    assert all("members.parquet" in n for n in notes.values())
    page = render_html(old, chart_list)
    assert page.count('class="note"') == 6  # the five above and the survival curve's


def test_report_page_is_one_self_contained_file(study):
    page = Path(write_report(study.path, results=study)).read_text()
    from plotly.offline import get_plotlyjs

    assert page.count(get_plotlyjs()[:200]) == 1  # plotly.js inlined once
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import|url\(http", page)
    assert page.count('type="application/json" data-chart=') == EXPECTED_CHARTS["scenarios"]
    # the comparison table shows the CLI's numbers, best cells marked
    best = charts.comparison_cells(study.compare()).query("mark == 'best'")
    for text in best["text"]:
        assert f'<td class="best">{text} *</td>' in page.replace("&#x27;", "'")
    assert len(page) < 6_000_000


def test_fission_run_writes_the_report_and_fission_report_rebuilds_it(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(
        '[experiment]\nname = "tiny"\ndays = 5\nreplicates = 2\n'
        '[graph]\nkind = "barabasi_albert"\nn = 300\nm = 2\n'
    )
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 0
    assert "report.html" in capsys.readouterr().out  # listed with the written files
    first = (out / "report.html").read_text()
    assert "summary-table" in first  # one scenario: the summary table, as the CLI prints
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert f"Report written to {out / 'report.html'}" in capsys.readouterr().out
    assert (out / "report.html").read_text() == first  # rebuilt from the saved tables alike
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "not a finished Fission results folder" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("chromium") is None, reason="kaleido needs Chromium")
def test_images_export_every_chart_as_png_and_svg(study, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(study.path, folder)
    assert main(["report", str(folder), "--images"]) == 0
    drawn = [c.key for c in report_charts(study) if c.figure is not None]
    for key in [*drawn, "comparison"]:
        png, svg = folder / "images" / f"{key}.png", folder / "images" / f"{key}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", key
        assert "<svg" in svg.read_text()[:500], key


def test_the_charts_template_is_plotly_whites_look_for_what_they_draw(study):
    """The charts' template is plotly_white without the parts for maps, scenes, polar and
    ternary axes and for trace kinds no chart draws (plotly copies a template into every
    figure: the whole of plotly_white cost 43 ms a chart). What it keeps is plotly_white's,
    value for value; and every trace kind the report draws is one it was trimmed for."""
    import plotly.io as pio

    from sim.charts.common import _DRAWN, template

    white = pio.templates["plotly_white"].to_plotly_json()
    mine = template().to_plotly_json()
    dropped = {"geo", "polar", "ternary", "scene"}
    assert set(white["layout"]) - set(mine["layout"]) == dropped
    assert all(mine["layout"][k] == white["layout"][k] for k in mine["layout"])
    assert mine["data"] == {k: v for k, v in white["data"].items() if k in _DRAWN}
    assert set(mine["data"]) == {"bar", "scatter", "table"}  # plotly_white has no "box"
    figures = [chart.figure for chart in report_charts(study) if chart.figure is not None]
    drawn = {trace.type for figure in figures for trace in figure.data}
    assert {"bar", "scatter", "box"} <= drawn <= set(_DRAWN)
    assert all(figure.layout.template == template() for figure in figures)
