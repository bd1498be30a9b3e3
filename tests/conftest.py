"""Shared fixtures: paths to the shipped configs and the real graphs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
GRAPHS = ROOT / "data" / "graphs"  # the real networks, gzip-compressed (their README)


# The independent-cascade special case's behaviour (experiments/validation/
# independent_cascade.toml): every member shares once, the day after joining, to every
# friend; no saturation, decay or purchases. Tests add accept_probability (T).
IC_BEHAVIOUR = {
    "repeat_exposure_factor": 1.0,
    "sharer_share": 1.0,
    "share_probability": 1.0,
    "propensity_sigma": 0.0,
    "share_half_life_days": float("inf"),
    "max_shares": 1,
    "feed_attention": 1.0,
    "channel": {"direct": 0.0, "feed": 1.0, "group": 0.0},
    "purchase_probability": {"payer": 0.0, "convertible": 0.0},
}


@pytest.fixture(scope="session")
def graphs_dir() -> Path:
    if not GRAPHS.is_dir():
        pytest.fail(f"real graphs not found at {GRAPHS} (they are part of the repository)")
    return GRAPHS
