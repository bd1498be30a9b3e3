"""Convert CDNOW_sample.txt (Bruce Hardie's 2,357-customer CDNOW sample, as redistributed
by the lifetimes package) to the orders CSV ``fission calibrate --transactions`` reads.

    python scripts/cdnow_orders.py CDNOW_sample.txt \
        | gzip -9n > tests/data/cdnow_sample_orders.csv.gz

The raw file has one purchase a line: master id, sample id (1..2357), date (YYYYMMDD),
number of CDs, dollar value. The CSV keeps the sample id as ``customer_id``, writes the
date as ISO (YYYY-MM-DD) and the dollar value as ``amount``; rows stay in file order.
"""

from __future__ import annotations

import sys
from pathlib import Path


def convert(raw: str) -> str:
    """The orders CSV (header ``customer_id,date,amount``) of CDNOW_sample.txt's text."""
    lines = ["customer_id,date,amount"]
    for line in raw.splitlines():
        fields = line.split()
        if not fields:
            continue
        _, sample_id, day, _, dollars = fields
        lines.append(f"{int(sample_id)},{day[:4]}-{day[4:6]}-{day[6:]},{dollars}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(convert(Path(sys.argv[1]).read_text(encoding="ascii")))
