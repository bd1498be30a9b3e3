"""Dotted-key overrides (``--set lure.value=8``, a scenario's or sweep's keys) applied to
a config's plain data before validation, and the ``key=value`` arguments that give them."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

from sim.config.errors import ConfigError
from sim.config.sections import FAMILIES, GRAPH_FIELDS, GRAPH_OPTIONAL_FIELDS, GraphConfig


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with dotted keys (``lure.value``) set.

    Switching a kind (``graph.kind``, ``lure.kind``, ``reward.rule``) drops the keys of
    its table that only the old kind takes (``switched_kind_keys`` lists them). Unknown
    keys are caught by validation afterwards, with their full path.
    """
    return override(data, overrides)[0]


def override(data: dict[str, Any], overrides: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``apply_overrides``, and the dotted keys it dropped because a kind was switched."""
    data = copy.deepcopy(data)
    before = {section: _kind_in(data, section) for section in _KIND_KEYS}
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node = data
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{'.'.join(parts[: i + 1])}: is a value, not a section")
            node = child
        node[parts[-1]] = value
    dropped = []
    for section, tag in _KIND_KEYS.items():
        kind = _kind_in(data, section)
        if kind == before[section] or f"{section}.{tag}" not in overrides:
            continue
        takes = _keys_taken(section, kind)
        if takes is None:
            continue  # an unknown kind: validation names it
        table = data[section]
        for key in [k for k in table if k not in takes and f"{section}.{k}" not in overrides]:
            del table[key]
            dropped.append(f"{section}.{key}")
    return data, dropped


# The tables whose keys depend on a kind, and the key that names it.
_KIND_KEYS = {"graph": "kind", **{s: f.tag for s, f in FAMILIES.items()}}


def _kind_in(data: dict[str, Any], section: str) -> Any:
    table = data.get(section)
    if not isinstance(table, dict):
        return None
    default = GraphConfig.model_fields["kind"].default if section == "graph" else None
    default = default or FAMILIES[section].default_name
    return table.get(_KIND_KEYS[section], default)


def _keys_taken(section: str, kind: Any) -> set[str] | None:
    """The keys of ``section`` that ``kind`` takes (None for an unknown kind)."""
    if section == "graph":
        if kind not in GRAPH_FIELDS:
            return None
        return {"kind", "resample", *GRAPH_FIELDS[kind], *GRAPH_OPTIONAL_FIELDS.get(kind, ())}
    family = FAMILIES[section]
    if kind not in family.members:
        return None
    return {family.tag, *family.fields(kind)}


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a ``--set key=value`` argument; the value is read as a TOML value."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # a bare word, such as a lure kind
    return key, value
