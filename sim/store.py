"""A results folder: crash-safe batches of part files, resume, the merged tables, the manifest.

Finished runs are written in batches of part files (``sim.parts``: at least once a
second, and when the study ends or is stopped), so a sweep killed at any moment loses at
most the runs of the batch not yet written and those in flight. Running the same command
again skips the finished runs (a damaged batch, say one a power cut left empty, is found
and its runs made again); the merged tables equal an uninterrupted run's because every
run is a pure function of its config and seed. The manifest records the study's hash
(``study_hash``) and the engine's (``engine_fingerprint``): results of another config or
of other engine code are refused rather than mixed with new runs.

Every file is written through ``sim.files`` (temporary file, fsync, rename, fsync of the
folder), and a run holds the folder's lock (``sim.files.FolderLock``) from its first
look at the folder to its end, so a second run into the same folder is refused. Fission
writes only into a folder that is empty or holds its results (a ``manifest.json`` it
wrote), and deletes only the files it writes. With ``--fresh`` over earlier results the
new study is built in ``.fission-staging/`` inside the folder and moved into place only
once complete: until then the folder still holds the earlier results, whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.files import (
    FolderLock,
    is_leftover,
    make_dirs,
    remove_leftovers,
    sync_dir,
    write_parquet,
    write_text,
)
from sim.parts import (
    OPTIONAL_PARTS,
    PART_KINDS,
    PART_NAME,
    Batcher,
    batch_name,
    batch_numbers,
    read_arrow,
    whole_batches,
)
from sim.points import POINTS_FILE, point_table, wide_point_table
from sim.results import WORKBOOK_FILE, Results
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
    "groups",
    "incentives",
    "influence",
    "kernels",
    "lures",
    "mechanism",
    "model",
    "money",
    "outputs",
    "params",
    "parts",
    "people",
    "population",
    "registry",
    "rewards",
    "risk",
    "rootseed",
    "runs",
    "seeding",
    "sensitivity",
    "state",
    "store",
    "streams",
    "study",
    "tables",
    "roles",
    "value",
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


def default_out_dir(study: Study, overrides: dict[str, Any] | None = None) -> Path:
    """``results/<experiment.name>``, or with command-line overrides (``--set``,
    ``--replicates``) ``results/<name>-<8 hex digits of their hash>``, so that variations
    of one config never land in each other's folder. A name is never a path (``..``,
    ``a/b``, ``.x``)."""
    name = study.base.experiment.name
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"experiment.name: {name!r} is not a plain folder name (letters, digits, '_', "
            "'-', '.', not starting with '.'); rename it or pass --out"
        )
    if overrides:
        text = json.dumps(sorted(overrides.items()), default=str)
        name = f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    return Path("results") / name


_NAME = re.compile(r"[\w\-][\w.\-]*")  # \w: letters of any script (Chinese), digits, _
STAGING = ".fission-staging"  # a --fresh run's new results, until they are complete
SIGNATURE = "fission results"  # manifest.json's "format": Fission wrote this folder
_IMAGE = re.compile(r"[A-Za-z0-9_\-]+\.(?:png|svg)")


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """``folder/manifest.json`` as a dict; {} when there is none, None when unreadable."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def is_results_folder(folder: Path) -> bool:
    """Whether Fission wrote ``folder``: its manifest.json carries Fission's signature
    (or, written before the signature, Fission's version and a config hash)."""
    manifest = read_manifest(folder)
    if not manifest:
        return False
    return manifest.get("format") == SIGNATURE or {"fission_version", "config_hash"} <= set(
        manifest
    )


def check_results_folder(folder: Path) -> None:
    """Refuse a folder that is neither absent, nor empty, nor a Fission results folder:
    Fission must not overwrite or delete somebody's own files."""
    folder = Path(folder)
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ConfigError(f"{folder}: is a file, not a results folder; choose another --out")
    if is_results_folder(folder):
        return
    others = sorted(p.name for p in folder.iterdir() if not _scaffolding(p.name))
    if others:
        more = f" and {len(others) - 1} more" if len(others) > 1 else ""
        raise ConfigError(
            f"{folder}: not a Fission results folder (it holds {others[0]}{more}), and "
            "Fission writes only into an empty folder or one it wrote; choose another --out"
        )


def _scaffolding(name: str) -> bool:
    """Fission's files that do not make a folder a results folder: its lock, a --fresh
    run's staging folder and temporary files."""
    return name.startswith(".fission") or is_leftover(name)


