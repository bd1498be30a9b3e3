"""A study: a base campaign, named scenarios that change some of its settings, a sweep
over parameters, and replicates. ``expand`` turns a study into run specifications; it
is a pure function of the study (no I/O, no clock), unit-tested on its own.

Seeds: every run's seed derives from the root seed and its replicate number only, so
every scenario and sweep point is simulated on common random numbers replicate by
replicate, and adding a scenario or a sweep point never changes another one's numbers.
A run's identity is (scenario, sweep point, replicate).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from sim.config import (
    Config,
    ConfigError,
    apply_overrides,
    format_validation_error,
    override,
    parse_config,
    read_config_file,
)
from sim.rootseed import derive_seed  # not sim.streams, which imports numba


class _Strict(BaseModel):
    # Numbers are finite, as in every config section (sim.params.Section).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


# The most runs of a study (scenarios × sweep points × replicates), counted from the
# lists' lengths before the design is expanded: the design holds a record per run and the
# tables a row per run and day. At the engine's fastest (about RUN_SECONDS a run of
# 10,000 people, benchmarks/README.md) a million runs are already 2 hours of computing.
MAX_RUNS = 1_000_000
RUN_SECONDS = 0.006

# Keys of [experiment] the design reads once, from the base config: a scenario or a sweep
# point that changed them would be accepted and then ignored (or, for the seed, half
# used: the graph's seed but not the replicates'). Said why, per key.
STUDY_WIDE = {
    "replicates": "replicates are set once for the study",
    "seed": "the root seed is set once for the study (every run's seed derives from it)",
    "name": "the study's name (its results folder) is set once",
}


class Scenario(_Strict):
    """A named variant of the base campaign: dotted keys set to new values."""

    name: str = Field(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f]+$")
    set: dict[str, Any] = Field(default_factory=dict)


class Range(_Strict):
    """A swept parameter's range for lhs and sobol designs."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is greater than high ({self.high:g})")
        if self.log and self.low <= 0:
            raise ValueError("a log range needs low > 0")
        return self

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Map points in [0, 1) onto the range."""
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            values = np.exp(lo + unit * (hi - lo))
        else:
            values = self.low + unit * (self.high - self.low)
        if self.integer:
            values = np.clip(np.floor(values + 0.5), math.ceil(self.low), math.floor(self.high))
        return values


def _value_kind(value: Any) -> str:
    return "range" if isinstance(value, dict | Range) else "values"


# A list of values (grid) or a range (lhs, sobol), told apart by shape for clear errors.
SweepValue = Annotated[
    Annotated[list[Any], Field(min_length=1), Tag("values")] | Annotated[Range, Tag("range")],
    Discriminator(_value_kind),
]


class Sweep(_Strict):
    method: Literal["grid", "lhs", "sobol"] = "grid"
    samples: int | None = Field(None, ge=1, description="lhs: points; sobol: base samples N")
    params: dict[str, SweepValue] = Field(min_length=1)

    @model_validator(mode="after")
    def _fits_method(self) -> Sweep:
        a = "an" if self.method == "lhs" else "a"  # "an lhs sweep", "a sobol sweep"
        for key, value in self.params.items():
            if self.method == "grid" and not isinstance(value, list):
                raise ValueError(f"params.{key}: a grid sweep takes a list of values")
            if self.method != "grid" and not isinstance(value, Range):
                raise ValueError(f"params.{key}: {a} {self.method} sweep takes {{ low, high }}")
        if self.method != "grid" and self.samples is None:
            raise ValueError(f"{a} {self.method} sweep needs samples")
        return self


@dataclass(frozen=True)
class Study:
    """A validated study: the base config's data, its scenarios and its sweep, and
    optionally a posterior (weighted parameter samples from a calibration) from which
    every replicate draws its behaviour parameters."""

    base: Config
    base_data: dict[str, Any]
    scenarios: tuple[Scenario, ...]
    sweep: Sweep | None
    base_dir: str
    posterior: Posterior | None = None
    # Keys the command line's overrides dropped by switching a kind (``override``).
    dropped: tuple[str, ...] = ()
    # The ``[optimise]`` table as written (``fission optimise`` validates it against the
    # base, in ``sim.optimise.space``); ``fission run`` of the study ignores it.
    optimise: dict[str, Any] | None = None

    def switched_away(self) -> list[str]:
        """What switching a kind dropped, one line per place: ``--set`` and each scenario
        whose ``set`` switches ``graph.kind``, ``lure.kind`` or ``reward.rule``."""
        lines = [f"--set: {', '.join(self.dropped)}"] if self.dropped else []
        for scenario in self.scenarios:
            dropped = override(self.base_data, scenario.set)[1]
            if dropped:
                lines.append(f"scenario {scenario.name!r}: {', '.join(dropped)}")
        return lines

    @property
    def replicates(self) -> int:
        return self.base.experiment.replicates

    def to_dict(self) -> dict[str, Any]:
        """The resolved study as plain data (written back as config.toml)."""
        data = self.base.to_dict()
        if self.scenarios:
            data["scenarios"] = [s.model_dump() for s in self.scenarios]
        if self.sweep is not None:
            data["sweep"] = self.sweep.model_dump(exclude_none=True)
        return data

    def fingerprint(self) -> dict[str, Any]:
        """Everything that changes results (for the results folder's config hash)."""
        data = self.to_dict()
        if self.posterior is not None:
            data["posterior"] = self.posterior.fingerprint()
        return data


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter samples (e.g. ``posterior.parquet`` of ``fission calibrate``):
    ``values[i]`` are the values of ``keys`` (dotted config keys) in sample i."""

    keys: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...]
    source: str = ""

    def draw(self, root_seed: int, replicate: int) -> int:
        """The sample replicate r uses: drawn with the weights from the replicate's own
        stream, so every scenario and sweep point of replicate r shares it."""
        rng = np.random.default_rng(derive_seed(root_seed, "posterior", replicate))
        weights = np.asarray(self.weights)
        return int(rng.choice(len(weights), p=weights / weights.sum()))

    def fingerprint(self) -> list[Any]:
        return [list(self.keys), [list(v) for v in self.values], list(self.weights)]


def posterior_from_frame(frame: Any, source: str = "") -> Posterior:
    """A posterior from a table with one column per parameter and a ``weight`` column."""
    if "weight" not in frame.columns:
        raise ConfigError(f"{source}: a posterior table needs a 'weight' column")
    keys = tuple(str(c) for c in frame.columns if c != "weight")
    if not keys:
        raise ConfigError(f"{source}: the posterior has no parameter columns")
    weights = frame["weight"].to_numpy(dtype=float)
    if len(weights) == 0 or not np.all(np.isfinite(weights)) or (weights < 0).any():
        raise ConfigError(f"{source}: posterior weights must be finite and non-negative")
    if weights.sum() <= 0:
        raise ConfigError(f"{source}: posterior weights sum to zero")
    values = tuple(tuple(float(v) for v in row) for row in frame[list(keys)].to_numpy())
    return Posterior(keys, values, tuple(float(w) for w in weights), source)


def with_posterior(study: Study, posterior: Posterior) -> Study:
    """The study with replicates drawing from ``posterior``; every key is checked on the
    configs that run (the scenarios, or the base without them) with the posterior's
    extreme values."""
    variants = _variants(study.base_data, study.scenarios)
    for j, key in enumerate(posterior.keys):
        section, _, name = key.partition(".")
        if section == "experiment" and name in STUDY_WIDE:
            raise ConfigError(
                f"posterior {posterior.source}: {key}: {STUDY_WIDE[name]}, not per replicate"
            )
        column = [row[j] for row in posterior.values]
        for trial in (min(column), max(column)):
            for variant in variants:
                try:
                    parse_config(apply_overrides(variant, {key: trial}), study.base_dir)
                except ConfigError as err:
                    raise ConfigError(
                        f"posterior {posterior.source}: {key} = {trial:g}: {err}"
                    ) from None
        if study.sweep is not None and key in study.sweep.params:
            raise ConfigError(f"posterior {posterior.source}: {key} is also swept")
    return replace(study, posterior=posterior)


@dataclass(frozen=True)
class RunSpec:
    """One simulation: which scenario, which sweep point (and its values), which replicate,
    and which posterior sample (-1 without a posterior)."""

    run_id: int
    scenario: str
    point: int
    params: tuple[tuple[str, Any], ...]
    replicate: int
    seed: int
    draw: int = -1


@dataclass(frozen=True)
class Design:
    """The expansion of a study."""

    scenarios: tuple[str, ...]
    points: tuple[tuple[tuple[str, Any], ...], ...]
    runs: tuple[RunSpec, ...]


BASE_SCENARIO = "base"


def count_points(sweep: Sweep | None) -> int:
    """The number of sweep points, without listing them (1 without a sweep)."""
    if sweep is None:
        return 1
    if sweep.method == "grid":
        return math.prod(len(values) for values in sweep.params.values())
    assert sweep.samples is not None
    if sweep.method == "lhs":
        return sweep.samples
    return sweep.samples * (len(sweep.params) + 2)  # Saltelli, first order: N (D + 2)


def check_size(scenarios: int, points: int, replicates: int, days: int) -> None:
    """Refuse a study of more than ``MAX_RUNS`` runs, saying what it would take."""
    runs = max(scenarios, 1) * points * replicates
    if runs <= MAX_RUNS:
        return
    hours = runs * RUN_SECONDS / 3600
    raise ConfigError(
        f"scenarios × sweep × experiment.replicates: {runs:,} runs "
        f"({_count(max(scenarios, 1), 'scenario')} × {_count(points, 'sweep point')} × "
        f"{_count(replicates, 'replicate')}): at most {MAX_RUNS:,} (at the engine's fastest, "
        f"{RUN_SECONDS * 1000:g} ms a run, {hours:,.3g} hours of computing; the daily "
        f"table would hold {runs * days:,} rows)"
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def parse_study(data: dict[str, Any], base_dir: str | Path = ".") -> Study:
    """Validate a study's plain data; errors name the field by its path."""
    if not isinstance(data, dict):
        raise ConfigError("a config must be a table of sections")
    data = dict(data)
    raw_scenarios = data.pop("scenarios", None)
    raw_sweep = data.pop("sweep", None)
    raw_optimise = data.pop("optimise", None)
    base = parse_config(data, base_dir)
    sweep = _sweep_shape(raw_sweep)
    # The size first, from the lists' lengths: nothing is listed or tried before.
    scenario_count = len(raw_scenarios) if isinstance(raw_scenarios, list) else 1
    replicates = base.experiment.replicates
    check_size(scenario_count, count_points(sweep), replicates, base.experiment.days)
    scenarios = _parse_scenarios(raw_scenarios, data, base_dir, base)
    _check_sweep(sweep, data, base_dir, scenarios)
    return Study(base, data, scenarios, sweep, str(base_dir), optimise=raw_optimise)


def load_study(path: str | Path, overrides: dict[str, Any] | None = None) -> Study:
    """Read and validate a study file (TOML or YAML); ``overrides`` set dotted keys of the base."""
    data = read_config_file(path)
    data, dropped = override(data, overrides or {})
    study = parse_study(data, Path(path).resolve().parent)
    return replace(study, dropped=tuple(dropped))


def _parse_scenarios(
    raw: Any, base: dict[str, Any], base_dir: Any, base_config: Config
) -> tuple[Scenario, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError("scenarios: expected a list of [[scenarios]] tables")
    if not raw:
        raise ConfigError("scenarios: the list is empty; add a scenario or remove the key")
    scenarios = []
    for i, item in enumerate(raw):
        try:
            scenario = Scenario.model_validate(item)
        except ValidationError as err:
            raise ConfigError(format_validation_error(err, f"scenarios[{i}]")) from None
        try:
            config = parse_config(apply_overrides(base, scenario.set), base_dir)
        except ConfigError as err:
            raise ConfigError(f"scenarios[{scenario.name}].set: {err}") from None
        for key, why in STUDY_WIDE.items():
            if getattr(config.experiment, key) != getattr(base_config.experiment, key):
                raise ConfigError(
                    f"scenarios[{scenario.name}].set: experiment.{key}: {why}, not per scenario"
                )
        scenarios.append(scenario)
    names = [s.name for s in scenarios]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"scenarios: two scenarios are named {name!r}")
    return tuple(scenarios)


def _variants(base: dict[str, Any], scenarios: tuple[Scenario, ...]) -> list[dict[str, Any]]:
    """The data of the configs that run: each scenario's, or the base's when there are
    none (a study with scenarios runs only them)."""
    return [apply_overrides(base, s.set) for s in scenarios] or [base]


def _parse_sweep(
    raw: Any, base: dict[str, Any], base_dir: Any, scenarios: tuple[Scenario, ...]
) -> Sweep | None:
    """A sweep validated: its shape, then its keys on each config that runs."""
    sweep = _sweep_shape(raw)
    _check_sweep(sweep, base, base_dir, scenarios)
    return sweep


def _sweep_shape(raw: Any) -> Sweep | None:
    """The sweep's own fields validated (not yet its keys)."""
    if raw is None:
        return None
    try:
        return Sweep.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, "sweep")) from None


