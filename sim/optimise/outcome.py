"""A finished search, as ``sim.optimise.search.optimise`` returns it and
``sim.optimise.recommend`` writes it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.optimise.evaluate import Candidate
from sim.optimise.race import Race
from sim.optimise.space import Space
from sim.study import Study


@dataclass
class Outcome:
    """A finished search: the tables it writes and what it recommends."""

    study: Study
    space: Space
    trials: pd.DataFrame
    pareto: pd.DataFrame | None
    importance: pd.DataFrame
    recommended: Candidate | None
    race: Race | None
    runs: int  # runs the search's decisions rest on (made now or found on disk)
    runs_made: int  # runs made by this call
    loss_outcome: str | None  # the outcome whose negative runs are a loss
