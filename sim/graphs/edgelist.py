"""Graphs read from edge-list files: SNAP-style lists or CSVs, plain or gzip-compressed
(``.gz``), ids kept as labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.config import ConfigError
from sim.config.errors import FileLineError
from sim.graphs.csr import Graph
from sim.graphs.textfile import numbered_lines


def read_edgelist(path: Path, *, directed: bool, delimiter: str | None) -> Graph:
    """Read a SNAP-style edge list (``#`` comments) or a CSV (header allowed), plain or
    gzip-compressed (read as it is decompressed: same lines, same line numbers).

    Extra columns (weights, times) are ignored. Node ids are kept as given: integers when
    every id is an integer, text otherwise. Errors name the file and line.
    """
    if not path.is_file():
        raise ConfigError(f"graph.path: file not found: {path}")
    sources: list[str] = []
    targets: list[str] = []
    first_data = True
    for number, line in numbered_lines(path):
        text = line.strip()
        if not text or text.startswith(("#", "%")):
            continue
        fields = text.split(delimiter) if delimiter else text.split()
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            raise FileLineError(path, number, "expected two node ids", text)
        u, v = fields[0].strip(), fields[1].strip()
        if first_data and delimiter == "," and not (_is_int(u) and _is_int(v)):
            first_data = False  # a CSV header
            continue
        first_data = False
        sources.append(u)
        targets.append(v)
    if not sources:
        raise ConfigError(f"graph.path: {path} has no edges")
    if all(_is_int(s) for s in sources) and all(_is_int(t) for t in targets):
        src_ids = np.array(sources, dtype=np.int64)
        dst_ids = np.array(targets, dtype=np.int64)
    else:
        src_ids = np.array(sources, dtype=object)
        dst_ids = np.array(targets, dtype=object)
    labels, inverse = np.unique(np.concatenate([src_ids, dst_ids]), return_inverse=True)
    m = len(sources)
    return Graph.from_edges(inverse[:m], inverse[m:], len(labels), directed=directed, labels=labels)


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()