def _check_sweep(
    sweep: Sweep | None, base: dict[str, Any], base_dir: Any, scenarios: tuple[Scenario, ...]
) -> None:
    """Every swept key must be a real parameter of each run: its extreme values are tried
    on each config that runs (each scenario, which may have changed the kind of lure or
    rule); keys the design reads once are refused."""
    if sweep is None:
        return
    for key in sweep.params:
        section, _, name = key.partition(".")
        if section == "experiment" and name in STUDY_WIDE:
            raise ConfigError(f"sweep.params.{key}: {STUDY_WIDE[name]}, not per sweep point")
    variants = _variants(base, scenarios)
    for key, value in sweep.params.items():
        trials = value if isinstance(value, list) else [value.low, value.high]
        if isinstance(value, Range) and value.integer:
            trials = [math.ceil(value.low), math.floor(value.high)]
        for variant in variants:
            for trial in trials:
                try:
                    parse_config(apply_overrides(variant, {key: trial}), base_dir)
                except ConfigError as err:
                    text = str(err)
                    if text.startswith(f"{key}: unknown key") or text.endswith("unknown key"):
                        raise ConfigError(f"sweep.params.{key}: not a parameter") from None
                    raise ConfigError(f"sweep.params.{key} = {trial!r}: {text}") from None


