"""What a calibration reads: the ``[calibration]`` table, a pilot's daily counts and
observed cascades. Everything is validated before any simulation runs; errors are
``ConfigError`` with one line naming the field, file and line."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.config import (
    Config,
    ConfigError,
    apply_overrides,
    format_validation_error,
    parse_config,
    read_with_overrides,
)
from sim.graphs.textfile import numbered_lines

PILOT_REQUIRED = ("day", "new_joins")
PILOT_OPTIONAL = ("new_invites", "new_paying", "reward_paid")
SECONDS_PER_DAY = 86_400.0


class _Strict(BaseModel):
    # Numbers are finite, as in every config section (sim.params.Section).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ParamPrior(_Strict):
    """A uniform prior on [low, high], or log-uniform with ``log = true``."""

    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> ParamPrior:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite")
        if self.low >= self.high:
            raise ValueError("low must be below high")
        if self.log and self.low <= 0:
            raise ValueError("a log prior needs low > 0")
        return self


class CalibrationSpec(_Strict):
    """The ``[calibration]`` table: what to fit and how long ABC-SMC may work."""

    params: dict[str, ParamPrior] = Field(min_length=1)
    population_size: int = Field(100, ge=10, le=100_000, description="particles per generation")
    max_generations: int = Field(5, ge=1, le=100, description="ABC-SMC generations at most")
    min_epsilon: float = Field(0.0, ge=0, description="stop once the threshold reaches this")
    max_simulations: int | None = Field(None, ge=1, description="stop after this many")
    predictive_draws: int = Field(100, ge=10, le=10_000, description="posterior-predictive runs")
    cascades: int = Field(100, ge=10, le=100_000, description="simulated cascades per particle")
    cascade_batch: int = Field(20, ge=1, description="roots per engine run (non-IC campaigns)")
    max_cascade_rounds: int = Field(10, ge=1, description="rejection rounds for --min-size")


@dataclass(frozen=True)
class Problem:
    """A pilot config (without ``[calibration]``) and the calibration spec."""

    config: Config
    data: dict[str, Any]  # the config as plain data, without [calibration]
    base_dir: str
    spec: CalibrationSpec
    integer_keys: frozenset[str]

    def config_with(self, values: dict[str, float]) -> Config:
        """The pilot config with the fitted parameters set (integers rounded)."""
        values = {k: (round(v) if k in self.integer_keys else float(v)) for k, v in values.items()}
        return parse_config(apply_overrides(self.data, values), self.base_dir)


def _dotted(config: Config, key: str) -> Any:
    node: Any = config
    for part in key.split("."):
        node = getattr(node, part)
    return node


def parse_calibration(data: dict[str, Any], base_dir: str | Path = ".") -> Problem:
    """Split ``[calibration]`` from a config's data and validate both."""
    if not isinstance(data, dict):
        raise ConfigError("a config must be a table of sections")
    data = dict(data)
    raw = data.pop("calibration", None)
    if raw is None:
        raise ConfigError("calibration: missing; name the parameters to fit in [calibration]")
    try:
        spec = CalibrationSpec.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, "calibration")) from None
    config = parse_config(data, base_dir)
    integer_keys = set()
    for key, prior in spec.params.items():
        for trial in (prior.low, prior.high):
            try:
                checked = parse_config(apply_overrides(data, {key: trial}), base_dir)
            except ConfigError as err:
                raise ConfigError(f"calibration.params.{key} = {trial:g}: {err}") from None
        value = _dotted(checked, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"calibration.params.{key}: not a numeric parameter")
        if isinstance(_dotted(config, key), int) and isinstance(value, int):
            integer_keys.add(key)
    return Problem(config, data, str(base_dir), spec, frozenset(integer_keys))


def load_calibration(path: str | Path, overrides: dict[str, Any] | None = None) -> Problem:
    """Read a calibration config file (``--set`` overrides apply to the pilot config)."""
    data, base_dir = read_with_overrides(path, overrides)
    return parse_calibration(data, base_dir)


