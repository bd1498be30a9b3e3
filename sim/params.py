"""The building blocks of parameter declarations, shared by the config and every mechanism.

A mechanism module (a lure, a reward rule, a join channel) declares its own parameters
as a pydantic model built from these, so its module can be read alone; ``sim.config``
assembles the sections. Nothing here knows any mechanism.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Yuan = Annotated[float, Field(ge=0.0)]
Days = Annotated[int, Field(ge=0)]

# Fields a planner rarely touches: left out of the app's form (the config still takes them).
ADVANCED = {"advanced": True}


class Section(BaseModel):
    """A table of a config file: unknown keys are refused, never silently ignored (a typo
    must not fall back to a default), values keep their type, and numbers are finite
    (``inf`` and ``nan`` are refused: the engine would turn them into NaN or an empty
    campaign). A field where infinity means something opts in with ``allow_inf_nan=True``
    and says so in its description (``behaviour.share_half_life_days``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class BySegment(Section):
    """A number for each segment (payer, convertible, junk)."""

    payer: float = Field(ge=0.0)
    convertible: float = Field(ge=0.0)
    junk: float = Field(ge=0.0)

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.payer, self.convertible, self.junk)
