"""How much work one request may ask of the app: every limit in one place.

The engine accepts what a machine of its own could run (``sim.config``: up to 100
million people, 100,000 replicates). The app serves several people on one machine, so
the person starting it sets smaller limits on the command line (``--max-people``,
``--max-replicates``, ``--max-request-bytes``); a Run beyond them is refused before
anything is queued, naming the field and the limit. Friendships (what a graph's memory
grows with) are bounded through people: at most ``FRIENDSHIPS_PER_PERSON`` times
``max_people``.

A search (the Optimise tab) runs many campaigns: its work, people × the runs it plans
(``sim.optimise.search.planned_runs``), may be at most the largest Run the app allows,
``max_people × max_replicates`` (``max_work``), and a design gets at most
``max_replicates`` replicates. An edge list's people are not known before it is read: a
search on one counts as ``max_people``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config import ConfigError
from sim.study import Study

DEFAULT_MAX_PEOPLE = 1_000_000  # about 0.7 GB of state per worker
DEFAULT_MAX_REPLICATES = 1_000
DEFAULT_MAX_REQUEST_BYTES = 32_000_000  # pinned runs travel in requests (Parquet, base64)
# Mean degree 100 (the Facebook graph's is 44): dense enough for any real community.
FRIENDSHIPS_PER_PERSON = 50

# The field that sets a generated graph's density, by kind (named when it is too dense).
_DENSITY_FIELD = {
    "erdos_renyi": "graph.mean_degree",
    "barabasi_albert": "graph.m",
    "powerlaw_cluster": "graph.m",
    "watts_strogatz": "graph.k",
    "random_regular": "graph.degree",
    "stochastic_block": "graph.p_in",
    "complete": "graph.n",
}


@dataclass(frozen=True)
class Limits:
    """Work per request: people in a graph, replicates of a run, bytes of a request."""

    max_people: int = DEFAULT_MAX_PEOPLE
    max_replicates: int = DEFAULT_MAX_REPLICATES
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES

    def __post_init__(self) -> None:
        for name in ("max_people", "max_replicates", "max_request_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"--{name.replace('_', '-')}: must be at least 1")

    @property
    def max_friendships(self) -> int:
        return FRIENDSHIPS_PER_PERSON * self.max_people

    @property
    def max_work(self) -> int:
        """People × runs of the largest Run allowed: what a search may ask in all."""
        return self.max_people * self.max_replicates

    def check(self, study: Study) -> None:
        """Refuse a campaign beyond the limits (``ConfigError`` naming the field); an
        edge list's size is the graphs folder's, which the app's owner chose."""
        graph = study.base.graph
        people = graph.people
        if people is not None and people > self.max_people:
            field = "graph.sizes" if graph.kind == "stochastic_block" else "graph.n"
            raise ConfigError(
                f"{field}: at most {self.max_people:,} people in this app, not {people:,} "
                "(the limit is fission app's --max-people)"
            )
        friendships = graph.friendships
        if friendships is not None and friendships > self.max_friendships:
            raise ConfigError(
                f"{_DENSITY_FIELD.get(graph.kind, 'graph')}: about {friendships:,.0f} "
                f"friendships, at most {self.max_friendships:,} in this app "
                f"({FRIENDSHIPS_PER_PERSON} per person of --max-people); fewer people or "
                "friends per person"
            )
        if study.replicates > self.max_replicates:
            raise ConfigError(
                f"experiment.replicates: at most {self.max_replicates:,} in this app, not "
                f"{study.replicates:,} (the limit is fission app's --max-replicates)"
            )

    def check_search(self, study: Study, runs: int, replicates: int) -> None:
        """Refuse a search beyond the limits (``ConfigError`` naming the field): its
        campaign as a Run would be, ``replicates`` (the most a design gets) as a Run's
        replicates, and people × ``runs`` (the runs it plans) against ``max_work``."""
        self.check(study)
        if replicates > self.max_replicates:
            raise ConfigError(
                f"optimise.replicates.max: at most {self.max_replicates:,} in this app, not "
                f"{replicates:,} (the limit is fission app's --max-replicates)"
            )
        people = study.base.graph.people or self.max_people
        if people * runs > self.max_work:
            raise ConfigError(
                f"optimise.trials: {runs:,} runs of {people:,} people is more work than this "
                f"app allows ({self.max_work:,} people × runs: --max-people × "
                "--max-replicates); fewer trials or replicates, or a smaller community"
            )


DEFAULT_LIMITS = Limits()
