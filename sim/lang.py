"""The planner's language: English or Simplified Chinese (简体中文), through gettext.

Every text a face shows (the terminal, the report, the app, the calibration report) is
written in English in the code and wrapped in ``_()``; at display time ``_()`` looks it
up in the current language's catalogue, ``sim/locale/<lang>/LC_MESSAGES/fission.mo``
(compiled from ``fission.po`` by ``scripts/update_translations.py``, with Babel). English
needs no catalogue: a text is its own translation.

The engine stays language-free: the labels its declarations carry (``sim.outputs``, the
mechanisms' outputs, the config's field descriptions) are English, and the faces pass
them through ``_()`` when they show them. ``N_()`` marks a text for the catalogue where
it is declared without translating it there (a table of labels built at import time).

The current language is, in this order: the one set for this thread or task
(``using``: the app serves tabs in several languages at once), the process's
(``set_language``: ``--lang``), else the system locale (``system_language``: ``LC_ALL``,
``LC_MESSAGES``, ``LANG``; zh* is Chinese, anything else English).

The command line's parser (argparse) has words of its own ("usage:", "options", "error:",
"invalid choice"), which it says through the standard library's global gettext: the
current text domain, in the language the environment names. ``ARGPARSE_WORDS`` marks
them for our catalogue and ``for_argparse`` points that global gettext at it, in the
current language, while the command line is parsed.

Importing this module loads only the standard library.
"""

from __future__ import annotations

import contextvars
import functools
import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "fission"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# The languages a planner may choose, each named in itself (for the app's switch).
LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"

_here: contextvars.ContextVar[str | None] = contextvars.ContextVar("fission_lang", default=None)
_process: str | None = None


def parse_language(text: str) -> str:
    """A language code from how people write one: "zh", "zh_CN.UTF-8", "zh-Hans",
    "en_US"... Raises ``ValueError`` naming the choices for anything else."""
    code = text.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {text!r} (choose {' or '.join(LANGUAGES)})")
    return code


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The system locale's language: the first of ``LC_ALL``, ``LC_MESSAGES`` and
    ``LANG`` that is set (POSIX order); Chinese for zh*, else English."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else DEFAULT
    return DEFAULT


def set_language(code: str | None) -> None:
    """Set the process's language (``--lang``); None goes back to the system locale."""
    global _process
    _process = None if code is None else parse_language(code)


def current() -> str:
    """The language texts are shown in now ("en" or "zh")."""
    return _here.get() or _process or system_language()


@contextmanager
def using(code: str | None) -> Iterator[str]:
    """Show texts in ``code`` inside the block, in this thread or task only (None: the
    process's language). Yields the language in use."""
    token = _here.set(None if code is None else parse_language(code))
    try:
        yield current()
    finally:
        _here.reset(token)


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The catalogue of a language (English: none, a text is its own translation).

    Raises ``FileNotFoundError`` when a language's compiled catalogue is missing."""
    if code == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[code])


def _(message: str) -> str:
    """``message`` in the current language (itself when the catalogue lacks it)."""
    if not message:
        return message  # gettext's "" is the catalogue's header
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n``, in the current language."""
    return translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it)
    """Mark ``message`` for the catalogue without translating it here (no-op)."""
    return message


# argparse's words a planner meets (its help's headings, its usage errors), as Python's
# argparse writes them (3.12; ``tests/test_lang.py`` checks each is still one of its
# texts). Its messages about a program's own mistakes (conflicting options...) are left
# out: they are for the programmer, in English.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
)


@contextmanager
def for_argparse(code: str | None = None) -> Iterator[str]:
    """Inside the block, argparse speaks ``code`` (default: the current language).

    argparse translates its words with ``gettext.gettext``, the standard library's
    global gettext (Python's argparse how-to, "How to translate the argparse output"):
    the current text domain (``gettext.textdomain``), from the folder bound to it
    (``gettext.bindtextdomain``), in the first language of ``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES`` or ``LANG``. The block makes ours the current domain and names
    ``code`` in ``LANGUAGE`` (which gettext reads first), and puts both back after.
    Yields the language."""
    code = current() if code is None else parse_language(code)
    domain, language = gettext.textdomain(), os.environ.get("LANGUAGE")
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = code
    try:
        yield code
    finally:
        gettext.textdomain(domain)
        if language is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = language
