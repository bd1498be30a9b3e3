"""Input text files read line by line, plain or gzip-compressed (``.gz``).

Edge lists, cascades and cost lists are read through ``numbered_lines``: a file that
starts with gzip's magic bytes is decompressed on the fly (whatever its name), any other
is read as it is. The lines and their numbers are the same either way, so error messages
name the same file and line; a damaged compressed file is a ``ConfigError`` naming the
line where reading stopped.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

from sim.config import ConfigError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    """Whether the file is gzip-compressed (by its first two bytes, not its name)."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def numbered_lines(path: Path, *, errors: str = "replace") -> Iterator[tuple[int, str]]:
    """(line number from 1, line) of a UTF-8 text file, gzip-compressed or not.

    ``errors`` is the decoding error handler (``"replace"`` or ``"strict"``)."""
    if not is_gzip(path):
        with open(path, encoding="utf-8", errors=errors) as handle:
            yield from enumerate(handle, start=1)
        return
    number = 0
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors=errors) as handle:
            for number, line in enumerate(handle, start=1):
                yield number, line
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise ConfigError(f"{path}, line {number + 1}: damaged gzip file ({err})") from None
