"""The codes of a person's role and latent segment, as the per-person arrays hold them.

Kept apart from the agent classes (``sim.agents``, which read the config), so that the
mechanisms can name segments without importing the config.
"""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    MEMBER = 0
    SEED = 1
    KOL = 2


class Segment(IntEnum):
    """Latent member quality (the 271 rule, domain §2)."""

    PAYER = 0
    CONVERTIBLE = 1
    JUNK = 2  # never buys; farms rewards


ROLE_NAMES = ("member", "seed", "kol")
SEGMENT_NAMES = ("payer", "convertible", "junk")
