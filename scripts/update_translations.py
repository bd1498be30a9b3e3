"""Regenerate the translation catalogues from the code and the declarations (Babel).

    .venv/bin/python scripts/update_translations.py           # extract, update, compile
    .venv/bin/python scripts/update_translations.py --check   # exit 1 if anything is stale

Three steps, the usual gettext ones:

1. extract every text the faces show into ``sim/locale/fission.pot``: the literals
   wrapped in ``_()``, ``N_()`` or ``ngettext()`` in ``sim/`` (Babel's Python
   extractor), and the texts the engine *declares* and the faces show through ``_()``
   at display time: the output columns' chart labels and short headings (``sim.outputs``
   and every mechanism's outputs, through ``sim.registry``) and the config fields'
   descriptions (the app's controls, the sweep charts' axes). These are read from the
   declarations rather than marked in the engine's code: the engine stays
   language-free, and a column or parameter added later reaches the catalogue (and the
   missing-translation test) by being declared, with nobody keeping a list;
2. merge the template into each language's ``fission.po`` (translations kept, new
   texts added untranslated, texts no longer used dropped);
3. compile each ``.po`` into the ``.mo`` that ``sim.lang`` reads at run time (the
   ``.mo`` files are committed: running Fission needs neither Babel nor a build step).

tests/test_lang.py fails while a ``.pot``, ``.po`` or ``.mo`` differs from what this
script would write, and lists every text without a Chinese translation.
"""

from __future__ import annotations

import datetime
import io
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from sim.lang import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402

TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
TRANSLATED = tuple(code for code in LANGUAGES if code != DEFAULT)
FIXED_DATE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
HEADER = "Fission: the texts a planner reads (terminal, report, app, calibration report)."


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(code: str) -> Path:
    return po_path(code).with_suffix(".mo")


def declared_messages() -> dict[str, str]:
    """The texts declared in the engine that the faces translate when they show them,
    each with where it comes from: output labels and headings, config descriptions."""
    from sim.app.params import controls
    from sim.outputs import KEYS, TABLES
    from sim.registry import columns
    from sim.wording import field_description

    found: dict[str, str] = {}
    for table in TABLES:
        for output in KEYS[table] + columns(table):
            for text in (output.label, output.short):
                if text:
                    found.setdefault(text, f"output {table}.{output.name}")
    for key, control in controls().items():
        if control.description:
            found.setdefault(control.description, f"config {key}")
        described = field_description(key)
        if described:
            found.setdefault(described, f"config {key}")
    return found


def template() -> Catalog:
    """The catalogue template: every text of the code and the declarations."""
    catalog = Catalog(project="Fission", domain=DOMAIN, header_comment=f"# {HEADER}")
    for filename, _lineno, message, comments, context in extract_from_dir(
        str(ROOT / "sim"),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    ):
        catalog.add(
            message,
            locations=[(f"sim/{filename}", None)],
            auto_comments=comments,
            context=context,
            flags=()
            if isinstance(message, str) and "{" not in message
            else ("python-brace-format",),
        )
    for text, source in declared_messages().items():
        catalog.add(text, locations=[(source, None)])
    return catalog


def _text(catalog: Catalog, **kw: object) -> str:
    out = io.BytesIO()
    write_po(out, catalog, width=96, sort_output=False, include_lineno=False, **kw)  # type: ignore[arg-type]
    text = out.getvalue().decode("utf-8")
    # the creation and revision dates change on every run: keep them out of the files
    lines = [
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(('"POT-Creation-Date:', '"PO-Revision-Date:'))
    ]
    return "".join(lines)


def merged(code: str, pot: Catalog) -> Catalog:
    """A language's catalogue brought up to the template: translations kept, new texts
    untranslated, texts no longer used dropped (no fuzzy guesses)."""
    path = po_path(code)
    if path.is_file():
        with path.open("rb") as f:
            catalog = read_po(f, locale=code, domain=DOMAIN)
    else:
        catalog = Catalog(locale=code, domain=DOMAIN, project="Fission")
    catalog.update(pot, no_fuzzy_matching=True, update_header_comment=True)
    catalog.obsolete.clear()
    return catalog


def compiled(catalog: Catalog) -> bytes:
    """The .mo of a catalogue. Its header's dates are fixed, so that the .mo is a pure
    function of the .po's texts (the staleness test compares bytes)."""
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def outputs() -> dict[Path, bytes]:
    """Every file this script writes, with the bytes it would write now."""
    pot = template()
    files: dict[Path, bytes] = {TEMPLATE: _text(pot, omit_header=False).encode("utf-8")}
    for code in TRANSLATED:
        catalog = merged(code, pot)
        text = _text(catalog)
        files[po_path(code)] = text.encode("utf-8")
        # compile what the file holds, exactly as a translator's later edits would be
        files[mo_path(code)] = compiled(read_po(io.StringIO(text), locale=code, domain=DOMAIN))
    return files


def untranslated(code: str) -> list[str]:
    """The texts of the template that ``code``'s catalogue does not translate."""
    catalog = merged(code, template())
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


def stale(files: dict[Path, bytes] | None = None) -> list[Path]:
    """The files whose content differs from what this script writes."""
    files = outputs() if files is None else files
    return [p for p, data in files.items() if not p.is_file() or p.read_bytes() != data]


def main(argv: Iterable[str] = ()) -> int:
    argv = list(argv)
    files = outputs()
    old = stale(files)
    if "--check" in argv:
        for path in old:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if old else 0
    for path in old:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[path])
        print(f"wrote {path.relative_to(ROOT)}")
    for code in TRANSLATED:
        missing = untranslated(code)
        if missing:
            print(f"{code}: {len(missing)} texts without a translation in {po_path(code)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
