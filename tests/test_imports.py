"""Importing is cheap: ``import sim``, ``fission --help`` and ``fission validate`` load none
of the simulation stack they do not use. Each check runs in a fresh interpreter and looks
at ``sys.modules`` (deterministic; the timings are benchmarks/bench_imports.py's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import sim
from sim.cli import main
from tests.conftest import ROOT

HEAVY = (
    "mesa",
    "scipy",
    "pandas",
    "numba",
    "dask",
    "distributed",
    "dash",
    "plotly",
    "pyarrow",
    "igraph",
    "networkx",
    "SALib",
    "pyabc",
)
# Appended to the child's code: the heavy modules it loaded, on a line of their own.
REPORT = (
    "\nimport json as _json, sys as _sys\n"
    f"print('HEAVY=' + _json.dumps(sorted(set({HEAVY!r}) & set(_sys.modules))))\n"
)


def heavy_after(code: str) -> set[str]:
    """The heavy top-level modules loaded in a fresh interpreter that runs ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", code + REPORT],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("HEAVY="), done.stdout
    return set(json.loads(last.removeprefix("HEAVY=")))


def test_the_probe_sees_a_heavy_module():
    assert heavy_after("import pandas") >= {"pandas"}


def test_import_sim_loads_nothing_heavy():
    assert heavy_after("import sim") == set()


def test_validate_loads_nothing_heavy():
    code = (
        "import contextlib, io\n"
        "from sim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['validate', 'experiments/default.toml']) == 0\n"
    )
    assert heavy_after(code) == set()


def test_help_loads_nothing_heavy_and_not_the_config():
    code = (
        "import contextlib, io, sys\n"
        "from sim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "assert 'sim.config' not in sys.modules and 'pydantic' not in sys.modules\n"
    )
    assert heavy_after(code) == set()


def test_public_names_load_on_first_use():
    assert set(sim.__all__) <= set(dir(sim))
    for name in sim.__all__:
        assert getattr(sim, name) is not None
    from sim.config import Config
    from sim.experiment import run_experiment

    assert sim.Config is Config and sim.run_experiment is run_experiment
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = sim.nothing


def test_seeds_arguments_are_added_when_the_command_is_used(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["seeds", "--help"])
    assert stop.value.code == 0
    shown = capsys.readouterr().out
    assert "--strategy" in shown and "--set" in shown
