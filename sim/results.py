"""An experiment's tables, as saved: ``Results`` reads a results folder back and summarises it.

The run table and the daily table are aligned on ``run_id`` (``docs/outputs.md`` says what
every column means). This module only reads and summarises saved tables; it never imports
the engine, so charts, the report and the app can use it without loading the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.compare import compare
from sim.points import point_table
from sim.registry import headline_outcomes

WORKBOOK_FILE = "results.xlsx"  # the Excel workbook (`fission export --xlsx`), from the tables
# The outcomes of ``Results.summary_table()``, in its row order: the headline outputs
# (``Output.headline``, sim.outputs and the mechanisms'), profit and payback first.
SUMMARY_METRICS = tuple(o.name for o in headline_outcomes())


@dataclass
class Results:
    """An experiment's tables: ``runs`` (one row per run), ``daily`` (one per run-day),
    optional ``members`` and ``sensitivity`` (Sobol indices of a sobol sweep)."""

    runs: pd.DataFrame
    daily: pd.DataFrame
    generations: pd.DataFrame | None = None
    members: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    weeks: pd.DataFrame | None = None  # the value horizon by week
    groups: pd.DataFrame | None = None  # living groups by group and week
    config: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        """Read a results folder written by ``run_experiment``; refuse one whose manifest
        says it is not complete (a run adds to it, or was stopped)."""
        import tomllib

        folder = Path(folder)
        for name in ("runs.parquet", "daily.parquet"):
            if not (folder / name).is_file():
                raise FileNotFoundError(f"{folder / name}: not a finished Fission results folder")

        def optional(name: str) -> pd.DataFrame | None:
            path = folder / name
            return pd.read_parquet(path) if path.is_file() else None

        config_file, manifest_file = folder / "config.toml", folder / "manifest.json"
        manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {}
        status = manifest.get("status", "complete") if isinstance(manifest, dict) else None
        if status != "complete":  # tables of a run that is going on or was stopped
            raise FileNotFoundError(
                f"{folder}: not a finished Fission results folder (status {status!r}); "
                "run the same `fission run` again to finish it"
            )
        return cls(
            runs=pd.read_parquet(folder / "runs.parquet"),
            daily=pd.read_parquet(folder / "daily.parquet"),
            generations=optional("generations.parquet"),
            members=optional("members.parquet"),
            sensitivity=optional("sensitivity.parquet"),
            weeks=optional("weeks.parquet"),
            groups=optional("groups.parquet"),
            config=tomllib.loads(config_file.read_text()) if config_file.is_file() else {},
            manifest=manifest,
            path=folder,
        )

    def compare(self) -> pd.DataFrame:
        """The scenario comparison (``sim.compare.compare``)."""
        return compare(self.runs)

    def swept(self) -> list[str]:
        """The swept parameters' columns of ``runs`` (none without a sweep)."""
        keys = ((self.config or {}).get("sweep") or {}).get("params", {})
        return [k for k in keys if k in self.runs.columns]

    def points(self) -> pd.DataFrame | None:
        """The sweep point by point (``sim.points.point_table``); None without a sweep."""
        params = self.swept()
        if not params:
            return None
        return point_table(self.runs, params)

    def summary_table(self) -> pd.DataFrame:
        """Mean and 90% interval (5th-95th percentile over runs) of the main outcomes
        these runs have (a mechanism's columns exist only where it is switched on)."""
        rows = []
        for metric in SUMMARY_METRICS:
            if metric not in self.runs:
                continue
            values = self.runs[metric].astype(float).dropna()
            empty = values.empty
            rows.append(
                {
                    "metric": metric,
                    "mean": np.nan if empty else values.mean(),
                    "p5": np.nan if empty else values.quantile(0.05),
                    "p95": np.nan if empty else values.quantile(0.95),
                    "runs": len(values),
                }
            )
        return pd.DataFrame(rows).set_index("metric")