def read_pilot(path: str | Path, days: int) -> pd.DataFrame:
    """A pilot's daily counts as a table with one row per day 1..``days`` (missing days
    are zero) and the columns the file has (``new_joins`` always)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such pilot file")
    try:
        frame = pd.read_csv(path, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not a CSV table: {str(err).splitlines()[0]}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in PILOT_REQUIRED:
        if column not in frame.columns:
            raise ConfigError(f"{path}: missing column '{column}'")
    unknown = [c for c in frame.columns if c not in PILOT_REQUIRED + PILOT_OPTIONAL]
    if unknown:
        known = ", ".join(PILOT_REQUIRED + PILOT_OPTIONAL)
        raise ConfigError(f"{path}: unknown column '{unknown[0]}' (known: {known})")
    if frame.empty:
        raise ConfigError(f"{path}: no rows")
    columns = [c for c in PILOT_REQUIRED + PILOT_OPTIONAL if c in frame.columns]
    values = {}
    for column in columns:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna() | ~np.isfinite(numbers.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise ConfigError(f"{path}, line {line}: {column} is not a number")
        if (numbers < 0).any():
            line = int(np.flatnonzero((numbers < 0).to_numpy())[0]) + 2
            raise ConfigError(f"{path}, line {line}: {column} is negative")
        if column != "reward_paid" and (numbers != numbers.round()).any():
            line = int(np.flatnonzero((numbers != numbers.round()).to_numpy())[0]) + 2
            raise ConfigError(f"{path}, line {line}: {column} must be a whole number")
        values[column] = numbers.to_numpy(dtype=float)
    day = values["day"]
    if (day < 1).any():
        line = int(np.flatnonzero(day < 1)[0]) + 2
        raise ConfigError(f"{path}, line {line}: day must be 1 or later (day 0 is the start)")
    steps = np.diff(day)
    if (steps <= 0).any():
        line = int(np.flatnonzero(steps <= 0)[0]) + 3
        raise ConfigError(f"{path}, line {line}: day out of order (days must increase)")
    if day[-1] > days:
        raise ConfigError(
            f"{path}: day {int(day[-1])} is after the config's last day "
            f"(experiment.days = {days}); describe the pilot as it ran"
        )
    out = pd.DataFrame({"day": np.arange(1, days + 1)})
    rows = day.astype(int) - 1
    for column in columns[1:]:
        full = np.zeros(days)
        full[rows] = values[column]
        out[column] = full
    return out


@dataclass(frozen=True)
class Cascade:
    """One observed cascade: adopters in time order, seconds since its first adoption."""

    users: tuple[str, ...]
    seconds: np.ndarray

    @property
    def size(self) -> int:
        return len(self.users)


def read_cascades(path: str | Path, min_size: int = 1) -> list[Cascade]:
    """Cascades, one a line: ``user time,user time,...`` (times in seconds, any order of
    notation such as ``1.28514154e+9``), from a plain or gzip-compressed file. Cascades
    smaller than ``min_size`` are left out, the same censoring the fit then applies to
    simulated cascades."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such cascades file")
    if min_size < 1:
        raise ConfigError(f"--min-size {min_size}: must be at least 1")
    cascades = []
    for number, line in numbered_lines(path):
        line = line.strip().rstrip(",")
        if not line or line.startswith("#"):
            continue
        users, times = [], []
        for token in line.split(","):
            parts = token.split()
            if len(parts) != 2:
                raise ConfigError(f"{path}, line {number}: expected 'user time', got {token!r}")
            try:
                t = float(parts[1])
            except ValueError:
                raise ConfigError(f"{path}, line {number}: unparseable time {parts[1]!r}") from None
            if not math.isfinite(t):
                raise ConfigError(f"{path}, line {number}: unparseable time {parts[1]!r}")
            users.append(parts[0])
            times.append(t)
        seconds = np.asarray(times)
        order = np.argsort(seconds, kind="stable")
        seconds = seconds[order] - seconds[order[0]]
        if len(users) >= min_size:
            cascades.append(Cascade(tuple(users[i] for i in order), seconds))
    if not cascades:
        raise ConfigError(f"{path}: no cascade of at least {min_size} adopters")
    return cascades


def cascade_curves(cascades: list[Cascade], days: int) -> np.ndarray:
    """Adopters so far at the end of each day 0..``days`` (one row a cascade). The first
    adopter is day 0; someone who adopts 0 < s ≤ 1 day later is day 1, as an engine
    joiner on day 1 (so day t counts adoptions up to t days after the first)."""
    out = np.zeros((len(cascades), days + 1), dtype=np.int64)
    for i, cascade in enumerate(cascades):
        day = np.ceil(cascade.seconds / SECONDS_PER_DAY).astype(np.int64)
        day = day[day <= days]
        out[i] = np.cumsum(np.bincount(day, minlength=days + 1))
    return out
