"""Events (直播 live streams, 秒杀 flash sales) on days the planner lists: for the day they
lift every living group's activity and its members' purchases, and cost what the planner
says per group (docs/model.md §4.4). Values are assumptions."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.params import Probability, Section, Yuan


class EventParams(Section):
    """The ``[groups]`` keys of events (used when ``lifecycle`` is true)."""

    event_days: list[Annotated[int, Field(ge=1, le=7300)]] = Field(
        default_factory=list,
        description="days of events (直播, 秒杀), counted from the campaign's start (days)",
    )
    event_cost: Yuan = Field(200.0, description="cost of one event in one group (yuan)")
    event_lift: Probability = Field(0.5, description="activity an event adds (0-1 scale)")
    event_purchase_lift: float = Field(
        2.0,
        ge=1,
        description="× the purchase chance of a living group's people on an event day (factor)",
    )
