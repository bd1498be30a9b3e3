"""What a planner reads (issue 17): the sweep point by point (terminal, file, workbook),
the terminal's tables (units, display width, 100 columns) and the Excel workbook, each
checked against runs.parquet."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import sim
from sim import lang, terminal, units
from sim.export import SHEET_NAME_MOST, sheet_name, write_workbook
from sim.points import POINTS_FILE, point_table, wide_point_table
from sim.results import WORKBOOK_FILE, Results

GRID = {
    "experiment": {"name": "grid", "days": 8, "replicates": 4, "seed": 3},
    "graph": {"kind": "powerlaw_cluster", "n": 600, "m": 3, "p_triangle": 0.3},
    "seeds": {"count": 5},
    "lure": {"kind": "coupon", "value": 10.0},
    "reward": {"rule": "referrer", "amount": 6.0, "budget": 300.0},
    "population": {"kol_count": 2, "kol_fee": 100.0},
    "scenarios": [{"name": "plain"}, {"name": "优惠券 二十", "set": {"lure.value": 20.0}}],
    "sweep": {"method": "grid", "params": {"seeds.count": [3, 6, 12]}},
}


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Results:
    out = tmp_path_factory.mktemp("grid") / "results"
    sim.run_experiment(GRID, out)
    return Results.load(out)


# ---------------------------------------------------------------- point by point


def test_point_table_is_each_points_own_runs(grid):
    table = point_table(grid.runs, ["seeds.count"])
    assert len(table) == 2 * 3 * table["outcome"].nunique()
    for (scenario, point), part in grid.runs.groupby(["scenario", "point"]):
        rows = table[(table["scenario"] == scenario) & (table["point"] == point)]
        joined = rows.set_index("outcome").loc["joined"]
        assert joined["seeds.count"] == part["seeds.count"].iloc[0]
        assert joined["mean"] == pytest.approx(part["joined"].mean())
        assert joined["p5"] == pytest.approx(part["joined"].quantile(0.05))
        assert joined["p95"] == pytest.approx(part["joined"].quantile(0.95))
        assert joined["runs"] == len(part) == 4
        cpp = rows.set_index("outcome").loc["cost_per_paying"]
        defined = part["cost_per_paying"].dropna()
        assert cpp["runs"] == len(defined)
        if len(defined):
            assert cpp["mean"] == pytest.approx(defined.mean())


def test_points_file_beside_the_tables_matches_runs(grid):
    saved = pd.read_csv(grid.path / POINTS_FILE)
    assert list(saved["seeds.count"]) == [3, 6, 12, 3, 6, 12]
    wide = wide_point_table(point_table(grid.runs, ["seeds.count"]))
    np.testing.assert_allclose(saved["joined mean"], wide["joined mean"])
    means = grid.runs.groupby(["scenario", "point"], sort=False)["paying"].mean().to_numpy()
    np.testing.assert_allclose(saved["paying mean"], means)


def test_points_text_has_a_row_per_point_with_its_numbers(grid):
    text = terminal.points_text(grid.points())
    part = grid.runs[(grid.runs["scenario"] == "plain") & (grid.runs["point"] == 2)]
    # the first outcome column: profit (the value outcomes lead)
    expected = units.interval(
        part["profit"].mean(),
        part["profit"].quantile(0.05),
        part["profit"].quantile(0.95),
        "yuan",
    )
    cells = next(
        c for c in (re.split(r"\s{2,}", x) for x in text.splitlines()) if c[:2] == ["plain", "2"]
    )
    assert cells[2] == "12" and cells[3] == "4" and cells[4] == expected
    assert max(terminal.display_width(x) for x in text.splitlines()) <= terminal.WIDTH


# ------------------------------------------------------------------------ terminal


def test_display_width_counts_chinese_as_two_columns():
    assert terminal.display_width("优惠券 10") == 9
    assert terminal.display_width("abc") == 3
    assert terminal.pad("优惠", 6) == "优惠  "
    assert terminal.clip("优惠券优惠券", 7) == "优惠券…"


def test_tables_fit_100_columns_and_align_chinese_names():
    header = ["scenario", *(f"outcome {i} (people)" for i in range(8))]
    rows = [["优惠券 高", *["1,234 [1,000, 1,500]"] * 8], ["plain", *["12 [10, 15]"] * 8]]
    text = terminal.table(header, rows)
    lines = text.splitlines()
    assert max(terminal.display_width(x) for x in lines) <= 100
    blocks = text.split("\n\n")
    # names take 9 + 2 columns, each outcome 20 + 2: four fit in 100 columns, so two blocks
    assert len(blocks) == 2
    for block in blocks:
        head, chinese, plain = block.splitlines()
        # numbers are right-aligned: the first outcome cell ends at one display column
        ends = {
            terminal.display_width(head[: head.index(")") + 1]),
            terminal.display_width(chinese[: chinese.index("]") + 1]),
            terminal.display_width(plain[: plain.index("]") + 1]),
        }
        assert len(ends) == 1
        assert terminal.display_width(chinese) == terminal.display_width(head)


def test_numbers_by_unit():
    assert units.quantity(360.85, "people") == "361 people"
    assert units.quantity(4001.0, "yuan") == "4,001 yuan"
    assert units.quantity(31.99, "yuan per person") == "32.0 yuan"
    assert units.quantity(-0.0903, "ratio") == "-9.0%"
    assert units.quantity(0.075, "share") == "7.5%"
    assert units.quantity(0.268, "people per member") == "0.27 per member"
    assert units.quantity(27.67, "day") == "day 27.7"
    assert units.quantity(float("nan"), "yuan") == "–"


def test_summary_says_budget_and_kol_fees_in_words():
    runs = pd.DataFrame(
        {
            "joined": [100, 120, 140, 160],
            "total_cost": [3100.0, 3200.0, 2900.0, 3300.0],
            "kol_cost": [500.0] * 4,
            "budget_exhausted_day": [27, None, 29, None],
            "k_seeds": [2.0, 3.0, 4.0, 3.0],
            "k_kols": [10.0] * 4,
        }
    )
    text = terminal.summary_text(runs, {"reward": {"budget": 3000.0}})
    assert "ran out in 2 of 4 runs, on day 28.0 on average" in text
    assert "KOL fees: 500 yuan per run, paid outside the budget" in text
    assert "over it in 3 of 4 runs" in text
    assert "a seed user 3.00, a KOL 10.00" in text
    assert "130 people" in text  # joined, mean, whole people


def test_comparison_text_marks_and_fits(grid):
    text = terminal.comparison_text(grid.compare())
    assert max(terminal.display_width(x) for x in text.splitlines()) <= terminal.WIDTH
    assert "joined (people)" in text and "campaign ROI (%)" in text
    assert text.count("*") >= 2


# ------------------------------------------------------------------------ workbook


def test_workbook_cells_match_runs(grid):
    openpyxl = pytest.importorskip("openpyxl")
    path = write_workbook(grid.path)
    assert path == grid.path / WORKBOOK_FILE
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["summary", "comparison", "sweep points", "daily", "by generation"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"  # the heading row stays in view
    summary = pd.read_excel(path, sheet_name="summary").set_index("column")
    assert summary.loc["joined", "mean"] == pytest.approx(grid.runs["joined"].mean())
    assert summary.loc["joined", "unit"] == "people"
    assert summary.loc["roi", "unit"] == "%"
    points = pd.read_excel(path, sheet_name="sweep points")
    plain = grid.runs[grid.runs["scenario"] == "plain"].groupby("point")["joined"]
    np.testing.assert_allclose(points["joined mean (people)"][:3], plain.mean().to_numpy())
    np.testing.assert_allclose(
        points["joined 95th percentile (people)"][:3], plain.quantile(0.95).to_numpy()
    )
    comparison = pd.read_excel(path, sheet_name="comparison")
    cost = comparison[comparison["column"] == "total_cost"]
    assert not cost["best"].any()
    daily = pd.read_excel(path, sheet_name="daily")
    day3 = grid.daily[(grid.daily["scenario"] == "plain") & (grid.daily["point"] == 1)]
    day3 = day3[day3["day"] == 3]["new_joins"].mean()
    row = daily[(daily["scenario"] == "plain") & (daily["point"] == 1) & (daily["day"] == 3)]
    assert row["new members (people), mean over runs"].iloc[0] == pytest.approx(day3)
    # an undefined number is an empty cell, never 0: a payback day nobody reached
    for name, row in summary.iterrows():
        defined = grid.runs[name].notna().any()
        assert pd.isna(row["mean"]) != defined, name
    assert grid.runs["payback_day"].isna().all()  # 15 days of margin never pay back here


def test_the_chinese_workbook_names_its_sheets_and_headings_in_chinese(grid):
    """``fission export DIR --xlsx --lang zh``: sheet names, headings and units in
    Chinese; the cells hold the same numbers as runs.parquet."""
    openpyxl = pytest.importorskip("openpyxl")
    with lang.using("zh"):
        path = write_workbook(grid.path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["汇总", "场景对比", "扫描点", "每日", "按代"]
    summary = book["汇总"]
    head = [c.value for c in summary[1]]
    assert head == ["指标", "列名", "单位", "均值", "第 5 百分位", "第 95 百分位", "运行次数"]
    rows = {r[1]: r for r in summary.iter_rows(min_row=2, values_only=True)}
    assert rows["joined"][0] == "已加入会员" and rows["joined"][2] == "人"
    assert rows["total_cost"][2] == "元" and rows["roi"][2] == "%"
    assert rows["joined"][3] == pytest.approx(grid.runs["joined"].mean())
    assert rows["roi"][5] == pytest.approx(grid.runs["roi"].dropna().quantile(0.95))
    formats = {r[1].value: r[3].number_format for r in summary.iter_rows(min_row=2)}
    assert formats["roi"] == "0.0%" and formats["joined"] == "General"  # % rows only
    points = pd.read_excel(path, sheet_name="扫描点")
    assert list(points.columns[:4]) == ["场景", "扫描点", "种子用户数（seeds.count）", "运行次数"]
    plain = grid.runs[grid.runs["scenario"] == "plain"].groupby("point")["joined"]
    np.testing.assert_allclose(points["加入均值（人）"][:3], plain.mean().to_numpy())
    np.testing.assert_allclose(points["加入第 95 百分位（人）"][:3], plain.quantile(0.95))
    assert "优惠券 二十" in set(points["场景"])
    comparison = pd.read_excel(path, sheet_name="场景对比")
    assert {"最优", "与最优无法区分"} <= set(comparison.columns)
    cost = comparison[comparison["列名"] == "total_cost"]
    assert cost["单位"].eq("元").all() and not cost["最优"].any()
    daily = pd.read_excel(path, sheet_name="每日")
    assert "新会员（人），各次运行的均值" in daily.columns
    generations = book["按代"]
    assert [c.value for c in generations[1]][:5] == [
        "场景",
        "代数",
        "每次运行的会员数（人）",
        "加入人数，所有运行合计（人）",
        "拉新占比（%）",
    ]
    assert generations["E2"].number_format == "0.0%"
    # the English workbook is written again by the test above: nothing is left behind
    write_workbook(grid.path)


def test_sheet_names_are_ones_excel_accepts():
    assert sheet_name("sweep points") == "sweep points"
    assert sheet_name("a/b: c [d] *?\\") == "a-b- c -d- ---"
    long = sheet_name("点" * 40)
    assert long == "点" * SHEET_NAME_MOST
    assert sheet_name("'quoted'") == "quoted"
    assert sheet_name("History") == "History (2)"  # Excel's own sheet
    taken = ["Summary", "x" * 31]
    assert sheet_name("summary", taken) == "summary (2)"  # Excel ignores case
    assert sheet_name("x" * 40, taken) == "x" * 27 + " (2)"
    assert len(sheet_name("x" * 40, taken)) == SHEET_NAME_MOST


def test_report_links_the_workbook_when_there_is_one(grid):
    from sim.report import write_report

    (grid.path / WORKBOOK_FILE).unlink(missing_ok=True)
    html = write_report(grid.path).read_text()
    assert 'href="results.xlsx"' not in html and 'href="sweep_points.csv"' in html
    write_workbook(grid.path)
    html = write_report(grid.path).read_text()
    assert 'href="results.xlsx"' in html
    assert 'id="points-table"' in html
