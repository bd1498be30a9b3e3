"""Rewrite the column tables of docs/outputs.md from the declarations (sim.outputs, and
the outputs the mechanisms declare).

    .venv/bin/python scripts/write_output_docs.py           # rewrite the tables
    .venv/bin/python scripts/write_output_docs.py --check   # exit 1 if they are stale

Only the regions between ``<!-- columns: TABLE -->`` and ``<!-- /columns -->`` are
written; the prose around them is left as it is. tests/test_outputs.py fails while the
file differs from what this script writes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.mechanism import Output
from sim.outputs import SWEPT_KEYS, TABLES, markdown_table
from sim.registry import mechanism_outputs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "outputs.md"
REGION = re.compile(r"(<!-- columns: (\w+) -->\n)(.*?)(<!-- /columns -->)", re.DOTALL)


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
