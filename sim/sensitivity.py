"""Sensitivity of a sobol sweep: first-order and total Sobol indices (SALib) of the outcomes.

Computed from the run table once every run of the study is in, and kept as the
``sensitivity`` table of the results (``docs/outputs.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.registry import compared_outcomes
from sim.study import Design, Study

# Outcomes whose Sobol indices are computed for a sobol sweep: those a planner decides on.
SENSITIVITY_OUTCOMES = tuple(o.name for o in compared_outcomes())


def sensitivity(study: Study, design: Design, runs: pd.DataFrame) -> pd.DataFrame | None:
    """First-order and total Sobol indices (SALib) of the main outcomes, per scenario,
    from the replicate means at each point of a sobol sweep."""
    if study.sweep is None or study.sweep.method != "sobol":
        return None
    from SALib.analyze import sobol

    keys = list(study.sweep.params)
    problem = {"num_vars": len(keys), "names": keys, "bounds": [[0.0, 1.0]] * len(keys)}
    rows = []
    for scenario in design.scenarios:
        part = runs[runs["scenario"] == scenario]
        for outcome in SENSITIVITY_OUTCOMES:
            if outcome not in part:
                continue  # a mechanism's outcome, of a mechanism this study does not use
            y = part.groupby("point")[outcome].mean().reindex(range(len(design.points)))
            y = y.to_numpy(dtype=float)
            if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
                continue  # undefined somewhere (e.g. cost per paying with no payer) or flat
            indices = sobol.analyze(
                problem, y, calc_second_order=False, seed=study.base.experiment.seed
            )
            for j, key in enumerate(keys):
                rows.append(
                    {
                        "scenario": scenario,
                        "outcome": outcome,
                        "parameter": key,
                        "S1": float(indices["S1"][j]),
                        "S1_conf": float(indices["S1_conf"][j]),
                        "ST": float(indices["ST"][j]),
                        "ST_conf": float(indices["ST_conf"][j]),
                    }
                )
    return pd.DataFrame(rows)
