"""The command line as a planner meets it (issue 17): --version, examples in --help,
shell completion, default folders for --set variations, Ctrl-C, and run_experiment with
workers from a plain script without a __main__ guard."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import sim.cli
from sim.cli import main
from sim.store import default_out_dir
from sim.study import load_study
from sim.version import __version__
from tests.conftest import EXPERIMENTS, ROOT


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"fission {__version__}"


@pytest.mark.parametrize("command", ["run", "validate", "report", "export", "calibrate"])
def test_each_command_help_ends_with_examples(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "examples:\n  fission " + command in out


def test_bash_completion_lists_commands_and_options(capsys):
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    assert "run validate app report export calibrate optimise seeds completion" in script
    assert "--xlsx" in script and "--strategy" in script  # seeds' options, filled late
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    probe = script + (
        'COMP_WORDS=(fission run --x); COMP_CWORD=2; _fission; echo "${COMPREPLY[*]}"\n'
        'COMP_WORDS=(fission ex); COMP_CWORD=1; _fission; echo "${COMPREPLY[*]}"\n'
    )
    out = subprocess.run([bash, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["--xlsx", "export"]


def test_set_variations_get_their_own_default_folder():
    path = EXPERIMENTS / "default.toml"
    study = load_study(path)
    assert default_out_dir(study) == default_out_dir(study, {}) == sim.store.Path("results/default")
    cash = default_out_dir(study, {"lure.kind": "cash", "lure.value": 8})
    coupon = default_out_dir(study, {"lure.value": 12})
    assert cash != coupon
    assert cash.parent.name == "results" and cash.name.startswith("default-")
    assert len(cash.name) == len("default-") + 8
    # the same overrides, in any order, name the same folder
    assert cash == default_out_dir(study, {"lure.value": 8, "lure.kind": "cash"})


def test_ctrl_c_says_what_is_saved_and_how_to_resume(tmp_path, monkeypatch, capsys):
    def stopped(study, out, *, on_progress, **kw):
        on_progress(3, 10)
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.experiment.run_experiment", stopped)
    code = main(["run", str(EXPERIMENTS / "default.toml"), "--out", str(tmp_path / "x")])
    assert code == sim.cli.EXIT_INTERRUPTED == 130
    err = capsys.readouterr().err
    assert f"3 of 10 runs are saved in {tmp_path / 'x'}/" in err
    assert "run the same command again to resume" in err


def test_workers_from_a_script_without_main_guard(tmp_path):
    pytest.importorskip("distributed")
    script = tmp_path / "plain.py"
    script.write_text(
        "import sim\n"
        "r = sim.run_experiment({'experiment': {'days': 3, 'replicates': 4},\n"
        "    'graph': {'kind': 'erdos_renyi', 'n': 300, 'mean_degree': 6}}, workers=2)\n"
        "print('runs', len(r.runs))\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "runs 4"
