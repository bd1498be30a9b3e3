"""The search: Optuna proposes designs, Fission evaluates them on common random numbers,
races the best, and says which to launch.

Optuna's part is where to look: TPE (mixed and conditional spaces) for one objective,
NSGA-II for two, or random search as a baseline. Its study lives in
``optuna.journal`` in the output folder, so a killed search resumes where it stopped.
Fission's part is the rest: every candidate's ``start`` replicates, fresh ones for each
batch (``searched_on``, ``sim.optimise.evaluate``), the constraints (told to Optuna as
violations), the race among the finalists (``sim.optimise.race``) and the probability
that each finalist is the best.

Reproducible from the root seed alone: candidates are asked for in batches of a fixed
size, evaluated, then told in trial order, and trial k is sampled by a sampler seeded
``derive_seed(root, "optimise", "sampler", k)``: its proposal depends only on the trials
told before its batch, so two searches with one root seed propose the same trials
in-process or on any number of workers, and a resumed search continues as an
uninterrupted one would.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.executors import Executor
from sim.optimise.evaluate import Candidate, Evaluator
from sim.optimise.importance import importance_table
from sim.optimise.outcome import Outcome
from sim.optimise.race import Race, feasible, mean_of, race, rank
from sim.optimise.space import Space, lever_values, outcome_names, parse_space
from sim.optimise.stats import describe, loss_chance, prob_best, violations
from sim.rootseed import derive_seed
from sim.study import Posterior, Study, with_posterior

# Outcomes trials.parquet describes besides the objectives and constrained ones.
SHOWN = ("joined", "paying", "total_cost", "cost_per_paying", "revenue", "roi")


def optimise(
    study: Study,
    out: Path | None = None,
    *,
    trials: int | None = None,
    workers: int = 1,
    address: str | None = None,
    fresh: bool = False,
    posterior: Posterior | None = None,
    executor: Executor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Search the study's ``[optimise]`` levers and recommend a design.

    Args:
        study: a study with an ``[optimise]`` table (``sim.study.load_study``).
        out: the output folder (evaluations, Optuna's journal, the tables); None keeps
            everything in memory (no resume).
        trials: candidates to propose (default: the table's ``trials``).
        workers, address: the executor, as for ``run_experiment``.
        executor: an executor to run on instead of ``workers`` and ``address`` (the
            app's job board); the caller's to close.
        fresh: replace another search's files in ``out``.
        posterior: a calibration's posterior: each replicate draws its behaviour from it
            (the same draw for every candidate), so the search optimises the expected
            outcome over what the pilot left uncertain.
        on_progress: ``on_progress(runs held, runs expected)`` after each run.
    """
    space = parse_space(study)
    if posterior is not None:
        for key in posterior.keys:
            if key in space.keys:
                raise _error(f"posterior {posterior.source}: {key} is also a lever")
        study = with_posterior(study, posterior)
    trials = space.trials if trials is None else trials
    if trials < 1:
        raise _error(f"--trials: must be at least 1, not {trials}")
    folder = None
    if out is not None:
        from sim.optimise.folder import SearchFolder, search_hash

        folder = SearchFolder(out, search_hash(study.fingerprint(), study.optimise or {}))
        folder.open(fresh)
    try:
        outcome = _search(study, space, trials, out, workers, address, executor, on_progress)
        if folder is not None:
            from sim.optimise.recommend import write_outputs

            write_outputs(Path(out), outcome)  # type: ignore[arg-type]
            folder.write_manifest(status="complete", trials=len(outcome.trials))
        return outcome
    finally:
        if folder is not None:
            folder.close()


def planned_runs(space: Space, trials: int) -> int:
    """The runs a search of ``trials`` candidates plans for: ``start`` replicates of
    each; for one objective, four times the finalists screened on replicates
    0 … start − 1 and the finalists raced on up to 0 … max − 1 (fewer when a screened
    design was searched on some of them or the race ends early); for two, the front's
    designs run up to ``max``."""
    budget = space.replicates
    if len(space.objectives) == 1:  # four times the finalists screened, then raced
        return trials * budget.start + budget.finalists * (3 * budget.start + budget.max)
    return trials * budget.start + budget.finalists * (budget.max - budget.start)


