"""The ``[optimise]`` table of a study: the levers to search, the objective, the
constraints and how replicates are spent, validated against the study's base campaign.

A lever is a dotted config key with a range (``{ low, high, log, integer }``) or a list
of choices. A lever of a table whose keys depend on a kind (``[lure]`` by ``kind``,
``[reward]`` by ``rule``: ``sim.config.FAMILIES``) applies only to the kinds that take
it, read from the family's tagged union: with ``"lure.kind" = ["cash", "group_buy"]``,
``lure.group_size`` is searched only when the group buy is chosen. Errors name the
field (``optimise.levers.lure.value: ...``) in one line, like every config error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.config import FAMILIES, ConfigError, apply_overrides, format_validation_error
from sim.config import parse_config as _parse_config
from sim.study import STUDY_WIDE, Range, Study, SweepValue

# runs.parquet columns that are not outcomes (they name or seed the run).
_NOT_OUTCOMES = ("run_id", "scenario", "point", "replicate", "seed")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Objective(_Strict):
    """One objective: an outcome column of runs.parquet, maximised or minimised (its
    mean over replicates)."""

    maximize: str | None = None
    minimize: str | None = None

    @model_validator(mode="after")
    def _one_direction(self) -> Objective:
        if (self.maximize is None) == (self.minimize is None):
            raise ValueError("give exactly one of maximize = OUTCOME or minimize = OUTCOME")
        return self

    @property
    def outcome(self) -> str:
        return self.maximize if self.maximize is not None else str(self.minimize)

    @property
    def higher_is_better(self) -> bool:
        return self.maximize is not None


class Constraint(_Strict):
    """Bounds on one outcome over a design's replicates: its mean (``low``, ``high``),
    its 5th percentile (``p5_low``: the bad tail stays above it) and the share of runs
    below zero (``loss_chance_high``: the chance of a loss, 0 to 1)."""

    low: float | None = None
    high: float | None = None
    p5_low: float | None = None
    loss_chance_high: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _something(self) -> Constraint:
        if all(v is None for v in (self.low, self.high, self.p5_low, self.loss_chance_high)):
            raise ValueError("give at least one of low, high, p5_low, loss_chance_high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is greater than high ({self.high:g})")
        return self


class Replicates(_Strict):
    """How runs are spent: every candidate gets ``start`` replicates (those of its batch,
    shared by the batch's candidates; 0 … start − 1 for two objectives); the
    ``finalists`` best then race on replicates 0 … n − 1, their replicates doubling up to
    ``max`` while the leader is not yet distinguishable."""

    start: int = Field(4, ge=2, le=1000, description="replicates of every candidate")
    max: int = Field(32, ge=2, le=10_000, description="most replicates of a finalist")
    finalists: int = Field(6, ge=2, le=50, description="best candidates that race")

    @model_validator(mode="after")
    def _ordered(self) -> Replicates:
        if self.max < self.start:
            raise ValueError(f"max ({self.max}) is less than start ({self.start})")
        return self


class OptimiseTable(_Strict):
    levers: dict[str, SweepValue] = Field(min_length=1)
    objective: Objective | list[Objective] = Field(
        description="one objective, or two for a Pareto front"
    )
    constraints: dict[str, Constraint] = Field(default_factory=dict)
    replicates: Replicates = Replicates()
    trials: int = Field(100, ge=1, le=100_000, description="candidates (--trials)")
    batch: int = Field(8, ge=1, le=256, description="candidates asked for, then told, at once")
    sampler: Literal["auto", "random"] = Field(
        "auto", description="auto: TPE (one objective) or NSGA-II (two); random: a baseline"
    )


@dataclass(frozen=True)
class Lever:
    """One searched key: a range or choices; ``only_for`` names the kind key and the
    kinds that take it when it applies to some of the choices only."""

    key: str
    choices: tuple[Any, ...] | None = None
    range: Range | None = None
    only_for: tuple[str, tuple[str, ...]] | None = None

    def applies(self, chosen: dict[str, Any]) -> bool:
        if self.only_for is None:
            return True
        tag, kinds = self.only_for
        return chosen.get(tag) in kinds


@dataclass(frozen=True)
class Space:
    """The validated ``[optimise]`` table: levers (choices first, so a kind is chosen
    before the keys that depend on it), objectives, constraints, replicates."""

    levers: tuple[Lever, ...]
    objectives: tuple[Objective, ...]
    constraints: dict[str, Constraint]
    replicates: Replicates
    trials: int
    batch: int
    sampler: str

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(lever.key for lever in self.levers)

    def outcomes(self) -> tuple[str, ...]:
        """The outcomes the search reads: objectives, then constrained ones."""
        names = [o.outcome for o in self.objectives] + list(self.constraints)
        return tuple(dict.fromkeys(names))

    def suggest(self, trial: Any) -> dict[str, Any]:
        """The lever values of an Optuna trial (define-by-run: a key that applies only
        to some kinds is asked for only when one of them was chosen)."""
        values: dict[str, Any] = {}
        for lever in self.levers:
            if not lever.applies(values):
                continue
            if lever.choices is not None:
                index = trial.suggest_categorical(lever.key, list(range(len(lever.choices))))
                values[lever.key] = lever.choices[index]
            elif lever.range is not None and lever.range.integer:
                values[lever.key] = trial.suggest_int(
                    lever.key,
                    math.ceil(lever.range.low),
                    math.floor(lever.range.high),
                    log=lever.range.log,
                )
            elif lever.range is not None:
                values[lever.key] = trial.suggest_float(
                    lever.key, lever.range.low, lever.range.high, log=lever.range.log
                )
        return values


def parse_space(study: Study, raw: Any = None) -> Space:
    """Validate ``raw`` (by default the study's ``[optimise]`` table) against the
    study's base campaign; errors name the field in one line."""
    raw = study.optimise if raw is None else raw
    if raw is None:
        raise ConfigError("optimise: the study has no [optimise] table (levers, objective)")
    if study.scenarios or study.sweep is not None:
        raise ConfigError(
            "optimise: a study to optimise has no [[scenarios]] or [sweep]: the levers "
            "say what varies"
        )
    try:
        table = OptimiseTable.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, "optimise")) from None
    objectives = table.objective if isinstance(table.objective, list) else [table.objective]
    if not 1 <= len(objectives) <= 2:
        raise ConfigError(f"optimise.objective: one or two objectives, not {len(objectives)}")
    known = outcome_names()
    for i, objective in enumerate(objectives):
        where = "optimise.objective" + (f"[{i}]" if len(objectives) > 1 else "")
        direction = "maximize" if objective.higher_is_better else "minimize"
        _check_outcome(f"{where}.{direction}", objective.outcome, known)
    if len(objectives) == 2 and objectives[0].outcome == objectives[1].outcome:
        raise ConfigError("optimise.objective: the two objectives are the same outcome")
    for name in table.constraints:
        _check_outcome(f"optimise.constraints.{name}", name, known)
    levers = _levers(study, table)
    return Space(
        levers,
        tuple(objectives),
        dict(table.constraints),
        table.replicates,
        table.trials,
        table.batch,
        table.sampler,
    )


