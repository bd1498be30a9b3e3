"""Every column of the output tables, declared once.

Each column of ``runs.parquet``, ``daily.parquet``, ``members.parquet`` and
``generations.parquet`` is an ``Output`` (``sim.mechanism``): its unit, its exact
definition, when it is empty, which direction a planner prefers and how charts label it.
Mechanisms (``sim.lures``, ``sim.rewards``, ``sim.channels``) declare the columns they
add the same way; ``columns(table, extra)`` gives a table's core columns followed by
theirs. The column tables of docs/outputs.md are written from these declarations
(``scripts/write_output_docs.py``), and so are the charts' axis titles and the
comparison's "better" direction.

Modules: ``runs`` (``runs.parquet``: ``IDENTIFIERS``, ``RUNS``, ``SWEPT_KEYS``), ``days``
(``daily.parquet``: ``DAILY``), ``people`` (``members.parquet`` and
``generations.parquet``: ``MEMBERS``, ``GENERATIONS``), ``catalog`` (the tables together:
``TABLES``, ``KEYS``, ``CORE``, ``columns``, ``find``, ``markdown_table``). Import from
``sim.outputs``: it names them all.
"""

from sim.outputs.catalog import (
    CORE,
    DAILY_COLUMNS,
    KEYS,
    SUMMARY_COLUMNS,
    TABLES,
    columns,
    find,
    markdown_table,
)
from sim.outputs.days import DAILY, DAILY_KEYS
from sim.outputs.people import GENERATIONS, MEMBERS, MEMBERS_KEYS
from sim.outputs.runs import IDENTIFIERS, RUNS, SWEPT_KEYS

__all__ = [
    "CORE",
    "DAILY",
    "DAILY_COLUMNS",
    "DAILY_KEYS",
    "GENERATIONS",
    "IDENTIFIERS",
    "KEYS",
    "MEMBERS",
    "MEMBERS_KEYS",
    "RUNS",
    "SUMMARY_COLUMNS",
    "SWEPT_KEYS",
    "TABLES",
    "columns",
    "find",
    "markdown_table",
]
