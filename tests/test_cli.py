"""The command line: a run writes its tables; bad input gets a one-line error naming the
field (or file and line), exit code 2, and leaves results already on disk untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment import Results
from tests.conftest import EXPERIMENTS, ROOT

SMALL = """
[experiment]
name = "small"
days = 10
replicates = 3
seed = 5

[graph]
kind = "barabasi_albert"
n = 800
m = 3

[seeds]
count = 10

[lure]
kind = "cash"
value = 3.0

[reward]
rule = "referrer"
amount = 2.0
budget = 200.0
"""


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_run_writes_tables_and_prints_where(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(write(tmp_path, SMALL)), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Results written to {out}/" in printed
    results = Results.load(out)
    assert list(results.runs["run_id"]) == [0, 1, 2]
    assert len(results.daily) == 3 * 10
    assert results.manifest["runs"] == 3 and len(results.manifest["config_hash"]) == 16
    # the resolved config: cash's own keys only (no other kind's)
    assert results.config["lure"] == {"kind": "cash", "value": 3.0, "half_value": 10.0}
    # the printed mean of joined is the mean over runs.parquet
    joined_line = next(line for line in printed.splitlines() if line.startswith("joined "))
    assert float(joined_line.split()[1].replace(",", "")) == pytest.approx(
        results.runs["joined"].mean(), abs=5e-4
    )


def test_written_config_reruns_to_identical_tables(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(write(tmp_path, SMALL)), "--out", str(first)]) == 0
    assert main(["run", str(first / "config.toml"), "--out", str(second)]) == 0
    pd.testing.assert_frame_equal(Results.load(first).runs, Results.load(second).runs)
    pd.testing.assert_frame_equal(Results.load(first).daily, Results.load(second).daily)


def test_set_and_replicates_override(tmp_path):
    out = tmp_path / "o"
    args = ["run", str(write(tmp_path, SMALL)), "--out", str(out), "--replicates", "2"]
    assert main([*args, "--set", "lure.kind=coupon", "--set", "lure.value=7"]) == 0
    results = Results.load(out)
    assert len(results.runs) == 2 and results.config["lure"]["kind"] == "coupon"
    assert results.config["lure"]["value"] == 7


def test_members_table_when_asked(tmp_path):
    out = tmp_path / "m"
    assert (
        main(
            [
                "run",
                str(write(tmp_path, SMALL)),
                "--out",
                str(out),
                "--set",
                "experiment.write_members=true",
            ]
        )
        == 0
    )
    results = Results.load(out)
    members = results.members
    assert set(members["run_id"]) == {0, 1, 2}
    per_run = members[members["role"] == "member"].groupby("run_id").size()
    assert per_run.tolist() == results.runs["joined"].tolist()


BAD = [
    ("[experiment\nname = 1\n", r"c.toml: malformed TOML: .*line 1"),
    ("[experiment]\nnme = 'x'\n", r"^experiment.nme: unknown key$"),
    (
        "[behaviour]\naccept_probability = 1.5\n",
        r"^behaviour.accept_probability: Input should be less than or equal to 1$",
    ),
    (
        "[behaviour]\naccept_probability = 'high'\n",
        r"^behaviour.accept_probability: Input should be a valid number",
    ),
    ("[reward]\nbudget = -5.0\n", r"^reward.budget: Input should be greater than or equal to 0$"),
    (
        "[graph]\nkind = 'edgelist'\npath = 'nowhere.txt'\n",
        r"^graph.path: file not found: .*nowhere.txt$",
    ),
    (
        "[graph]\nkind = 'edgelist'\npath = 'edges.txt'\n"
        "[seeds]\nstrategy = 'list'\nids = [1, 99]\n",
        r"^seeds.ids: id 99 is not in the graph$",
    ),
    ("[graph]\nkind = 'edgelist'\npath = 'empty.txt'\n", r"^graph.path: .*empty.txt has no edges$"),
    (
        "[graph]\nkind = 'edgelist'\npath = 'broken.txt'\n",
        r"broken.txt, line 2: expected two node ids",
    ),
    (
        "[graph]\nkind = 'erdos_renyi'\nn = 5\nmean_degree = 2.0\n[seeds]\ncount = 6\n",
        r"seeds.count \+ population.kol_count = 6 is more than the 5 people",
    ),
    (
        "[graph]\nkind = 'barabasi_albert'\nn = 100\n",
        r"^graph: graph kind 'barabasi_albert' needs 'm'$",
    ),
    (
        "[reward]\nrule = 'multi_level'\nlevel_amounts = [1.0, 1.0, 1.0, 1.0]\n",
        r"^reward: multi-level commission may have at most 3 levels",
    ),
    (
        "[population]\nsegment_mix = { payer = 0.5, convertible = 0.7, junk = 0.1 }\n",
        r"^population.segment_mix: segment shares must sum to 1",
    ),
    ("[lure]\nkind = 'voucher'\n", r"^lure.kind: voucher is not one of none, cash, coupon"),
    ("scenarios = []\n", r"^scenarios: the list is empty"),
    (
        "[[scenarios]]\nname = 'a'\n[[scenarios]]\nname = 'a'\n",
        r"^scenarios: two scenarios are named 'a'$",
    ),
    (
        "[[scenarios]]\nname = 'a'\nset = { 'lure.vaule' = 1.0 }\n",
        r"^scenarios\[a\].set: lure.vaule: unknown key$",
    ),
    (
        "[sweep]\nmethod = 'lhs'\nsamples = 4\n"
        "[sweep.params]\n'reward.amount' = { low = 9.0, high = 1.0 }\n",
        r"^sweep.params.reward.amount: low \(9\) is greater than high \(1\)$",
    ),
    (
        "[sweep]\n[sweep.params]\n'reward.amont' = [1.0, 2.0]\n",
        r"^sweep.params.reward.amont: not a parameter$",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), BAD, ids=[m.split(":")[0].strip("^\\") for _, m in BAD]
)
def test_bad_input_is_one_clear_line_exit_2_and_touches_nothing(tmp_path, capsys, text, message):
    (tmp_path / "edges.txt").write_text("1 2\n2 3\n")
    (tmp_path / "empty.txt").write_text("# nothing here\n")
    (tmp_path / "broken.txt").write_text("1 2\n3\n")
    out = tmp_path / "out"
    assert main(["run", str(write(tmp_path, SMALL)), "--out", str(out)]) == 0
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    capsys.readouterr()
    assert main(["run", str(write(tmp_path, text, "bad.toml")), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fission: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    import re

    assert re.search(
        message.replace("c.toml", "bad.toml"), err.removeprefix("fission: error: ").strip()
    )
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    assert after == before


def test_missing_config_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "none.toml")]) == 2
    assert "none.toml: no such config file" in capsys.readouterr().err


def test_yaml_config_is_read_safely(tmp_path):
    text = (
        "experiment: {name: y, days: 5, replicates: 2}\n"
        "graph: {kind: erdos_renyi, n: 300, mean_degree: 3.0}\n"
    )
    out = tmp_path / "y"
    assert main(["run", str(write(tmp_path, text, "c.yaml")), "--out", str(out)]) == 0
    assert len(Results.load(out).runs) == 2
    # a YAML tag that would build a Python object is refused, not executed
    evil = "experiment: !!python/object/apply:os.system ['echo pwned']\n"
    assert main(["run", str(write(tmp_path, evil, "evil.yaml"))]) == 2


def test_validate_prints_the_runs(tmp_path, capsys):
    assert main(["validate", str(write(tmp_path, SMALL))]) == 0
    assert "valid. 3 runs of 10 days" in capsys.readouterr().out


def test_the_command_exits_with_mains_code_and_skips_the_last_collection(monkeypatch):
    """``fission`` (``sim.cli.console``, also ``python -m sim``) exits with ``main``'s code
    after freezing the objects alive, so that Python's collection at exit does not walk
    them (0.8 s after a run at a million people); ``main`` itself, which tests and
    notebooks call many times in one process, freezes nothing."""
    import gc
    import tomllib

    import sim.cli

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(sim.cli, "main", lambda argv=None: 2)
    with pytest.raises(SystemExit) as stop:
        sim.cli.console()
    assert stop.value.code == 2 and frozen == [True]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"fission": "sim.cli:console"}
    assert "console()" in (ROOT / "sim" / "__main__.py").read_text()


def test_python_dash_m_sim_is_the_same_program(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(EXPERIMENTS / "default.toml"),
            "--replicates",
            "2",
            "--out",
            str(tmp_path / "d"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Results written to" in done.stdout
    runs = pd.read_parquet(tmp_path / "d" / "runs.parquet")
    assert len(runs) == 2 and (runs["joined"] > 100).all()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            str(EXPERIMENTS / "default.toml"),
            "--set",
            "seeds.count=-1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "fission: error: seeds.count: Input should be greater than or equal to 0"
    )
