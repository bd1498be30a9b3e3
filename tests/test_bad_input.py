"""Bad input is refused in one line naming the field (or file and line), exit code 2, no
traceback and nothing written, by ``run`` and ``validate`` alike; documented uses (an
infinite half-life, a ten-million-person graph, YAML's plain numbers) still work.

One parametrized test per class of bad input; each case is a file (its name chooses TOML
or YAML), the command line's extra arguments and the exact message (a regex)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.config import ConfigError, load_config
from sim.config.reading import MAX_CONFIG_BYTES
from sim.config.sections import MAX_PEOPLE
from sim.experiment import Results
from sim.study import MAX_RUNS, check_size, load_study
from tests.conftest import EXPERIMENTS, ROOT


def _refused(tmp_path: Path, capsys, command: str, name: str, content, message: str, *extra):
    """Run ``fission <command>`` on a file holding ``content``: exit 2, one line matching
    ``message``, no traceback, no results folder."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    args = [command, str(path), *extra] + (["--out", str(out)] if command == "run" else [])
    capsys.readouterr()
    assert main(args) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("fission: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err + captured.out
    text = err.removeprefix("fission: error: ").strip()
    assert re.search(message, text), f"{text!r} does not match {message!r}"
    assert not out.exists()


BOTH = pytest.mark.parametrize("command", ["run", "validate"])


# 1. Non-finite numbers: refused wherever a number is configured.
NON_FINITE = [
    (
        "c.toml",
        "[reward]\nrule = 'referrer'\namount = inf\n",
        (),
        r"^reward\.amount: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[lure]\nkind = 'cash'\nvalue = nan\n",
        (),
        r"^lure\.value: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[reward]\nbudget = inf\n",
        (),
        r"^reward\.budget: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[population]\nkol_fee = inf\n",
        (),
        r"^population\.kol_fee: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[behaviour]\nrevenue_per_order = -inf\n",
        (),
        r"^behaviour\.revenue_per_order: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[groups]\nmean_size = inf\n",
        (),
        r"^groups\.mean_size: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[reward]\nrule = 'leaderboard'\nprizes = [100.0, inf]\n",
        (),
        r"^reward\.prizes\.1: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[behaviour]\nshare_half_life_days = nan\n",
        (),
        r"^behaviour\.share_half_life_days: nan is not a number of days \(inf means no decay\)$",
    ),
    (
        "c.toml",
        "[behaviour]\nshare_half_life_days = -inf\n",
        (),
        r"^behaviour\.share_half_life_days: Input should be greater than 0$",
    ),
    (
        "c.toml",
        "[sweep]\nmethod = 'lhs'\nsamples = 4\n"
        "[sweep.params]\n'reward.amount' = { low = 0.0, high = inf }\n",
        (),
        r"^sweep\.params\.reward\.amount\.high: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[sweep]\nmethod = 'sobol'\nsamples = 4\n"
        "[sweep.params]\n'lure.value' = { low = nan, high = 1.0 }\n",
        (),
        r"^sweep\.params\.lure\.value\.low: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[lure]\nkind = 'cash'\n[sweep.params]\n'lure.value' = [1.0, inf]\n",
        (),
        r"^sweep\.params\.lure\.value = inf: lure\.value: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[[scenarios]]\nname = 'a'\nset = { 'reward.budget' = inf }\n",
        (),
        r"^scenarios\[a\]\.set: reward\.budget: Input should be a finite number$",
    ),
    (
        "c.toml",
        "[lure]\nkind = 'cash'\n",
        ("--set", "lure.value=inf"),
        r"^lure\.value: Input should be a finite number$",
    ),
    (
        "c.yaml",
        "lure: {kind: cash, value: .inf}\n",
        (),
        r"^lure\.value: Input should be a finite number$",
    ),
]


@BOTH
@pytest.mark.parametrize(("name", "text", "extra", "message"), NON_FINITE)
def test_non_finite_numbers_are_refused(tmp_path, capsys, command, name, text, extra, message):
    _refused(tmp_path, capsys, command, name, text, message, *extra)


# 2. YAML's surprises and repeated keys.
LAUGHS = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{', '.join(['*' + chr(ord('a') + i - 1)] * 9)}]\n"
    for i in range(1, 9)
)
YAML_1_1 = "to a YAML 1.1 reader and text to a YAML 1.2 one"
FILES_READ = [
    (
        "c.yaml",
        LAUGHS,
        r"c\.yaml, line 1: anchors and aliases \(&name, \*name\) are not allowed in a config: "
        r"write each value out$",
    ),
    (
        "c.yaml",
        "experiment: {name: x}\ngraph: *g\n",
        r"c\.yaml, line 2: anchors and aliases .* not allowed",
    ),
    (
        "c.yaml",
        "graph: {kind: erdos_renyi, n: 50, mean_degree: 2.0}\n"
        "seeds:\n  strategy: list\n  ids: [010, 011]\n",
        rf"c\.yaml, line 4: 010 is 8 {YAML_1_1}: write the number in plain decimal, or quote it "
        rf"\('010'\) to mean the text$",
    ),
    ("c.yaml", "experiment:\n  days: 1:20\n", rf"c\.yaml, line 2: 1:20 is 80 {YAML_1_1}"),
    (
        "c.yaml",
        "experiment:\n  write_members: yes\n",
        rf"c\.yaml, line 2: yes is true {YAML_1_1}: write true or false, or quote it",
    ),
    ("c.yaml", "experiment: {write_members: off}\n", rf"c\.yaml, line 1: off is false {YAML_1_1}"),
    (
        "c.yaml",
        "reward: {rule: referrer, amount: 1_000}\n",
        rf"c\.yaml, line 1: 1_000 is 1000 {YAML_1_1}",
    ),
    (
        "c.yaml",
        "experiment: !!python/object/apply:os.system ['echo pwned']\n",
        r"c\.yaml, line 1: tags \(!!python/object/apply:os\.system\) are not allowed in a config",
    ),
    (
        "c.yaml",
        "experiment: {days: !!int '010'}\n",
        r"c\.yaml, line 1: tags \(!!int\) are not allowed",
    ),
    (
        "c.yaml",
        "experiment:\n  days: 5\n  days: 6\n",
        r"c\.yaml, line 3: key 'days' is given twice \(first on line 2\)$",
    ),
    (
        "c.yaml",
        "experiment: {days: 5}\nexperiment: {days: 6}\n",
        r"c\.yaml, line 2: key 'experiment' is given twice \(first on line 1\)$",
    ),
    ("c.yaml", "experiment: {days: 5\n", r"c\.yaml, line 2: malformed YAML: "),
    ("c.yaml", "a: 1\n---\nb: 2\n", r"c\.yaml, line 2: malformed YAML: "),
    (
        "c.toml",
        "[experiment]\ndays = 5\ndays = 6\n",
        r"c\.toml: malformed TOML: key 'days' is given twice \(at line 3, column 9\)$",
    ),
    (
        "c.toml",
        "[experiment]\ndays = 5\n[experiment]\n",
        r"c\.toml: malformed TOML: table \[experiment\] is given twice \(at line 3, column 12\)$",
    ),
    (
        "c.toml",
        "[reward]\n'amount' = 1.0\namount = 2.0\n",
        r"c\.toml: malformed TOML: key 'amount' is given twice \(at line 3",
    ),
]


