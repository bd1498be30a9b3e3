"""Write data/transactions/orders.csv: synthetic orders from known BG/NBD and
Gamma-Gamma parameters (``sim.value_fit.synthetic.Truth``), with a fixed seed.

    python scripts/make_orders.py        # rewrites the file; the same bytes every time

1,500 customers born in the first quarter of 2024, followed to the end of 2024 (366
days). ``fission calibrate --transactions data/transactions/orders.csv`` should recover
the parameters; ``--until 2024-09-30`` leaves the last quarter as a holdout.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.value_fit.synthetic import Truth, simulate_orders  # noqa: E402

SEED = 20240101
CUSTOMERS = 1_500
START = dt.date(2024, 1, 1)
DAYS = 366  # 2024 is a leap year: to 2024-12-31
BIRTH_DAYS = 91  # first orders from 2024-01-01 to 2024-03-31
OUT = ROOT / "data" / "transactions" / "orders.csv"


def orders_text() -> str:
    """The file's text (the CSV of ``simulate_orders`` with the fixed seed)."""
    frame = simulate_orders(
        CUSTOMERS, Truth(), START, DAYS, BIRTH_DAYS, rng=np.random.default_rng(SEED)
    )
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.2f")


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(orders_text(), encoding="utf-8")
    print(f"wrote {OUT}")
