"""Chat groups that live and die (社群运营; docs/model.md §4): a group's activity
decays and its owner's activities, members' shares and purchases, and events raise it;
a group quiet for long enough is dead. One concept per module:

* ``activity``: the life of a group: its keys, the decay, the schedule, the exact
  survival without lifts.
* ``owners``: owners (群主), their diligence, load and pay.
* ``events``: events (直播, 秒杀) on listed days.
* ``screening``: group rules: the entry rule and the posting rule.
* ``buying``: how a group moves its people's buying, and the existing customers in it.
* ``state``: ``GroupLife``, the groups of one run day by day and over the horizon.
* ``outputs``: the columns they add to runs.parquet and groups.parquet.
"""

from sim.groups.activity import ActivityParams, survival_without_lifts
from sim.groups.buying import BuyingParams
from sim.groups.events import EventParams
from sim.groups.outputs import GROUPS_OUTPUTS, RUNS_OUTPUTS
from sim.groups.owners import OwnerParams
from sim.groups.screening import ScreeningParams

__all__ = [
    "GROUPS_OUTPUTS",
    "RUNS_OUTPUTS",
    "ActivityParams",
    "BuyingParams",
    "EventParams",
    "OwnerParams",
    "ScreeningParams",
    "survival_without_lifts",
]