@BOTH
@pytest.mark.parametrize(("name", "text", "message"), FILES_READ)
def test_yaml_surprises_and_repeated_keys_are_refused(
    tmp_path, capsys, command, name, text, message
):
    _refused(tmp_path, capsys, command, name, text, message)


# 3. Keys that would be accepted and then ignored.
IGNORED = [
    (
        "[sweep.params]\n'experiment.replicates' = [1, 2]\n",
        r"^sweep\.params\.experiment\.replicates: replicates are set once for the study, not "
        r"per sweep point$",
    ),
    (
        "[sweep]\nmethod = 'lhs'\nsamples = 3\n"
        "[sweep.params]\n'experiment.seed' = { low = 1.0, high = 9.0, integer = true }\n",
        r"^sweep\.params\.experiment\.seed: the root seed is set once for the study \(every "
        r"run's seed derives from it\), not per sweep point$",
    ),
    (
        "[sweep.params]\n'experiment.name' = ['a', 'b']\n",
        r"^sweep\.params\.experiment\.name: the study's name \(its results folder\) is set "
        r"once, not per sweep point$",
    ),
    (
        "[[scenarios]]\nname = 'a'\nset = { 'experiment.replicates' = 3 }\n",
        r"^scenarios\[a\]\.set: experiment\.replicates: replicates are set once for the study, "
        r"not per scenario$",
    ),
    (
        "[[scenarios]]\nname = 'a'\nset = { 'experiment.seed' = 7 }\n",
        r"^scenarios\[a\]\.set: experiment\.seed: the root seed is set once .* not per scenario$",
    ),
    (
        "[[scenarios]]\nname = 'a'\nset = { experiment = { replicates = 3 } }\n",
        r"^scenarios\[a\]\.set: experiment\.replicates: replicates are set once",
    ),
    (
        "[[scenarios]]\nname = 'a'\nset = { base_dir = '/etc' }\n",
        r"^scenarios\[a\]\.set: base_dir: not a config key \(relative paths are read from the "
        r"config file's folder\)$",
    ),
    (
        "base_dir = '/etc'\n[experiment]\nname = 'x'\n",
        r"^base_dir: not a config key \(relative paths are read from the config file's folder\)$",
    ),
    (
        "[sweep.params]\nbase_dir = ['/a', '/b']\n",
        r"^sweep\.params\.base_dir = '/a': base_dir: not a config key",
    ),
]