class ResultStore:
    """A results folder: batches of finished runs' part files, merged tables at the end.

    ``acquire()`` locks the folder (call it before looking at the folder when it
    exists), ``finished_runs`` checks what the folder holds, ``open`` makes it ready,
    ``save`` stores each run (in the next batch), ``flush`` writes the runs waiting
    (call it when the runs stop, however they stop), ``finish`` merges, and
    ``release()`` unlocks.
    """

    def __init__(self, folder: Path, study: Study, design: Design) -> None:
        self.folder = Path(folder)
        self.study = study
        self.design = design
        self.hash = study_hash(study)
        self.engine = engine_fingerprint()
        self.work = self.folder  # where this run writes: the folder, or its staging folder
        self.lock = FolderLock(self.folder)
        self._batcher: Batcher | None = None  # finished runs not yet written (``open``)

    # The files this store owns; --fresh removes only these.
    OWNED = (
        "runs.parquet",
        "daily.parquet",
        "generations.parquet",
        "members.parquet",
        "weeks.parquet",
        "groups.parquet",
        "sensitivity.parquet",
        "config.toml",
        "manifest.json",
        "report.html",
        "images",
        "parts",
        POINTS_FILE,
        WORKBOOK_FILE,
    )

    @property
    def parts(self) -> Path:
        return self.work / "parts"

    # ------------------------------------------------------------------ the lock

    def acquire(self) -> None:
        """Lock the folder for this run, creating it: a second run is refused at once
        (``sim.files.FolderInUse``). Then finish moving in a --fresh run's complete
        results if a kill stopped it halfway, and delete what killed runs left behind."""
        check_results_folder(self.folder)
        make_dirs(self.folder)
        self.lock.acquire()
        try:
            check_results_folder(self.folder)  # as it is now that nobody else writes
            self._recover()
            self._clean()
        except BaseException:
            self.lock.release()
            raise

    def release(self) -> None:
        self.lock.release()

    def _recover(self) -> None:
        """Complete a --fresh run's move of its new results into place, stopped halfway."""
        manifest = read_manifest(self.folder) or {}
        if manifest.get("status") != "replacing":
            return
        staged = read_manifest(self.folder / STAGING) or {}
        if staged.get("status") == "complete" and staged.get("config_hash") == manifest.get(
            "config_hash"
        ):
            self._move_in(list(manifest.get("replacing", [])))
        # else the folder stays marked "replacing" (unfinished); a run of its config
        # makes every run again and replaces every table

    def _clean(self) -> None:
        """Delete the temporary files and the staging folder killed runs left behind."""
        staging = self.folder / STAGING
        if staging.exists() and not staging.is_symlink():
            shutil.rmtree(staging)
        for folder in (self.folder, self.folder / "images", self.parts):
            remove_leftovers(folder)
        if self.parts.is_dir():
            for kind in PART_KINDS:
                remove_leftovers(self.parts / kind)

    # ------------------------------------------------------------------ the runs

    def finished_runs(self, fresh: bool) -> set[int]:
        """Check the folder holds this study's results (or none) and return the ids of the
        runs already finished there (whole and readable). Writes nothing."""
        check_results_folder(self.folder)
        manifest = read_manifest(self.folder) or {}
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
        # --fresh over earlier results: build the new ones beside them, replace at the end
        self.work = self.folder / STAGING if fresh and manifest else self.folder
        if fresh or not manifest:
            return set()
        if manifest.get("status") == "complete":
            return {spec.run_id for spec in self.design.runs}
        return set().union(*whole_batches(self.parts, self._run_ids()).values())

    def _run_ids(self) -> set[int]:
        return {spec.run_id for spec in self.design.runs}

    def open(self, fresh: bool) -> None:
        """Make the folder ready to receive runs (call ``finished_runs`` first): the
        files of batches that are not whole are deleted (their runs are made again)."""
        if self.work != self.folder:  # --fresh over earlier results: a new staging folder
            if self.work.exists():
                shutil.rmtree(self.work)
            make_dirs(self.work)
            self._write_manifest(self.work, status="running", started=_now())
        else:
            manifest = read_manifest(self.folder) or {}
            if manifest.get("status") == "complete":
                _remove_ours(self.parts)  # a kill while they were being removed
                return
            if manifest.get("status") != "running":
                self._write_manifest(
                    self.folder, status="running", started=manifest.get("started", _now())
                )
        # the manifest first: it marks the folder as Fission's
        write_text(self.work / "config.toml", toml_text(self.study.to_dict()))
        for kind in PART_KINDS:
            make_dirs(self.parts / kind)
        numbers = batch_numbers(self.parts)
        whole = whole_batches(self.parts, self._run_ids())
        for number in set(numbers) - set(whole):
            for kind in PART_KINDS:
                _remove_ours(self.parts / kind / batch_name(number))
        self._batcher = Batcher(self.parts, max(numbers, default=-1) + 1)

    def save(self, output: RunOutput) -> None:
        """Store one finished run: it joins the batch written next (``sim.parts``)."""
        self._batcher.add(output)

    def flush(self) -> None:
        """Write the finished runs not yet written (at the end, and when stopped)."""
        if self._batcher is not None:
            self._batcher.flush()

    def finish(self, backend: str) -> Results:
        """Merge the parts into the final tables, then write config.toml and mark the
        folder complete; a --fresh run's results then replace the earlier ones."""
        manifest = read_manifest(self.work) or {}
        if self.work == self.folder and manifest.get("status") == "complete":
            return Results.load(self.folder)
        self.flush()
        frames = self._read_parts()
        runs = _merged(frames["runs"], ["run_id"])
        daily = _merged(frames["daily"], ["run_id", "day"])
        generations = _merged(frames["generations"], ["run_id", "generation"])
        members = _merged(frames["members"], ["run_id", "node"])
        weeks = _merged(frames["weeks"], ["run_id", "week"])
        groups = _merged(frames["groups"], ["run_id", "group", "week"])
        indices = sensitivity(self.study, self.design, runs)
        write_parquet(runs, self.work / "runs.parquet")
        write_parquet(daily, self.work / "daily.parquet")
        write_parquet(generations, self.work / "generations.parquet")
        optional = {"members": members, "weeks": weeks, "groups": groups, "sensitivity": indices}
        for name, table in ((f"{kind}.parquet", t) for kind, t in optional.items()):
            if table is not None:
                write_parquet(table, self.work / name)
            else:
                _remove_ours(self.work / name)  # another config's, left by an odd stop
        points = point_table(runs, list(self.study.sweep.params)) if self.study.sweep else None
        if points is not None:
            write_text(self.work / POINTS_FILE, wide_point_table(points).to_csv(index=False))
        else:
            _remove_ours(self.work / POINTS_FILE)
        for name in ("report.html", "images", WORKBOOK_FILE):  # drawn from other tables
            _remove_ours(self.work / name)
        write_text(self.work / "config.toml", toml_text(self.study.to_dict()))
        self._write_manifest(
            self.work,
            status="complete",
            started=manifest.get("started", _now()),
            finished=_now(),
            backend=backend,
        )
        _remove_ours(self.parts)
        if self.work != self.folder:
            self._replace_with_staging()
            self.work = self.folder
        # The tables as merged here, not read back from the files just written (a second
        # of reading at a million members); equal to ``Results.load`` (test_results_folder.py).
        return Results(
            runs=runs,
            daily=daily,
            generations=generations,
            members=members,
            sensitivity=indices,
            weeks=weeks,
            groups=groups,
            config=tomllib.loads((self.folder / "config.toml").read_text()),
            manifest=read_manifest(self.folder) or {},
            path=self.folder,
        )

    def _read_parts(self) -> dict[str, list[pd.DataFrame]]:
        """Every whole batch's tables, by kind, in batch order; a batch found damaged now
        is deleted (so the next run makes its runs again) and reported."""
        whole = whole_batches(self.parts, self._run_ids())
        missing = self._run_ids().difference(*whole.values())
        if missing:
            raise RuntimeError(f"{len(missing)} runs are missing from {self.parts}")
        frames: dict[str, list[pd.DataFrame]] = {kind: [] for kind in PART_KINDS}
        written = self._batcher.written if self._batcher is not None else {}
        for number in whole:
            name = batch_name(number)
            for kind in PART_KINDS:
                if number in written:  # this process wrote it: its tables are in memory
                    if kind in written[number]:
                        frames[kind].append(written[number][kind])
                    continue
                path = self.parts / kind / name
                if kind in OPTIONAL_PARTS and not path.exists():
                    continue
                try:
                    frames[kind].append(read_arrow(path))
                except Exception as err:
                    for other in PART_KINDS:
                        _remove_ours(self.parts / other / name)
                    raise RuntimeError(
                        f"{path}: damaged ({err}); run the same command again to make "
                        f"its runs again"
                    ) from err
        return frames

    # ------------------------------------------------------------------ --fresh

    def _replace_with_staging(self) -> None:
        """Replace the folder's earlier results by the complete ones in the staging folder.

        The folder's manifest first says "replacing" and lists the new files; then the
        earlier files go, the new ones are renamed in, and the new manifest ("complete")
        is renamed in last. A kill on the way leaves the folder marked "replacing", and
        the next run into it finishes the move (``_recover``).
        """
        staging = self.folder / STAGING
        staged = read_manifest(staging) or {}
        plan = sorted(
            p.name
            for p in staging.iterdir()
            if p.name != "manifest.json" and not _scaffolding(p.name)
        )
        write_text(
            self.folder / "manifest.json",
            json.dumps({**staged, "status": "replacing", "replacing": plan}, indent=2) + "\n",
        )
        self._move_in(plan)

    def _move_in(self, plan: list[str]) -> None:
        staging = self.folder / STAGING
        for name in self.OWNED:
            if name != "manifest.json" and name not in plan:
                _remove_ours(self.folder / name)
        for name in plan:
            source = staging / name
            if source.exists():
                if (self.folder / name).is_dir():
                    _remove_ours(self.folder / name)
                os.replace(source, self.folder / name)
        sync_dir(self.folder)
        os.replace(staging / "manifest.json", self.folder / "manifest.json")
        sync_dir(self.folder)
        shutil.rmtree(staging)
        sync_dir(self.folder)

    def _write_manifest(self, folder: Path, **fields: Any) -> None:
        from sim.version import __version__

        base = self.study.base.experiment
        manifest = {
            "format": SIGNATURE,
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
        make_dirs(folder)
        write_text(folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")


def _merged(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame | None:
    """One table from its parts' frames, its rows in ``order`` (None without parts).
    Parts are mostly in order already (a batch's runs in run order, a run's rows in
    order): the sort, a few tenths of a second at a million members, runs only if not."""
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if _in_order(table, order):
        return table
    # Runs that finished out of order (on workers): each run's rows are together and in
    # order, so putting the runs in order is enough, without sorting the rows (at a
    # million members a run, the sort cost the parent a few tenths of a second a run).
    ids = table["run_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    if np.unique(ids[starts]).size == starts.size:  # each run's rows in one block
        lengths = np.diff(np.r_[starts, ids.size])
        by_run = np.argsort(ids[starts], kind="stable")
        first, length = starts[by_run], lengths[by_run]
        placed = np.r_[0, np.cumsum(length)[:-1]]  # where each block goes
        rows = np.arange(ids.size) + np.repeat(first - placed, length)
        table = table.take(rows).reset_index(drop=True)
        if _in_order(table, order):
            return table
    return table.sort_values(order, kind="stable").reset_index(drop=True)


def _in_order(table: pd.DataFrame, order: list[str]) -> bool:
    """Whether the rows are sorted by the columns ``order`` (lexicographically)."""
    if len(table) < 2:
        return True
    undecided = np.ones(len(table) - 1, dtype=bool)  # pairs equal on the columns so far
    for column in order:
        values = table[column].to_numpy()
        ahead, behind = values[1:], values[:-1]
        if np.any(undecided & (ahead < behind)):
            return False
        undecided &= ahead == behind
        if not undecided.any():
            return True
    return True


def _remove_ours(path: Path) -> None:
    """Delete a file or folder Fission writes in a results folder: in a folder (parts/,
    images/), only the files Fission names so; the folder goes only if then empty."""
    if path.is_symlink() or path.is_file():
        path.unlink()
        return
    if not path.is_dir():
        return
    pattern = _IMAGE if path.name == "images" else PART_NAME
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink() and path.name == "parts":
            if entry.name in PART_KINDS:
                _remove_ours(entry)
        elif pattern.fullmatch(entry.name) or is_leftover(entry.name):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    with contextlib.suppress(OSError):  # something not Fission's stays, with its folder
        path.rmdir()


def toml_text(data: dict[str, Any]) -> str:
    """``data`` as TOML text (tomli-w)."""
    import tomli_w

    return tomli_w.dumps(data)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
