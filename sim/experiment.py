"""An experiment: a study expanded into runs, executed, stored, resumed and compared.

Three separate ideas, as in the EMA Workbench: what varies (``sim.study.expand``), how
runs execute (``sim.executors``: in-process or on Dask) and what is kept (``Results``:
the run table and the daily table aligned on ``run_id``).

Crash safety: each finished run is written to its own part files (written, then renamed
into place), so a sweep killed at any moment loses at most the runs in flight. Running
the same command again skips the finished runs; the merged tables equal an uninterrupted
run's because every run is a pure function of its config and seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.compare import compare
from sim.config import Config, ConfigError
from sim.executors import make_executor
from sim.model import ReferralModel
from sim.study import (
    Design,
    Posterior,
    RunSpec,
    Study,
    expand,
    load_study,
    parse_study,
    run_config,
    with_posterior,
)

# Outcomes whose Sobol indices are computed for a sobol sweep.
SENSITIVITY_OUTCOMES = ("joined", "paying", "total_cost", "cost_per_paying", "roi")
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
_NULLABLE_INT = ("peak_day", "budget_exhausted_day")


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run: its spec and its validated config."""

    spec: RunSpec
    config: Config
    posterior_keys: tuple[str, ...] = ()


@dataclass
class RunOutput:
    """One run's rows: its summary (one row), its days, and optionally its members."""

    run_id: int
    summary: pd.DataFrame
    daily: pd.DataFrame
    generations: pd.DataFrame
    members: pd.DataFrame | None


def execute_run(task: RunTask) -> RunOutput:
    """Simulate one run. Pure: the same task gives the same tables on any machine.

    The graph is built once per process and reused (``sim.graphs.build_graph``), so a
    Dask worker builds a shared graph once, not once per run.
    """
    spec, config = task.spec, task.config
    with ReferralModel(config, rng=spec.seed, all_agents=False) as model:
        return _run_tables(task, model.run())


def _run_tables(task: RunTask, model: ReferralModel) -> RunOutput:
    """The run's rows of every table."""
    spec, config = task.spec, task.config
    ident = {"run_id": spec.run_id, "scenario": spec.scenario, "point": spec.point}
    drawn = {}
    if spec.draw >= 0:  # the posterior sample this replicate forecasts with
        drawn = {"posterior_draw": spec.draw}
        drawn.update({key: getattr_dotted(config, key) for key in task.posterior_keys})
    summary = pd.DataFrame([{**ident, **dict(spec.params), **drawn, "replicate": spec.replicate}])
    for key, value in model.summary().items():
        summary[key] = [value]
    for key in _NULLABLE_INT:
        summary[key] = summary[key].astype("Int64")
    summary["seed"] = summary["seed"].astype("uint64")
    daily = model.daily()
    daily["budget_left"] = daily["budget_left"].replace(np.inf, np.nan)
    for i, (key, value) in enumerate({**ident, "replicate": spec.replicate}.items()):
        daily.insert(i, key, value)
    generations = model.generations()
    for i, (key, value) in enumerate({**ident, "replicate": spec.replicate}.items()):
        generations.insert(i, key, value)
    members = None
    if config.experiment.write_members:
        members = model.members()
        members.insert(0, "run_id", spec.run_id)
    return RunOutput(spec.run_id, summary, daily, generations, members)


@dataclass
class Results:
    """An experiment's tables: ``runs`` (one row per run), ``daily`` (one per run-day),
    optional ``members`` and ``sensitivity`` (Sobol indices of a sobol sweep)."""

    runs: pd.DataFrame
    daily: pd.DataFrame
    generations: pd.DataFrame | None = None
    members: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
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
                raise FileNotFoundError(f"{folder / name}: not a finished Fission results folder")

        def optional(name: str) -> pd.DataFrame | None:
            path = folder / name
            return pd.read_parquet(path) if path.is_file() else None

        config_file, manifest_file = folder / "config.toml", folder / "manifest.json"
        return cls(
            runs=pd.read_parquet(folder / "runs.parquet"),
            daily=pd.read_parquet(folder / "daily.parquet"),
            generations=optional("generations.parquet"),
            members=optional("members.parquet"),
            sensitivity=optional("sensitivity.parquet"),
            config=tomllib.loads(config_file.read_text()) if config_file.is_file() else {},
            manifest=json.loads(manifest_file.read_text()) if manifest_file.is_file() else {},
            path=folder,
        )

    def compare(self) -> pd.DataFrame:
        """The scenario comparison (``sim.compare.compare``)."""
        return compare(self.runs)

    def summary_table(self) -> pd.DataFrame:
        """Mean and 90% interval (5th-95th percentile over runs) of the main outcomes."""
        rows = []
        for metric in SUMMARY_METRICS:
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


