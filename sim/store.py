"""A results folder: crash-safe part files per run, resume, the merged tables, the manifest.

Each finished run is written to its own part files (written, then renamed into place), so
a sweep killed at any moment loses at most the runs in flight. Running the same command
again skips the finished runs; the merged tables equal an uninterrupted run's because
every run is a pure function of its config and seed. The manifest records the study's
hash (``study_hash``) and the engine's (``engine_fingerprint``): results of another
config or of other engine code are refused rather than mixed with new runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.config import ConfigError
from sim.results import Results
from sim.sensitivity import sensitivity
from sim.study import Design, Study

if TYPE_CHECKING:
    from sim.runs import RunOutput

# What decides a run's numbers (not the faces: CLI, app, report, charts, ``sim.results``):
# modules and packages under sim/, a package counting with all its .py files.
ENGINE_MODULES = (
    "agents",
    "channels",
    "community",
    "config",
    "experiment",
    "family",
    "graphs",
    "incentives",
    "influence",
    "kernels",
    "lures",
    "mechanism",
    "model",
    "money",
    "outputs",
    "params",
    "people",
    "population",
    "registry",
    "rewards",
    "rootseed",
    "runs",
    "seeding",
    "sensitivity",
    "state",
    "store",
    "streams",
    "study",
    "tables",
)


def engine_fingerprint() -> str:
    """A fingerprint of the engine's code: results made by other code are not resumed."""
    digest = hashlib.sha256()
    folder = Path(__file__).parent
    for path in _engine_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _engine_files(folder: Path) -> list[Path]:
    """The source files of ``ENGINE_MODULES``: ``name.py``, or every .py of package ``name``."""
    files = []
    for name in ENGINE_MODULES:
        package = folder / name
        if package.is_dir():
            files.extend(sorted(package.rglob("*.py")))
        else:
            files.append(folder / f"{name}.py")  # a missing module fails when read
    return files


def study_hash(study: Study) -> str:
    """A fingerprint of everything in the study that changes results."""
    text = json.dumps(study.fingerprint(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def default_out_dir(study: Study) -> Path:
    return Path("results") / study.base.experiment.name


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
            _atomic_write_text(self.folder / "config.toml", toml_text(self.study.to_dict()))

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
        from sim.version import __version__

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


def toml_text(data: dict[str, Any]) -> str:
    """``data`` as TOML text (tomli-w)."""
    import tomli_w

    return tomli_w.dumps(data)


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` as parquet: to a temporary file, then renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``: to a temporary file, then renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
