"""The folders the app may touch, and names inside them: never a path from the page.

The person who starts ``fission app`` names three folders on the command line: the
graphs it offers (``--graphs``, read only), where Save as study writes (``--save-dir``)
and the results folders it opens (``--results-root``). A request from the page carries
only a *name* inside one of them; ``inside`` turns it into a path, or refuses with a
``ConfigError`` naming the field. Refused: empty names, absolute paths, ``..``, and any
name whose real path (symlinks resolved) is outside the folder's real path, so a link
planted in a folder cannot lead out of it. Nothing else on the server is read or written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sim.config import ConfigError

DEFAULT_GRAPHS_DIR = Path(__file__).resolve().parents[2] / "data" / "graphs"  # shipped networks
EDGE_LIST_SUFFIXES = (".txt", ".edges", ".csv", ".tsv", ".el")  # each also with ".gz"
DEFAULT_SAVE_DIR = Path("studies")  # relative to the folder the server runs in
DEFAULT_RESULTS_ROOT = Path("results")  # where `fission run` writes by default
# A saved study's file name: letters, digits, "_", "-", "." and spaces, no folder.
STUDY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\- ]{0,99}\.toml")


@dataclass(frozen=True)
class Folders:
    """The app's three folders (``None`` for graphs: no edge lists offered)."""

    graphs: Path | None = DEFAULT_GRAPHS_DIR
    save: Path = DEFAULT_SAVE_DIR
    results: Path = DEFAULT_RESULTS_ROOT


DEFAULT_FOLDERS = Folders()


def inside(folder: Path | None, name: object, field: str, *, nested: bool = False) -> Path:
    """The real path of ``name`` inside ``folder``; ``ConfigError`` naming ``field`` when
    ``name`` is not a plain relative name there (``nested``: sub-folders allowed)."""
    if folder is None:
        raise ConfigError(f"{field}: no folder for it was given when the app started")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{field}: enter a name")
    name = name.strip()
    parts = PurePosixPath(name).parts
    if (
        "\\" in name
        or "\x00" in name
        or name.startswith(("/", "~"))
        or ".." in parts
        or (len(parts) > 1 and not nested)
    ):
        what = "a name inside" if not nested else "a relative name inside"
        raise ConfigError(f"{field}: {what} {folder}, not a path ({name!r})")
    root = Path(folder).resolve()
    path = (root / name).resolve()
    if path != root and root not in path.parents:
        raise ConfigError(f"{field}: {name!r} leads outside {folder}")
    return path


def edge_list_suffix(name: str) -> str:
    """The suffix that says what a file holds, under a ``.gz``: ``.txt`` for ``a.txt.gz``."""
    return Path(name.lower().removesuffix(".gz")).suffix


def edge_lists(folder: Path | str | None) -> list[str]:
    """Edge-list files in ``folder`` (names relative to it), plain or gzip-compressed
    (``facebook_combined.txt.gz``), sorted; [] if no folder. A link leading out of the
    folder is not offered (``graph_file`` would refuse it)."""
    if folder is None or not Path(folder).is_dir():
        return []
    root = Path(folder).resolve()
    return sorted(
        str(p.relative_to(folder))
        for p in Path(folder).rglob("*")
        if p.is_file()
        and edge_list_suffix(p.name) in EDGE_LIST_SUFFIXES
        and root in p.resolve().parents
    )


def graph_file(folder: Path | None, name: object) -> Path:
    """An edge-list file inside the graphs folder, by its name relative to it."""
    path = inside(folder, name, "graph.path", nested=True)
    if not path.is_file() or edge_list_suffix(path.name) not in EDGE_LIST_SUFFIXES:
        raise ConfigError(f"graph.path: {name!r} is not an edge list in the graphs folder")
    return path


def study_file(folder: Path, name: object) -> Path:
    """Where Save as study writes the study ``name`` (a file name ending in .toml)."""
    text = name.strip() if isinstance(name, str) else ""
    if not STUDY_NAME.fullmatch(text):
        raise ConfigError(
            f"save: a file name ending in .toml (letters, digits, _ - .; no folders), "
            f"saved in {folder}"
        )
    path = inside(folder, text, "save")
    if (Path(folder) / text).is_symlink():  # a link would write somewhere else
        raise ConfigError(f"save: {text} in {folder} is a link; choose another name")
    return path


def results_folder(root: Path, name: object) -> Path:
    """A results folder inside the results root, by its name relative to the root."""
    path = inside(root, name, "results folder", nested=True)
    if not path.is_dir():
        raise ConfigError(f"results folder: no folder {name!r} in {root}")
    return path
