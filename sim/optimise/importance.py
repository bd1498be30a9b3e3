"""How much each lever matters to each objective, read from the search's own trials.

PED-ANOVA (Watanabe et al., IJCAI 2023; Optuna's ``PedAnovaImportanceEvaluator``) asks
how differently a lever is spread among the best designs (the top ``TOP_SHARE`` of the
trials by the objective's mean at their first replicates, at least ``TOP_AT_LEAST`` of
them) than among all the trials: a lever whose value does not matter is spread alike in
both, one that matters is concentrated among the best. Each view's importances are
shares: they add up to 1 (all 0 when no lever tells the best apart).

A lever of some kinds only (a group buy's size) is not left out. Two views say what it
does, one row each in ``importance.parquet``:

- **all designs** (``within_lever`` empty): every completed trial. A lever of some kinds
  counts on the trials of those kinds only, weighted by how many of the best designs are
  of them (Optuna's conditional PED-ANOVA, arXiv 2601.20800, KDD 2026): it is 0 when no
  best design is of those kinds, however much it matters within them;
- **within a choice** (``within_lever = "lure.kind"``, ``within_choice = "group_buy"``):
  the trials of that choice only, over the levers that apply there. Given a group buy,
  does its size matter? Made for each choice of a kind lever that another lever depends
  on, when at least ``MIN_TRIALS`` completed trials chose it.

``trials`` says how many trials each view read.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pandas as pd

from sim.optimise.space import Space

TOP_SHARE = 0.1  # the best designs: this share of a view's trials ...
TOP_AT_LEAST = 5  # ... and at least this many (PED-ANOVA's own advice)
MIN_TRIALS = 20  # a view of fewer trials says too little
COLUMNS = ["objective", "within_lever", "within_choice", "trials", "lever", "importance"]


def importance_table(trials: list[Any], space: Space) -> pd.DataFrame:
    """The importance of each lever (see the module's text) from Optuna's completed
    ``trials`` (values: the objectives' means at ``start`` replicates, in the space's
    order)."""
    import optuna

    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    rows: list[dict[str, Any]] = []
    for i, objective in enumerate(space.objectives):
        sign = -1.0 if objective.higher_is_better else 1.0
        losses = [
            (t, sign * t.values[i]) for t in complete if math.isfinite(t.values[i])
        ]  # lower is better for PED-ANOVA
        views = [("", "", losses)]
        for kind in _kinds_depended_on(space):
            for index, choice in enumerate(kind.choices or ()):
                chosen = [(t, v) for t, v in losses if t.params.get(kind.key) == index]
                views.append((kind.key, str(choice), chosen))
        for within_lever, within_choice, view in views:
            if len(view) < MIN_TRIALS:
                continue
            shares = _ped_anova(view, exclude=within_lever)
            if within_lever and len(shares) < 2:
                continue  # one lever within a choice: its share is all of it, and says nothing
            for lever, share in shares.items():
                rows.append(
                    {
                        "objective": objective.outcome,
                        "within_lever": within_lever,
                        "within_choice": within_choice,
                        "trials": len(view),
                        "lever": lever,
                        "importance": share,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def _kinds_depended_on(space: Space) -> list[Any]:
    """The kind levers (``lure.kind``, ``reward.rule``) some other lever applies under."""
    tags = {lever.only_for[0] for lever in space.levers if lever.only_for is not None}
    return [lever for lever in space.levers if lever.key in tags and lever.choices is not None]


def _ped_anova(view: list[tuple[Any, float]], exclude: str) -> dict[str, float]:
    """PED-ANOVA shares of the levers in ``view`` ((trial, loss) pairs), ``exclude`` (the
    view's own kind lever, the same in every trial) left out; best first."""
    import optuna
    from optuna.importance import PedAnovaImportanceEvaluator

    study = optuna.create_study(direction="minimize")
    study.add_trials(
        optuna.trial.create_trial(params=t.params, distributions=t.distributions, value=loss)
        for t, loss in view
    )
    params = sorted({k for t, _ in view for k in t.params if k != exclude})
    if not params:
        return {}
    quantile = min(0.5, max(TOP_SHARE, TOP_AT_LEAST / len(view)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a lever of one value in a view, regimes of few trials
        found = PedAnovaImportanceEvaluator(target_quantile=quantile).evaluate(study, params)
    total = sum(found.values())
    shares = {k: (v / total if total > 0 else 0.0) for k, v in found.items()}
    return dict(sorted(shares.items(), key=lambda item: (-item[1], item[0])))
