"""What the Optimise tab's buttons do, as plain functions of the per-tab state (no Dash).

Search turns the Campaign tab's form and the Optimise tab's (``sim.app.levers``) into a
study with an ``[optimise]`` table, validates it as ``fission optimise`` does
(``parse_space``: errors name the field), checks the app's limits on work
(``Limits.check_search``) and queues the search on the job board as a driven job
(``JobBoard.drive``): ``sim.optimise.search.optimise`` runs in the server process and its
runs go to the board's workers in turn with every other tab's. The search keeps
everything in memory: it writes no file, anywhere. Its result is plain data for the
tab's store (the trials and importance tables, the recommendation in the tab's
language, recommended.toml's text); the tab draws it with ``sim.optimise.report``'s
figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import lang
from sim.app import levers, params
from sim.app.actions import BASE_DIR, Message, Poll, error_message
from sim.app.jobs import JobBoard, JobRuns, TabBusy
from sim.app.limits import DEFAULT_LIMITS, Limits
from sim.app.store import frame_to_store
from sim.config import ConfigError
from sim.lang import _
from sim.study import Study, parse_study

if TYPE_CHECKING:
    from sim.optimise.space import Space


def search_study(
    values: dict[str, Any], table: dict[str, Any], graphs_dir: Path | None
) -> tuple[dict[str, Any], Study, Space]:
    """The study a search runs: the Campaign tab's campaign with the ``[optimise]``
    table; its data, the study and its search space, validated (``ConfigError`` names
    the field)."""
    from sim.optimise.space import parse_space

    data = params.campaign_data(values, graphs_dir)
    data["optimise"] = table
    study = params.build_study(data)
    return data, study, parse_space(study)


def start_search(
    board: JobBoard,
    values: dict[str, Any],
    form: dict[str, Any],
    graphs_dir: Path | None,
    limits: Limits = DEFAULT_LIMITS,
    tab: str | None = None,
) -> tuple[dict[str, Any] | None, Message]:
    """Validate the campaign (the Campaign tab's ``values``) and the search (the
    Optimise tab's ``form``: ``levers.optimise_table``'s arguments), check the limits and
    queue the search for the tab ``tab``. Returns the tab's job (id, runs planned), or
    None and the error."""
    from sim.optimise.search import planned_runs

    try:
        table = levers.optimise_table(**form)
        data, study, space = search_study(values, table, graphs_dir)
        runs = planned_runs(space, space.trials)
        limits.check_search(study, runs, space.replicates.max)
        code = lang.current()
        job_id = board.drive(lambda job_runs: run_search(data, code, job_runs), tab)
    except (ConfigError, TabBusy) as err:
        return None, error_message(str(err))
    return {"id": job_id, "total": runs}, Message(_("Starting the search…"))


def run_search(data: dict[str, Any], code: str, runs: JobRuns) -> dict[str, Any]:
    """A search of the study ``data`` on the board's workers (the driven job's driver):
    its result as plain data, said in the language ``code``."""
    from sim.optimise.recommend import recommended_toml
    from sim.optimise.search import optimise
    from sim.optimise.words import sentence

    study = parse_study(data, BASE_DIR)
    outcome = optimise(study, executor=runs, on_progress=runs.progress)
    with lang.using(code):
        said = sentence(outcome)
        toml = None if outcome.recommended is None else recommended_toml(outcome, None)
    space = outcome.space
    return {
        "trials": frame_to_store(outcome.trials),
        "importance": frame_to_store(outcome.importance),
        "objectives": [[o.outcome, o.higher_is_better] for o in space.objectives],
        "levers": list(space.keys),
        "sentence": said,
        "recommended": None if outcome.recommended is None else outcome.recommended.key,
        "toml": toml,
        "runs": outcome.runs,
    }


def cancel_search(board: JobBoard, job: dict[str, Any] | None, tab: str | None = None) -> Message:
    """Stop the tab's search: no more of its runs start, its driver stops."""
    if job and board.cancel(job.get("id"), tab):
        return Message(_("Cancelling…"))
    return Message(_("Nothing to cancel."))


def poll_search(board: JobBoard, job: dict[str, Any]) -> Poll:
    """Ask the board about a tab's search; a finished one becomes the tab's result."""
    status = board.poll(job["id"])
    total = max(status.total or job["total"], status.done, 1)
    if status.state in ("queued", "running"):
        if status.state == "queued":
            text = _("Waiting for a free worker…")
        else:
            text = _("Searching: {done} of about {total} runs ({seconds} s)").format(
                done=f"{status.done:,}", total=f"{total:,}", seconds=f"{status.seconds:.0f}"
            )
        return Poll(False, None, Message(text), status.done, total)
    if status.state == "cancelled":
        text = _("Search cancelled after {done} runs.").format(done=f"{status.done:,}")
        return Poll(True, None, Message(text), status.done, total)
    if status.state != "done" or status.result is None:
        if status.error:
            return Poll(True, None, error_message(status.error), 0, total)
        error = _("the search was lost (the server restarted?); click Search again")
        return Poll(True, None, Message(error, "error"), 0, total)
    result = status.result
    text = _("Done: {runs} runs in {seconds} s.").format(
        runs=f"{result['runs']:,}", seconds=f"{status.seconds:.0f}"
    )
    return Poll(True, {**result, "job": job["id"]}, Message(text, "ok"), status.done, total)
