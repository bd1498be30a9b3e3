"""The output declarations (sim.outputs): the docs are written from them, the model
writes exactly them, and every measured column carries its unit."""

from __future__ import annotations

import pandas as pd
import pytest

from scripts.write_output_docs import DOCS, REGION, render
from sim import outputs
from sim.config import parse_config
from sim.mechanism import Output
from sim.model import ReferralModel

UNITS = {
    "people",
    "yuan",
    "days",
    "day",
    "share",
    "ratio",
    "orders",
    "invitations",
    "generations",
    "yuan per person",
    "people per member",
}
NUMERIC = {"int", "float", "number", "uint64"}
# The numeric columns that measure nothing: keys and the seed.
UNITLESS_NUMBERS = {"run_id", "point", "replicate", "seed", "generation"}

EVERY = tuple(o for t in outputs.TABLES for o in outputs.KEYS[t] + outputs.CORE[t])


@pytest.fixture(scope="module")
def tiny() -> ReferralModel:
    config = {
        "graph": {"kind": "powerlaw_cluster", "n": 200, "m": 4, "p_triangle": 0.3},
        "experiment": {"days": 3},
        "value": {"model": "bg_nbd", "horizon_days": 20},
    }
    return ReferralModel(parse_config(config), rng=1).run()


# ------------------------------------------------------------------- the docs


def test_docs_tables_are_the_generated_ones():
    text = DOCS.read_text(encoding="utf-8")
    assert render(text) == text, "docs/outputs.md is stale: run scripts/write_output_docs.py"
    assert [m.group(2) for m in REGION.finditer(text)] == list(outputs.TABLES)


def test_mechanism_outputs_reach_their_table_in_the_docs():
    extra = (
        Output("coupons_redeemed", "people", "people who used a coupon", type="int"),
        Output("coupon_paid", "yuan", "coupon money paid today", table="daily"),
    )
    text = render(DOCS.read_text(encoding="utf-8"), extra)
    runs, daily = (m.group(3) for m in REGION.finditer(text) if m.group(2) in ("runs", "daily"))
    assert runs.splitlines()[-2].startswith("| `coupons_redeemed` | int | people |")
    assert (
        daily.splitlines()[-2]
        == "| `coupon_paid` | float | yuan | coupon money paid today | never |"
    )
    assert "coupon_paid" not in runs


def test_the_generations_table_has_no_empty_when_column():
    table = outputs.markdown_table("generations")
    assert table.splitlines()[0] == "| column | type | unit | definition |"
    assert "| `generation` | int | – | 0 = seeds" in table


def test_a_column_declared_twice_differently_is_refused():
    clash = Output("joined", "people", "another definition", type="int")
    with pytest.raises(ValueError, match="declared twice"):
        outputs.columns("runs", (clash,))
    same = Output("extra", "people", "x", type="int")
    assert outputs.columns("runs", (same, same))[-1] == same


def test_find():
    assert outputs.find("roi").better == "more"
    assert outputs.find("revenue").table == "runs"
    assert outputs.find("revenue", table="daily").table == "daily"
    assert outputs.find("run_id") is outputs.IDENTIFIERS[0]
    assert outputs.find("nonexistent") is None
    extra = Output("coupons_redeemed", "people", "x", type="int", label="coupons (people)")
    assert outputs.find("coupons_redeemed", (extra,)) is extra


# ------------------------------------------------------ the model writes them


def test_summary_and_daily_columns_are_the_models(tiny):
    # the core columns, then those of the run's own mechanisms
    extra = tiny.outputs()
    assert list(tiny.summary()) == [o.name for o in outputs.columns("runs", extra)]
    assert list(tiny.daily().columns) == [o.name for o in outputs.columns("daily", extra)]
    assert list(tiny.summary())[: len(outputs.SUMMARY_COLUMNS)] == list(outputs.SUMMARY_COLUMNS)
    assert list(tiny.daily().columns)[: len(outputs.DAILY_COLUMNS)] == list(outputs.DAILY_COLUMNS)
    assert outputs.SUMMARY_COLUMNS[0] == "seed"


def test_members_generations_and_weeks_columns_are_the_models(tiny):
    extra = tiny.outputs()  # the value model's columns of members and weeks
    assert list(tiny.members().columns) == [o.name for o in outputs.columns("members", extra)]
    assert list(tiny.generations().columns) == [o.name for o in outputs.GENERATIONS]
    assert list(tiny.weeks().columns) == [o.name for o in outputs.columns("weeks", extra)]


def _fits(series: pd.Series, declared: str) -> bool:
    dtype = series.dtype
    return {
        "int": pd.api.types.is_integer_dtype(dtype),
        "float": pd.api.types.is_float_dtype(dtype),
        "number": pd.api.types.is_numeric_dtype(dtype),
        "category": isinstance(dtype, pd.CategoricalDtype),
        "bool": pd.api.types.is_bool_dtype(dtype),
        "int or text": pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_string_dtype(dtype),
    }[declared]


def test_the_declared_types_are_the_written_ones(tiny):
    frames = {
        "daily": tiny.daily(),
        "members": tiny.members(),
        "generations": tiny.generations(),
        "weeks": tiny.weeks(),
    }
    for table, frame in frames.items():
        for o in outputs.columns(table, tiny.outputs()):
            assert _fits(frame[o.name], o.type), (table, o.name, frame[o.name].dtype, o.type)


# ------------------------------------------------------------------ invariants


def test_every_measured_column_has_a_unit_and_a_label_with_it():
    for o in EVERY:
        assert o.unit in UNITS | {""}, o
        assert o.meaning and o.empty_when, o
        if o.unit:
            assert o.type in NUMERIC, o
            assert f"({o.unit}" in o.label, o
            assert o.fmt, o
        elif o.type in NUMERIC:
            assert o.name in UNITLESS_NUMBERS, f"{o.name} is a number without a unit"


def test_names_are_unique_per_table_and_tables_are_right():
    for table in outputs.TABLES:
        names = [o.name for o in outputs.KEYS[table] + outputs.CORE[table]]
        assert len(names) == len(set(names)), table
        assert {o.table for o in outputs.KEYS[table] + outputs.CORE[table]} <= {table}


def test_only_runs_outcomes_have_a_better_direction():
    for o in EVERY:
        if o.better is not None:
            assert o.table == "runs" and o.better in ("more", "less") and o.unit, o
        if o.context:  # shown beside the ranked outcomes, never ranked
            assert o.table == "runs" and o.better is None, o
