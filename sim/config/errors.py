"""The error of a config that cannot be run (the lowest module: every other one raises it)."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config that cannot be run; the message names the field (or file and line)."""
