"""Config files read (TOML or YAML) and validated into a ``Config``; pydantic's errors
turned into one line naming the field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.config.errors import ConfigError
from sim.config.overrides import apply_overrides
from sim.config.sections import FAMILIES, Config
from sim.family import Family

# Parts of pydantic's error locations that are not keys a planner wrote.
_NOT_KEYS = ("values", "range")


def format_validation_error(err: ValidationError, prefix: str = "") -> str:
    """The first error as one line naming the field: ``prefix.path: message``.

    The kind of a ``[lure]`` or ``[reward]`` table is not a key a planner wrote, though
    pydantic puts it in the path: it is left out of the path and said in the message
    ("lure.max_helps: lure kind 'cash' does not take this key")."""
    first = err.errors()[0]
    parts = [prefix] if prefix else []
    family: Family | None = None
    kind = None
    for p in first["loc"]:
        if p in _NOT_KEYS or str(p).startswith("function-"):
            continue
        if family is not None and kind is None and p in family.members:
            kind = str(p)  # the tagged union's branch
            continue
        parts.append(str(p))
        if family is None and str(p) in FAMILIES:
            family = FAMILIES[str(p)]
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "union_tag_invalid" and family is not None:
        parts.append(family.tag)
        msg = f"{first['ctx']['tag']} is not one of {', '.join(family.names)}"
    elif first["type"] == "extra_forbidden":
        msg = "unknown key"
        if family is not None and kind is not None and parts[-1] in family.all_fields():
            msg = f"{family.section} {family.tag} '{kind}' does not take this key"
    return f"{'.'.join(parts)}: {msg}" if parts else msg


def parse_config(data: dict[str, Any], base_dir: str | Path = ".") -> Config:
    """Validate plain data (from TOML, YAML or Python) into a Config."""
    if not isinstance(data, dict):
        raise ConfigError("a config must be a table of sections")
    try:
        return Config.model_validate({**data, "base_dir": str(base_dir)})
    except ValidationError as err:
        raise ConfigError(format_validation_error(err)) from None


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML or YAML file as plain data (safe loading: configs are data, never code)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # only needed for YAML configs

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "?"
            raise ConfigError(f"{path}, {where}: malformed YAML") from None
        return data if data is not None else {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: malformed TOML: {err}") from None


def read_with_overrides(
    path: str | Path, overrides: dict[str, Any] | None = None
) -> tuple[dict[str, Any], Path]:
    """A config file's data with dotted-key overrides set, and the folder its relative
    paths start from (not validated: configs, studies and calibrations each parse it)."""
    path = Path(path)
    data = read_config_file(path)
    if overrides:
        data = apply_overrides(data, overrides)
    return data, path.resolve().parent


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Config:
    """Read, override (dotted keys) and validate a config file."""
    data, base_dir = read_with_overrides(path, overrides)
    return parse_config(data, base_dir=base_dir)
