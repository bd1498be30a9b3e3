"""The fixed-seed regression baseline: every shipped example config, run small.

Each case is a shipped config with overrides that make it run in seconds (fewer people,
replicates and sweep points); its tables (runs, daily, generations, and members and
groups where the config writes them) are stored as CSV under ``tests/baseline/<case>/``, floats
written with 17 significant digits so that reading them back gives the same bits.

``tests/test_baseline.py`` reruns every case and compares the tables exactly. Only
``scripts/refresh_baseline.py`` writes the stored tables: a change that moves them must
say why in its commit message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = ROOT / "experiments"
STORED = Path(__file__).resolve().parent

# Case name -> (config file under experiments/, overrides of the study's data).
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "default": (
        "default.toml",
        {"graph.n": 2000, "experiment.replicates": 3, "experiment.write_members": True},
    ),
    "lures": ("lures.toml", {"graph.n": 2000, "experiment.replicates": 2}),
    "reward_rules": ("reward_rules.toml", {"graph.n": 2000, "experiment.replicates": 2}),
    "reward_sweep": (
        "reward_sweep.toml",
        {"graph.n": 2000, "experiment.replicates": 1, "sweep.samples": 4},
    ),
    "seeds": ("seeds.toml", {"graph.n": 2000, "experiment.replicates": 1}),
    "real_graph": ("real_graph.toml", {"experiment.replicates": 1, "experiment.days": 12}),
    "pilot": ("pilot.toml", {}),
    "bass": ("validation/bass.toml", {"graph.n": 500, "experiment.replicates": 2}),
    "fraud": ("fraud.toml", {"graph.n": 2000, "experiment.replicates": 2}),
    "independent_cascade": (
        "validation/independent_cascade.toml",
        {"graph.n": 5000, "experiment.replicates": 3, "experiment.days": 60},
    ),
    "groups": (
        "groups.toml",
        {"graph.n": 2000, "experiment.replicates": 2, "value.horizon_days": 60},
    ),
    "store_traffic": (
        "store_traffic.toml",
        {"graph.n": 2000, "experiment.replicates": 2, "value.horizon_days": 60},
    ),
}
# groups: written only by the cases whose groups live and die
TABLES = ("runs", "daily", "generations", "members", "groups")


def run_case(name: str) -> dict[str, pd.DataFrame]:
    """Run one case in memory; its tables by name (members only where written)."""
    from sim.config import read_with_overrides
    from sim.experiment import run_experiment
    from sim.study import parse_study

    path, overrides = CASES[name]
    data, base_dir = read_with_overrides(EXPERIMENTS / path, overrides)
    data.pop("calibration", None)  # the pilot's fitting settings; not part of a run
    results = run_experiment(parse_study(data, base_dir))
    tables = {table: getattr(results, table) for table in TABLES}
    return {table: frame for table, frame in tables.items() if frame is not None}


def write_case(name: str, tables: dict[str, pd.DataFrame]) -> None:
    folder = STORED / name
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    for table, frame in tables.items():
        frame.to_csv(folder / f"{table}.csv", index=False, float_format="%.17g")


def stored_case(name: str) -> dict[str, pd.DataFrame]:
    folder = STORED / name
    return {path.stem: pd.read_csv(path) for path in sorted(folder.glob("*.csv"))}


def as_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """A fresh table as it reads back from its CSV (types as CSV gives them)."""
    import io

    text = frame.to_csv(index=False, float_format="%.17g")
    return pd.read_csv(io.StringIO(text))
