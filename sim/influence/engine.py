"""The simulator's own expected spread, for CELF on campaigns that are not plain IC.

Every candidate set is run ``seeds.simulations`` times with the same run seeds (common
random numbers): the same segments, propensities and draws for everyone, so two
candidates differ by the seeds, not by luck. One estimate is ``simulations`` full
campaigns, so CELF with this estimator scores a candidate pool (``candidate_pool``), not
everyone.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from sim.config import Config, parse_config
from sim.graphs import Graph
from sim.streams import derive_seed


def _plain(labels: np.ndarray) -> list[Any]:
    return [x.item() if isinstance(x, np.generic) else x for x in labels.tolist()]


class EngineEstimator:
    """Expected joins (seeds and KOLs counted as members) or paying members of a campaign.

    Args:
        config: the campaign; its seeds are replaced by the set being scored.
        graph: the campaign's graph.
        kols: the campaign's KOLs, kept fixed (as a list) in every scoring run.
        simulations: campaigns per score.
        seed: root of the run seeds (``derive_seed(seed, "engine", j)`` for run j).
        objective: "joins" or "paying".
    """

    def __init__(
        self,
        config: Config,
        graph: Graph,
        kols: np.ndarray,
        simulations: int,
        seed: int,
        objective: str,
    ) -> None:
        data = config.to_dict()
        data["experiment"] = {**data["experiment"], "write_members": False}
        if kols.size:
            data["population"] = {
                **data["population"],
                "kol_strategy": "list",
                "kol_ids": _plain(graph.label_of(kols)),
                "kol_count": int(kols.size),
            }
        self._data = data
        self._base_dir = config.base_dir
        self._graph = graph
        self._starters = int(kols.size)
        self._objective = objective
        self.run_seeds = [derive_seed(seed, "engine", j) for j in range(simulations)]
        self.worlds = simulations
        self.chosen: list[int] = []
        self.value = self.score([])

    def fresh(self) -> EngineEstimator:
        twin = copy.copy(self)
        twin.chosen = []
        twin.value = self.score([])
        return twin

    def score(self, people: list[int]) -> float:
        """Total over the runs of the objective, with ``people`` as the seeds."""
        from sim.model import ReferralModel  # the engine imports sim.seeding, which imports us

        data = dict(self._data)
        if people:
            ids = _plain(self._graph.label_of(np.asarray(people, dtype=np.int64)))
            data["seeds"] = {"strategy": "list", "ids": ids}
        else:
            data["seeds"] = {"strategy": "random", "count": 0}
        config = parse_config(data, base_dir=self._base_dir)
        total = 0
        for run_seed in self.run_seeds:
            with ReferralModel(config, rng=run_seed, graph=self._graph, all_agents=False) as model:
                summary = model.run().summary()
            if self._objective == "paying":
                total += summary["paying"]
            else:
                total += summary["joined"] + len(people) + self._starters
        return float(total)

    def gain(self, person: int) -> float:
        return self.score([*self.chosen, person]) - self.value

    def commit(self, person: int, gain: float | None = None) -> float:
        """Add ``person``; ``gain`` when just scored (saves rerunning the campaigns)."""
        if gain is None:
            gain = self.gain(person)
        self.chosen.append(int(person))
        self.value += gain
        return gain
