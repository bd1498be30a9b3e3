"""Fission's compiled loops: numba's ``njit``, cached so that a change to any of them is seen.

numba caches each compiled function on disk, keyed by the content of the one file that
defines it. A loop calls compiled functions of other modules (the kernels call
``sim.streams.splitmix``, the value model's loops ``sim.value.sampling.gamma``) and its
cached machine code holds theirs: after a change to ``sampling.py`` alone (a ``git pull``,
an edit) numba would load the loops of ``traits.py`` with the old sampler compiled in, and
a run would silently give the old numbers (numba issue #6845); a constant a loop reads
(a status bit of ``sim.kernels.records``) is frozen into it the same way. Here the
compiled sources (every Fission file that uses numba, and every Fission module those
import, and so on: ``compiled_sources``) are part of every one of its functions' keys:
any change to any of them compiles them all again (about 25 s, once), never a stale loop.

Where the cache lives does not change: beside the sources (``__pycache__``), in
``NUMBA_CACHE_DIR`` when a user set it, or numba's user-wide folder when the sources'
folder is read-only. Only the key does, and only for the functions of this package.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
from numba.core import caching

PACKAGE = Path(__file__).resolve().parent


# A file that imports numba or this module: its code may be compiled into a loop.
_COMPILES = re.compile(rb"^(?:import numba|from numba[ .]|from sim\.compiled import)", re.M)
# Fission's imports in a file (at any indent): the module, and the names taken from it
# (in parentheses over several lines, or on the line).
_IMPORT = re.compile(
    rb"^[ \t]*(?:from (sim[.\w]*) import (?:\(([^)]*)\)|([^\n]*))|import (sim[.\w]*))", re.M
)


@functools.cache
def compiled_sources() -> tuple[Path, ...]:
    """The files whose code or constants numba may compile into a loop: those that use
    numba, and every Fission module they import, and so on (a compiled function freezes
    the globals it reads, as ``sim.kernels.records``'s status bits). Reading a file's
    imports as text is enough here: Fission imports its modules by name, never by a
    computed one."""
    texts: dict[str, bytes] = {}  # by module name: "sim.a.b" for a/b.py or a/b/__init__.py
    paths: dict[str, Path] = {}
    for folder, _, names in os.walk(PACKAGE):
        prefix = ".".join(("sim", *Path(folder).relative_to(PACKAGE).parts))
        for name in names:
            if name.endswith(".py"):
                module = prefix if name == "__init__.py" else f"{prefix}.{name[:-3]}"
                paths[module] = Path(folder, name)
                texts[module] = paths[module].read_bytes()
    # (the substring tests first: a regular expression over every file cost 7 ms)
    todo = [
        m
        for m, text in texts.items()
        if (b"numba" in text or b"sim.compiled" in text) and _COMPILES.search(text)
    ]
    found: set[str] = set()
    while todo:
        module = todo.pop()
        if module in found or module not in texts:
            continue
        found.add(module)
        for match in _IMPORT.finditer(texts[module]):
            imported = (match[1] or match[4]).decode()
            todo.append(imported)
            # a submodule taken by name ("from sim.kernels import records")
            names = re.findall(rb"\w+", match[2] or match[3] or b"")
            todo += (f"{imported}.{name.decode()}" for name in names)
    return tuple(sorted(paths[m] for m in found))


@functools.cache
def sources_key() -> bytes:
    """A digest of the compiled sources: their paths and contents."""
    digest = hashlib.sha256()
    for path in compiled_sources():
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


def _ours(py_file: str) -> bool:
    return Path(py_file).resolve().is_relative_to(PACKAGE)


class _WholeSources:
    """A locator mixin: the function's own file and all of the package's compiled sources
    make its key; functions of other packages are left to numba's own locators."""

    def get_source_stamp(self) -> Any:
        return (super().get_source_stamp(), sources_key())  # type: ignore[misc]

    @classmethod
    def from_function(cls, py_func: Callable[..., Any], py_file: str) -> Any:
        if not _ours(py_file):
            return None
        return super().from_function(py_func, py_file)  # type: ignore[misc]


def _numba_class(name: str) -> type:
    """A class of numba's caching module: public since numba 0.6x, "_"-prefixed before."""
    return getattr(caching, name, None) or getattr(caching, f"_{name}")


# numba's own locators in its order of preference, each keyed as above.
_LOCATORS = tuple(
    type(f"WholeSources{name}", (_WholeSources, _numba_class(name)), {"__module__": __name__})
    for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")
)
_CHOICES = _numba_class("CacheImpl")._locator_classes  # the list numba tries in order
if not any(issubclass(c, _WholeSources) for c in _CHOICES):
    _CHOICES[:0] = _LOCATORS


def njit(function: Callable[..., Any] | None = None, *, inline: str = "never") -> Any:
    """Compile ``function`` with numba (no Python objects, the GIL released, cached as
    above); ``inline="always"`` for the small helpers the loops inline. Use as ``@njit``
    or ``@njit(inline="always")``."""
    decorate = numba.njit(cache=True, nogil=True, inline=inline)
    return decorate if function is None else decorate(function)
