"""Config files read (TOML or YAML) and validated into a ``Config``; pydantic's errors
turned into one line naming the field.

A file that is not a config (missing, a folder, a device, too large, binary, not UTF-8,
malformed, empty, not a table of sections) is refused with one line naming the file and,
where known, the line. YAML is read by ``sim.config.yaml_reader`` (YAML 1.2's plain
scalars; no aliases, tags or repeated keys).
"""

from __future__ import annotations

import ast
import re
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

# The largest config file read: a config is a page of settings (a list of a million seed
# ids is about 8 MB); a bigger file is a mistake (a graph or a log given as the config)
# and would be held in memory whole, several times over, while it is parsed.
MAX_CONFIG_BYTES = 16_000_000

# Types of pydantic errors that mean "a table was expected here".
_NOT_A_TABLE = ("model_type", "model_attributes_type", "dict_type")


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
    elif first["type"] in _NOT_A_TABLE:
        msg = f"expected a table of keys, not {_shown(first.get('input'))}"
    elif first["type"] == "extra_forbidden":
        msg = "unknown key"
        if family is not None and kind is not None and parts[-1] in family.all_fields():
            msg = f"{family.section} {family.tag} '{kind}' does not take this key"
    return f"{'.'.join(parts)}: {msg}" if parts else msg


def _shown(value: Any) -> str:
    """A value as a message shows it: short, and saying its kind."""
    kind = {list: "a list", str: "text", bool: "a boolean"}.get(type(value))
    if kind is None:
        kind = "a number" if isinstance(value, int | float) else type(value).__name__
    text = repr(value)
    return f"{kind} ({text if len(text) <= 40 else text[:37] + '...'})"


def parse_config(data: dict[str, Any], base_dir: str | Path = ".") -> Config:
    """Validate plain data (from TOML, YAML or Python) into a Config."""
    if not isinstance(data, dict):
        raise ConfigError("a config must be a table of sections")
    if "base_dir" in data:  # Config has the field, but it is never the planner's to set
        raise ConfigError(
            "base_dir: not a config key (relative paths are read from the config file's folder)"
        )
    try:
        return Config.model_validate({**data, "base_dir": str(base_dir)})
    except ValidationError as err:
        raise ConfigError(format_validation_error(err)) from None


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML or YAML file as plain data (safe loading: configs are data, never code).

    Anything but a config's text is refused with one line naming the file (and line)."""
    path = Path(path)
    text = _read_text(path)
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = _parse_yaml(path, text)
        else:
            data = _parse_toml(path, text)
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config") from None
    if data is None or data == {}:
        raise ConfigError(
            f"{path}: the config is empty (no sections); write at least its experiment table"
        )
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the top level must be a table of sections ([experiment], [graph], ...), "
            f"not {_shown(data)}"
        )
    return data


def _read_text(path: Path) -> str:
    """The file's text: UTF-8 (a byte-order mark is allowed), not too large, not binary."""
    if not path.exists():
        raise ConfigError(f"{path}: no such config file")
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a config file")
    if not path.is_file():
        raise ConfigError(f"{path}: not a regular file (a config is a TOML or YAML file)")
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path}: larger than {MAX_CONFIG_BYTES // 1_000_000} MB, too large for a config "
            "(a graph or a list of costs goes in its own file, named by graph.path or seeds.costs)"
        )
    return decode_text(path, raw, "a config (TOML or YAML text)")


def decode_text(path: Path | str, raw: bytes, what: str) -> str:
    """The UTF-8 text of a file's bytes (a byte-order mark dropped), or a one-line
    ``ConfigError`` naming the line: a binary file (a NUL byte) is not ``what``."""
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: a binary file, not {what}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def _parse_yaml(path: Path, text: str) -> Any:
    import yaml  # only needed for YAML configs

    from sim.config.yaml_reader import YamlRefused, load_yaml

    try:
        return load_yaml(text)
    except YamlRefused as err:
        raise ConfigError(f"{path}, line {err.line}: {err.message}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or getattr(err, "context", None)
        detail = f": {problem}" if problem else ""
        raise ConfigError(f"{path}{where}: malformed YAML{detail}") from None


# tomllib's words for a key or table given twice, and where.
_TOML_TWICE = re.compile(r"^Cannot (?:overwrite a value|declare (?P<table>\(.*\)) twice)")
_TOML_AT = re.compile(r"\(at line (?P<line>\d+), column \d+\)")


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        twice, at = _TOML_TWICE.match(message), _TOML_AT.search(message)
        if twice and at:
            message = f"{_toml_repeated(twice, text, int(at['line']))} {at[0]}"
        raise ConfigError(f"{path}: malformed TOML: {message}") from None


def _toml_repeated(twice: re.Match[str], text: str, line: int) -> str:
    """What tomllib's "Cannot overwrite a value" or "Cannot declare twice" is about."""
    if twice["table"]:
        try:
            keys = ast.literal_eval(twice["table"])
            return f"table [{'.'.join(keys)}] is given twice"
        except (ValueError, SyntaxError, TypeError):
            return "a table is given twice"
    lines = text.splitlines()
    written = lines[line - 1] if 0 < line <= len(lines) else ""
    key, sep, _ = written.partition("=")
    key = key.strip()
    if written.strip().startswith("["):
        return f"table {written.strip()} is given where a key already is"
    if sep and key:
        return f"key {key if key[0] in '\'"' else repr(key)} is given twice"
    return "a key is given twice"


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