def sweep_points(sweep: Sweep | None, root_seed: int) -> list[tuple[tuple[str, Any], ...]]:
    """The sweep's points as (key, value) tuples, in design order."""
    if sweep is None:
        return [()]
    keys = list(sweep.params)
    if sweep.method == "grid":
        lists = [sweep.params[k] for k in keys]
        return [tuple(zip(keys, combo, strict=True)) for combo in itertools.product(*lists)]
    ranges = [sweep.params[k] for k in keys]
    seed = derive_seed(root_seed, "sweep")
    if sweep.method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(seed)).random(
            sweep.samples
        )
    else:
        from SALib.sample import sobol as saltelli

        problem = {"num_vars": len(keys), "names": keys, "bounds": [[0.0, 1.0]] * len(keys)}
        # Saltelli's design on scipy's scrambled Sobol' sequence: N (D + 2) points.
        unit = saltelli.sample(problem, sweep.samples, calc_second_order=False, seed=seed)
    columns = [r.scale(unit[:, j]) for j, r in enumerate(ranges)]
    points = []
    for i in range(unit.shape[0]):
        point = []
        for key, r, column in zip(keys, ranges, columns, strict=True):
            value = column[i]
            point.append((key, int(value) if r.integer else float(value)))
        points.append(tuple(point))
    return points


