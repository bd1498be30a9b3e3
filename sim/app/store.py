"""Tables in a browser tab's ``dcc.Store``, exactly as the engine returned them.

A tab keeps its current run and pinned scenarios itself (the server keeps no per-tab
state), so the tables travel to the browser and back. They travel as Parquet bytes in
base64 text: every dtype (uint64 seeds, nullable integers) and every float bit is kept,
so a comparison computed from pinned runs equals one computed by ``fission run``.
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import pandas as pd


def frame_to_store(frame: pd.DataFrame) -> str:
    """A DataFrame as text for a ``dcc.Store`` (Parquet, base64)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def frame_from_store(text: str) -> pd.DataFrame:
    """The DataFrame ``frame_to_store`` wrote."""
    return pd.read_parquet(io.BytesIO(base64.b64decode(text)))


def summary_to_store(summary: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """``Results.summary_table()`` as plain data: metric -> mean, p5, p95, runs (NaN as
    None), computed from the engine's exact tables."""
    return {
        str(metric): {k: _finite(row[k]) for k in ("mean", "p5", "p95", "runs")}
        for metric, row in summary.iterrows()
    }


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
