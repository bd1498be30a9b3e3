"""Fission's compiled loops: numba's ``njit``, cached so that a change to any of them is seen.

numba caches each compiled function on disk, keyed by the content of the one file that
defines it. A loop calls compiled functions of other modules (the kernels call
``sim.streams.splitmix``, the value model's loops ``sim.value.sampling.gamma``) and its
cached machine code holds theirs: after a change to ``sampling.py`` alone (a ``git pull``,
an edit) numba would load the loops of ``traits.py`` with the old sampler compiled in, and
a run would silently give the old numbers (numba issue #6845). Here every Fission file
that uses numba is part of every one of its functions' keys: any change to any of them
compiles them all again (about 25 s, once), never a stale loop.

Where the cache lives does not change: beside the sources (``__pycache__``), in
``NUMBA_CACHE_DIR`` when a user set it, or numba's user-wide folder when the sources'
folder is read-only. Only the key does, and only for the functions of this package.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
from numba.core import caching

PACKAGE = Path(__file__).resolve().parent


@functools.cache
def sources_key() -> bytes:
    """A digest of every file of this package that uses numba: their paths and contents."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_bytes()
        if b"numba" in text or b"njit" in text:
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + text)
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


# numba's own locators in its order of preference, each keyed as above.
_LOCATORS = tuple(
    type(f"WholeSources{base.__name__}", (_WholeSources, base), {})
    for base in (
        caching.UserProvidedCacheLocator,
        caching.InTreeCacheLocator,
        caching.UserWideCacheLocator,
    )
)
if not any(issubclass(c, _WholeSources) for c in caching.CacheImpl._locator_classes):
    caching.CacheImpl._locator_classes[:0] = _LOCATORS


def njit(function: Callable[..., Any] | None = None, *, inline: str = "never") -> Any:
    """Compile ``function`` with numba (no Python objects, the GIL released, cached as
    above); ``inline="always"`` for the small helpers the loops inline. Use as ``@njit``
    or ``@njit(inline="always")``."""
    decorate = numba.njit(cache=True, nogil=True, inline=inline)
    return decorate if function is None else decorate(function)