@BOTH
@pytest.mark.parametrize(("text", "message"), IGNORED)
def test_keys_that_would_be_ignored_are_refused(tmp_path, capsys, command, text, message):
    _refused(tmp_path, capsys, command, "c.toml", text, message)


# 4. What cannot fit or finish: refused at once, saying what it would need.
HUGE = 2**63 - 1
TEN_MILLION_POINTS = "[sweep.params]\n" + "".join(
    f"'behaviour.{key}' = [{', '.join(str(i / 10) for i in range(10))}]\n"
    for key in (
        "accept_probability",
        "repeat_exposure_factor",
        "sharer_share",
        "share_probability",
        "feed_attention",
        "gross_margin",
        "propensity_sigma",
    )
)
LIMITS = [
    (
        f"[graph]\nkind = 'barabasi_albert'\nn = {HUGE}\nm = 2\n",
        (),
        r"^graph\.n: at most 100,000,000 people, not 9,223,372,036,854,775,807 \(that many "
        r"would need about [\d.e+,]+ GB of memory\)$",
    ),
    (
        "[graph]\nkind = 'stochastic_block'\n"
        "sizes = [60000000, 60000000]\np_in = 0.0\np_out = 0.0\n",
        (),
        r"^graph\.sizes: at most 100,000,000 people in all, not 120,000,000 ",
    ),
    (
        "[graph]\nkind = 'complete'\nn = 100000\n",
        (),
        r"^graph: about 4,999,950,000 friendships would need about 250 GB of memory to build; "
        r"at most 1,000,000,000",
    ),
    (
        f"[experiment]\nreplicates = {HUGE}\n",
        (),
        r"^experiment\.replicates: at most 100,000, not 9,223,372,036,854,775,807 \(each "
        r"replicate is a whole campaign",
    ),
    (
        "[experiment]\nname = 'x'\n",
        ("--replicates", "1000000"),
        r"^experiment\.replicates: at most 100,000, not 1,000,000 ",
    ),
    (
        TEN_MILLION_POINTS,
        (),
        r"^scenarios × sweep × experiment\.replicates: 200,000,000 runs \(1 scenario × "
        r"10,000,000 sweep points × 20 replicates\): at most 1,000,000 \(at the engine's "
        r"fastest, 6 ms a run, 333 hours of computing; the daily table would hold 6,000,000,000 "
        r"rows\)$",
    ),
    (
        f"[sweep]\nmethod = 'lhs'\nsamples = {HUGE}\n"
        "[sweep.params]\n'lure.value' = { low = 0.0, high = 1.0 }\n",
        (),
        r"^scenarios × sweep × experiment\.replicates: [\d,]+ runs \(1 scenario × "
        r"9,223,372,036,854,775,807 sweep points × 20 replicates\)",
    ),
    (
        "[sweep]\nmethod = 'sobol'\nsamples = 32768\n"
        "[sweep.params]\n'lure.value' = { low = 0.0, high = 1.0 }\n",
        (),
        r"^scenarios × sweep × experiment\.replicates: 1,966,080 runs \(1 scenario × 98,304 "
        r"sweep points × 20 replicates\)",
    ),
    (
        "[behaviour]\ndirect_count = 1000000000\n",
        (),
        r"^behaviour\.direct_count: Input should be less than or equal to 10000$",
    ),
    (
        "[seeds]\nsimulations = 1000000000000\n",
        (),
        r"^seeds\.simulations: Input should be less than or equal to 100000$",
    ),
]


