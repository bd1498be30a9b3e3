"""Shared fixtures: paths to the shipped configs and the real graphs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
GRAPHS = (ROOT.parent / "shared" / "data" / "graphs").resolve()


@pytest.fixture(scope="session")
def graphs_dir() -> Path:
    if not GRAPHS.is_dir():
        pytest.fail(f"real graphs not found at {GRAPHS} (shared/ must sit beside the repo)")
    return GRAPHS
