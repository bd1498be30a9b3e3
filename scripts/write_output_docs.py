"""Rewrite the column tables of docs/outputs.md from the declarations (sim.outputs, and
the outputs the mechanisms declare).

    .venv/bin/python scripts/write_output_docs.py           # rewrite the tables
    .venv/bin/python scripts/write_output_docs.py --check   # exit 1 if they are stale

Only the regions between ``<!-- columns: TABLE -->`` and ``<!-- /columns -->`` are
written; the prose around them is left as it is. tests/test_outputs.py fails while the
file differs from what this script writes.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sim
from sim.mechanism import Output
from sim.outputs import SWEPT_KEYS, TABLES, markdown_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "outputs.md"
REGION = re.compile(r"(<!-- columns: (\w+) -->\n)(.*?)(<!-- /columns -->)", re.DOTALL)

# Where each mechanism family keeps its registry: a module-level ``all_outputs()`` if the
# module defines one, else the named registry: a ``sim.family.Family`` (its
# ``outputs()``) or a tuple of mechanism classes (their ``outputs``).
REGISTRIES = {"sim.lures": "LURES", "sim.rewards": "REWARDS", "sim.channels": "CHANNELS"}


def mechanism_outputs() -> tuple[Output, ...]:
    """Every output the mechanisms declare, in registry order: the one hook through which
    mechanism columns reach the docs.

    The registries are being written in other branches: for now a family whose package
    is not in this checkout is skipped, so the docs list the core columns only. The
    check is on the folder, not on ImportError alone, because the editable install maps
    a ``sim.<name>`` missing here to the main checkout's. An error inside an existing
    registry is not hidden.
    """
    package = Path(sim.__file__).parent
    found: list[Output] = []
    for module, registry_name in REGISTRIES.items():
        leaf = module.rpartition(".")[2]
        if not ((package / leaf).is_dir() or (package / f"{leaf}.py").is_file()):
            continue
        try:
            registry = importlib.import_module(module)
        except ModuleNotFoundError as error:  # not written yet
            if error.name != module:
                raise
            continue
        if hasattr(registry, "all_outputs"):
            found.extend(registry.all_outputs())
            continue
        members = getattr(registry, registry_name)
        if callable(getattr(members, "outputs", None)):
            found.extend(members.outputs())
        else:
            found.extend(o for mechanism in members for o in mechanism.outputs)
    return tuple(found)


def render(text: str, extra: tuple[Output, ...] | None = None) -> str:
    """``text`` with every marked region replaced by its table as generated now."""
    extra = mechanism_outputs() if extra is None else extra

    def table(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in TABLES:
            raise ValueError(f"docs/outputs.md marks an unknown table {name!r}")
        after = {"point": SWEPT_KEYS} if name == "runs" else None
        # blank lines around the table: no renderer reads the end marker as a table row
        return f"{match.group(1)}\n{markdown_table(name, extra, after)}\n{match.group(4)}"

    rendered, count = REGION.subn(table, text)
    marked = [m.group(2) for m in REGION.finditer(text)]
    if count != len(TABLES) or sorted(marked) != sorted(TABLES):
        raise ValueError(f"docs/outputs.md should mark each of {TABLES} once, marks {marked}")
    return rendered


def main(args: list[str]) -> int:
    text = DOCS.read_text(encoding="utf-8")
    rendered = render(text)
    if "--check" in args:
        if rendered != text:
            print(f"{DOCS} is stale: run scripts/write_output_docs.py")
            return 1
        return 0
    if rendered != text:
        DOCS.write_text(rendered, encoding="utf-8")
        print(f"rewrote {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
