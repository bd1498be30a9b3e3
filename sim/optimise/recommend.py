"""What a search hands the planner: the tables, ``recommended.toml`` (the base study with
the winner's settings, runnable as is by ``fission run``), the report, and the
recommendation said in a planner's words."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from sim.compare import format_number
from sim.config import apply_overrides
from sim.files import write_parquet, write_text
from sim.optimise.evaluate import Candidate
from sim.optimise.outcome import Outcome
from sim.store import toml_text

# Config keys whose values are files, relative to the config's folder.
_FILE_KEYS = (("graph", "path"), ("seeds", "costs"))


def write_outputs(folder: Path, outcome: Outcome) -> None:
    """trials.parquet, pareto.parquet (two objectives), importance.parquet,
    recommended.toml and report.html in ``folder``."""
    write_parquet(outcome.trials, folder / "trials.parquet")
    if outcome.pareto is not None:
        write_parquet(outcome.pareto, folder / "pareto.parquet")
    write_parquet(outcome.importance, folder / "importance.parquet")
    if outcome.recommended is not None:
        write_text(folder / "recommended.toml", recommended_toml(outcome, folder))
    from sim.optimise.report import write_report

    objectives = [(o.outcome, o.higher_is_better) for o in outcome.space.objectives]
    write_report(folder, objectives, list(outcome.space.keys), sentence(outcome))


def recommended_data(outcome: Outcome, folder: Path) -> dict[str, Any]:
    """The base study's data with the recommended levers set, file paths made relative
    to ``folder`` (where recommended.toml is written)."""
    assert outcome.recommended is not None
    data = apply_overrides(outcome.study.base_data, outcome.recommended.as_dict())
    base_dir = Path(outcome.study.base_dir)
    for section, key in _FILE_KEYS:
        table = data.get(section)
        if isinstance(table, dict) and isinstance(table.get(key), str):
            path = (base_dir / table[key]).resolve()
            table[key] = os.path.relpath(path, Path(folder).resolve())
    return data


def recommended_toml(outcome: Outcome, folder: Path) -> str:
    """recommended.toml: a comment saying what was chosen and how sure we are, then the
    study."""
    lines = ["# Recommended by `fission optimise`: " + sentence(outcome)]
    if outcome.study.posterior is not None:
        lines.append(
            "# Optimised over a calibration's posterior: run it with the same --posterior."
        )
    lines.append("# Run it: fission run recommended.toml")
    return "\n".join(lines) + "\n\n" + toml_text(recommended_data(outcome, folder))


def describe_design(levers: dict[str, Any]) -> str:
    """Lever values in a planner's words: kinds by name, yuan where the key is yuan
    (``lure coupon, lure.value 12 yuan, seeds.count 80``)."""
    from sim.config import FAMILIES

    parts = []
    for key, value in levers.items():
        section, _, name = key.partition(".")
        family = FAMILIES.get(section)
        if family is not None and name == family.tag:
            parts.append(f"{section} {str(value).replace('_', ' ')}")
            continue
        unit = " yuan" if _is_yuan(key, levers) else ""
        shown = f"{value:,.0f}" if isinstance(value, int) else _plain(value)
        parts.append(f"{key} {shown}{unit}")
    return ", ".join(parts)


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def _is_yuan(key: str, levers: dict[str, Any]) -> bool:
    """Whether the config declares ``key`` in yuan (its description says so)."""
    from sim.config import FAMILIES, Config

    section, _, name = key.partition(".")
    family = FAMILIES.get(section)
    try:
        if family is not None:
            field = family.field(name, levers.get(f"{section}.{family.tag}"))
        else:
            model = Config.model_fields[section].annotation
            field = model.model_fields[name]  # type: ignore[union-attr]
    except (KeyError, AttributeError):
        return False
    return "yuan" in (field.description or "")


def sentence(outcome: Outcome) -> str:
    """The recommendation in one line: the design, the objectives' means with the 5th to
    95th percentile of runs, the chance of a loss, and whether it beats the runner-up."""
    if outcome.recommended is None:
        return "no valid design was found"
    row = outcome.trials[outcome.trials["candidate"] == outcome.recommended.key].iloc[0]
    said = []
    for objective in outcome.space.objectives:
        name = objective.outcome
        unit = " yuan" if _outcome_unit(name) == "yuan" else ""
        said.append(
            f"{name} {format_number(row[f'{name}_mean'])}{unit} "
            f"[{format_number(row[f'{name}_p5'])}, {format_number(row[f'{name}_p95'])}]"
        )
    text = f"{describe_design(outcome.recommended.as_dict())}: {', '.join(said)}"
    if outcome.loss_outcome is not None and np.isfinite(row["loss_chance"]):
        text += f", {_chance(row['loss_chance'])} chance of a loss"
    if not row["feasible"]:
        text += " (no design met every constraint: this one misses them least)"
    race = outcome.race
    if race is not None and race.runner_up is None and len(race.finalists) > 1:
        text += "; the only finalist that meets the constraints"
    if race is not None and race.runner_up is not None:
        mean, low, high = race.difference
        name = outcome.space.objectives[0].outcome
        verdict = "better than" if race.distinct else "not distinguishable from"
        text += (
            f"; {verdict} the runner-up ({format_number(mean)} {name} more, 95% "
            f"[{format_number(low)}, {format_number(high)}], {int(row['replicates'])} "
            f"replicates; probability best {row['prob_best']:.0%})"
        )
    return text


def _chance(p: float) -> str:
    """A probability as planners say it: "1 in 20", "no", "3 in 4"."""
    if p <= 0:
        return "no observed"
    if p >= 1:
        return "a certain"
    n = round(1 / p)
    if n >= 2 and abs(1 / n - p) < 0.1 * p + 1e-9:
        return f"1 in {n}"
    return f"a {p:.0%}"


def _outcome_unit(name: str) -> str:
    from sim.registry import find

    declared = find(name, "runs")
    return declared.unit if declared is not None else ""


__all__ = ["Candidate", "describe_design", "recommended_toml", "sentence", "write_outputs"]
