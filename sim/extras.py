"""Fission's optional parts (pip extras), and the one-line error when one is missing.

The core install (``pip install -e .``, what ``./fission`` sets up first) brings what
``fission run`` (in-process), ``validate``, ``report`` and ``seeds`` need. Each extra of
``pyproject.toml`` adds what only some commands use:

* ``app``: Dash and Werkzeug, for ``fission app``;
* ``dask``: Dask distributed, for ``--workers N`` (N > 1) and ``--address``;
* ``calibration``: pyabc (and Dask), for ``fission calibrate`` (not ``--transactions``);
* ``images``: kaleido, for ``fission report --images``;
* ``optimise``: Optuna, for ``fission optimise``;
* ``test``: every extra above and the test tools; ``bench``: the benchmarks' tools.

The ``./fission`` wrapper installs an extra the first time a command needs it
(``scripts/bootstrap.sh``). Elsewhere ``require`` raises ``MissingExtra``: a
``ConfigError`` (the command line prints it on one line and exits with code 2, nothing
written) and an ``ImportError``, naming the command that installs the extra.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from sim.config import ConfigError

# Extra -> the top-level modules it provides that Fission imports.
EXTRAS: dict[str, tuple[str, ...]] = {
    "app": ("dash", "werkzeug"),
    "dask": ("dask", "distributed"),
    "calibration": ("pyabc", "distributed"),
    "images": ("kaleido",),
    "optimise": ("optuna",),
}


class MissingExtra(ConfigError, ImportError):
    """A command needs an extra that is not installed; the message says how to install it."""


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (found without importing)."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def install_command(extra: str) -> str:
    """The command that installs ``extra`` into the Python running Fission."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file():  # not a source checkout
        return f"{sys.executable} -m pip install 'fission[{extra}]'"
    return f"{sys.executable} -m pip install -e '{root}[{extra}]' -c '{root / 'constraints.txt'}'"


def require(extra: str, what: str) -> None:
    """Raise ``MissingExtra`` unless every module of ``extra`` is installed; ``what`` names
    the command or option that needs it (``"fission app"``)."""
    absent = missing(extra)
    if absent:
        raise MissingExtra(
            f"{what} needs the '{extra}' extra ({', '.join(absent)} not installed): "
            f"run it through ./fission, which installs it, or {install_command(extra)}"
        )
