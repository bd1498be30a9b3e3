"""What a search hands the planner: the tables, ``recommended.toml`` (the base study with
the winner's settings, runnable as is by ``fission run``) and the report, in the
current language (the recommendation's words: ``sim.optimise.words``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sim.config import apply_overrides
from sim.files import write_parquet, write_text
from sim.lang import _
from sim.optimise.outcome import Outcome
from sim.optimise.words import sentence
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


def recommended_data(outcome: Outcome, folder: Path | None) -> dict[str, Any]:
    """The base study's data with the recommended levers set, file paths made relative
    to ``folder`` (where recommended.toml is written), or absolute when there is none
    (a download: the file may be saved anywhere)."""
    assert outcome.recommended is not None
    data = apply_overrides(outcome.study.base_data, outcome.recommended.as_dict())
    base_dir = Path(outcome.study.base_dir)
    for section, key in _FILE_KEYS:
        table = data.get(section)
        if isinstance(table, dict) and isinstance(table.get(key), str):
            path = (base_dir / table[key]).resolve()
            table[key] = (
                str(path) if folder is None else os.path.relpath(path, Path(folder).resolve())
            )
    return data


def recommended_toml(outcome: Outcome, folder: Path | None) -> str:
    """recommended.toml: a comment saying what was chosen and how sure we are, then the
    study."""
    lines = [
        "# " + _("Recommended by `fission optimise`: {sentence}").format(sentence=sentence(outcome))
    ]
    if outcome.study.posterior is not None:
        lines.append(
            "# " + _("Optimised over a calibration's posterior: run it with the same --posterior.")
        )
    lines.append("# " + _("Run it: fission run recommended.toml"))
    return "\n".join(lines) + "\n\n" + toml_text(recommended_data(outcome, folder))


__all__ = ["recommended_data", "recommended_toml", "write_outputs"]
