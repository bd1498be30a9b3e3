"""An experiment: a study expanded into runs, executed, stored, resumed and compared.

Three separate ideas, as in the EMA Workbench: what varies (``sim.study.expand``), how
runs execute (``sim.executors``: in-process or on Dask) and what is kept (``sim.results``:
the run table and the daily table aligned on ``run_id``). This module runs a study
through them: one run is ``sim.runs.execute_run``, a results folder (crash-safe parts,
resume, the merged tables) is ``sim.store.ResultStore``, and a sobol sweep's indices are
``sim.sensitivity``. The names that lived here before are still importable from here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import Config
from sim.executors import make_executor
from sim.graphs import Graph, built_graphs, keep_graphs
from sim.results import SUMMARY_METRICS, Results
from sim.runs import RunOutput, RunTask, campaign_model, execute_run, getattr_dotted
from sim.sensitivity import SENSITIVITY_OUTCOMES, sensitivity
from sim.store import ENGINE_MODULES, ResultStore, default_out_dir, engine_fingerprint, study_hash
from sim.study import (
    Design,
    Posterior,
    Study,
    expand,
    load_study,
    parse_study,
    run_config,
    with_posterior,
)

__all__ = [
    "ENGINE_MODULES",
    "SENSITIVITY_OUTCOMES",
    "SUMMARY_METRICS",
    "ResultStore",
    "Results",
    "RunOutput",
    "RunTask",
    "as_study",
    "default_out_dir",
    "description_of",
    "engine_fingerprint",
    "execute_run",
    "getattr_dotted",
    "preflight",
    "run_experiment",
    "sensitivity",
    "study_hash",
]


def as_study(source: Study | Config | dict[str, Any] | str | Path) -> Study:
    if isinstance(source, Study):
        return source
    if isinstance(source, Config):
        return parse_study(source.to_dict(), source.base_dir)
    if isinstance(source, dict):
        return parse_study(source)
    return load_study(source)


def preflight(
    study: Study, design: Design, configs: dict[tuple[str, int, int], Config]
) -> list[Graph]:
    """Build each distinct community once here, so bad input (a missing or malformed graph
    file, seed ids not in the graph, more seeds than people) fails before anything is
    written or sent to a cluster. Returns the graphs built."""
    graphs = []
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
            model = campaign_model(config, first_seed, all_agents=False)
            graphs.append(model.graph)
            model.close()
    return graphs


def run_experiment(
    source: Study | Config | dict[str, Any] | str | Path,
    out: str | Path | None = None,
    *,
    workers: int = 1,
    address: str | None = None,
    fresh: bool = False,
    posterior: Posterior | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    progress: bool | None = None,
) -> Results:
    """Run every (scenario × sweep point × replicate) of a study.

    Args:
        source: a config file path (TOML or YAML), a ``Config``, plain data, or a ``Study``.
        out: results folder; None keeps everything in memory. It must be empty or a
            results folder, and is locked for the run: a second run into it is refused.
        workers: 1 runs in this process; N > 1 starts a local Dask cluster of N processes.
        address: a running Dask scheduler (``tcp://host:8786``); overrides ``workers``.
        fresh: replace results of a different config in ``out`` instead of refusing; the
            earlier results stay whole until the new ones are complete.
        posterior: weighted parameter samples (``sim.study.posterior_from_frame``); each
            replicate draws its behaviour from it, scenarios sharing the draw.
        on_progress: called as ``on_progress(done, total)`` after each run.
        progress: show a progress bar (``tqdm.auto``: a widget in Jupyter). None, the
            default: in a notebook only, and only without ``on_progress``.
    """
    study = as_study(source)
    if posterior is not None:
        study = with_posterior(study, posterior)
    design = expand(study)
    configs = {(spec.scenario, spec.point, spec.draw): None for spec in design.runs}
    for scenario, point, draw in configs:  # in design order
        configs[(scenario, point, draw)] = run_config(study, scenario, design.points[point], draw)
    graphs = preflight(study, design, configs)

    store = ResultStore(Path(out), study, design) if out is not None else None
    if store is not None and store.folder.exists():
        store.acquire()  # another run writing there is refused before anything else
    bar = None
    if progress or (progress is None and on_progress is None and _in_notebook()):
        from tqdm.auto import tqdm

        bar = tqdm(total=len(design.runs), unit="run", desc=study.base.experiment.name)
        on_progress = _advance(bar, on_progress)
    try:
        return _run(study, design, configs, graphs, store, workers, address, fresh, on_progress)
    finally:
        if bar is not None:
            bar.close()
        if store is not None:
            store.release()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where a progress bar is a widget, not terminal text)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython() if hasattr(shell, "get_ipython") else None
    return ipython is not None and type(ipython).__name__ == "ZMQInteractiveShell"


def _advance(bar: Any, then: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
        if then is not None:
            then(done, total)

    return advance


def _run(
    study: Study,
    design: Design,
    configs: dict[tuple[str, int, int], Config],
    graphs: list[Graph],
    store: ResultStore | None,
    workers: int,
    address: str | None,
    fresh: bool,
    on_progress: Callable[[int, int], None] | None,
) -> Results:
    posterior_keys = study.posterior.keys if study.posterior is not None else ()

    def tasks(done: set[int]) -> list[RunTask]:
        return [
            RunTask(s, configs[(s.scenario, s.point, s.draw)], posterior_keys)
            for s in design.runs
            if s.run_id not in done
        ]

    done = store.finished_runs(fresh) if store is not None else set()
    todo = tasks(done)
    # Connect (or start the cluster) before writing anything: an unreachable scheduler
    # must leave the folder as it was (or not make it).
    executor = make_executor(workers, address) if todo else None
    try:
        if store is not None:
            if not store.lock.held:  # a new folder: made now, and locked
                store.acquire()
                done = store.finished_runs(fresh)  # as it is now that it is locked
                todo = tasks(done)
                if todo and executor is None:
                    executor = make_executor(workers, address)
            store.open(fresh)
        outputs: list[RunOutput] = []
        total = len(design.runs)
        if on_progress is not None:
            on_progress(len(done), total)
        if executor is not None and todo:
            executor.prepare(keep_graphs, built_graphs(graphs))  # the preflight's graphs
            try:
                for count, output in enumerate(executor.map_unordered(execute_run, todo), 1):
                    if store is not None:
                        store.save(output)
                    else:
                        outputs.append(output)
                    if on_progress is not None:
                        on_progress(len(done) + count, total)
            finally:  # the end, Ctrl-C, or an error: the finished runs go to disk
                if store is not None:
                    store.flush()
    finally:
        if executor is not None:
            executor.close()
    if store is not None:
        return store.finish(description_of(workers, address))
    runs, daily, generations, members, weeks, groups = _tables(outputs)
    results = Results(
        runs, daily, generations, members, weeks=weeks, groups=groups, config=study.to_dict()
    )
    results.sensitivity = sensitivity(study, design, runs)
    return results


def description_of(workers: int, address: str | None) -> str:
    if address is not None:
        return f"dask:{address}"
    return "in-process" if workers == 1 else f"local dask x{workers}"


def _tables(
    outputs: list[RunOutput],
) -> tuple[
    pd.DataFrame,
    pd.DataFrame,
    pd.DataFrame,
    pd.DataFrame | None,
    pd.DataFrame | None,
    pd.DataFrame | None,
]:
    outputs = sorted(outputs, key=lambda o: o.run_id)
    runs = pd.concat([o.summary for o in outputs], ignore_index=True)
    daily = pd.concat([o.daily for o in outputs], ignore_index=True)
    generations = pd.concat([o.generations for o in outputs], ignore_index=True)
    members = None
    if outputs and outputs[0].members is not None:
        members = pd.concat([o.members for o in outputs], ignore_index=True)
    weeks = None
    if outputs and outputs[0].weeks is not None:
        weeks = pd.concat([o.weeks for o in outputs], ignore_index=True)
    # Living groups may be on in some scenarios only: the tables of those that have them.
    living = [o.groups for o in outputs if o.groups is not None]
    groups = pd.concat(living, ignore_index=True) if living else None
    return runs, daily, generations, members, weeks, groups
