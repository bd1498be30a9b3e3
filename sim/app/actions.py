"""What the app's buttons do, as plain functions of the per-tab state (no Dash here).

The callbacks in ``sim.app.server`` only move values between the page and these
functions, so tests call them directly: Run validates the form and queues a job, each
poll turns a finished job into the tab's current run, Pin/Unpin edit the tab's list of
pinned scenarios, Save writes them as a study ``fission run`` accepts.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.app import params
from sim.app.folders import DEFAULT_SAVE_DIR, study_file
from sim.app.jobs import JobBoard, TabBusy
from sim.app.limits import DEFAULT_LIMITS, Limits
from sim.app.store import frame_from_store, frame_to_store, summary_to_store
from sim.config import ConfigError
from sim.files import make_dirs, write_text
from sim.lang import _
from sim.messages import field_of, problem_text, shown
from sim.results import Results
from sim.study import expand

BASE_DIR = str(params.ROOT / "experiments")  # relative paths in the app's configs
SAVED_HEADER = "# Saved by the Fission app"


@dataclass(frozen=True)
class Message:
    """A line for the planner: ``kind`` is "ok", "error" or "" (neutral); ``field`` the
    dotted key an error is about (shown under its control too), ``problem`` the error
    without the key."""

    text: str
    kind: str = ""
    field: str | None = None
    problem: str = ""

    @property
    def css(self) -> str:
        return f"message {self.kind}".strip()


def start_run(
    board: JobBoard,
    values: dict[str, Any],
    graphs_dir: Path | None,
    limits: Limits = DEFAULT_LIMITS,
    tab: str | None = None,
) -> tuple[dict[str, Any] | None, Message]:
    """Validate the form (``ConfigError`` names the field) and the app's limits on work,
    and queue the campaign for the tab ``tab``. Returns the tab's job (id, campaign data,
    runs in all), or None and the error (also when the tab has a run going)."""
    try:
        data = params.campaign_data(values, graphs_dir)
        study = params.build_study(data)
        limits.check(study)  # before expanding: a million replicates is a big list
        total = len(expand(study).runs)
        job_id = board.submit(data, BASE_DIR, total, tab)
    except (ConfigError, TabBusy) as err:
        return None, error_message(str(err))
    return {"id": job_id, "data": data, "total": total}, Message(_("Starting…"))


def error_message(text: str) -> Message:
    """An error in the current language, with the field it names (if any)."""
    key, problem = field_of(text)
    return Message(shown(text), "error", key, problem_text(problem) if key else "")


def cancel_run(board: JobBoard, job: dict[str, Any] | None, tab: str | None = None) -> Message:
    """Stop the tab's job: no more of its runs start (``JobBoard.cancel``)."""
    if job and board.cancel(job.get("id"), tab):
        return Message(_("Cancelling…"))
    return Message(_("Nothing to cancel."))


@dataclass(frozen=True)
class Poll:
    """A tab's job after one poll: ``finished`` (done or failed), the tab's new current
    run when it succeeded, the message, and runs done of runs in all."""

    finished: bool
    current: dict[str, Any] | None
    message: Message
    done: int
    total: int


def poll_job(board: JobBoard, job: dict[str, Any]) -> Poll:
    """Ask the board about a tab's job; a finished one becomes the tab's current run."""
    status = board.poll(job["id"])
    total = status.total or job["total"]
    if status.state in ("queued", "running"):
        if status.state == "queued" and not status.done:
            text = _("Waiting for a free worker…")
        else:
            text = _("Running: {done} of {total} runs ({seconds} s)").format(
                done=status.done, total=total, seconds=f"{status.seconds:.1f}"
            )
        return Poll(False, None, Message(text), status.done, total)
    if status.state == "cancelled":
        text = _("Cancelled after {done} of {total} runs.").format(done=status.done, total=total)
        return Poll(True, None, Message(text), status.done, total)
    if status.state != "done" or status.result is None:
        if status.error:
            return Poll(True, None, error_message(status.error), 0, total)
        error = _("the run was lost (the server restarted?); click Run again")
        return Poll(True, None, Message(error, "error"), 0, total)
    current = current_run(job["id"], job["data"], status.result, status.seconds)
    days = job["data"]["experiment"]["days"]
    text = _("Done: {runs} runs of {days} days in {seconds} s.").format(
        runs=total, days=days, seconds=f"{status.seconds:.1f}"
    )
    return Poll(True, current, Message(text, "ok"), total, total)


def current_run(
    job_id: str, data: dict[str, Any], result: dict[str, Any], seconds: float
) -> dict[str, Any]:
    """A finished job's tables (``sim.app.jobs.tables``) as the tab keeps its current
    run: the job id, the campaign's data, the tables as the page stores them."""
    return {
        "job": job_id,
        "data": data,
        "runs": frame_to_store(result["runs"]),
        "daily": frame_to_store(result["daily"]),
        "generations": frame_to_store(result["generations"]),
        "summary": summary_to_store(result["summary"]),
        "seconds": seconds,
    }


