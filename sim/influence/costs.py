"""What each seed candidate costs: a KOL's fee, a seed's gift (yuan).

``seeds.costs`` names a CSV file of ``id,cost`` lines (a header line is allowed), read
relative to the config file (plain or gzip-compressed); people it leaves out cost
``seeds.default_cost``. Errors name the file and line.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.config import Config, ConfigError
from sim.config.errors import FileLineError
from sim.graphs import Graph
from sim.graphs.textfile import numbered_lines


def read_costs(path: Path, graph: Graph, default: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(cost of each person in yuan, whether the file lists them), by person number."""
    if not path.is_file():
        raise ConfigError(f"seeds.costs: file not found: {path}")
    costs = np.full(graph.n, float(default))
    listed = np.zeros(graph.n, dtype=bool)
    first = True
    for number, line in numbered_lines(path, errors="strict"):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = [f.strip() for f in text.split(",")]
        where = f"{path}, line {number}"
        if len(fields) != 2 or not fields[0] or not fields[1]:
            raise FileLineError(path, number, "expected 'id,cost'", text)
        try:
            cost = float(fields[1])
        except ValueError:
            if first:  # a header
                first = False
                continue
            raise ConfigError(f"{where}: cost {fields[1]!r} is not a number") from None
        first = False
        if not math.isfinite(cost) or cost < 0:
            raise ConfigError(f"{where}: cost {fields[1]} must be a number >= 0 (yuan)")
        person = int(graph.index_of([fields[0]], where)[0])
        if listed[person]:
            raise ConfigError(f"{where}: id {fields[0]!r} is listed twice")
        listed[person] = True
        costs[person] = cost
    return costs, listed


def candidate_costs(config: Config, graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """(cost of each person, whether ``seeds.costs`` lists them); everyone costs
    ``seeds.default_cost`` without a file."""
    cfg = config.seeds
    if cfg.costs is None:
        return np.full(graph.n, float(cfg.default_cost)), np.zeros(graph.n, dtype=bool)
    return read_costs((Path(config.base_dir) / cfg.costs).resolve(), graph, cfg.default_cost)