@BOTH
@pytest.mark.parametrize(("text", "extra", "message"), LIMITS)
def test_what_cannot_fit_is_refused_at_once(tmp_path, capsys, command, text, extra, message):
    started = time.perf_counter()
    _refused(tmp_path, capsys, command, "c.toml", text, message, *extra)
    assert time.perf_counter() - started < 30  # counted, never listed


def test_the_run_limit_counts_scenarios_points_and_replicates():
    check_size(10, 1_000, 100, 30)  # exactly the limit
    with pytest.raises(ConfigError, match=r"1,000,010 runs \(1 scenario × 1 sweep point × "):
        check_size(1, 1, MAX_RUNS + 10, 30)


# 5. validate checks what run would, short of running: the files named.
EDGES = "1 2\n2 3\n3 1\n"
FILES_NAMED = [
    (
        "[graph]\nkind = 'edgelist'\npath = 'nowhere.txt'\n",
        r"^graph\.path: file not found: .*nowhere\.txt$",
    ),
    ("[graph]\nkind = 'edgelist'\npath = 'folder'\n", r"^graph\.path: file not found: .*folder"),
    (
        "[graph]\nkind = 'edgelist'\npath = 'broken.txt'\n",
        r"broken\.txt, line 2: expected two node ids, got '3'$",
    ),
    (
        "[graph]\nkind = 'edgelist'\npath = 'empty.txt'\n",
        r"^graph\.path: .*empty\.txt has no edges$",
    ),
    (
        "[graph]\nkind = 'edgelist'\npath = 'edges.txt'\n"
        "[seeds]\nstrategy = 'list'\nids = [1, 99]\n",
        r"^seeds\.ids: id 99 is not in the graph$",
    ),
    (
        "[graph]\nkind = 'edgelist'\npath = 'edges.txt'\n"
        "[population]\nkol_count = 1\nkol_strategy = 'list'\nkol_ids = ['x']\n",
        r"^population\.kol_ids: id 'x' is not in the graph$",
    ),
    (
        "[graph]\nkind = 'edgelist'\npath = 'edges.txt'\n[seeds]\ncount = 5\n",
        r"^seeds\.count: 5 seeds asked for but only 3 people are not KOLs$",
    ),
    (
        "[graph]\nkind = 'barabasi_albert'\nn = 10000\nm = 2\n"
        "[seeds]\nstrategy = 'list'\nids = [5, 10000]\n",
        r"^seeds\.ids: id 10000 is not in the graph \(its people are numbered 0 to 9,999\)$",
    ),
    (
        "[graph]\nkind = 'edgelist'\npath = 'edges.txt'\n[seeds]\ncount = 1\n"
        "[[scenarios]]\nname = 'other graph'\nset = { 'graph.path' = 'gone.txt' }\n",
        r"^graph\.path: file not found: .*gone\.txt$",
    ),
    (
        "[graph]\nkind = 'edgelist'\npath = 'edges.txt'\n[seeds]\ncount = 1\n"
        "[sweep.params]\n'graph.path' = ['edges.txt', 'gone.txt']\n",
        r"^graph\.path: file not found: .*gone\.txt$",
    ),
]


@BOTH
@pytest.mark.parametrize(("text", "message"), FILES_NAMED)
def test_files_named_are_checked_by_validate_as_by_run(tmp_path, capsys, command, text, message):
    (tmp_path / "edges.txt").write_text(EDGES)
    (tmp_path / "empty.txt").write_text("# nothing here\n")
    (tmp_path / "broken.txt").write_text("1 2\n3\n")
    (tmp_path / "folder").mkdir()
    _refused(tmp_path, capsys, command, "c.toml", text, message)


def test_validate_checks_the_costs_file_of_an_optimising_strategy(tmp_path, capsys):
    text = (
        "[graph]\nkind = 'edgelist'\npath = 'edges.txt'\n"
        "[seeds]\nstrategy = 'degree_discount'\ncount = 1\ncosts = 'costs.csv'\n"
    )
    (tmp_path / "edges.txt").write_text(EDGES)
    _refused(
        tmp_path,
        capsys,
        "validate",
        "c.toml",
        text,
        r"^seeds\.costs: file not found: .*costs\.csv$",
    )
    (tmp_path / "costs.csv").write_text("id,cost\n1,5\n7,2\n")
    _refused(
        tmp_path,
        capsys,
        "validate",
        "c.toml",
        None,
        r"costs\.csv, line 3: id '7' is not in the graph$",
    )


