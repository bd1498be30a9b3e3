"""YAML configs read as plain data, with nothing that surprises a planner.

PyYAML follows YAML 1.1, whose plain scalars are read in ways most people (and YAML 1.2
tools) do not expect: ``010`` is octal 8, ``1:20`` is 80 (base 60), ``yes``, ``no``,
``on`` and ``off`` are booleans. This reader takes YAML 1.2's core schema instead:

* integers are decimal digits without a leading zero (``0``, ``12``, ``-3``);
* floats are decimal (``0.5``, ``1e5``, ``.5``), ``.inf``, ``-.inf`` and ``.nan``;
* booleans are ``true`` and ``false`` (any case of the whole word: True, TRUE);
* null is ``null``, ``~`` or nothing; everything else plain is text.

A plain value that YAML 1.1 would read as a number or a boolean but YAML 1.2 as text
(``010``, ``1:20``, ``0x1F``, ``1_000``, ``yes``, ``on``) is refused, naming its line:
write it plainly or quote it. Also refused: anchors and aliases (``&a``, ``*a``; a
"billion laughs" document expands a few lines into gigabytes, and configs never need
them), explicit tags (``!!int``, ``!!python/object``), and a key given twice in a table.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

_CORE = "tag:yaml.org,2002:"


class YamlRefused(Exception):
    """Something this reader refuses; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema plain scalars and the refusals above."""

    # Its own table of plain-scalar resolvers (none of YAML 1.1's), filled below.
    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlRefused(
                line,
                "anchors and aliases (&name, *name) are not allowed in a config: "
                "write each value out",
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise YamlRefused(
                line,
                f"tags ({tag.replace(_CORE, '!!')}) are not allowed in a config: "
                "write the value plainly, or quote it to make it text",
            )
        if isinstance(event, yaml.ScalarEvent) and event.implicit[0]:
            _refuse_ambiguous(event.value, line)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise YamlRefused(
                        line, f"key {key_node.value!r} is given twice (first on line {seen[key]})"
                    )
                seen[key] = line
        return super().construct_mapping(node, deep)


def _add(tag: str, pattern: str, first: str | list[str]) -> None:
    _Loader.add_implicit_resolver(_CORE + tag, re.compile(pattern), list(first))


# Order matters: an integer is tried before a float.
_add("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_add("int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789")
_add(
    "float",
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"  # a point: 0.5, .5, 1.
    r"|[-+]?[0-9]+[eE][-+]?[0-9]+"  # an exponent: 1e5
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    "-+0123456789.",
)
_add("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])


def _yaml11_tag(value: str) -> str | None:
    """The tag YAML 1.1 (PyYAML's SafeLoader) gives a plain scalar."""
    resolvers = yaml.SafeLoader.yaml_implicit_resolvers
    for tag, pattern in resolvers.get(value[:1] or "", []) + resolvers.get(None, []):
        if pattern.match(value):
            return tag
    return None


def _our_tag(value: str) -> str | None:
    for tag, pattern in _Loader.yaml_implicit_resolvers.get(value[:1] or "", []):
        if pattern.match(value):
            return tag
    return None


def _refuse_ambiguous(value: str, line: int) -> None:
    """Refuse a plain scalar YAML 1.1 reads as a number or boolean and YAML 1.2 as text."""
    old = _yaml11_tag(value)
    if old not in (_CORE + "bool", _CORE + "int", _CORE + "float") or _our_tag(value):
        return
    meaning = yaml.safe_load(value)  # one scalar: what a YAML 1.1 reader makes of it
    if isinstance(meaning, bool):
        fix = "write true or false"
        meaning = str(meaning).lower()
    else:
        fix = "write the number in plain decimal"
    raise YamlRefused(
        line,
        f"{value} is {meaning} to a YAML 1.1 reader and text to a YAML 1.2 one: "
        f"{fix}, or quote it ('{value}') to mean the text",
    )


def load_yaml(text: str) -> Any:
    """One YAML document as plain data (``YamlRefused`` or ``yaml.YAMLError`` if bad)."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader: no Python objects are built
