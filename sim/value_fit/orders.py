"""An orders file read and summarised per customer for BG/NBD and Gamma-Gamma.

The file is a CSV (UTF-8, plain or gzip-compressed) with a header and one order a row:
``customer_id,date,amount``: any text as id, an ISO date (``2024-03-01``; an ISO date
and time keeps its date), the order's value in yuan (≥ 0). Other columns are ignored. A
header may use a common other name for a column (``user_id``, ``order_date``,
``revenue``, ...) when exactly one column has such a name; ``ALIASES`` lists them.

Summarising follows FHL: a customer is born at their first order; orders on one day are
one transaction (values summed); the later distinct days are repeat transactions. Up to
``until`` (default the file's last date), each customer has x repeat transactions, the
last t_x days after birth, over an age T = until − birth days, and the mean value of
their repeat transactions. Customers born after ``until`` are left out; their orders and
later ones of the others form the holdout.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.config.reading import decode_text

GZIP_MAGIC = b"\x1f\x8b"
COLUMNS = ("customer_id", "date", "amount")
# Other names a column may have; used only when the proper name is absent and exactly
# one column has one of these (names compared in lower case, spaces and '-' as '_').
# Left out on purpose: 'id' (often the order's id), 'day' (often a day number), 'price'
# (often a unit price).
ALIASES = {
    "customer_id": (
        "customer",
        "customerid",
        "cust_id",
        "user_id",
        "userid",
        "member_id",
        "buyer_id",
        "client_id",
    ),
    "date": ("order_date", "purchase_date", "transaction_date", "date_of_purchase"),
    "amount": ("value", "order_value", "revenue", "spend", "sales", "total", "monetary_value"),
}
_PANDAS_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@dataclass(frozen=True)
class Customers:
    """Per-customer summaries of an orders file up to ``until`` (days, yuan)."""

    ids: np.ndarray  # customer ids as text
    x: np.ndarray  # repeat transactions (distinct days after the first) up to until
    t_x: np.ndarray  # days from the first order to the last repeat one (0 if x = 0)
    age: np.ndarray  # days from the first order to until (FHL's T)
    mean_value: np.ndarray  # mean value of the repeat transactions, yuan (NaN if x = 0)
    holdout: np.ndarray  # transactions after until, up to the file's last date
    start: dt.date  # the first order in the file
    until: dt.date  # the end of the fitting window
    end: dt.date  # the last order in the file (the holdout runs until then)
    rows: int  # orders in the file
    transactions: int  # distinct customer-days up to until (first and repeat)
    late_customers: int  # first order after until: not fitted

    @property
    def holdout_days(self) -> int:
        return (self.end - self.until).days


def read_orders(path: str | Path) -> pd.DataFrame:
    """The orders of a CSV file as ``customer_id`` (text), ``date`` (datetime64, day) and
    ``amount`` (yuan), with ``line`` (the file's line of each row). Anything wrong is a
    ``ConfigError`` naming the file and line."""
    path = Path(path)
    text = _text(path)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                skipinitialspace=True,
                index_col=False,  # never take a first column as the index
            )
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            _refuse_long_row(path, text)  # pandas only warns of a too-long first row
    except pd.errors.EmptyDataError:
        raise ConfigError(
            f"{path}: empty file (expected a header customer_id,date,amount)"
        ) from None
    except pd.errors.ParserError as err:
        found = _PANDAS_LINE.search(str(err))
        if found:
            expected, line, saw = found.groups()
            raise ConfigError(
                f"{path}, line {line}: {saw} fields where the header has {expected}"
            ) from None
        raise ConfigError(f"{path}: not a CSV table: {str(err).splitlines()[0]}") from None
    names = _columns(path, [str(c) for c in frame.columns])
    frame = frame[[names[c] for c in COLUMNS]].copy()
    frame.columns = list(COLUMNS)
    frame["line"] = np.arange(len(frame)) + 2  # the header is line 1
    values = frame[list(COLUMNS)].apply(lambda s: s.str.strip())
    blank = (values == "").all(axis=1)
    frame, values = frame[~blank], values[~blank]
    if frame.empty:
        raise ConfigError(f"{path}: no orders (only a header)")
    lines = frame["line"].to_numpy()

    def refuse(bad: pd.Series | np.ndarray, what: str) -> None:
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            raise ConfigError(f"{path}, line {lines[np.argmax(bad)]}: {what}")

    ids = values["customer_id"]
    refuse(ids == "", "customer_id is empty")
    raw_dates = values["date"]
    # an ISO date and time ("2024-03-01T09:30" or with a space) keeps its date
    with_time = (raw_dates.str.len() > 10) & raw_dates.str[10:11].isin(["T", " "])
    day_text = raw_dates.where(~with_time, raw_dates.str[:10])
    dates = pd.to_datetime(day_text, format="%Y-%m-%d", errors="coerce")
    bad_date = dates.isna().to_numpy()
    if bad_date.any():
        shown = raw_dates.to_numpy()[np.argmax(bad_date)]
        refuse(bad_date, f"date {shown!r} is not an ISO date (YYYY-MM-DD)")
    amounts = pd.to_numeric(values["amount"], errors="coerce").to_numpy(dtype=float)
    bad_amount = ~np.isfinite(amounts)
    if bad_amount.any():
        shown = values["amount"].to_numpy()[np.argmax(bad_amount)]
        refuse(bad_amount, f"amount {shown!r} is not a number")
    refuse(amounts < 0, "amount is negative (refunds are not orders: leave them out)")
    return pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "date": dates.to_numpy().astype("datetime64[D]"),
            "amount": amounts,
            "line": lines,
        }
    )


def _refuse_long_row(path: Path, text: str) -> None:
    rows = csv.reader(io.StringIO(text))
    width = len(next(rows))
    for number, row in enumerate(rows, start=2):
        if len(row) > width:
            raise ConfigError(
                f"{path}, line {number}: {len(row)} fields where the header has {width}"
            )


def _text(path: Path) -> str:
    """The file's text: UTF-8 (a byte-order mark is allowed), gzip-compressed or not."""
    if not path.exists():
        raise ConfigError(f"{path}: no such orders file")
    if not path.is_file():
        raise ConfigError(f"{path}: not a regular file (expected an orders CSV)")
    try:
        raw = path.read_bytes()
        if raw[:2] == GZIP_MAGIC:
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from None
    return decode_text(path, raw, "an orders CSV")


def _normal(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _columns(path: Path, header: list[str]) -> dict[str, str]:
    """The header's column for each of ``COLUMNS``: its own name, else its one alias."""
    normal = {_normal(c): c for c in reversed(header)}  # the first of equal names wins
    chosen = {}
    for column in COLUMNS:
        if column in normal:
            chosen[column] = normal[column]
            continue
        others = [normal[a] for a in ALIASES[column] if a in normal]
        if len(others) > 1:
            raise ConfigError(
                f"{path}, line 1: columns {others[0]!r} and {others[1]!r} could both be "
                f"{column}; name the one to use '{column}'"
            )
        if not others:
            raise ConfigError(
                f"{path}, line 1: missing column '{column}' (the header must have "
                f"{','.join(COLUMNS)})"
            )
        chosen[column] = others[0]
    return chosen


def summarise(orders: pd.DataFrame, until: dt.date | None = None) -> Customers:
    """Per-customer x, t_x, T (days) and mean repeat value (yuan) up to ``until``
    (default: the last order's date), as FHL define them (the module's docstring)."""
    first_day = orders["date"].min()
    last_day = orders["date"].max()
    end = pd.Timestamp(last_day).date()
    start = pd.Timestamp(first_day).date()
    if until is None:
        until = end
    if until < start:
        raise ConfigError(f"--until {until}: before the first order ({start})")
    days = orders[["customer_id", "date", "amount"]]
    # one transaction per customer and day, its value the day's orders summed
    daily = days.groupby(["customer_id", "date"], sort=True)["amount"].sum().reset_index()
    birth = daily.groupby("customer_id", sort=False)["date"].transform("min")
    limit = np.datetime64(until, "D")
    born = (birth <= limit).to_numpy()
    late_customers = daily.loc[~born, "customer_id"].nunique()
    daily = daily[born]
    inside = (daily["date"] <= limit).to_numpy()
    window = daily[inside]
    per = window.groupby("customer_id", sort=True)
    count = per.size()
    first = per["date"].min()
    last = per["date"].max()
    total = per["amount"].sum()
    first_value = per["amount"].first()  # sorted by date within a customer: the birth day's
    holdout = daily[~inside].groupby("customer_id").size().reindex(count.index, fill_value=0)
    x = (count - 1).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_value = np.where(x > 0, (total - first_value).to_numpy() / x, np.nan)
    return Customers(
        ids=count.index.to_numpy(dtype=str),
        x=x,
        t_x=(last - first).dt.days.to_numpy(dtype=float),
        age=((limit - first.to_numpy()) / np.timedelta64(1, "D")).astype(float),
        mean_value=mean_value,
        holdout=holdout.to_numpy(dtype=float),
        start=start,
        until=until,
        end=max(end, until),
        rows=len(orders),
        transactions=int(count.sum()),
        late_customers=int(late_customers),
    )
