"""Noisy evaluation of candidate designs on common random numbers, through the experiment
layer's executors, with every run's outcomes kept on disk so that nothing is run twice.

Replicate r of every candidate is the run seeded ``derive_seed(root, "replicate", r)``,
as the scenarios of a study are (``sim.study.expand``), and with a posterior it draws
the same posterior sample: candidates differ only by their levers, replicate by
replicate, which makes their paired differences far less noisy than their means.

A candidate's runs are kept by replicate: the search evaluates each batch of candidates on
replicates of its own (``sim.optimise.search``), the race on replicates 0 … n − 1, and a
run made for one is used by the other where they meet.

A candidate is known by its lever values (``Candidate.key``): a design proposed twice on
the same replicates costs nothing, and a killed search that starts again finds every run
it had finished in ``evaluations/`` (one small parquet file per run, written atomically).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Config, ConfigError
from sim.executors import Executor, make_executor
from sim.files import make_dirs, remove_leftovers, write_parquet
from sim.rootseed import derive_seed
from sim.runs import RunOutput, RunTask, execute_run
from sim.study import BASE_SCENARIO, RunSpec, Study, run_config


@dataclass(frozen=True)
class Candidate:
    """A design: the value of each lever that applies to it, in the space's order."""

    levers: tuple[tuple[str, Any], ...]

    @property
    def key(self) -> str:
        """A short name that depends on the lever values only."""
        text = json.dumps(self.levers, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.levers)


