"""The error of a config that cannot be run (the lowest module: every other one raises it)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config that cannot be run; the message names the field (or file and line)."""


class FileLineError(ConfigError):
    """A line of an input file (edge list, costs) that cannot be read.

    The message quotes the line, for the person who named the file; ``without_content``
    leaves the quote out, for a page that other people see (``fission app``), so an
    error never shows them what a file holds.
    """

    def __init__(self, path: object, line: int, problem: str, content: str | None = None) -> None:
        self.path, self.line, self.problem, self.content = str(path), line, problem, content
        quote = f", got {content!r}" if content is not None else ""
        super().__init__(f"{path}, line {line}: {problem}{quote}")

    def __reduce__(self) -> tuple[type, tuple[str, int, str, str | None]]:
        # Errors cross process boundaries (Dask, the app's workers): rebuild from fields.
        return type(self), (self.path, self.line, self.problem, self.content)

    @property
    def without_content(self) -> str:
        """The message without the file's text: path, line and what was expected."""
        return f"{self.path}, line {self.line}: {self.problem}"


def shown_to_others(err: ConfigError) -> str:
    """The message of ``err`` fit for people other than the file's owner: no file text."""
    return err.without_content if isinstance(err, FileLineError) else str(err)