def searched_on(space: Space, number: int) -> range:
    """The replicates trial ``number`` is evaluated on in the search: those of its batch.

    One objective: batch b's candidates share replicates b·start … (b + 1)·start − 1,
    common random numbers within the batch and fresh ones for the next. Were every
    candidate judged on the same few replicates, the sampler would climb whatever those
    few runs happened to favour (a sample-average approximation of the campaign): with
    runs as noisy as a referral cascade, a whole region of designs can look thousands of
    yuan better on replicates 0-3 than on any others, and a sampler that follows the
    best it was told settles there. Fresh replicates each batch make such luck a batch's
    own, so what keeps looking good across batches is what is good. The finalists are
    then raced on replicates 0 … n − 1, common to all of them.

    Two objectives: replicates 0 … start − 1 for every candidate, since the Pareto front
    is drawn on all of them together."""
    start = space.replicates.start
    if len(space.objectives) != 1:
        return range(start)
    first = (number // space.batch) * start
    return range(first, first + start)


def _error(text: str) -> Exception:
    from sim.config import ConfigError

    return ConfigError(text)


def _search(
    study: Study,
    space: Space,
    trials: int,
    out: Path | None,
    workers: int,
    address: str | None,
    executor: Executor | None,
    on_progress: Callable[[int, int], None] | None,
) -> Outcome:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    expected = planned_runs(space, trials)
    evaluator: Evaluator

    def advance() -> None:
        if on_progress is not None:
            on_progress(evaluator.stored(), max(expected, evaluator.stored()))

    evaluator = Evaluator(
        study,
        outcome_names(),
        None if out is None else Path(out) / "evaluations",
        workers=workers,
        address=address,
        executor=executor,
        on_run=advance,
    )
    advance()
    root = study.base.experiment.seed
    storage = _storage(out)
    directions = ["maximize" if o.higher_is_better else "minimize" for o in space.objectives]
    ostudy = optuna.create_study(
        storage=storage, study_name="fission", directions=directions, load_if_exists=True
    )
    try:
        while True:
            asked = len(ostudy.trials)
            pending = _running(ostudy)
            if asked < trials and (asked % space.batch or not pending):
                # ask the rest of this batch (all of it, or what a kill left unasked)
                end = min((asked // space.batch + 1) * space.batch, trials)
                for number in range(asked, end):
                    ostudy.sampler = _sampler(space, derive_seed(root, "optimise", number))
                    ostudy.ask()
                pending = _running(ostudy)
            if not pending:
                break
            designs = []
            for frozen in pending:  # ask (or finish asking) each trial's levers, in order
                ostudy.sampler = _sampler(space, derive_seed(root, "optimise", frozen.number))
                trial = optuna.trial.Trial(ostudy, frozen._trial_id)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    designs.append(Candidate(tuple(space.suggest(trial).items())))
            evaluator.ensure(
                (c, searched_on(space, f.number))
                for f, c in zip(pending, designs, strict=True)
                if evaluator.error(c) is None
            )
            for frozen, design in zip(pending, designs, strict=True):
                _tell(ostudy, frozen, design, evaluator, space)
        done = [t for t in ostudy.trials if t.number < trials]
        by_trial = {t.number: Candidate(lever_values(space, t.params)) for t in done}
        blocks: dict[str, range] = {}  # each design's replicates in the search (its first trial's)
        for number, design in sorted(by_trial.items()):
            blocks.setdefault(design.key, searched_on(space, number))
        unique = list({c.key: c for c in by_trial.values()}.values())
        # every told design on its replicates (stored: nothing runs), which also holds
        # after a resume that had nothing left to ask
        evaluator.ensure((c, blocks[c.key]) for c in unique if evaluator.error(c) is None)
        valid = [
            c for c in unique if evaluator.error(c) is None and evaluator.holds(c, blocks[c.key])
        ]
        outcome_race, pareto = None, None
        if len(space.objectives) == 1:
            outcome_race = _final_race(evaluator, valid, space, blocks)
            recommended = outcome_race.leader
        else:
            pareto, recommended = _final_front(evaluator, valid, space)
        importance = importance_table(done, space)
    finally:
        evaluator.close()
    loss = _loss_outcome(space)
    table = _trials_table(
        evaluator, space, done, by_trial, blocks, outcome_race, recommended, root, loss, pareto
    )
    front = None
    if pareto is not None:
        keys = {c.key for c in pareto}
        front = table[table["candidate"].isin(keys)].drop_duplicates("candidate")
        front = front.sort_values(f"{space.objectives[0].outcome}_mean").reset_index(drop=True)
    return Outcome(
        study,
        space,
        table,
        front,
        importance,
        recommended,
        outcome_race,
        evaluator.used(),
        evaluator.runs_made,
        loss,
    )


def _storage(out: Path | None) -> Any:
    import optuna

    if out is None:
        return optuna.storages.InMemoryStorage()
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return JournalStorage(JournalFileBackend(str(Path(out) / "optuna.journal")))


def _running(ostudy: Any) -> list[Any]:
    import optuna

    states = (optuna.trial.TrialState.RUNNING,)
    return sorted(ostudy.get_trials(deepcopy=False, states=states), key=lambda t: t.number)


def _sampler(space: Space, seed: int) -> Any:
    """The sampler of one trial, seeded for it (see the module's text)."""
    import optuna

    seed = seed % 2**32
    constraints = _constraints if space.constraints else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # multivariate and group TPE are "experimental"
        if space.sampler == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        if len(space.objectives) == 2:
            return optuna.samplers.NSGAIISampler(
                seed=seed, population_size=max(space.batch, 4), constraints_func=constraints
            )
        return optuna.samplers.TPESampler(
            seed=seed,
            multivariate=True,
            group=True,
            constant_liar=True,
            n_startup_trials=max(10, space.batch),
            constraints_func=constraints,
        )


def _constraints(frozen: Any) -> list[float]:
    return list(frozen.user_attrs.get("violations", []))


def _tell(ostudy: Any, frozen: Any, design: Candidate, evaluator: Evaluator, space: Space) -> None:
    """Tell Optuna a trial's means at ``start`` replicates, its constraint violations,
    or that it failed (not a valid campaign, or an objective undefined in every run)."""
    import optuna

    trial = optuna.trial.Trial(ostudy, frozen._trial_id)
    error = evaluator.error(design)
    if error is not None:
        trial.set_user_attr("error", error)
        ostudy.tell(frozen.number, state=optuna.trial.TrialState.FAIL)
        return
    replicates = searched_on(space, frozen.number)
    values = [mean_on(evaluator, design, o.outcome, replicates) for o in space.objectives]
    outcomes = evaluator.outcome_values(design, replicates=replicates)
    trial.set_user_attr("violations", violations(space.constraints, outcomes))
    if not all(np.isfinite(values)):
        trial.set_user_attr("error", "the objective is undefined in every run")
        ostudy.tell(frozen.number, state=optuna.trial.TrialState.FAIL)
        return
    ostudy.tell(frozen.number, values)


def _final_race(
    evaluator: Evaluator, valid: list[Candidate], space: Space, blocks: dict[str, range]
) -> Race:
    """The finalists raced on the first objective: four times their number of the best
    feasible designs on the replicates they were searched on, run on replicates
    0 … start − 1, and the best of those (the least infeasible design alone when none
    meets the constraints)."""
    objective = space.objectives[0]
    sign = -1.0 if objective.higher_is_better else 1.0

    def missed(c: Candidate) -> float:
        outcomes = evaluator.outcome_values(c, replicates=blocks[c.key])
        return float(sum(max(v, 0.0) for v in violations(space.constraints, outcomes)))

    def searched(item: tuple[int, Candidate]) -> tuple[float, int]:
        mean = mean_on(evaluator, item[1], objective.outcome, blocks[item[1].key])
        return (sign * mean if np.isfinite(mean) else np.inf, item[0])

    fits = [c for c in valid if missed(c) == 0]
    take = space.replicates.finalists
    if fits:
        ordered = [c for _, c in sorted(enumerate(fits), key=searched)]
        # a batch's replicates are luckier than another's for all its designs: four times
        # the finalists are screened on replicates common to them before the best race
        screened = ordered[: 4 * take]
        evaluator.ensure((c, space.replicates.start) for c in screened)
        fits = [c for c in screened if feasible(evaluator, c, space)] or screened
        finalists = rank(evaluator, fits, objective)[:take]
    else:
        finalists = sorted(valid, key=missed)[:1]
    evaluator.ensure((c, space.replicates.start) for c in finalists)
    return race(evaluator, finalists, space)


def _final_front(
    evaluator: Evaluator, valid: list[Candidate], space: Space
) -> tuple[list[Candidate], Candidate | None]:
    """The Pareto front of the feasible designs: up to ``finalists`` of it, spread along
    the first objective, get ``max`` replicates; the front is then drawn again on every
    design's means, and its knee (farthest from the line between its ends, objectives
    scaled to [0, 1]) is recommended."""
    fits = [c for c in valid if feasible(evaluator, c, space)] or valid
    front = _front(evaluator, fits, space)
    take = space.replicates.finalists
    if len(front) > take:
        picks = np.unique(np.linspace(0, len(front) - 1, take).round().astype(int))
        front = [front[i] for i in picks]
    evaluator.ensure((c, space.replicates.max) for c in front)
    fits = [c for c in fits if feasible(evaluator, c, space)] or fits
    front = _front(evaluator, fits, space)
    return front, _knee(evaluator, front, space)


def _front(evaluator: Evaluator, candidates: list[Candidate], space: Space) -> list[Candidate]:
    """Non-dominated candidates by their means, sorted by the first objective."""
    signs = [1.0 if o.higher_is_better else -1.0 for o in space.objectives]
    points = np.array(
        [
            [
                s * mean_of(evaluator, c, o.outcome)
                for s, o in zip(signs, space.objectives, strict=True)
            ]
            for c in candidates
        ]
    )
    keep = []
    for i, p in enumerate(points):
        if not np.all(np.isfinite(p)):
            continue
        dominated = np.any(np.all(points >= p, axis=1) & np.any(points > p, axis=1))
        if not dominated:
            keep.append(i)
    seen: dict[tuple[float, ...], int] = {}
    for i in keep:
        seen.setdefault(tuple(points[i]), i)
    chosen = sorted(seen.values(), key=lambda i: points[i][0])
    return [candidates[i] for i in chosen]


def _knee(evaluator: Evaluator, front: list[Candidate], space: Space) -> Candidate | None:
    if len(front) <= 2:
        return front[0] if front else None
    signs = [1.0 if o.higher_is_better else -1.0 for o in space.objectives]
    points = np.array(
        [
            [
                s * mean_of(evaluator, c, o.outcome)
                for s, o in zip(signs, space.objectives, strict=True)
            ]
            for c in front
        ]
    )
    span = points.max(axis=0) - points.min(axis=0)
    scaled = (points - points.min(axis=0)) / np.where(span > 0, span, 1.0)
    a, b = scaled[0], scaled[-1]
    line = (b - a) / max(float(np.linalg.norm(b - a)), 1e-12)
    offsets = scaled - a
    distance = np.abs(offsets[:, 0] * line[1] - offsets[:, 1] * line[0])
    return front[int(distance.argmax())]


def mean_on(evaluator: Evaluator, candidate: Candidate, outcome: str, replicates: range) -> float:
    """The mean of ``outcome`` on ``replicates`` (NaN where undefined in every run)."""
    values = evaluator.values(candidate, outcome, replicates=replicates)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else np.nan


def _loss_outcome(space: Space) -> str | None:
    """A money objective's own runs below zero are a loss; otherwise ROI below zero
    (margin did not cover cost) is."""
    from sim.registry import find

    for objective in space.objectives:
        declared = find(objective.outcome, "runs")
        if declared is not None and declared.unit == "yuan" and objective.higher_is_better:
            return objective.outcome
    return "roi" if "roi" in outcome_names() else None


def _trials_table(
    evaluator: Evaluator,
    space: Space,
    done: list[Any],
    by_trial: dict[int, Candidate],
    blocks: dict[str, range],
    outcome_race: Race | None,
    recommended: Candidate | None,
    root: int,
    loss: str | None,
    pareto: list[Candidate] | None,
) -> pd.DataFrame:
    """One row per trial: its levers, replicates spent, each outcome's mean, 95% interval
    of the mean and 5th-95th percentile of runs, feasibility, and the race's verdict.
    A design's figures are on replicates 0 … n − 1 where it has them (a finalist, or a
    design of the first batch), else on the replicates it was searched on."""
    outcomes = [o for o in dict.fromkeys((*space.outcomes(), *SHOWN)) if o in evaluator.outcomes]
    chances: dict[str, float] = {}
    if outcome_race is not None and outcome_race.finalists:
        # among the finalists that meet the constraints at the replicates they got
        # (the leader, whatever it is); the others are not candidates for best
        objective = space.objectives[0]
        finalists = [
            c
            for c in outcome_race.finalists
            if c is outcome_race.leader or feasible(evaluator, c, space)
        ]
        values = [evaluator.values(c, objective.outcome) for c in finalists]
        seed = derive_seed(root, "optimise", "prob_best")
        chances = {c.key: 0.0 for c in outcome_race.finalists}
        chances.update(
            zip(
                [c.key for c in finalists],
                prob_best(values, objective.higher_is_better, seed),
                strict=True,
            )
        )
    rows = []
    for frozen in done:
        design = by_trial[frozen.number]
        row: dict[str, Any] = {
            "trial": frozen.number,
            "batch": frozen.number // space.batch,
            "candidate": design.key,
            "state": frozen.state.name.lower(),
            "error": frozen.user_attrs.get("error", ""),
        }
        for lever in space.levers:
            row[lever.key] = design.as_dict().get(lever.key)
        reps: range = range(0)
        if evaluator.error(design) is None:
            held = evaluator.count(design)
            reps = range(held) if held else blocks[design.key]
        n = len(reps)
        row["replicates"] = n
        values = evaluator.outcome_values(design, replicates=reps) if n else {}
        row["feasible"] = bool(n and all(v <= 0 for v in violations(space.constraints, values)))
        for name in outcomes:
            summary = describe(values[name] if n else np.array([]))
            for stat in ("mean", "low", "high", "p5", "p95"):
                row[f"{name}_{stat}"] = summary[stat]
        row["loss_chance"] = loss_chance(values[loss]) if n and loss else np.nan
        row["finalist"] = outcome_race is not None and design in outcome_race.finalists
        row["dropped_in_round"] = (
            outcome_race.dropped_in.get(design.key, -1) if outcome_race is not None else -1
        )
        row["prob_best"] = chances.get(design.key, np.nan)
        row["pareto"] = pareto is not None and design in pareto
        row["recommended"] = recommended is not None and design.key == recommended.key
        rows.append(row)
    table = pd.DataFrame(rows)
    for lever in space.levers:  # a column of one type: text choices, or numbers
        if lever.choices is not None and all(isinstance(c, str) for c in lever.choices):
            table[lever.key] = table[lever.key].astype("string")
        elif lever.choices is None:
            table[lever.key] = pd.to_numeric(table[lever.key])
        else:
            table[lever.key] = table[lever.key].map(lambda v: None if v is None else json.dumps(v))
    return table


__all__ = ["Outcome", "optimise"]
