"""An optimisation's folder: locked while a search writes it, marked as Fission's by its
manifest, resumed only by the same search (the same study, levers, objective, budget
rules and engine; ``--trials`` may grow), cleared by ``--fresh`` of the files it owns.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from sim.config import ConfigError
from sim.files import FolderLock, make_dirs, write_text
from sim.store import engine_fingerprint, read_manifest

SIGNATURE = "fission optimise"
OWNED = (
    "evaluations",
    "optuna.journal",
    "optuna.journal.lock",
    "trials.parquet",
    "pareto.parquet",
    "importance.parquet",
    "recommended.toml",
    "report.html",
    "manifest.json",
)


def search_hash(study_fingerprint: dict[str, Any], table: dict[str, Any]) -> str:
    """What a stored search depends on: the study and its ``[optimise]`` table less
    ``trials`` (asking for more trials continues the same search)."""
    table = {k: v for k, v in table.items() if k != "trials"}
    text = json.dumps([study_fingerprint, table], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class SearchFolder:
    """The output folder of ``fission optimise``; ``open`` locks and checks it."""

    def __init__(self, folder: Path, config_hash: str) -> None:
        self.folder = Path(folder)
        self.hash = config_hash
        self.engine = engine_fingerprint()
        self.lock = FolderLock(self.folder)

    def open(self, fresh: bool) -> None:
        """Lock the folder (creating it) and check it holds this search or nothing;
        ``fresh`` deletes another search's files first."""
        self._refuse_foreign()
        make_dirs(self.folder)
        self.lock.acquire()
        try:
            self._refuse_foreign()
            manifest = read_manifest(self.folder) or {}
            same = manifest.get("config_hash") == self.hash
            same = same and manifest.get("engine") == self.engine
            if manifest and not same and not fresh:
                raise ConfigError(
                    f"{self.folder}: holds another search (a different study, "
                    "[optimise] table or engine); use --fresh to replace it or --out "
                    "for another folder"
                )
            if fresh:
                for name in OWNED:
                    path = self.folder / name
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path)
                    elif path.exists() or path.is_symlink():
                        path.unlink()
            self.write_manifest(status="running")
        except BaseException:
            self.lock.release()
            raise

    def close(self) -> None:
        self.lock.release()

    def write_manifest(self, **fields: Any) -> None:
        from sim.version import __version__

        manifest = {
            "format": SIGNATURE,
            "fission_version": __version__,
            "config_hash": self.hash,
            "engine": self.engine,
            **fields,
        }
        write_text(self.folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")

    def _refuse_foreign(self) -> None:
        """Fission writes only into an empty folder or one an optimisation wrote."""
        if not self.folder.exists():
            return
        if not self.folder.is_dir():
            raise ConfigError(f"{self.folder}: is a file, not a folder; choose another --out")
        manifest = read_manifest(self.folder)
        if manifest and manifest.get("format") == SIGNATURE:
            return
        others = sorted(p.name for p in self.folder.iterdir() if not p.name.startswith("."))
        if others:
            raise ConfigError(
                f"{self.folder}: not an optimisation folder (it holds {others[0]}"
                f"{f' and {len(others) - 1} more' if len(others) > 1 else ''}); "
                "choose another --out"
            )
