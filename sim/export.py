"""The Excel workbook of a results folder (``fission export DIR --xlsx``): the numbers a
planner takes into a spreadsheet, each sheet with units in its headings and its heading
row frozen.

Sheets: ``summary`` (each outcome: mean and middle 90% of all runs), ``comparison`` (per
scenario and outcome, best marked), ``sweep points`` (per scenario and sweep point,
with a sweep only), ``daily`` (per scenario, sweep point and day: the mean over runs of
each daily column) and ``by generation`` (per scenario and generation: members and K).
Shares and ROI are written as fractions with a percentage format, so Excel computes on
them as numbers. Written with XlsxWriter into a temporary file, then renamed into place.

Sheet names, headings and units are in the current language (``sim.lang``); the values
are the same numbers in every language, and so are the identifiers a formula may refer
to (the ``column`` of an outcome, scenario names, sweep points). A sheet name is made
one Excel accepts (``sheet_name``: at most 31 characters, none of ``[]:*?/\\``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import charts, units
from sim.charts import ChartUnavailable
from sim.files import FolderLock, write_atomic
from sim.lang import N_, _
from sim.results import WORKBOOK_FILE, Results
from sim.terminal import display_width  # Chinese characters are two columns wide
from sim.wording import KEY_LABELS, key_label

# The sheets in order, by their English names (translated when written).
SHEETS = (
    N_("summary"),
    N_("comparison"),
    N_("sweep points"),
    N_("daily"),
    N_("by generation"),
)
# What Excel refuses in a sheet name, and its longest one.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MOST = 31


@dataclass(frozen=True)
class Sheet:
    """One sheet's table, its headings in the current language, and which of its numbers
    are percentages: whole ``percent`` columns, and in a long sheet (one outcome a row,
    its unit in ``unit_column``) the ``per_row`` columns of the rows whose unit is %."""

    frame: pd.DataFrame
    percent: tuple[str, ...] = ()
    unit_column: str | None = None
    per_row: tuple[str, ...] = ()


def sheet_name(text: str, taken: Collection[str] = ()) -> str:
    """``text`` as a sheet name Excel accepts: each of ``[]:*?/\\`` becomes "-", no
    apostrophe at either end, at most 31 characters, not "History" (Excel's own), and
    unlike every ``taken`` name (Excel compares them ignoring case): " (2)", " (3)"...
    is added, the name shortened to make room."""
    base = SHEET_NAME_FORBIDDEN.sub("-", text).strip().strip("'").strip() or "sheet"
    used = {t.casefold() for t in taken} | {"history"}
    name, n = base[:SHEET_NAME_MOST], 1
    while name.casefold() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: SHEET_NAME_MOST - len(suffix)].rstrip() + suffix
    return name


def _excel_unit(unit: str) -> str:
    """A unit as a heading shows it, in the current language: "%" for shares and ratios."""
    return "%" if unit in ("share", "ratio") else units.shown_unit(unit)


def _statistics() -> tuple[str, str, str]:
    """The headings of mean, 5th and 95th percentile, in the current language."""
    return _("mean"), _("5th percentile"), _("95th percentile")


def summary_sheet(results: Results) -> Sheet:
    """Each headline outcome over all runs: unit, mean, 5th and 95th percentile, runs."""
    table = results.summary_table()
    mean, p5, p95 = _statistics()
    rows = []
    for metric, r in table.iterrows():
        rows.append(
            {
                _("outcome"): units.without_unit(charts.label(str(metric))),
                _("column"): metric,
                _("unit"): _excel_unit(units.unit_of(str(metric))),
                mean: r["mean"],
                p5: r["p5"],
                p95: r["p95"],
                _("runs"): int(r["runs"]),
            }
        )
    return Sheet(pd.DataFrame(rows), unit_column=_("unit"), per_row=(mean, p5, p95))


def comparison_sheet(results: Results) -> Sheet:
    """Per scenario and outcome: mean, 5th and 95th percentile, runs, best, and whether
    the difference from the best is distinguishable from noise."""
    table = results.compare()
    mean, p5, p95 = _statistics()
    frame = pd.DataFrame(
        {
            _("scenario"): table["scenario"],
            _("outcome"): [units.without_unit(charts.label(o)) for o in table["outcome"]],
            _("column"): table["outcome"],
            _("unit"): [_excel_unit(units.unit_of(o)) for o in table["outcome"]],
            mean: table["mean"],
            p5: table["p5"],
            p95: table["p95"],
            _("runs"): table["runs"],
            _("best"): table["best"],
            _("not distinguishable from the best"): table["indistinct"],
        }
    )
    return Sheet(frame, unit_column=_("unit"), per_row=(mean, p5, p95))


def _parameter_heading(key: str) -> str:
    """A swept parameter as a heading: the planner's words and the config key."""
    if key not in KEY_LABELS:
        return key
    return _("{words} ({key})").format(words=key_label(key), key=key)


def points_sheet(results: Results) -> Sheet | None:
    """The sweep point by point: one row per (scenario, point), the swept values and
    "<outcome> mean (unit)", "… 5th percentile", "… 95th percentile" per outcome."""
    points = results.points()
    if points is None:
        return None
    params = results.swept()
    outcomes = list(dict.fromkeys(points["outcome"]))
    first = points[points["outcome"] == outcomes[0]].reset_index(drop=True)
    frame = first[["scenario", "point", *params]].copy()
    frame.columns = [_("scenario"), _("point"), *(_parameter_heading(p) for p in params)]
    frame[_("runs")] = points.groupby(["scenario", "point"], sort=False)["runs"].max().to_numpy()
    percent = []
    for outcome in outcomes:
        part = points[points["outcome"] == outcome].reset_index(drop=True)
        name = units.name(outcome)
        unit = _excel_unit(units.unit_of(outcome))
        for heading, statistic in (
            (_("{outcome} mean"), "mean"),
            (_("{outcome} 5th percentile"), "p5"),
            (_("{outcome} 95th percentile"), "p95"),
        ):
            column = units.with_unit(heading.format(outcome=name), unit)
            frame[column] = part[statistic]
            if unit == "%":
                percent.append(column)
    return Sheet(frame, percent=tuple(percent))


def daily_sheet(results: Results) -> Sheet:
    """Per scenario, sweep point and day: the mean over runs of each daily column."""
    daily = results.daily
    if not {"scenario", "point"} <= set(daily.columns):  # tables of older versions
        daily = daily.join(results.runs.set_index("run_id")[["scenario", "point"]], on="run_id")
    keys = ("run_id", "scenario", "point", "replicate", "day")
    measured = [c for c in daily.columns if c not in keys]
    frame = daily.groupby(["scenario", "point", "day"], sort=False)[measured].mean()
    frame = frame.reset_index()
    headings = {"scenario": _("scenario"), "point": _("point"), "day": _("day")}
    frame.columns = [
        headings.get(c) or _("{label}, mean over runs").format(label=charts.label(c))
        for c in frame.columns
    ]
    return Sheet(frame)


def generations_sheet(results: Results) -> Sheet | None:
    """Per scenario and generation: members (mean per run), joins, share of joins and K."""
    try:
        table = charts.generation_table(
            results.runs, generations=results.generations, members=results.members
        )
    except ChartUnavailable:
        return None
    share = _("share of joins (%)")
    frame = pd.DataFrame(
        {
            _("scenario"): table["scenario"],
            _("generation"): table["generation"],
            _("members per run (people)"): table["members"],
            _("joined, all runs (people)"): table["joins"],
            share: table["join_share"],
            _("K: people brought in per member (per member)"): table["k"],
            _("runs"): table["runs"],
        }
    )
    return Sheet(frame, percent=(share,))


def write_workbook(folder: str | Path, results: Results | None = None) -> Path:
    """Write ``folder/results.xlsx`` from the results folder's tables (``results`` if the
    caller holds them already), in the current language. Returns its path."""
    import xlsxwriter

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a finished Fission results folder (no such folder)")
    with FolderLock(folder):  # as the report: not while a run changes the tables
        if results is None:
            results = Results.load(folder)
        return _write(folder, results, xlsxwriter)


def _write(folder: Path, results: Results, xlsxwriter) -> Path:
    builders = (summary_sheet, comparison_sheet, points_sheet, daily_sheet, generations_sheet)
    sheets: dict[str, Sheet] = {}
    for english, build in zip(SHEETS, builders, strict=True):
        sheet = build(results)
        if sheet is not None:
            sheets[sheet_name(_(english), sheets)] = sheet
    path = folder / WORKBOOK_FILE

    def write(temp: Path) -> None:
        book = xlsxwriter.Workbook(str(temp), {"nan_inf_to_errors": False})
        formats = {
            "head": book.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
            "percent": book.add_format({"num_format": "0.0%"}),
        }
        for name, sheet in sheets.items():
            _write_sheet(book, name, sheet, formats)
        book.close()

    write_atomic(path, write)  # a kill leaves the old workbook or the new one, whole
    return path


def _write_sheet(book, name: str, sheet: Sheet, formats: dict) -> None:
    frame = sheet.frame
    worksheet = book.add_worksheet(name)
    worksheet.freeze_panes(1, 0)  # the heading row stays in view
    percent_rows = (
        {i for i, unit in enumerate(frame[sheet.unit_column]) if unit == "%"}
        if sheet.unit_column is not None
        else set()
    )
    for col, heading in enumerate(frame.columns):
        worksheet.write_string(0, col, str(heading), formats["head"])
        width = max(10, min(40, display_width(str(heading)) // 2 + 4))
        percent_column = heading in sheet.percent
        worksheet.set_column(col, col, width, formats["percent"] if percent_column else None)
        for row, value in enumerate(frame[heading].tolist(), 1):
            in_percent_row = row - 1 in percent_rows and heading in sheet.per_row
            cell = formats["percent"] if percent_column or in_percent_row else None
            _write_cell(worksheet, row, col, value, cell)
    worksheet.set_row(0, 45)


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