def expand(study: Study) -> Design:
    """Every run of a study: scenarios × sweep points × replicates, with their seeds."""
    names = tuple(s.name for s in study.scenarios) or (BASE_SCENARIO,)
    base = study.base.experiment
    check_size(len(names), count_points(study.sweep), base.replicates, base.days)
    points = tuple(sweep_points(study.sweep, study.base.experiment.seed))
    root = study.base.experiment.seed
    seeds = [derive_seed(root, "replicate", r) for r in range(study.replicates)]
    draws = [-1] * study.replicates
    if study.posterior is not None:
        draws = [study.posterior.draw(root, r) for r in range(study.replicates)]
    runs = []
    for name in names:
        for p, point in enumerate(points):
            for r in range(study.replicates):
                runs.append(RunSpec(len(runs), name, p, point, r, seeds[r], draws[r]))
    return Design(names, points, tuple(runs))


def run_config(
    study: Study, scenario: str, point: tuple[tuple[str, Any], ...], draw: int = -1
) -> Config:
    """The validated config of one (scenario, sweep point, posterior sample): the base,
    then the posterior sample's behaviour, then the scenario's settings, then the point's."""
    data = study.base_data
    if draw >= 0 and study.posterior is not None:
        data = apply_overrides(
            data, dict(zip(study.posterior.keys, study.posterior.values[draw], strict=True))
        )
    for s in study.scenarios:
        if s.name == scenario:
            data = apply_overrides(data, s.set)
    if point:
        data = apply_overrides(data, dict(point))
    return parse_config(data, study.base_dir)


