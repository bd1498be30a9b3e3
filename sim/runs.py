"""One run, as a worker does it: a ``RunTask`` in, the run's rows of every table out.

``execute_run`` is what an executor (``sim.executors``) maps over the runs of a study.
It is a pure function of the task: the same config and seed give the same tables on any
machine, which is what lets a killed sweep resume and a Dask cluster share the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Config
from sim.graphs import build_graph, require_people
from sim.influence.starters import choose_starters
from sim.model import ReferralModel
from sim.study import RunSpec

# Summary columns that may be empty (no peak, budget never exhausted): nullable integers.
_NULLABLE_INT = ("peak_day", "budget_exhausted_day", "payback_day", "cut_off_day")


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
    weeks: pd.DataFrame | None = None  # with a value horizon
    groups: pd.DataFrame | None = None  # with living groups (groups.lifecycle)


def execute_run(task: RunTask) -> RunOutput:
    """Simulate one run. Pure: the same task gives the same tables on any machine.

    The graph is built once per process and reused (``sim.graphs.build_graph``), so a
    Dask worker builds a shared graph once, not once per run.
    """
    spec, config = task.spec, task.config
    with campaign_model(config, spec.seed, all_agents=False) as model:
        return _run_tables(task, model.run())


def campaign_model(config: Config, seed: int, **options: Any) -> ReferralModel:
    """The model of the run with this seed: its graph (built once per process) and its
    starters chosen first, whatever the seed strategy (``sim.influence.choose_starters``).
    ``options`` go to ``ReferralModel`` (``all_agents``)."""
    graph = require_people(build_graph(config, seed))
    starters = choose_starters(config, graph, seed)
    return ReferralModel(config, rng=seed, graph=graph, starters=starters, **options)


def _run_tables(task: RunTask, model: ReferralModel) -> RunOutput:
    """The run's rows of every table."""
    spec, config = task.spec, task.config
    ident = {"run_id": spec.run_id, "scenario": spec.scenario, "point": spec.point}
    drawn = {}
    if spec.draw >= 0:  # the posterior sample this replicate forecasts with
        drawn = {"posterior_draw": spec.draw}
        drawn.update({key: getattr_dotted(config, key) for key in task.posterior_keys})
    row = {**ident, **dict(spec.params), **drawn, "replicate": spec.replicate}
    row.update(model.summary())
    # One frame from the whole row at once (a column set one by one costs ~0.3 ms each),
    # each column made with its type: empty-able integers nullable, the seed unsigned.
    summary = pd.DataFrame({key: _column(key, value) for key, value in row.items()})
    keys = {**ident, "replicate": spec.replicate}  # the first columns of the run's tables
    daily = model.daily(keys)
    budget_left = daily["budget_left"].to_numpy()
    if np.isinf(budget_left).any():  # an unlimited budget is stored as empty
        daily["budget_left"] = np.where(budget_left == np.inf, np.nan, budget_left)
    generations = model.generations(keys)
    members = None
    if config.experiment.write_members:
        members = model.members({"run_id": spec.run_id})
    weeks = model.weeks(keys) if config.value.horizon_days > 0 else None
    groups = model.group_weeks(keys)
    return RunOutput(spec.run_id, summary, daily, generations, members, weeks, groups)


def _column(key: str, value: Any) -> Any:
    """A runs-table column of one value, of its declared type."""
    if key in _NULLABLE_INT:  # a mechanism's (cut_off_day) only where it is modelled
        return pd.array([value], dtype="Int64")
    if key == "seed":
        return np.array([value], dtype=np.uint64)
    return [value]


def getattr_dotted(config: Config, key: str) -> Any:
    """The value of a dotted key (``behaviour.accept_probability``) in a config."""
    value: Any = config
    for part in key.split("."):
        value = getattr(value, part)
    return value