def outcome_names() -> tuple[str, ...]:
    """The numeric columns of runs.parquet, core and mechanisms' (``sim.registry``)."""
    from sim.registry import columns

    return tuple(
        o.name for o in columns("runs") if o.type != "text" and o.name not in _NOT_OUTCOMES
    )


def _check_outcome(where: str, name: str, known: tuple[str, ...]) -> None:
    if name not in known:
        raise ConfigError(
            f"{where}: {name!r} is not an outcome of runs.parquet (one of {', '.join(known)})"
        )


def _levers(study: Study, table: OptimiseTable) -> tuple[Lever, ...]:
    """Levers with their kinds (``only_for``), each value tried on the base campaign."""
    for key in table.levers:
        section, _, name = key.partition(".")
        if section == "experiment" and name in STUDY_WIDE:
            raise ConfigError(f"optimise.levers.{key}: {STUDY_WIDE[name]}, not per candidate")
    choices = {k: tuple(v) for k, v in table.levers.items() if isinstance(v, list)}
    levers = []
    for key, value in table.levers.items():
        section, _, name = key.partition(".")
        only_for = None
        family = FAMILIES.get(section)
        tag = f"{section}.{family.tag}" if family is not None else None
        if family is not None and name != family.tag and tag in choices:
            kinds = tuple(
                str(k) for k in choices[tag] if k in family.members and name in family.fields(k)
            )
            if not kinds:
                raise ConfigError(
                    f"optimise.levers.{key}: no {tag} chosen takes this key "
                    f"({', '.join(map(str, choices[tag]))})"
                )
            if len(kinds) < len(choices[tag]):
                only_for = (tag, kinds)
        if isinstance(value, list):
            lever = Lever(key, choices=tuple(value), only_for=only_for)
        else:
            lever = Lever(key, range=value, only_for=only_for)
        _try_values(study, lever, choices)
        levers.append(lever)
    # A kind first, then other choices, then ranges: a key is asked for after the kind
    # that decides whether it applies (the sort is stable otherwise).
    tags = {f"{section}.{family.tag}" for section, family in FAMILIES.items()}
    levers.sort(key=lambda lever: (lever.key not in tags, lever.choices is None))
    return tuple(levers)


def _try_values(study: Study, lever: Lever, choices: dict[str, tuple[Any, ...]]) -> None:
    """Every choice, or a range's ends, must make a valid campaign for each kind the
    lever applies to."""
    if lever.choices is not None:
        trials = list(lever.choices)
    else:
        assert lever.range is not None
        low, high = lever.range.low, lever.range.high
        trials = [math.ceil(low), math.floor(high)] if lever.range.integer else [low, high]
    if lever.range is not None and lever.range.integer and trials[0] > trials[1]:
        raise ConfigError(f"optimise.levers.{lever.key}: no integer between low and high")
    contexts: list[dict[str, Any]] = [{}]
    if lever.only_for is not None:
        tag, kinds = lever.only_for
        contexts = [{tag: kind} for kind in kinds]
    else:
        section = lever.key.partition(".")[0]
        family = FAMILIES.get(section)
        tag = f"{section}.{family.tag}" if family is not None else ""
        if tag in choices and tag != lever.key:
            contexts = [{tag: kind} for kind in choices[tag]]
    for context in contexts:
        for value in trials:
            try:
                data = apply_overrides(study.base_data, {**context, lever.key: value})
                _parse_config(data, study.base_dir)
            except ConfigError as err:
                text = str(err)
                if text.endswith("unknown key") and text.startswith(lever.key):
                    raise ConfigError(f"optimise.levers.{lever.key}: not a parameter") from None
                if "does not take this key" in text and lever.only_for is None and context:
                    raise ConfigError(f"optimise.levers.{lever.key}: {text}") from None
                raise ConfigError(f"optimise.levers.{lever.key} = {value!r}: {text}") from None


def lever_values(space: Space, params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A design's lever values from an Optuna trial's parameters (a choice is stored as
    its index), in the space's order."""
    values = []
    for lever in space.levers:
        if lever.key not in params:
            continue
        value = params[lever.key]
        if lever.choices is not None:
            value = lever.choices[int(value)]
        elif lever.range is not None and lever.range.integer:
            value = int(value)
        else:
            value = float(value)
        values.append((lever.key, value))
    return tuple(values)
