"""The Excel workbook of a results folder (``fission export DIR --xlsx``): the numbers a
planner takes into a spreadsheet, each sheet with units in its headings and its heading
row frozen.

Sheets: ``summary`` (each outcome: mean and middle 90% of all runs), ``comparison`` (per
scenario and outcome, best marked), ``sweep points`` (per scenario and sweep point,
with a sweep only), ``daily`` (per scenario, sweep point and day: the mean over runs of
each daily column) and ``generations`` (per scenario and generation: members and K).
Shares and ROI are written as fractions with a percentage format, so Excel computes on
them as numbers. Written with XlsxWriter into a temporary file, then renamed into place.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim import charts, units
from sim.charts import ChartUnavailable
from sim.files import FolderLock, write_atomic
from sim.results import WORKBOOK_FILE, Results

SHEETS = ("summary", "comparison", "sweep points", "daily", "generations")
# The columns of a long sheet (one outcome a row) that carry the row's unit.
STATISTIC_HEADINGS = ("mean", "5th percentile", "95th percentile")


def _excel_unit(unit: str) -> str:
    return "%" if unit in ("share", "ratio") else units.shown_unit(unit)


def _titled(name: str, unit: str) -> str:
    unit = _excel_unit(unit)
    return f"{name} ({unit})" if unit else name


def summary_sheet(results: Results) -> pd.DataFrame:
    """Each headline outcome over all runs: unit, mean, 5th and 95th percentile, runs."""
    table = results.summary_table()
    rows = []
    for metric, r in table.iterrows():
        unit = units.unit_of(str(metric))
        rows.append(
            {
                "outcome": charts.label(str(metric)).split(" (")[0],
                "column": metric,
                "unit": _excel_unit(unit),
                "mean": r["mean"],
                "5th percentile": r["p5"],
                "95th percentile": r["p95"],
                "runs": int(r["runs"]),
            }
        )
    return pd.DataFrame(rows)


def comparison_sheet(results: Results) -> pd.DataFrame:
    """Per scenario and outcome: mean, 5th and 95th percentile, runs, best, and whether
    the difference from the best is distinguishable from noise."""
    table = results.compare()
    return pd.DataFrame(
        {
            "scenario": table["scenario"],
            "outcome": [charts.label(o).split(" (")[0] for o in table["outcome"]],
            "column": table["outcome"],
            "unit": [_excel_unit(units.unit_of(o)) for o in table["outcome"]],
            "mean": table["mean"],
            "5th percentile": table["p5"],
            "95th percentile": table["p95"],
            "runs": table["runs"],
            "best": table["best"],
            "not distinguishable from the best": table["indistinct"],
        }
    )


def points_sheet(results: Results) -> pd.DataFrame | None:
    """The sweep point by point: one row per (scenario, point), the swept values and
    "<outcome> mean (unit)", "… 5th percentile", "… 95th percentile" per outcome."""
    points = results.points()
    if points is None:
        return None
    params = results.swept()
    outcomes = list(dict.fromkeys(points["outcome"]))
    first = points[points["outcome"] == outcomes[0]].reset_index(drop=True)
    frame = first[["scenario", "point", *params]].copy()
    frame["runs"] = points.groupby(["scenario", "point"], sort=False)["runs"].max().to_numpy()
    for outcome in outcomes:
        part = points[points["outcome"] == outcome].reset_index(drop=True)
        name = charts.short_label(outcome).split(" (")[0]
        unit = units.unit_of(outcome)
        frame[_titled(f"{name} mean", unit)] = part["mean"]
        frame[_titled(f"{name} 5th percentile", unit)] = part["p5"]
        frame[_titled(f"{name} 95th percentile", unit)] = part["p95"]
    return frame


def daily_sheet(results: Results) -> pd.DataFrame:
    """Per scenario, sweep point and day: the mean over runs of each daily column."""
    daily = results.daily
    if not {"scenario", "point"} <= set(daily.columns):  # tables of older versions
        daily = daily.join(results.runs.set_index("run_id")[["scenario", "point"]], on="run_id")
    keys = ("run_id", "scenario", "point", "replicate", "day")
    measured = [c for c in daily.columns if c not in keys]
    frame = daily.groupby(["scenario", "point", "day"], sort=False)[measured].mean()
    frame = frame.reset_index()
    frame.columns = [_daily_heading(c) for c in frame.columns]
    return frame


def _daily_heading(column: str) -> str:
    if column in ("scenario", "point"):
        return column
    if column == "day":
        return "day"
    return f"{charts.label(column)}, mean over runs"


def generations_sheet(results: Results) -> pd.DataFrame | None:
    """Per scenario and generation: members (mean per run), joins, share of joins and K."""
    try:
        table = charts.generation_table(
            results.runs, generations=results.generations, members=results.members
        )
    except ChartUnavailable:
        return None
    return pd.DataFrame(
        {
            "scenario": table["scenario"],
            "generation": table["generation"],
            "members per run (people)": table["members"],
            "joined, all runs (people)": table["joins"],
            "share of joins (%)": table["join_share"],
            "K: people brought in per member (per member)": table["k"],
            "runs": table["runs"],
        }
    )


def write_workbook(folder: str | Path, results: Results | None = None) -> Path:
    """Write ``folder/results.xlsx`` from the results folder's tables (``results`` if the
    caller holds them already). Returns its path."""
    import xlsxwriter

    folder = Path(folder)
    with FolderLock(folder):  # as the report: not while a run changes the tables
        if results is None:
            results = Results.load(folder)
        return _write(folder, results, xlsxwriter)


def _write(folder: Path, results: Results, xlsxwriter) -> Path:
    sheets: dict[str, pd.DataFrame | None] = {
        "summary": summary_sheet(results),
        "comparison": comparison_sheet(results),
        "sweep points": points_sheet(results),
        "daily": daily_sheet(results),
        "generations": generations_sheet(results),
    }
    path = folder / WORKBOOK_FILE

    def write(temp: Path) -> None:
        book = xlsxwriter.Workbook(str(temp), {"nan_inf_to_errors": False})
        formats = {
            "head": book.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
            "percent": book.add_format({"num_format": "0.0%"}),
        }
        for name, frame in sheets.items():
            if frame is not None:
                _write_sheet(book, name, frame, formats)
        book.close()

    write_atomic(path, write)  # a kill leaves the old workbook or the new one, whole
    return path


def _write_sheet(book, name: str, frame: pd.DataFrame, formats: dict) -> None:
    sheet = book.add_worksheet(name)
    sheet.freeze_panes(1, 0)  # the heading row stays in view
    percent_rows = _percent_rows(frame)
    for col, heading in enumerate(frame.columns):
        sheet.write_string(0, col, str(heading), formats["head"])
        width = max(10, min(40, len(str(heading)) // 2 + 4))
        percent_column = "(%)" in str(heading)
        sheet.set_column(col, col, width, formats["percent"] if percent_column else None)
        for row, value in enumerate(frame[heading].tolist(), 1):
            in_percent_row = row - 1 in percent_rows and heading in STATISTIC_HEADINGS
            cell = formats["percent"] if percent_column or in_percent_row else None
            _write_cell(sheet, row, col, value, cell)
    sheet.set_row(0, 45)


def _percent_rows(frame: pd.DataFrame) -> set[int]:
    """Rows of a long sheet (one outcome a row) whose unit is a percentage."""
    if "unit" not in frame.columns:
        return set()
    return {i for i, unit in enumerate(frame["unit"]) if unit == "%"}


def _write_cell(sheet, row: int, col: int, value, cell_format) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, col, None)  # undefined: an empty cell, never 0
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        if isinstance(value, float) and math.isinf(value):
            sheet.write_blank(row, col, None)
        else:
            sheet.write_number(row, col, value, cell_format)
    elif hasattr(value, "item"):  # numpy scalars
        _write_cell(sheet, row, col, value.item(), cell_format)
    else:
        sheet.write_string(row, col, str(value))
