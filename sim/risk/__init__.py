"""Risk: reward hunters who fight back, the controls against them, and a platform that
can cut the campaign off (docs/model.md §14).

Each mechanism is one module with a config table of its own, off by default:

* ``farms`` (``[fraud]``): fake accounts made by reward farms through junk members' links;
* ``collusion`` (``[collusion]``): self-referred second accounts and collusion rings;
* ``controls`` (``[controls]``): identity/device checks, a payout delay, patience, a
  minimum order value (with ``reward.pay_on`` and ``reward.cap_per_person``);
* ``platform`` (``[platform]``): the daily hazard that the platform blocks the campaign.

``abuse`` puts them together for the model. ``RISKS`` is the registry: ``sim.config``
adds one table per entry, as it does for the join channels.
"""

from __future__ import annotations

from sim.mechanism import Output
from sim.risk.abuse import Abuse, SignUps, SignUpView
from sim.risk.base import RiskMechanism
from sim.risk.collusion import Collusion
from sim.risk.controls import Controls
from sim.risk.farms import FakeAccountFarms
from sim.risk.platform import PlatformRisk

RISKS: tuple[type[RiskMechanism], ...] = (FakeAccountFarms, Collusion, Controls, PlatformRisk)

__all__ = [
    "RISKS",
    "Abuse",
    "Collusion",
    "Controls",
    "FakeAccountFarms",
    "PlatformRisk",
    "RiskMechanism",
    "SignUpView",
    "SignUps",
    "risk_outputs",
]


def risk_outputs() -> tuple[Output, ...]:
    """Every output the risk mechanisms declare, the totals first."""
    return Abuse.outputs + tuple(o for m in RISKS for o in m.outputs)
