"""Nothing changes by accident: every shipped example config, run small with its fixed
seed, gives exactly the stored tables (tests/baseline; refreshed only by
scripts/refresh_baseline.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.baseline import CASES, as_stored, run_case, stored_case


@pytest.mark.parametrize("name", list(CASES))
def test_example_config_tables_equal_the_stored_baseline_bit_for_bit(name: str) -> None:
    stored = stored_case(name)
    fresh = run_case(name)
    assert sorted(fresh) == sorted(stored), "a table appeared or disappeared"
    for table, frame in fresh.items():
        # Exact: floats round-trip through 17 significant digits.
        pd.testing.assert_frame_equal(
            as_stored(frame), stored[table], check_exact=True, obj=f"{name}/{table}"
        )