class Evaluator:
    """Runs the replicates a search asks for and holds every run's outcomes.

    Args:
        study: the base campaign (and its posterior, if any).
        outcomes: the runs.parquet columns kept for each run.
        folder: where each finished run is kept (``folder/<key>-<replicate>.parquet``);
            None keeps them in memory only.
        workers, address: the executor (``sim.executors.make_executor``), started on
            the first run that is not stored yet.
        executor: an executor to run on instead (the app's job board); the caller's to
            close.
        on_run: called after each run made here.
    """

    def __init__(
        self,
        study: Study,
        outcomes: tuple[str, ...],
        folder: Path | None = None,
        *,
        workers: int = 1,
        address: str | None = None,
        executor: Executor | None = None,
        on_run: Callable[[], None] | None = None,
    ) -> None:
        self.study = study
        self.outcomes = outcomes
        self.folder = folder
        self.workers, self.address = workers, address
        self.on_run = on_run
        self.runs_made = 0
        self._executor: Executor | None = executor
        self._own_executor = executor is None
        self._configs: dict[tuple[str, int], Config] = {}
        self._errors: dict[str, str] = {}
        self._values: dict[tuple[str, int], dict[str, float]] = {}
        self._wanted: dict[str, set[int]] = {}  # replicates asked for, by candidate
        root = study.base.experiment.seed
        self._seed = lambda r: derive_seed(root, "replicate", r)
        self._draw = lambda r: -1 if study.posterior is None else study.posterior.draw(root, r)
        if folder is not None:
            self._load(folder)

    # ------------------------------------------------------------------ what is known

    def stored(self) -> int:
        """Runs held (made now or found on disk)."""
        return len(self._values)

    def used(self) -> int:
        """Runs the search's decisions rest on: every candidate's replicates asked for."""
        return sum(
            sum((key, r) in self._values for r in wanted) for key, wanted in self._wanted.items()
        )

    def count(self, candidate: Candidate) -> int:
        """Replicates 0 … n − 1 this search asked for and holds: n. Runs on disk beyond
        what was asked for (an earlier search of more trials raced this design further)
        do not count: the search's numbers depend on its own decisions only."""
        return self._count(candidate.key)

    def _count(self, key: str) -> int:
        n = 0
        wanted = self._wanted.get(key, set())
        while n in wanted and (key, n) in self._values:
            n += 1
        return n

    def values(
        self,
        candidate: Candidate,
        outcome: str,
        n: int | None = None,
        replicates: Sequence[int] | None = None,
    ) -> np.ndarray:
        """The outcome of replicates 0 … n − 1 (all held, by default), or of the given
        ``replicates``."""
        if replicates is None:
            replicates = range(self.count(candidate) if n is None else n)
        return np.array([self._values[(candidate.key, r)][outcome] for r in replicates], float)

    def outcome_values(
        self,
        candidate: Candidate,
        n: int | None = None,
        replicates: Sequence[int] | None = None,
    ) -> dict[str, np.ndarray]:
        return {name: self.values(candidate, name, n, replicates) for name in self.outcomes}

    def holds(self, candidate: Candidate, replicates: Sequence[int]) -> bool:
        """Whether every one of ``replicates`` was asked for and is held."""
        wanted = self._wanted.get(candidate.key, set())
        return all(r in wanted and (candidate.key, r) in self._values for r in replicates)

    def error(self, candidate: Candidate) -> str | None:
        """Why this candidate is not a valid campaign (None when it is)."""
        self._config(candidate, 0)
        return self._errors.get(candidate.key)

    # ------------------------------------------------------------------ running

    def ensure(self, wanted: Iterable[tuple[Candidate, int | range]]) -> None:
        """Run what is missing so that each candidate holds replicates 0 … n − 1, or those
        of a range (invalid candidates are skipped: ``error`` says why)."""
        tasks = []
        seen = set()
        for candidate, n in wanted:
            replicates = range(n) if isinstance(n, int) else n
            self._wanted.setdefault(candidate.key, set()).update(replicates)
            for r in replicates:
                ident = (candidate.key, r)
                if ident in self._values or ident in seen:
                    continue
                config = self._config(candidate, r)
                if config is None:
                    break
                seen.add(ident)
                spec = RunSpec(
                    len(tasks), candidate.key, 0, candidate.levers, r, self._seed(r), self._draw(r)
                )
                tasks.append(RunTask(spec, config))
        if not tasks:
            return
        if self._executor is None:
            self._executor = make_executor(self.workers, self.address)
        for output in self._executor.map_unordered(execute_run, tasks):
            self._keep(output)

    def close(self) -> None:
        """Stop the executor this evaluator started (one given to it is left open)."""
        if self._executor is not None and self._own_executor:
            self._executor.close()
            self._executor = None

    def _config(self, candidate: Candidate, replicate: int) -> Config | None:
        draw = self._draw(replicate)
        ident = (candidate.key, draw)
        if candidate.key in self._errors:
            return None
        if ident not in self._configs:
            try:
                self._configs[ident] = run_config(self.study, BASE_SCENARIO, candidate.levers, draw)
            except ConfigError as err:
                self._errors[candidate.key] = str(err)
                return None
        return self._configs[ident]

    def _keep(self, output: RunOutput) -> None:
        summary = output.summary
        key = str(summary["scenario"].iloc[0])
        replicate = int(summary["replicate"].iloc[0])
        # a mechanism's own outputs are there only when it runs: NaN otherwise
        row = {
            name: _number(summary[name].iloc[0]) if name in summary else np.nan
            for name in self.outcomes
        }
        if self.folder is not None:
            frame = pd.DataFrame([{"candidate": key, "replicate": replicate, **row}])
            write_parquet(frame, self.folder / f"{key}-{replicate:05d}.parquet")
        self._values[(key, replicate)] = row
        self.runs_made += 1
        if self.on_run is not None:
            self.on_run()

    def _load(self, folder: Path) -> None:
        """Read the runs a previous search into this folder finished; a damaged file
        (a power cut) is deleted, and its run made again when asked for."""
        make_dirs(folder)
        remove_leftovers(folder)
        for path in sorted(folder.glob("*.parquet")):
            try:
                frame = pd.read_parquet(path)
                record = frame.iloc[0]
                row = {name: _number(record.get(name)) for name in self.outcomes}
                self._values[(str(record["candidate"]), int(record["replicate"]))] = row
            except Exception:
                path.unlink()


def _number(value: Any) -> float:
    """A run's outcome as a float; an empty value (no peak, an undefined ratio) is NaN."""
    return np.nan if value is None or pd.isna(value) else float(value)
