"""An experiment: a campaign config expanded into runs, executed, and stored as tables.

Three separate ideas, as in the EMA Workbench: what varies (``expand``: a pure function
from a config to run specifications), how runs execute (``execute_run``: one replicate,
a pure function of config and spec), and what is kept (``Results``: the run table and
the daily table aligned on ``run_id``, written atomically to an output folder).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Config, ConfigError, load_config
from sim.model import DAILY_COLUMNS, ReferralModel
from sim.streams import derive_seed


@dataclass(frozen=True)
class RunSpec:
    """One simulation to run: which replicate, with which seed."""

    run_id: int
    replicate: int
    seed: int


def expand(config: Config) -> list[RunSpec]:
    """The runs of an experiment: one per replicate, each with a seed derived from the
    experiment's root seed and the replicate number only (so replicate r of two
    experiments with the same root seed share their random numbers)."""
    root = config.experiment.seed
    return [
        RunSpec(run_id=r, replicate=r, seed=derive_seed(root, "replicate", r))
        for r in range(config.experiment.replicates)
    ]


@dataclass
class RunOutput:
    """What one run produced."""

    summary: dict[str, Any]
    daily: pd.DataFrame
    members: pd.DataFrame | None


def execute_run(config: Config, spec: RunSpec) -> RunOutput:
    """Simulate one replicate; the graph is built once per process and reused."""
    model = ReferralModel(config, rng=spec.seed).run()
    summary = {"run_id": spec.run_id, "replicate": spec.replicate, **model.summary()}
    daily = model.daily()
    daily.insert(0, "run_id", spec.run_id)
    members = None
    if config.experiment.write_members:
        members = model.members()
        members.insert(0, "run_id", spec.run_id)
    return RunOutput(summary, daily, members)


@dataclass
class Results:
    """An experiment's tables: ``runs`` (one row per run) and ``daily`` (one per run-day)."""

    runs: pd.DataFrame
    daily: pd.DataFrame
    members: pd.DataFrame | None = None
    config: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        """Read a results folder written by ``run_experiment``."""
        import tomllib

        folder = Path(folder)
        for name in ("runs.parquet", "daily.parquet"):
            if not (folder / name).is_file():
                raise FileNotFoundError(f"{folder / name}: not a Fission results folder")
        members_file = folder / "members.parquet"
        manifest_file = folder / "manifest.json"
        config_file = folder / "config.toml"
        return cls(
            runs=pd.read_parquet(folder / "runs.parquet"),
            daily=pd.read_parquet(folder / "daily.parquet"),
            members=pd.read_parquet(members_file) if members_file.is_file() else None,
            config=tomllib.loads(config_file.read_text()) if config_file.is_file() else {},
            manifest=json.loads(manifest_file.read_text()) if manifest_file.is_file() else {},
            path=folder,
        )

    def summary_table(self) -> pd.DataFrame:
        """Mean and 90% interval (5th-95th percentile over replicates) of the main outcomes."""
        rows = []
        for metric in SUMMARY_METRICS:
            values = self.runs[metric].astype(float).dropna()
            rows.append(
                {
                    "metric": metric,
                    "mean": values.mean() if len(values) else np.nan,
                    "p5": values.quantile(0.05) if len(values) else np.nan,
                    "p95": values.quantile(0.95) if len(values) else np.nan,
                    "runs": len(values),
                }
            )
        return pd.DataFrame(rows).set_index("metric")


SUMMARY_METRICS = (
    "joined",
    "paying",
    "junk_share",
    "total_cost",
    "cost_per_paying",
    "roi",
    "k_factor",
    "peak_day",
    "budget_exhausted_day",
)


def config_hash(config: Config) -> str:
    """A stable fingerprint of everything that changes results."""
    text = json.dumps(config.to_dict(), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def run_experiment(
    config_or_path: Config | str | Path,
    out: str | Path | None = None,
    *,
    on_run_done: Callable[[int, int], None] | None = None,
) -> Results:
    """Run every replicate of an experiment and, if ``out`` is given, write its tables.

    ``on_run_done(done, total)`` is called after each run (the CLI's progress bar).
    Nothing in ``out`` changes unless every run succeeded: files are written to a
    temporary folder beside it and moved in at the end.
    """
    config = config_or_path if isinstance(config_or_path, Config) else load_config(config_or_path)
    specs = expand(config)
    started = _now()
    outputs = []
    for done, spec in enumerate(specs, start=1):
        outputs.append(execute_run(config, spec))
        if on_run_done is not None:
            on_run_done(done, len(specs))
    results = _assemble(config, specs, outputs)
    results.manifest = {
        "fission_version": _version(),
        "experiment": config.experiment.name,
        "config_hash": config_hash(config),
        "root_seed": config.experiment.seed,
        "runs": len(specs),
        "started": started,
        "finished": _now(),
    }
    if out is not None:
        results.path = write_results(results, out)
    return results


def _assemble(config: Config, specs: Iterable[RunSpec], outputs: list[RunOutput]) -> Results:
    runs = pd.DataFrame([o.summary for o in outputs])
    runs["peak_day"] = runs["peak_day"].astype("Int64")
    runs["budget_exhausted_day"] = runs["budget_exhausted_day"].astype("Int64")
    runs["seed"] = runs["seed"].astype("uint64")
    daily = pd.concat([o.daily for o in outputs], ignore_index=True)
    daily["budget_left"] = daily["budget_left"].replace(np.inf, np.nan)
    daily = daily[["run_id", *DAILY_COLUMNS]]
    members = None
    if config.experiment.write_members:
        members = pd.concat([o.members for o in outputs], ignore_index=True)
    return Results(runs=runs, daily=daily, members=members, config=config.to_dict())


def write_results(results: Results, out: str | Path) -> Path:
    """Write the tables to ``out`` atomically: all files or none are replaced."""
    import tomli_w

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        results.runs.to_parquet(staging / "runs.parquet", index=False)
        results.daily.to_parquet(staging / "daily.parquet", index=False)
        if results.members is not None:
            results.members.to_parquet(staging / "members.parquet", index=False)
        (staging / "config.toml").write_text(tomli_w.dumps(results.config))
        (staging / "manifest.json").write_text(json.dumps(results.manifest, indent=2) + "\n")
        out.mkdir(exist_ok=True)
        stale = out / "members.parquet"
        if results.members is None and stale.exists():
            stale.unlink()  # from an earlier run of this folder that wrote members
        for item in staging.iterdir():
            os.replace(item, out / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def default_out_dir(config: Config) -> Path:
    return Path("results") / config.experiment.name


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _version() -> str:
    from sim import __version__

    return __version__


__all__ = [
    "ConfigError",
    "Results",
    "RunSpec",
    "execute_run",
    "expand",
    "run_experiment",
    "write_results",
]