def pin_run(
    pins: list[dict[str, Any]], name: str | None, current: dict[str, Any] | None
) -> tuple[list[dict[str, Any]] | None, Message]:
    """Add the current run to the pinned scenarios under ``name`` (default "scenario N");
    None (nothing changed) when there is no run or the name is taken."""
    if not current:
        return None, Message(_("Run a campaign before pinning it."), "error")
    name = (name or "").strip() or _("scenario {n}").format(n=len(pins) + 1)
    if any(p["name"] == name for p in pins):
        return None, Message(_("A scenario is already named {name!r}.").format(name=name), "error")
    return [*pins, {**current, "name": name}], Message(
        _("Pinned {name!r}.").format(name=name), "ok"
    )


def unpin(pins: list[dict[str, Any]], name: str) -> tuple[list[dict[str, Any]], Message]:
    return [p for p in pins if p["name"] != name], Message(_("Removed {name!r}.").format(name=name))


def pinned_results(pins: list[dict[str, Any]]) -> Results:
    """The pinned runs as one study's ``Results``: scenario = pin name, run ids
    renumbered scenario after scenario (as ``sim.study.expand`` numbers a study's runs)."""
    tables: dict[str, list[pd.DataFrame]] = {"runs": [], "daily": [], "generations": []}
    offset = 0
    for pin in pins:
        runs = frame_from_store(pin["runs"])
        for name in tables:
            frame = runs if name == "runs" else frame_from_store(pin[name])
            frame["scenario"] = pin["name"]
            frame["run_id"] = frame["run_id"] + offset
            tables[name].append(frame)
        offset += len(runs)
    merged = {name: pd.concat(frames, ignore_index=True) for name, frames in tables.items()}
    config = pins[0]["data"] if len(pins) == 1 else {}
    return Results(
        runs=merged["runs"],
        daily=merged["daily"],
        generations=merged["generations"],
        config=config,
    )


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested plain data as dotted keys (``{"lure": {"value": 8}}`` → ``lure.value``)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def scenario_set(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The ``set`` of a scenario turning ``base`` into ``data``: changed dotted keys;
    a whole section where a key of the base is absent (a dotted key can only set)."""
    changes: dict[str, Any] = {}
    for section in sorted(set(base) | set(data)):
        old, new = base.get(section, {}), data.get(section, {})
        if old == new:
            continue
        if not isinstance(new, dict) or not isinstance(old, dict):
            changes[section] = new
            continue
        flat_old, flat_new = flatten(old, f"{section}."), flatten(new, f"{section}.")
        if set(flat_old) - set(flat_new):
            changes[section] = copy.deepcopy(new)
        else:
            changes.update({k: v for k, v in flat_new.items() if flat_old.get(k) != v})
    return changes


def study_of_pins(pins: list[dict[str, Any]], name: str = "app_study") -> dict[str, Any]:
    """A study (plain data) whose scenarios are the pinned campaigns: the first pin's
    campaign is the base, every pin a ``[[scenarios]]`` entry with its changes. The study
    runs the most replicates any pin ran, on the first pin's root seed (common random
    numbers across scenarios, as in the app)."""
    if not pins:
        raise ConfigError("pin at least one scenario before saving")
    base = copy.deepcopy(pins[0]["data"])
    base.setdefault("experiment", {})
    base["experiment"]["name"] = name
    base["experiment"]["replicates"] = max(p["data"]["experiment"]["replicates"] for p in pins)
    study = dict(base)
    scenarios = []
    for pin in pins:
        data = copy.deepcopy(pin["data"])
        for key in ("name", "replicates"):
            data["experiment"][key] = base["experiment"][key]
        scenarios.append({"name": pin["name"], "set": scenario_set(base, data)})
    study["scenarios"] = scenarios
    params.build_study(study)  # refuse to write what ``fission run`` would refuse
    return study


def study_text(pins: list[dict[str, Any]], name: str = "app_study") -> str:
    """The pinned scenarios as a TOML study ``fission run`` accepts."""
    import tomli_w

    name = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name) or "app_study"
    study = study_of_pins(pins, name)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    header = (
        f"{SAVED_HEADER} on {stamp}: {len(pins)} pinned scenarios.\n"
        "# Run it with: fission run <this file>\n\n"
    )
    return header + tomli_w.dumps(study)


def save_study(
    pins: list[dict[str, Any]], name: str, folder: Path = DEFAULT_SAVE_DIR
) -> tuple[Path | None, Message]:
    """Write the pinned scenarios as the study ``name`` (a file name ending in .toml) in
    ``folder``, the save folder named when the app started (made if missing; no folders
    inside it, no paths: ``sim.app.folders.study_file``). A file not saved by the app is
    never overwritten."""
    try:
        target = study_file(folder, name)
        if target.exists() and not target.read_text(encoding="utf-8").startswith(SAVED_HEADER):
            raise ConfigError(f"save: {target} exists and was not saved by the app")
        text = study_text(pins, target.stem)
        make_dirs(Path(folder))
        write_text(target, text)
    except (ConfigError, OSError) as err:
        return None, error_message(str(err))
    counts = sorted({p["data"]["experiment"]["replicates"] for p in pins})
    note = ""
    if len(counts) > 1:
        note = " " + _("The pins ran {counts} replicates; the study runs {most} of each.").format(
            counts=counts, most=counts[-1]
        )
    text = _("Saved {count} scenarios to {target}. Run it: fission run {target}.").format(
        count=len(pins), target=target
    )
    text += note
    return target, Message(text, "ok")
