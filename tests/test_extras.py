"""The optional parts (extras, sim/extras.py): the core commands load none of them; a
command whose extra is missing says in one line how to install it and writes nothing;
./fission asks for the extra each command needs (scripts/bootstrap.sh)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sim.cli import EXIT_BAD_INPUT, main
from sim.extras import EXTRAS, MissingExtra, require
from tests.conftest import EXPERIMENTS, ROOT

PACKAGES = sorted({m for modules in EXTRAS.values() for m in modules} | {"flask"})
SMALL = ["--set", "graph.n=300", "--set", "experiment.days=5", "--replicates", "1"]


def child(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_core_commands_import_no_extra(tmp_path):
    """validate, run (in-process, a sweep too: SALib is core), report and seeds, in one
    fresh interpreter: no module of any extra is loaded."""
    out = str(tmp_path / "run")
    default, sweep = str(EXPERIMENTS / "default.toml"), str(EXPERIMENTS / "reward_sweep.toml")
    commands = [
        ["validate", default],
        ["run", default, "--out", out, *SMALL],
        ["report", out],
        ["seeds", default, "--strategy", "degree_discount", "--count", "3", "--set", "graph.n=300"],
        ["run", sweep, "--out", str(tmp_path / "sweep"), "--set", "sweep.samples=2", *SMALL],
    ]
    code = (
        "import contextlib, io, json, sys\n"
        "from sim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    for argv in {commands!r}:\n"
        "        assert main(argv) == 0, argv\n"
        f"print('LOADED=' + json.dumps(sorted(set({PACKAGES!r}) & set(sys.modules))))\n"
    )
    done = child(code)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert json.loads(last.removeprefix("LOADED=")) == []


def test_require_names_the_extra_and_the_install_command(monkeypatch):
    require("app", "fission app")  # installed here: nothing happens
    monkeypatch.setitem(sys.modules, "kaleido", None)  # as if not installed
    with pytest.raises(MissingExtra) as caught:
        require("images", "image export (--images)")
    message = str(caught.value)
    assert "\n" not in message and isinstance(caught.value, ImportError)
    assert "'images' extra (kaleido not installed)" in message
    assert f"-m pip install -e '{ROOT}[images]' -c '{ROOT / 'constraints.txt'}'" in message


def one_line_refusal(capsys, argv: list[str], extra: str) -> None:
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fission: error: "), err
    assert f"'{extra}' extra" in err and f"[{extra}]" in err, err


def test_run_on_dask_without_dask_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    for module in EXTRAS["dask"]:
        monkeypatch.setitem(sys.modules, module, None)
    out = tmp_path / "out"
    argv = ["run", str(EXPERIMENTS / "default.toml"), "--out", str(out), *SMALL]
    one_line_refusal(capsys, [*argv, "--workers", "2"], "dask")
    one_line_refusal(capsys, [*argv, "--address", "tcp://127.0.0.1:1"], "dask")
    assert not out.exists()


def test_calibrate_and_images_without_their_extras_are_refused_in_one_line(
    tmp_path, capsys, monkeypatch
):
    folder = tmp_path / "run"
    assert main(["run", str(EXPERIMENTS / "default.toml"), "--out", str(folder), *SMALL]) == 0
    capsys.readouterr()
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    monkeypatch.setitem(sys.modules, "kaleido", None)
    one_line_refusal(capsys, ["report", str(folder), "--images"], "images")
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before  # untouched
    monkeypatch.setitem(sys.modules, "pyabc", None)
    fit = tmp_path / "fit"
    pilot = EXPERIMENTS / "pilot.toml"
    argv = ["calibrate", str(pilot), "--daily", str(pilot.with_suffix(".csv")), "--out", str(fit)]
    one_line_refusal(capsys, argv, "calibration")
    assert not fit.exists()


def test_the_app_without_dash_is_refused_in_one_line():
    done = child(
        "import sys\nsys.modules['dash'] = None\nfrom sim.cli import main\n"
        "sys.exit(main(['app', '--port', '0']))\n"
    )
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert done.stderr.count("\n") == 1 and "fission app needs the 'app' extra" in done.stderr


@pytest.mark.parametrize(
    ("args", "extras"),
    [
        ("run x.toml", ""),
        ("run x.toml --workers 1", ""),
        ("run x.toml --workers 2", "dask"),
        ("run x.toml --workers=4", "dask"),
        ("run x.toml --address tcp://h:8786", "dask"),
        ("app --port 8060", "app"),
        ("app --workers 3", "app"),
        ("app --help", ""),
        ("calibrate p.toml --daily p.csv --workers 2", "calibration"),
        ("calibrate --transactions orders.csv", ""),
        ("calibrate --transactions=orders.csv base.toml", ""),
        ("report results/x --images", "images"),
        ("optimise o.toml --trials 50", "optimise"),
        ("optimise o.toml --workers 2", "optimise dask"),
        ("optimise --help", ""),
        ("report results/x", ""),
        ("validate x.toml", ""),
        ("seeds x.toml --count 5", ""),
    ],
)
def test_the_wrapper_installs_the_extra_each_command_needs(args: str, extras: str):
    script = f"source scripts/bootstrap.sh; fission_extras_for {args}"
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == extras.split()
    assert set(extras.split()) <= set(EXTRAS)


def test_test_and_bench_extras_include_every_other():
    script = "source scripts/bootstrap.sh; fission_merge_extras 'app,test' dask images bench"
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip() == "bench,test"