def test_validate_leaves_a_large_edge_list_to_run_and_says_so(tmp_path, capsys, monkeypatch):
    import sim.study

    (tmp_path / "edges.txt").write_text(EDGES)
    path = tmp_path / "c.toml"
    path.write_text("[graph]\nkind = 'edgelist'\npath = 'edges.txt'\n[seeds]\ncount = 99\n")
    monkeypatch.setattr(sim.study, "VALIDATE_READ_BYTES", 4)
    assert main(["validate", str(path)]) == 0
    assert "is there and readable; run reads its lines" in capsys.readouterr().out


# 6. Files that are not configs.
MALFORMED = [
    (
        "c.toml",
        b"[experiment]\nname = 'caf\xe9'\n",
        r"c\.toml, line 2: not UTF-8 text \(byte 0xe9\); save the file as UTF-8$",
    ),
    (
        "c.yaml",
        b"experiment:\n  name: \xff\xfe\n",
        r"c\.yaml, line 2: not UTF-8 text \(byte 0xff\)",
    ),
    (
        "c.toml",
        b"\x7fELF\x02\x01\x01\x00\x00\x00",
        r"c\.toml, line 1: a binary file, not a config \(TOML or YAML text\)$",
    ),
    (
        "c.toml",
        b"",
        r"c\.toml: the config is empty \(no sections\); write at least its experiment table$",
    ),
    ("c.toml", b"# only a comment\n\n", r"c\.toml: the config is empty"),
    ("c.yaml", b"", r"c\.yaml: the config is empty"),
    ("c.yaml", b"---\n...\n", r"c\.yaml: the config is empty"),
    (
        "c.yaml",
        b"- experiment\n- graph\n",
        r"c\.yaml: the top level must be a table of sections \(\[experiment\], \[graph\], "
        r"\.\.\.\), not a list \(\['experiment', 'graph'\]\)$",
    ),
    (
        "c.yaml",
        b"hello\n",
        r"c\.yaml: the top level must be a table of sections .*, not text \('hello'\)$",
    ),
    (
        "c.yaml",
        b"42\n",
        r"c\.yaml: the top level must be a table of sections .*, not a number \(42\)$",
    ),
    ("c.toml", b"experiment = 5\n", r"^experiment: expected a table of keys, not a number \(5\)$"),
    (
        "c.toml",
        b"graph = 'big.txt'\n",
        r"^graph: expected a table of keys, not text \('big\.txt'\)$",
    ),
    (
        "c.toml",
        b"scenarios = [1]\n",
        r"^scenarios\[0\]: expected a table of keys, not a number \(1\)$",
    ),
    ("c.toml", b"days = 30\n", r"^days: unknown key$"),
    ("c.yaml", b"1: 2\n", r"^1: Keys should be strings$"),
    (
        "c.toml",
        b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        r"c\.toml: (nested too deeply to be a config|malformed TOML)",
    ),
    (
        "c.yaml",
        b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        r"c\.yaml: nested too deeply to be a config$",
    ),
]


@BOTH
@pytest.mark.parametrize(("name", "content", "message"), MALFORMED)
def test_files_that_are_not_configs_are_refused(tmp_path, capsys, command, name, content, message):
    _refused(tmp_path, capsys, command, name, content, message)


@BOTH
def test_a_folder_a_device_or_a_huge_file_is_not_read_as_a_config(tmp_path, capsys, command):
    (tmp_path / "folder.toml").mkdir()
    _refused(
        tmp_path,
        capsys,
        command,
        "folder.toml",
        None,
        r"folder\.toml: is a folder, not a config file$",
    )
    _refused(tmp_path, capsys, command, "none.toml", None, r"none\.toml: no such config file$")
    with (tmp_path / "huge.toml").open("wb") as file:
        file.truncate(MAX_CONFIG_BYTES + 1)  # sparse: no disk used
    _refused(
        tmp_path,
        capsys,
        command,
        "huge.toml",
        None,
        r"huge\.toml: larger than 16 MB, too large for a config",
    )
    if Path("/dev/zero").exists():
        out = tmp_path / "out"
        args = [command, "/dev/zero"] + (["--out", str(out)] if command == "run" else [])
        assert main(args) == 2
        assert "/dev/zero: not a regular file" in capsys.readouterr().err
        assert not out.exists()


