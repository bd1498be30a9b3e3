"""Files that survive a kill or a power cut, and a folder's lock: the one way Fission writes.

``write_atomic(path, write)`` writes a file under a temporary name in the same folder
(``.fission-tmp-…``), flushes it to disk (fsync), renames it into place and flushes the
folder, so ``path`` is at every moment either the old file or the whole new one, and
after a power cut never a zero-length or half-written file. A kill between the write
and the rename leaves only the temporary file, which ``remove_leftovers`` deletes at the
next run. New files get the usual permissions (0o666 less the umask), like any file a
program creates: the kernel applies the umask to ``os.open``'s mode, so nothing here
reads or changes the process's umask.

``FolderLock`` holds an OS lock (``fcntl.flock``) on ``.fission.lock`` inside a folder
for as long as a run or a report writes there. A second process is refused at once
(``FolderInUse``, a one-line error) instead of mixing its files with the first's. The
OS drops the lock when the process holding it ends, however it ends (kill -9, OOM), so
a lock left by a killed run needs no clean-up: the next run simply takes it. The lock
file stays in the folder (deleting it would race with a process opening it).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config import ConfigError

if TYPE_CHECKING:
    import pandas as pd

TEMP_PREFIX = ".fission-tmp-"
LOCK_NAME = ".fission.lock"
# Temporary files of Fission versions before this module (tempfile.mkstemp's names:
# ".<name>." and 8 random characters), for a file Fission writes in a results folder.
_LEGACY_TEMP = re.compile(
    r"\.(?:runs|daily|generations|members|sensitivity|\d{8})\.parquet\.[a-z0-9_]{8}"
    r"|\.(?:manifest\.json|config\.toml|report\.html)\.[a-z0-9_]{8}"
)


def is_leftover(name: str) -> bool:
    """Whether ``name`` is a temporary file that a killed Fission process left behind."""
    return name.startswith(TEMP_PREFIX) or _LEGACY_TEMP.fullmatch(name) is not None


def sync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename or a new file in it) to disk."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_file(path: Path) -> None:
    """Flush a file's content to disk (any descriptor of the file will do)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(folder: Path) -> None:
    """``mkdir -p`` whose new folders survive a power cut (mode 0o777 less the umask)."""
    folder = Path(folder)
    if folder.is_dir():
        return
    make_dirs(folder.parent)
    with contextlib.suppress(FileExistsError):
        folder.mkdir()
    sync_dir(folder.parent)


def temp_path(folder: Path, name: str) -> Path:
    """A new, empty file ``.fission-tmp-<name>.<random>`` in ``folder``, created with
    mode 0o666 less the umask (``tempfile.mkstemp`` would make it 0o600)."""
    while True:
        path = Path(folder) / f"{TEMP_PREFIX}{name}.{secrets.token_hex(4)}"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path


def temp_dir(folder: Path, name: str) -> Path:
    """A new, empty folder ``.fission-tmp-<name>.<random>`` in ``folder`` (0o777 less umask)."""
    while True:
        path = Path(folder) / f"{TEMP_PREFIX}{name}.{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def commit(tmp: Path, path: Path) -> None:
    """Make the finished file ``tmp`` durable and rename it to ``path`` (same folder)."""
    sync_file(tmp)
    os.replace(tmp, path)
    sync_dir(path.parent)


def replace_folder(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out`` (same parent folder). An earlier ``out``
    is renamed aside first and deleted only once the new one is in place, so ``out`` is
    always either whole folder, even after a kill."""
    if out.exists():
        old = temp_dir(out.parent, f"{out.name}.old")
        os.replace(out, old / "previous")
        os.replace(tmp, out)
        sync_dir(out.parent)
        shutil.rmtree(old)
    else:
        os.replace(tmp, out)
        sync_dir(out.parent)


def write_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """Write ``path`` atomically and durably: ``write(tmp)`` fills a temporary file beside
    it, which is flushed to disk and renamed into place; the folder is flushed too."""
    path = Path(path)
    tmp = temp_path(path.parent, path.name)
    try:
        write(tmp)
        commit(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text(path: Path, text: str) -> None:
    """``text`` (UTF-8) to ``path``, atomically and durably."""
    write_atomic(path, lambda tmp: tmp.write_bytes(text.encode("utf-8")))


# A column's values are dictionary-encoded until its dictionary reaches this many bytes,
# then written plain. Arrow's 1 MiB default lets a column of mostly distinct values (a
# member's margin) build a large dictionary before giving up: with 64 KiB a million
# members' table is written in 25-30% less time and is 3-4% smaller, while columns of
# few values (role, segment) stay dictionary-encoded.
DICTIONARY_BYTES = 64 * 1024


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as parquet (no index) to ``path``, atomically and durably.

    Integer columns (run ids, days, person numbers, counts) are delta-encoded: no
    dictionary to build and hash each value into, and runs of equal or slowly rising
    values pack into a few bits. At a million members (three replicates' members table,
    1.76 million rows) that wrote in 344 ms instead of 436, read back in 90 ms instead of
    137, and took 28.8 MB instead of 38.3 (benchmarks/README.md, session 13). Every
    other column is dictionary-encoded up to ``DICTIONARY_BYTES``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    integers = {f.name for f in table.schema if pa.types.is_integer(f.type)}
    options = {
        "use_dictionary": [name for name in table.schema.names if name not in integers],
        "column_encoding": dict.fromkeys(integers, "DELTA_BINARY_PACKED"),
        "dictionary_pagesize_limit": DICTIONARY_BYTES,
    }
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, **options))


def remove_leftovers(folder: Path) -> None:
    """Delete the temporary files (and folders) a killed Fission process left in ``folder``."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for entry in folder.iterdir():
        if not is_leftover(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()


class FolderInUse(ConfigError):
    """Another process holds the folder's lock."""


class FolderLock:
    """An exclusive OS lock on ``folder/.fission.lock`` (the folder must exist).

    ``acquire()`` refuses at once with ``FolderInUse`` when another process holds it;
    ``release()`` (or the end of the process, whatever ends it) drops it.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        import fcntl

        path = self.folder / LOCK_NAME
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(os.fstat(fd).st_ino)
                os.close(fd)
                raise FolderInUse(
                    f"{self.folder}: in use by another Fission process{holder} that is "
                    "writing there; wait for it to finish, or use another folder"
                ) from None
            try:  # the file locked must still be the one at the path
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return self
            os.close(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _holder(inode: int) -> str:
    """`` (pid N)`` of the process holding a flock on the file ``inode`` (Linux), or ''."""
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return ""
    for line in lines:
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].split(":")[-1] == str(inode):
            return f" (pid {fields[4]})"
    return ""