# Edge-list files up to this size are read by ``fission validate`` as ``run`` reads them
# (the reader is a Python loop over lines: about a second per 10 MB), so the file's
# lines, its people and the seed and KOL ids listed are checked before anything runs. A
# larger file is only checked to be there and readable: ``run`` reads it before it
# writes anything, and validate must answer in seconds.
VALIDATE_READ_BYTES = 10_000_000
# The seed strategies that read seeds.costs: sim.seeding.OPTIMISING, not imported here
# (it loads the graph modules, which validate of a generated graph never needs).
_OPTIMISING = ("degree_discount", "celf", "imm")


def check_inputs(study: Study) -> list[str]:
    """The files a study's runs read, checked as ``fission validate`` promises.

    Every file run would read (``graph.path``, and ``seeds.costs`` with an optimising
    seed strategy, the only ones that read it) must exist and be readable: in the base,
    each scenario and each sweep point that changes the graph, the seeds or the KOLs.
    An edge list of at most ``VALIDATE_READ_BYTES`` is read and the campaign's KOLs and
    seeds chosen on it as ``run``'s preflight does; for the optimising seed strategies
    (degree_discount, celf, imm), whose choice is a long computation, only the KOLs, the
    seed count and the costs file are checked. Generated graphs are not built: the config
    alone decides whether they fit (people, friendships, ids). The graph modules are
    imported only for an edge list. Returns notes on what was left to ``run``.
    """
    notes: list[str] = []
    checked: set[str] = set()
    for config in _configs_that_run(study):
        key = json.dumps(
            [
                config.graph.model_dump(),
                config.seeds.model_dump(),
                config.population.model_dump(),
                config.base_dir,
            ],
            sort_keys=True,
            default=str,
        )
        if key in checked:
            continue
        checked.add(key)
        if config.seeds.costs is not None and config.seeds.strategy in _OPTIMISING:
            _readable((Path(config.base_dir) / config.seeds.costs).resolve(), "seeds.costs")
        if config.graph.kind != "edgelist":
            continue
        path = config.graph_path()
        size = _readable(path, "graph.path")
        if size > VALIDATE_READ_BYTES:
            note = (
                f"graph.path: {path} ({size / 1e6:,.0f} MB) is there and readable; "
                "run reads its lines and checks the ids listed before writing anything"
            )
            if note not in notes:
                notes.append(note)
            continue
        _check_on_graph(config)
    return notes


def _configs_that_run(study: Study) -> list[Config]:
    """The configs whose files matter: each scenario's (or the base's), and each sweep
    point's when the sweep changes the graph, the seeds or the KOLs."""
    names = [s.name for s in study.scenarios] or [BASE_SCENARIO]
    points: list[tuple[tuple[str, Any], ...]] = [()]
    sweep = study.sweep
    if sweep is not None and any(
        key.split(".")[0] in ("graph", "seeds", "population") for key in sweep.params
    ):
        points = sweep_points(sweep, study.base.experiment.seed)
    return [run_config(study, name, point) for name in names for point in points]


def _readable(path: Path, field: str) -> int:
    """The size of a file a config names, refused unless it is a readable file."""
    if not path.exists():
        raise ConfigError(f"{field}: file not found: {path}")
    if not path.is_file():  # the words run uses for a folder too, and what it is
        raise ConfigError(f"{field}: file not found: {path} (a folder, not a file)")
    try:
        with path.open("rb") as file:
            file.read(1)
    except OSError as err:
        raise ConfigError(f"{field}: cannot read {path}: {err.strerror or err}") from None
    return path.stat().st_size


def _check_on_graph(config: Config) -> None:
    """Read a (small) edge list and choose the starters on it, as run's preflight does
    for replicate 0; errors name the file and line, or the field."""
    from sim.graphs import build_graph, require_people
    from sim.influence.costs import candidate_costs
    from sim.influence.starters import choose_starters
    from sim.seeding import OPTIMISING, choose_kols
    from sim.streams import stream

    seed = derive_seed(config.experiment.seed, "replicate", 0)
    graph = require_people(build_graph(config, seed))
    if config.seeds.strategy not in OPTIMISING:
        choose_starters(config, graph, seed)
        return
    kols = choose_kols(config, graph, stream(seed, "kols"))
    available = graph.n - kols.size
    if config.seeds.count > available:
        raise ConfigError(
            f"seeds.count: {config.seeds.count} seeds asked for but only {available} "
            "people are not KOLs"
        )
    candidate_costs(config, graph)