def test_an_unreadable_config_is_one_line(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text("[experiment]\nname = 'x'\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: nothing to test
        path.chmod(0o644)
        pytest.skip("running as root")
    try:
        _refused(
            tmp_path,
            capsys,
            "validate",
            "c.toml",
            None,
            r"c\.toml: cannot read: Permission denied$",
        )
    finally:
        path.chmod(0o644)


def test_a_billion_laughs_leaves_the_process_small_and_quick(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "anchors and aliases" in done.stderr
    assert time.perf_counter() - started < 30


# Documented uses that must keep working.


def test_an_infinite_half_life_validates_and_runs(tmp_path, capsys):
    bass = EXPERIMENTS / "validation" / "bass.toml"
    assert main(["validate", str(bass)]) == 0
    assert "valid. 40 runs of 30 days" in capsys.readouterr().out
    out = tmp_path / "bass"
    assert main(["run", str(bass), "--replicates", "2", "--out", str(out)]) == 0
    runs = Results.load(out).runs
    assert len(runs) == 2 and (runs["joined"] > 0).all()
    assert load_config(bass).behaviour.share_half_life_days == float("inf")


def test_yaml_reads_plain_numbers_booleans_and_quoted_text(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "experiment: {name: y, days: 10, replicates: 2, seed: 0, write_members: False}\n"
        "graph: {kind: erdos_renyi, n: 1e3, mean_degree: 3.0}\n"
        "behaviour: {share_half_life_days: .inf, accept_probability: .5}\n"
        "seeds: {strategy: list, ids: ['010', 11]}\n"
        "reward: {rule: referrer, amount: 2, budget: null}\n"
    )
    with pytest.raises(ConfigError, match=r"^graph\.n: Input should be a valid integer$"):
        load_config(path)  # 1e3 is a float (YAML 1.2): graph.n wants an integer
    path.write_text(path.read_text().replace("n: 1e3", "n: 1000"))
    config = load_config(path)
    assert config.graph.n == 1000 and config.experiment.write_members is False
    assert config.behaviour.share_half_life_days == float("inf")
    assert config.behaviour.accept_probability == 0.5
    assert config.seeds.ids == ["010", 11]  # quoted: kept as written
    assert config.reward.amount == 2.0 and config.reward.budget is None


def test_a_yaml_byte_order_mark_and_toml_one_are_accepted(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_bytes(b"\xef\xbb\xbf[experiment]\nname = 'bom'\n")
    assert load_config(toml).experiment.name == "bom"
    yaml = tmp_path / "c.yaml"
    yaml.write_bytes(b"\xef\xbb\xbfexperiment: {name: bom}\n")
    assert load_config(yaml).experiment.name == "bom"


def test_ten_million_people_and_the_largest_study_are_accepted(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(
        "[experiment]\nreplicates = 100000\n"
        f"[graph]\nkind = 'barabasi_albert'\nn = {MAX_PEOPLE}\nm = 5\n"
        "[seeds]\nstrategy = 'list'\nids = [0, 99999999]\n"
    )
    started = time.perf_counter()
    assert main(["validate", str(path)]) == 0  # checked, not built
    assert "valid. 100000 runs of 30 days" in capsys.readouterr().out
    assert time.perf_counter() - started < 30
    ten_million = {"graph.n": 10_000_000, "seeds.ids": [0, 9_999_999]}
    study = load_study(path, {**ten_million, "experiment.replicates": 10})
    assert study.base.graph.n == 10_000_000


def test_the_shipped_configs_still_validate(capsys):
    for path in sorted(EXPERIMENTS.glob("*.toml")) + sorted(EXPERIMENTS.glob("validation/*.toml")):
        if path.name == "pilot.toml":  # a calibration's config: fission calibrate reads it
            continue
        assert main(["validate", str(path)]) == 0, capsys.readouterr().err


def test_a_posterior_may_not_draw_what_the_design_reads_once():
    from sim.study import Posterior, parse_study, with_posterior

    posterior = Posterior(("experiment.seed",), ((1.0,), (2.0,)), (1.0, 1.0), "fit")
    with pytest.raises(ConfigError, match=r"^posterior fit: experiment\.seed: the root seed is"):
        with_posterior(parse_study({"experiment": {"name": "p"}}), posterior)


def test_validate_knows_which_strategies_read_the_costs_file():
    import sim.study
    from sim.seeding import OPTIMISING

    assert sim.study._OPTIMISING == OPTIMISING


def test_a_calibration_refuses_non_finite_numbers_too():
    from sim.calibration.inputs import parse_calibration

    prior = {"behaviour.accept_probability": {"low": 0.0, "high": float("inf")}}
    with pytest.raises(ConfigError, match=r"^calibration\.params\.behaviour\.accept_probability"):
        parse_calibration({"calibration": {"params": prior}})
