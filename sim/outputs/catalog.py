"""The tables together: each one's key columns and core columns, a table's columns with
the mechanisms', a column found by name, and a table as docs/outputs.md prints it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sim.mechanism import Output
from sim.outputs.days import DAILY, DAILY_KEYS
from sim.outputs.people import GENERATIONS, MEMBERS, MEMBERS_KEYS
from sim.outputs.runs import IDENTIFIERS, RUNS

TABLES = ("runs", "daily", "members", "generations", "weeks", "groups")

# The key columns each table starts with (written by the experiment runner). The daily
# and generations tables also carry `scenario`, `point` and `replicate`; docs/outputs.md
# documents only `run_id` in the daily table and names them in prose for generations.
KEYS: dict[str, tuple[Output, ...]] = {
    "runs": IDENTIFIERS,
    "daily": DAILY_KEYS,
    "members": MEMBERS_KEYS,
    "generations": (),
    "weeks": (),
    "groups": (),
}

CORE: dict[str, tuple[Output, ...]] = {
    "runs": RUNS,
    "daily": DAILY,
    "members": MEMBERS,
    "generations": GENERATIONS,
    "weeks": (),  # every column comes from the value models (sim.value)
    "groups": (),  # every column comes from the living groups (sim.groups)
}

DAILY_COLUMNS: tuple[str, ...] = tuple(o.name for o in DAILY)
SUMMARY_COLUMNS: tuple[str, ...] = tuple(o.name for o in RUNS)


def columns(table: str, extra: Iterable[Output] = ()) -> tuple[Output, ...]:
    """A table's columns written by the model: the core ones, then the mechanisms'
    (``extra``, those of other tables ignored; the same declaration twice counts once).

    Raises:
        ValueError: for an unknown table, or two different declarations of one column.
    """
    if table not in CORE:
        raise ValueError(f"unknown table {table!r} (tables: {', '.join(TABLES)})")
    added = tuple(dict.fromkeys(o for o in extra if o.table == table))
    result = CORE[table] + added
    seen: dict[str, Output] = {o.name: o for o in KEYS[table]}
    for o in result:
        if o.name in seen:
            raise ValueError(f"column {o.name!r} of {table} is declared twice: {seen[o.name]}, {o}")
        seen[o.name] = o
    return result


def find(name: str, extra: Iterable[Output] = (), table: str | None = None) -> Output | None:
    """The declaration of a column, or None. Names shared by tables (``revenue``,
    ``k_factor``, ``generation``, ``run_id``) resolve to the first table in ``TABLES``
    order unless ``table`` is given; key columns are found too."""
    extra = tuple(extra)
    for t in TABLES if table is None else (table,):
        for o in KEYS[t] + columns(t, extra):
            if o.name == name:
                return o
    return None


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(
    table: str, extra: Iterable[Output] = (), after: Mapping[str, str] | None = None
) -> str:
    """The table's columns as docs/outputs.md prints them: key columns first, then the
    model's and the mechanisms'. ``after`` maps a column name to a ready row printed after
    its row (the runs table's *swept keys*). Ends with a newline."""
    after = after or {}
    full = table not in ("generations", "weeks", "groups")  # no empty-when column: never empty
    head = ["column", "type", "unit", "definition"] + (["empty when"] if full else [])
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(["---"] * len(head)) + " |"]
    for o in KEYS[table] + columns(table, extra):
        cells = [f"`{o.name}`", o.type, o.unit or "–", o.meaning]
        if full:
            cells.append(o.empty_when)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        if o.name in after:
            lines.append(after[o.name])
    return "\n".join(lines) + "\n"