def getattr_dotted(config: Config, key: str) -> Any:
    """The value of a dotted key (``behaviour.accept_probability``) in a config."""
    value: Any = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


def study_hash(study: Study) -> str:
    """A fingerprint of everything in the study that changes results."""
    text = json.dumps(study.fingerprint(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# The modules whose code decides a run's numbers (not the faces: CLI, app, report).
ENGINE_MODULES = (
    "agents",
    "config",
    "experiment",
    "graphs",
    "incentives",
    "kernels",
    "model",
    "population",
    "seeding",
    "state",
    "streams",
    "study",
)


def engine_fingerprint() -> str:
    """A fingerprint of the engine's code: results made by other code are not resumed."""
    digest = hashlib.sha256()
    folder = Path(__file__).parent
    for name in ENGINE_MODULES:
        digest.update((folder / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def as_study(source: Study | Config | dict[str, Any] | str | Path) -> Study:
    if isinstance(source, Study):
        return source
    if isinstance(source, Config):
        return parse_study(source.to_dict(), source.base_dir)
    if isinstance(source, dict):
        return parse_study(source)
    return load_study(source)


def preflight(study: Study, design: Design, configs: dict[tuple[str, int, int], Config]) -> None:
    """Build each distinct community once here, so bad input (a missing or malformed graph
    file, seed ids not in the graph, more seeds than people) fails before anything is
    written or sent to a cluster."""
    seen = set()
    first_seed = design.runs[0].seed
    for config in configs.values():
        key = json.dumps(
            [config.graph.model_dump(), config.seeds.model_dump(), config.population.model_dump()],
            sort_keys=True,
            default=str,
        )
        if key not in seen:
            seen.add(key)
            ReferralModel(config, rng=first_seed, all_agents=False).close()


def run_experiment(
    source: Study | Config | dict[str, Any] | str | Path,
    out: str | Path | None = None,
    *,
    workers: int = 1,
    address: str | None = None,
    fresh: bool = False,
    posterior: Posterior | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Run every (scenario × sweep point × replicate) of a study.

    Args:
        source: a config file path (TOML or YAML), a ``Config``, plain data, or a ``Study``.
        out: results folder; None keeps everything in memory.
        workers: 1 runs in this process; N > 1 starts a local Dask cluster of N processes.
        address: a running Dask scheduler (``tcp://host:8786``); overrides ``workers``.
        fresh: replace results of a different config in ``out`` instead of refusing.
        posterior: weighted parameter samples (``sim.study.posterior_from_frame``); each
            replicate draws its behaviour from it, scenarios sharing the draw.
        on_progress: called as ``on_progress(done, total)`` after each run.
    """
    study = as_study(source)
    if posterior is not None:
        study = with_posterior(study, posterior)
    design = expand(study)
    configs = {(spec.scenario, spec.point, spec.draw): None for spec in design.runs}
    for scenario, point, draw in configs:  # in design order
        configs[(scenario, point, draw)] = run_config(study, scenario, design.points[point], draw)
    preflight(study, design, configs)

    store = ResultStore(Path(out), study, design) if out is not None else None
    done = store.finished_runs(fresh) if store is not None else set()
    posterior_keys = study.posterior.keys if study.posterior is not None else ()
    todo = [
        RunTask(s, configs[(s.scenario, s.point, s.draw)], posterior_keys)
        for s in design.runs
        if s.run_id not in done
    ]
    # Connect (or start the cluster) before writing anything: an unreachable scheduler
    # must leave the folder as it was.
    executor = make_executor(workers, address) if todo else None
    if store is not None:
        store.open(fresh)
    outputs: list[RunOutput] = []
    total = len(design.runs)
    if on_progress is not None:
        on_progress(len(done), total)
    if executor is not None:
        try:
            for count, output in enumerate(executor.map_unordered(execute_run, todo), 1):
                if store is not None:
                    store.save(output)
                else:
                    outputs.append(output)
                if on_progress is not None:
                    on_progress(len(done) + count, total)
        finally:
            executor.close()
    if store is not None:
        results = store.finish(description_of(workers, address))
    else:
        runs, daily, generations, members = _tables(outputs)
        results = Results(runs, daily, generations, members, config=study.to_dict())
        results.sensitivity = sensitivity(study, design, runs)
    return results


def description_of(workers: int, address: str | None) -> str:
    if address is not None:
        return f"dask:{address}"
    return "in-process" if workers == 1 else f"local dask x{workers}"


def _tables(
    outputs: list[RunOutput],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    outputs = sorted(outputs, key=lambda o: o.run_id)
    runs = pd.concat([o.summary for o in outputs], ignore_index=True)
    daily = pd.concat([o.daily for o in outputs], ignore_index=True)
    generations = pd.concat([o.generations for o in outputs], ignore_index=True)
    members = None
    if outputs and outputs[0].members is not None:
        members = pd.concat([o.members for o in outputs], ignore_index=True)
    return runs, daily, generations, members


def sensitivity(study: Study, design: Design, runs: pd.DataFrame) -> pd.DataFrame | None:
    """First-order and total Sobol indices (SALib) of the main outcomes, per scenario,
    from the replicate means at each point of a sobol sweep."""
    if study.sweep is None or study.sweep.method != "sobol":
        return None
    from SALib.analyze import sobol

    keys = list(study.sweep.params)
    problem = {"num_vars": len(keys), "names": keys, "bounds": [[0.0, 1.0]] * len(keys)}
    rows = []
    for scenario in design.scenarios:
        part = runs[runs["scenario"] == scenario]
        for outcome in SENSITIVITY_OUTCOMES:
            y = part.groupby("point")[outcome].mean().reindex(range(len(design.points)))
            y = y.to_numpy(dtype=float)
            if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
                continue  # undefined somewhere (e.g. cost per paying with no payer) or flat
            indices = sobol.analyze(
                problem, y, calc_second_order=False, seed=study.base.experiment.seed
            )
            for j, key in enumerate(keys):
                rows.append(
                    {
                        "scenario": scenario,
                        "outcome": outcome,
                        "parameter": key,
                        "S1": float(indices["S1"][j]),
                        "S1_conf": float(indices["S1_conf"][j]),
                        "ST": float(indices["ST"][j]),
                        "ST_conf": float(indices["ST_conf"][j]),
                    }
                )
    return pd.DataFrame(rows)


class ResultStore:
    """A results folder: part files per finished run, merged tables at the end."""

    def __init__(self, folder: Path, study: Study, design: Design) -> None:
        self.folder = folder
        self.study = study
        self.design = design
        self.hash = study_hash(study)
        self.engine = engine_fingerprint()
        self.parts = folder / "parts"

    # The files this store owns; --fresh removes only these.
    OWNED = (
        "runs.parquet",
        "daily.parquet",
        "generations.parquet",
        "members.parquet",
        "sensitivity.parquet",
        "config.toml",
        "manifest.json",
        "report.html",
        "images",
        "parts",
    )

    def finished_runs(self, fresh: bool) -> set[int]:
        """Check the folder holds this study's results (or none) and return the ids of the
        runs already finished there. Writes nothing."""
        manifest = self._manifest()
        if manifest and manifest.get("config_hash") != self.hash and not fresh:
            raise ConfigError(
                f"{self.folder}: holds results of a different config "
                f"(hash {manifest.get('config_hash')}, this one {self.hash}); "
                "use --fresh to replace them or --out for another folder"
            )
        if manifest and manifest.get("engine") != self.engine and not fresh:
            raise ConfigError(
                f"{self.folder}: holds results made by another version of the engine "
                f"(Fission {manifest.get('fission_version', '?')}, engine "
                f"{manifest.get('engine', 'unrecorded')}; this one {self.engine}), which "
                "would not match runs made now; use --fresh to recompute them or --out "
                "for another folder"
            )
        if fresh or not manifest:
            return set()
        if manifest.get("status") == "complete":
            return {spec.run_id for spec in self.design.runs}
        return {int(p.stem) for p in (self.parts / "runs").glob("*.parquet")}

    def open(self, fresh: bool) -> None:
        """Make the folder ready to receive runs (with --fresh, clear our files first)."""
        manifest = self._manifest()
        if fresh:
            for name in self.OWNED:
                path = self.folder / name
                if path.is_dir():
                    shutil.rmtree(path)
                elif path.exists():
                    path.unlink()
            manifest = {}
        if manifest.get("status") == "complete":
            return
        for sub in ("runs", "daily", "generations", "members"):
            (self.parts / sub).mkdir(parents=True, exist_ok=True)
        if not manifest:
            self._write_manifest(status="running", started=_now())
            _atomic_write_text(self.folder / "config.toml", _toml(self.study.to_dict()))

    def save(self, output: RunOutput) -> None:
        """Store one finished run; its summary part is written last, marking it done."""
        name = f"{output.run_id:08d}.parquet"
        if output.members is not None:
            _atomic_parquet(output.members, self.parts / "members" / name)
        _atomic_parquet(output.daily, self.parts / "daily" / name)
        _atomic_parquet(output.generations, self.parts / "generations" / name)
        _atomic_parquet(output.summary, self.parts / "runs" / name)

    def finish(self, backend: str) -> Results:
        """Merge the parts into the final tables (atomically) and mark the folder complete."""
        manifest = self._manifest()
        if manifest.get("status") == "complete":
            return Results.load(self.folder)
        frames = {
            sub: [pd.read_parquet(p) for p in sorted((self.parts / sub).glob("*.parquet"))]
            for sub in ("runs", "daily", "generations", "members")
        }
        runs = pd.concat(frames["runs"], ignore_index=True).sort_values("run_id")
        missing = {s.run_id for s in self.design.runs} - set(runs["run_id"])
        if missing:
            raise RuntimeError(f"{len(missing)} runs are missing from {self.parts}")
        runs = runs.reset_index(drop=True)
        daily = pd.concat(frames["daily"], ignore_index=True)
        daily = daily.sort_values(["run_id", "day"], kind="stable").reset_index(drop=True)
        generations = pd.concat(frames["generations"], ignore_index=True)
        generations = generations.sort_values(["run_id", "generation"], kind="stable")
        generations = generations.reset_index(drop=True)
        members = None
        if frames["members"]:
            members = pd.concat(frames["members"], ignore_index=True)
            members = members.sort_values(["run_id", "node"], kind="stable")
            members = members.reset_index(drop=True)
        indices = sensitivity(self.study, self.design, runs)
        _atomic_parquet(runs, self.folder / "runs.parquet")
        _atomic_parquet(daily, self.folder / "daily.parquet")
        _atomic_parquet(generations, self.folder / "generations.parquet")
        if members is not None:
            _atomic_parquet(members, self.folder / "members.parquet")
        if indices is not None:
            _atomic_parquet(indices, self.folder / "sensitivity.parquet")
        self._write_manifest(
            status="complete",
            started=manifest.get("started", _now()),
            finished=_now(),
            backend=backend,
        )
        shutil.rmtree(self.parts, ignore_errors=True)
        return Results.load(self.folder)

    def _manifest(self) -> dict[str, Any]:
        path = self.folder / "manifest.json"
        if not path.is_file():
            return {}
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            return {"config_hash": "unreadable"}

    def _write_manifest(self, **fields: Any) -> None:
        from sim import __version__

        base = self.study.base.experiment
        manifest = {
            "fission_version": __version__,
            "experiment": base.name,
            "config_hash": self.hash,
            "engine": self.engine,
            "root_seed": base.seed,
            "runs": len(self.design.runs),
            "scenarios": list(self.design.scenarios),
            "sweep_points": len(self.design.points),
            "replicates": base.replicates,
            **fields,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write_text(self.folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")


def _toml(data: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps(data)


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def default_out_dir(study: Study) -> Path:
    return Path("results") / study.base.experiment.name
