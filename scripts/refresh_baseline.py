"""Rewrite the fixed-seed regression baseline (tests/baseline/<case>/*.csv).

    .venv/bin/python scripts/refresh_baseline.py            # every case
    .venv/bin/python scripts/refresh_baseline.py default    # some cases

Run it only when a change is meant to move results, and say in the commit message which
tables moved and why (tests/test_baseline.py fails until then).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.baseline import CASES, run_case, write_case


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; cases: {', '.join(CASES)}")
        return 2
    for name in names or list(CASES):
        tables = run_case(name)
        write_case(name, tables)
        sizes = ", ".join(f"{t} {len(f)}" for t, f in tables.items())
        print(f"{name}: {sizes} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
