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


class CameBy(IntEnum):
    """How a member came (``came_by``): 0 for people who are not members."""

    NOT_MEMBER = 0
    SEED = 1
    KOL = 2
    REFERRAL = 3  # accepted an invitation
    OUTSIDE = 4  # the outside channel ([external])
    STORE = 5  # scanned a store's group QR code ([store])


ROLE_NAMES = ("member", "seed", "kol")
CAME_BY_NAMES = ("", "seed", "kol", "referral", "outside", "store")
SEGMENT_NAMES = ("payer", "convertible", "junk")
