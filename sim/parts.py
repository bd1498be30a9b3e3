"""A study's finished runs on disk while it runs: batches of part files under ``parts/``.

Runs finish many times a second, and writing each run's tables to their own files costs
more than a small run itself (a parquet file per table per run, each flushed to disk).
So finished runs are gathered in a batch (``Batcher``) and a batch is written at least
once a second (``BATCH_SECONDS``), sooner when it holds ``BATCH_RUNS`` runs or
``BATCH_ROWS`` rows, and always when the study ends or is stopped. A batch is one Arrow
IPC (feather) file per table, ``parts/<table>/<batch number>.arrow``, each written under
a temporary name, flushed to disk and renamed (``sim.files.write_atomic``); its runs
file is written last, so a batch whose runs file is there is whole unless a file was
damaged since, which ``whole_batches`` finds. A kill loses at most the batch not yet
written; the runs in it are made again on the next run of the same command, and the
merged tables equal an uninterrupted run's, since every run is a pure function of its
config and seed and the merge sorts by run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.files import write_atomic

if TYPE_CHECKING:
    from sim.runs import RunOutput

# A batch is written once this many seconds have passed since the last one (checked as
# each run arrives), or once it holds this many runs or rows of all its tables (memory).
BATCH_SECONDS = 1.0
BATCH_RUNS = 256
BATCH_ROWS = 2_000_000

# The tables a run writes; runs (one row per run) is written last and marks a batch done.
PART_KINDS = ("runs", "daily", "generations", "members", "weeks", "groups")
# Tables only some studies or runs write: members with experiment.write_members, weeks
# with a value horizon, groups with living groups (groups.lifecycle), perhaps in some
# scenarios only. The others hold rows of every run of the batch.
OPTIONAL_PARTS = ("members", "weeks", "groups")
_WRITE_ORDER = ("members", "weeks", "groups", "daily", "generations", "runs")
_FIELD = {"runs": "summary"}  # a RunOutput's attribute, where it is not the table's name
SUFFIX = ".arrow"
# Part files Fission writes: batches, and one run's parquet file (before batches).
PART_NAME = re.compile(r"\d{8}\.(?:arrow|parquet)")
_BATCH = re.compile(r"(\d{8})\.arrow")


def batch_name(number: int) -> str:
    return f"{number:08d}{SUFFIX}"


def write_batch(parts: Path, number: int, outputs: list[RunOutput]) -> dict[str, pd.DataFrame]:
    """Write finished runs as batch ``number``: one file per table, the runs table last.
    Returns the tables written, by kind (what ``read_arrow`` gives back from the files)."""
    name = batch_name(number)
    written = {}
    for kind in _WRITE_ORDER:
        frames = [f for o in outputs if (f := getattr(o, _FIELD.get(kind, kind))) is not None]
        if frames:
            frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            write_arrow(frame, parts / kind / name)
            written[kind] = frame
    return written


def write_arrow(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as an Arrow IPC (feather) file, atomically and durably. Uncompressed:
    parts live minutes, and compressing many small columns costs more than it saves."""
    import pyarrow as pa
    import pyarrow.feather as feather

    table = pa.Table.from_pandas(frame, preserve_index=False)
    write_atomic(path, lambda tmp: feather.write_feather(table, tmp, compression="uncompressed"))


def read_arrow(path: Path) -> pd.DataFrame:
    """A part file as pandas, with the dtypes it was written with."""
    import pyarrow.feather as feather

    return feather.read_table(path, memory_map=False).to_pandas()


def run_ids(path: Path) -> np.ndarray | None:
    """The run_id column of a part file; None when it is missing, unreadable (empty, cut
    short, overwritten) or has no run_id column. Reads that column only."""
    import pyarrow.feather as feather

    try:
        table = feather.read_table(path, columns=["run_id"], memory_map=True)
        return table.column("run_id").to_numpy()
    except Exception:
        return None


def batch_numbers(parts: Path) -> list[int]:
    """The numbers of the batches with any file under ``parts``, in order."""
    found: set[int] = set()
    for kind in PART_KINDS:
        folder = parts / kind
        if folder.is_dir():
            found.update(
                int(m.group(1)) for p in folder.iterdir() if (m := _BATCH.fullmatch(p.name))
            )
    return sorted(found)


def whole_batches(parts: Path, wanted: Iterable[int]) -> dict[int, frozenset[int]]:
    """The batches under ``parts`` that are whole, by number, with their runs.

    A batch is whole when its runs file is readable and lists distinct runs of ``wanted``
    that no earlier whole batch holds, and every other table's file of the batch is
    readable and holds rows of exactly those runs (a table only some runs write: of some
    of them, or no file). Anything else (a file a power cut left empty or cut short,
    another batch's file under its name) makes the batch not whole: its runs are made
    again."""
    wanted = set(wanted)
    whole: dict[int, frozenset[int]] = {}
    held: set[int] = set()
    for number in batch_numbers(parts):
        name = batch_name(number)
        ids = run_ids(parts / "runs" / name)
        if ids is None or ids.size == 0:
            continue
        runs = frozenset(int(i) for i in ids)
        if len(runs) != ids.size or not runs <= wanted or runs & held:
            continue
        if all(
            _holds(parts / kind / name, runs, kind in OPTIONAL_PARTS) for kind in PART_KINDS[1:]
        ):
            whole[number] = runs
            held |= runs
    return whole


def _holds(path: Path, runs: frozenset[int], optional: bool) -> bool:
    """Whether the part file ``path`` holds rows of exactly ``runs`` (of some of them for
    an optional table, which may have no file)."""
    if not path.exists():
        return optional
    ids = run_ids(path)
    if ids is None:
        return False
    # Each value either repeats the one before it or starts a new stretch, so the values
    # where stretches start are all the values: one pass, against np.unique's sort
    # (11 ms at a million members' batch).
    found = set(ids[np.r_[True, ids[1:] != ids[:-1]]].tolist()) if ids.size else set()
    return found <= runs if optional else found == runs


class Batcher:
    """Finished runs waiting to be written as the next batch under ``parts``.

    The tables of the batches it wrote stay in memory (``written``, by batch number) for
    the merge at the end, which reads only the batches of earlier processes from disk: a
    million members' batch read back cost about 65 ms a replicate. They are what the
    files hold (Arrow keeps every column's type: tests/test_results_folder.py), and the
    merge holds every table at once anyway."""

    def __init__(self, parts: Path, next_number: int) -> None:
        self.parts = parts
        self.next_number = next_number
        self.written: dict[int, dict[str, pd.DataFrame]] = {}
        self._waiting: list[RunOutput] = []
        self._rows = 0
        self._written_at = time.monotonic()

    def add(self, output: RunOutput) -> None:
        """Keep a finished run; write the batch when it is due."""
        self._waiting.append(output)
        self._rows += sum(len(f) for f in _frames(output))
        due = time.monotonic() - self._written_at >= BATCH_SECONDS
        if due or len(self._waiting) >= BATCH_RUNS or self._rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the runs waiting, if any, as one batch."""
        if self._waiting:
            self.written[self.next_number] = write_batch(
                self.parts, self.next_number, self._waiting
            )
            self.next_number += 1
            self._waiting, self._rows = [], 0
        self._written_at = time.monotonic()

    @property
    def waiting(self) -> int:
        """Runs finished and not yet written."""
        return len(self._waiting)


def _frames(output: RunOutput) -> list[pd.DataFrame]:
    return [f for kind in PART_KINDS if (f := getattr(output, _FIELD.get(kind, kind))) is not None]
