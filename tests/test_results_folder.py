"""A results folder on a shared machine: never mislabelled, never lost.

A second run into a folder in use is refused (the folder's OS lock, taken over when its
holder dies); a folder Fission did not write is refused; ``--fresh`` replaces earlier
results only once the new ones are complete; an experiment name is never a path; a kill
at any rename or a power cut leaves a folder that is whole or marked unfinished, and the
next run finishes it; files get the permissions the umask allows.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import sim.experiment
import sim.parts
from sim.cli import main
from sim.config import ConfigError
from sim.experiment import Results, run_experiment
from sim.parts import whole_batches
from sim.report import write_report
from sim.store import default_out_dir
from sim.study import parse_study
from tests.conftest import ROOT

SMALL = """
[experiment]
name = "tiny"
days = 4
replicates = 2
seed = 7

[graph]
kind = "erdos_renyi"
n = 300
mean_degree = 4.0

[seeds]
count = 5

[[scenarios]]
name = "plain"

[[scenarios]]
name = "cash"
set = { "lure.kind" = "cash", "lure.value" = 5.0 }
"""
OTHER = SMALL.replace("seed = 7", "seed = 8").replace('name = "cash"', 'name = "coupon"')
OTHER = OTHER.replace('"lure.kind" = "cash"', '"lure.kind" = "coupon"')
# slow enough that a second run can be tried while it runs (and a batch of its parts
# written, at least a second after it starts); the tests stop it long before its end
SLOW = SMALL.replace("n = 300", "n = 20000").replace("replicates = 2", "replicates = 500")
SLOW = SLOW.replace("days = 4", "days = 15")


class Killed(BaseException):
    """Stands for a kill (or Ctrl-C) at a chosen moment."""


def write(folder: Path, text: str, name: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def configs(tmp_path_factory) -> SimpleNamespace:
    """The two configs and their uninterrupted results (the references)."""
    folder = tmp_path_factory.mktemp("configs")
    a, b = write(folder, SMALL, "a.toml"), write(folder, OTHER, "b.toml")
    return SimpleNamespace(
        a=a,
        b=b,
        ref_a=run_experiment(a, folder / "ref_a"),
        ref_b=run_experiment(b, folder / "ref_b"),
    )


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under ``folder``: its bytes, modification time and mode."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Hidden files and folders other than the lock: temporary files, a staging folder."""
    return [str(p.relative_to(folder)) for p in folder.rglob(".*") if p.name != ".fission.lock"]


def assert_is(results: Results, reference: Results) -> None:
    """``results`` are exactly ``reference``'s, labelled with its config."""
    pd.testing.assert_frame_equal(results.runs, reference.runs)
    pd.testing.assert_frame_equal(results.daily, reference.daily)
    pd.testing.assert_frame_equal(results.generations, reference.generations)
    assert results.config == reference.config
    assert results.manifest["config_hash"] == reference.manifest["config_hash"]
    assert results.manifest["status"] == "complete"


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("fission: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def stored_runs(folder: Path, runs: int = 1000) -> set[int]:
    """The runs whose batch of parts is whole in the results folder ``folder``."""
    return set().union(*whole_batches(folder / "parts", range(runs)).values())


def hold_lock(folder: Path) -> int:
    fd = os.open(folder / ".fission.lock", os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


# ------------------------------------------------------------ 1. one writer at a time


def test_a_folder_in_use_is_refused_at_once_and_left_untouched(configs, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(configs.a), "--out", str(out)]) == 0
    before = snapshot(out)
    fd = hold_lock(out)  # as a run (or a report) writing there holds it
    try:
        for args in (
            ["run", str(configs.a), "--out", str(out)],
            ["run", str(configs.b), "--out", str(out), "--fresh"],
            ["report", str(out)],
        ):
            capsys.readouterr()
            assert main(args) == 2, args
            err = one_line_error(capsys)
            assert f"{out}: in use by another Fission process" in err
        with pytest.raises(ConfigError, match="in use"):
            run_experiment(configs.b, out, fresh=True)
    finally:
        os.close(fd)
    assert snapshot(out) == before
    assert main(["run", str(configs.b), "--out", str(out), "--fresh"]) == 0
    assert_is(Results.load(out), configs.ref_b)
    # the lock file is not listed among the results
    assert ".fission.lock" not in capsys.readouterr().out


def test_two_runs_at_once_into_one_folder(configs, tmp_path, capsys):
    slow = write(tmp_path, SLOW, "slow.toml")
    out = tmp_path / "out"
    first = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(slow), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not stored_runs(out):
            time.sleep(0.05)
        assert stored_runs(out), "the first run has started"
        for args in (
            ["run", str(configs.b), "--out", str(out), "--workers", "2"],
            ["run", str(configs.b), "--out", str(out), "--fresh"],
            ["run", str(slow), "--out", str(out)],
        ):
            capsys.readouterr()
            assert main(args) == 2, args
            assert "in use by another Fission process" in one_line_error(capsys)
        assert first.poll() is None, "the first run was still running"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the folder is the first run's alone: its config, its manifest, its parts
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running" and manifest["runs"] == 1000
    assert tomllib.loads((out / "config.toml").read_text())["graph"]["n"] == 20000
    assert stored_runs(out, 1000) == stored_runs(out, 10_000) != set()


def test_a_lock_left_by_a_killed_process_is_taken_over(configs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(out / '.fission.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(
            ConfigError, match=rf"in use by another Fission process \(pid {holder.pid}\)"
        ):
            run_experiment(configs.a, out)
    finally:
        holder.send_signal(signal.SIGKILL)  # the OS drops its lock
        holder.wait()
    assert_is(run_experiment(configs.a, out), configs.ref_a)


def test_a_report_is_not_written_over_results_that_changed(configs, tmp_path):
    out = tmp_path / "out"
    read = run_experiment(configs.a, out)
    run_experiment(configs.b, out, fresh=True)  # another run replaced them meanwhile
    with pytest.raises(ConfigError, match="its results changed"):
        write_report(out, results=read)
    assert not (out / "report.html").exists()


# ------------------------------------------------- 2. only folders Fission wrote


def test_a_folder_fission_did_not_write_is_refused_and_left_untouched(configs, tmp_path, capsys):
    own = tmp_path / "mine"
    (own / "parts").mkdir(parents=True)
    (own / "images").mkdir()
    (own / "config.toml").write_text("my = 'config'\n")
    (own / "report.html").write_text("<p>my report</p>\n")
    (own / "parts" / "notes.txt").write_text("mine\n")
    (own / "images" / "photo.png").write_bytes(b"\x89PNG mine")
    odd = tmp_path / "odd"  # a manifest.json that is not Fission's
    odd.mkdir()
    (odd / "manifest.json").write_text('{"name": "my package"}\n')
    for folder in (own, odd):
        before = snapshot(folder)
        for fresh in ([], ["--fresh"]):
            capsys.readouterr()
            assert main(["run", str(configs.a), "--out", str(folder), *fresh]) == 2
            err = one_line_error(capsys)
            assert f"{folder}: not a Fission results folder" in err
        assert snapshot(folder) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_is(run_experiment(configs.a, empty), configs.ref_a)


def test_fresh_deletes_only_what_fission_wrote(configs, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(configs.a), "--out", str(out)]) == 0
    (out / "notes.txt").write_text("mine\n")
    (out / "images").mkdir()
    (out / "images" / "mine.txt").write_text("mine\n")
    (out / "parts").mkdir()
    (out / "parts" / "mine.txt").write_text("mine\n")
    assert main(["run", str(configs.b), "--out", str(out), "--fresh"]) == 0
    for name in ("notes.txt", "images/mine.txt", "parts/mine.txt"):
        assert (out / name).read_text() == "mine\n", name
    assert_is(Results.load(out), configs.ref_b)


# ------------------------------------ 3. --fresh replaces only complete results


def test_fresh_keeps_the_earlier_results_until_the_new_ones_are_complete(
    configs, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    assert main(["run", str(configs.a), "--out", str(out)]) == 0
    before = snapshot(out)
    real = sim.experiment.execute_run
    calls = []

    def crashing(task):
        calls.append(task)
        if len(calls) == 3:
            raise Killed  # Ctrl-C, a crash, OOM: the new run never completes
        return real(task)

    monkeypatch.setattr(sim.experiment, "execute_run", crashing)
    with pytest.raises(Killed):
        run_experiment(configs.b, out, fresh=True)
    monkeypatch.undo()
    kept = Results.load(out)
    assert_is(kept, configs.ref_a)
    after = snapshot(out)
    assert {k: after[k] for k in before} == before, "the earlier results are untouched"
    assert main(["run", str(configs.b), "--out", str(out), "--fresh"]) == 0
    assert_is(Results.load(out), configs.ref_b)
    assert leftovers(out) == []


def test_a_fresh_run_killed_at_any_rename_leaves_old_new_or_marked_unfinished(
    configs, tmp_path, monkeypatch
):
    real = os.replace
    # renames, with a batch of parts per run (sim.parts.BATCH_RUNS = 1): the staging
    # folder's manifest and config.toml (1, 2), 3 parts per batch (3-14), the tables,
    # config.toml and manifest (15-19), then the move into place (the folder's manifest
    # says "replacing", the files, the manifest)
    monkeypatch.setattr(sim.parts, "BATCH_RUNS", 1)
    for k in range(1, 100):
        out = tmp_path / f"k{k}"
        shutil.copytree(configs.ref_a.path, out)
        count = [0]

        def replace(src, dst, _count=count, _k=k):
            _count[0] += 1
            if _count[0] == _k:
                raise Killed
            real(src, dst)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, "replace", replace)
            with contextlib.suppress(Killed):
                run_experiment(configs.b, out, fresh=True)
        if count[0] < k:
            break  # the run made fewer renames: every one was tried
        try:
            found = Results.load(out)
        except FileNotFoundError:  # marked unfinished
            status = json.loads((out / "manifest.json").read_text())["status"]
            assert status in ("running", "replacing"), k
            rerun = run_experiment(configs.b, out)
        else:
            old = found.manifest["config_hash"] == configs.ref_a.manifest["config_hash"]
            assert_is(found, configs.ref_a if old else configs.ref_b)
            rerun = run_experiment(configs.b, out, fresh=old)
        assert_is(rerun, configs.ref_b)
        assert_is(Results.load(out), configs.ref_b)
        assert leftovers(out) == [], k
    assert k > 20


# -------------------------------------------------------- 4. a name is not a path


def test_a_chinese_experiment_name_is_a_folder_name(tmp_path, monkeypatch):
    # Names may be Chinese (the planners' own): the default folder is results/<name>.
    config = write(tmp_path, SMALL.replace('name = "tiny"', 'name = "裂变活动_双十一"'), "c.toml")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(config)]) == 0
    folder = tmp_path / "results" / "裂变活动_双十一"
    assert Results.load(folder).runs["joined"].notna().all()


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "a/b", "../up", "a b", "活动/上"])
def test_an_experiment_name_is_never_a_path(tmp_path, monkeypatch, capsys, name):
    with pytest.raises(ConfigError, match=r"experiment\.name"):
        parse_study({"experiment": {"name": name}})
    config = write(tmp_path, SMALL.replace('name = "tiny"', f'name = "{name}"'), "c.toml")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(config)]) == 2
    assert "experiment.name" in one_line_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]
    study = SimpleNamespace(base=SimpleNamespace(experiment=SimpleNamespace(name=name)))
    with pytest.raises(ConfigError, match=r"experiment\.name"):
        default_out_dir(study)


# ----------------------------------------------------- 5. kills and power cuts


KILL_AT = """
import os, sys
import sim.parts
from sim.cli import main

real, count, at = os.replace, [0], int(sys.argv[1])
sim.parts.BATCH_RUNS = int(sys.argv.pop(2))  # runs per batch of parts

def replace(src, dst):
    count[0] += 1
    if count[0] == at:
        os._exit(9)  # like kill -9: no clean-up runs
    real(src, dst)

os.replace = replace
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize(
    ("rename", "batch_runs"),
    [(2, 256), (4, 256), (7, 256), (9, 1)],
    ids=["after-the-manifest", "between-parts", "while-merging", "between-batches"],
)
def test_a_run_killed_at_a_rename_reruns_to_the_whole_folder(configs, tmp_path, rename, batch_runs):
    # renames of SMALL's run: the manifest (1), config.toml (2), 3 parts per batch (one
    # batch of the 4 runs: 3-5; a batch per run: 3-14), then the tables, config.toml and
    # the manifest
    out = tmp_path / "out"
    command = ["run", str(configs.a), "--out", str(out)]
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT, str(rename), str(batch_runs), *command],
        cwd=ROOT,
        capture_output=True,
    )
    assert killed.returncode == 9, killed.stderr.decode()[-2000:]
    assert leftovers(out), "the kill left a temporary file"
    assert_is(run_experiment(configs.a, out), configs.ref_a)
    assert leftovers(out) == []
    assert not (out / "parts").exists()


def test_damaged_parts_are_found_and_run_again(configs, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"

    def killed(self, backend):
        raise Killed

    monkeypatch.setattr(sim.experiment.ResultStore, "finish", killed)
    monkeypatch.setattr(sim.parts, "BATCH_RUNS", 1)  # batch i holds run i (in-process)
    with pytest.raises(Killed):
        run_experiment(configs.a, out)
    monkeypatch.undo()
    parts = out / "parts"
    assert stored_runs(out) == {0, 1, 2, 3}
    # a power cut's empty part, a part cut short, another batch's part in the wrong file
    (parts / "runs" / "00000000.arrow").write_bytes(b"")
    daily = (parts / "daily" / "00000001.arrow").read_bytes()
    (parts / "daily" / "00000001.arrow").write_bytes(daily[: len(daily) // 2])
    shutil.copy(parts / "runs" / "00000003.arrow", parts / "runs" / "00000002.arrow")
    # the folder says it is unfinished: nothing reads it as results
    assert main(["report", str(out)]) == 2
    assert "not a finished Fission results folder" in one_line_error(capsys)
    progress: list[tuple[int, int]] = []
    resumed = run_experiment(configs.a, out, on_progress=lambda d, t: progress.append((d, t)))
    assert progress[0] == (1, 4), "runs 0, 1 and 2 are made again, run 3 is kept"
    assert_is(resumed, configs.ref_a)


EACH = [{0}, {1}, {2}, {3}]


@pytest.mark.parametrize(
    ("seconds", "runs", "rows", "batches"),
    [
        (60.0, 256, 10**6, [{0, 1, 2, 3}]),
        (60.0, 3, 10**6, [{0, 1, 2}, {3}]),
        (0.0, 256, 10**6, EACH),
        (60.0, 256, 1, EACH),
    ],
    ids=["all-at-the-end", "every-3-runs", "every-run-when-due", "rows-over-the-limit"],
)
def test_finished_runs_are_written_in_batches(
    configs, tmp_path, monkeypatch, seconds, runs, rows, batches
):
    # A batch is written once BATCH_SECONDS have passed since the last one, or once it
    # holds BATCH_RUNS runs or BATCH_ROWS rows, and at the end; one file per table per
    # batch, not per run.
    monkeypatch.setattr(sim.parts, "BATCH_SECONDS", seconds)
    monkeypatch.setattr(sim.parts, "BATCH_RUNS", runs)
    monkeypatch.setattr(sim.parts, "BATCH_ROWS", rows)
    monkeypatch.setattr(sim.experiment.ResultStore, "finish", lambda self, backend: None)
    out = tmp_path / "out"
    run_experiment(configs.a, out)
    found = whole_batches(out / "parts", range(4))
    assert [set(found[number]) for number in sorted(found)] == batches
    for kind in ("runs", "daily", "generations"):
        assert len(list((out / "parts" / kind).glob("*.arrow"))) == len(batches), kind
    monkeypatch.undo()
    assert_is(run_experiment(configs.a, out), configs.ref_a)


@pytest.mark.parametrize(
    ("daily_ids", "members_ids", "whole"),
    [
        ([5, 5, 7, 7, 7], [7, 5, 7, 5], True),  # rows of both runs, in any order
        ([5, 5, 7, 5], None, True),  # no members file: an optional table
        ([5, 5, 5], None, False),  # run 7's days are missing
        ([5, 7, 8], None, False),  # a run the batch does not list
        ([5, 7], [7, 7, 9], False),  # an optional table may hold fewer runs, not others
        ([5, 7], [], True),  # an empty optional table holds none of them
    ],
)
def test_a_batch_is_whole_when_its_tables_hold_exactly_its_runs(
    tmp_path, daily_ids, members_ids, whole
):
    parts = tmp_path / "parts"
    name = sim.parts.batch_name(0)
    tables = {"runs": [5, 7], "daily": daily_ids, "generations": [7, 5], "members": members_ids}
    for kind, ids in tables.items():
        if ids is not None:
            (parts / kind).mkdir(parents=True)
            frame = pd.DataFrame({"run_id": pd.Series(ids, dtype="int64")})
            sim.parts.write_arrow(frame, parts / kind / name)
    assert whole_batches(parts, range(10)) == ({0: frozenset({5, 7})} if whole else {})


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError], ids=["ctrl-c", "an-error"])
def test_a_stopped_run_writes_its_finished_runs_first(configs, tmp_path, monkeypatch, stop):
    # No batch is due (60 s) when the third run is stopped: the two finished runs are
    # written on the way out, and the next run of the command makes only the other two.
    monkeypatch.setattr(sim.parts, "BATCH_SECONDS", 60.0)
    real = sim.experiment.execute_run
    calls = []

    def stopping(task):
        calls.append(task)
        if len(calls) == 3:
            raise stop
        return real(task)

    monkeypatch.setattr(sim.experiment, "execute_run", stopping)
    out = tmp_path / "out"
    with pytest.raises(stop):
        run_experiment(configs.a, out)
    monkeypatch.undo()
    assert stored_runs(out) == {0, 1}
    progress: list[tuple[int, int]] = []
    resumed = run_experiment(configs.a, out, on_progress=lambda d, t: progress.append((d, t)))
    assert progress[0] == (2, 4)
    assert_is(resumed, configs.ref_a)


def test_sigterm_stops_fission_run_like_ctrl_c_and_keeps_every_finished_run(configs, tmp_path):
    # kill (SIGTERM) while runs are waiting for their batch: they are written, and the
    # message says how many runs are saved, which is exactly what the folder holds.
    many = write(tmp_path, SLOW, "many.toml")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "run", str(many), "--out", str(out)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not stored_runs(out, 1000):
            time.sleep(0.02)
        time.sleep(0.5)  # into the next batch: runs finished and not yet written
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143, err.decode()[-2000:]
    saved = stored_runs(out, 1000)
    message = err.decode().strip().splitlines()[-1]
    assert message.startswith(f"fission: stopped. {len(saved)} of 1000 runs are saved"), message
    assert 0 < len(saved) < 1000
    assert saved == set(range(len(saved))), "in-process runs finish in order"


def test_every_file_is_flushed_to_disk_before_and_after_its_rename(configs, tmp_path, monkeypatch):
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", f"{os.path.realpath(src)}\0{os.path.realpath(dst)}"))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    out = tmp_path / "out"
    assert main(["run", str(configs.a), "--out", str(out)]) == 0
    monkeypatch.undo()
    written = set()
    for i, (kind, what) in enumerate(events):
        if kind != "replace":
            continue
        src, dst = what.split("\0")
        synced = {p for k, p in events[:i] if k == "fsync"}
        assert src in synced, f"{dst}: renamed before its content was on disk"
        after = {p for k, p in events[i + 1 :] if k == "fsync"}
        assert os.path.dirname(dst) in after, f"{dst}: its folder was not flushed"
        written.add(dst)
    files = {os.path.realpath(p) for p in out.rglob("*") if p.is_file()}
    files.discard(os.path.realpath(out / ".fission.lock"))
    assert files <= written, "every file was written to a temporary name, then renamed"


# ------------------------------------------------------------------- 6. the umask


def test_files_get_the_permissions_the_umask_allows(configs, tmp_path):
    out = tmp_path / "out"
    previous = os.umask(0o027)
    try:
        assert main(["run", str(configs.a), "--out", str(out)]) == 0
        (out / "report.html").unlink()
        assert main(["report", str(out)]) == 0
    finally:
        os.umask(previous)
    modes = {str(p.relative_to(out)): p.stat().st_mode & 0o777 for p in out.rglob("*")}
    assert modes and all(
        mode == (0o750 if (out / name).is_dir() else 0o640) for name, mode in modes.items()
    ), modes
    assert out.stat().st_mode & 0o777 == 0o750


# ------------------------------------------------------------ what a run hands back


def test_the_tables_a_run_returns_are_the_tables_it_wrote(tmp_path):
    """The returned ``Results`` are built from the merged parts, not read back: they must
    equal ``Results.load`` of the folder exactly (values, dtypes, row order), for every
    table a study can write: members, weeks of a value horizon, living groups, and the
    Sobol indices of a sobol sweep."""
    import tomllib

    data = tomllib.loads((ROOT / "experiments" / "groups.toml").read_text(encoding="utf-8"))
    data["experiment"].update(replicates=2, days=10, write_members=True)
    data["graph"]["n"] = 1500
    data["value"]["horizon_days"] = 30
    data["sweep"] = {
        "method": "sobol",
        "samples": 4,
        "params": {"lure.value": {"low": 2.0, "high": 8.0}},
    }
    data.pop("scenarios", None)
    returned = run_experiment(data, tmp_path / "out")
    saved = Results.load(tmp_path / "out")
    tables = ("runs", "daily", "generations", "members", "weeks", "groups", "sensitivity")
    for name in tables:
        mine, theirs = getattr(returned, name), getattr(saved, name)
        assert theirs is not None and len(theirs) > 0, name
        pd.testing.assert_frame_equal(mine, theirs, obj=name)
    assert returned.config == saved.config
    assert returned.manifest == saved.manifest
    assert returned.path == saved.path


def test_the_merge_takes_this_process_batches_from_memory_exactly_as_the_files_hold_them(
    tmp_path, monkeypatch
):
    """The batches a process wrote are merged from memory (``Batcher.written``), not read
    back; merged from the files instead, every table is the same, to the bit and type."""
    import tomllib

    import sim.store

    data = tomllib.loads((ROOT / "experiments" / "groups.toml").read_text(encoding="utf-8"))
    data["experiment"].update(replicates=3, days=10, write_members=True)
    data["graph"]["n"] = 1500
    data["value"]["horizon_days"] = 30
    data.pop("scenarios", None)
    monkeypatch.setattr(sim.parts, "BATCH_RUNS", 2)  # two batches: one of 2 runs, one of 1
    reads, read = [], sim.store.read_arrow
    monkeypatch.setattr(sim.store, "read_arrow", lambda path: reads.append(path) or read(path))
    from_memory = run_experiment(data, tmp_path / "memory")
    assert reads == []
    finish = sim.store.ResultStore.finish

    def forgetting(store, backend):  # every batch written, then only on disk
        store.flush()
        store._batcher.written.clear()
        return finish(store, backend)

    monkeypatch.setattr(sim.store.ResultStore, "finish", forgetting)
    from_files = run_experiment(data, tmp_path / "files")
    assert len(reads) == 2 * 6  # two batches of every table (members, weeks, groups too)
    for name in ("runs", "daily", "generations", "members", "weeks", "groups"):
        mine, theirs = getattr(from_memory, name), getattr(from_files, name)
        assert len(theirs) > 0, name
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True, obj=name)


def test_parts_out_of_order_are_merged_in_order():
    """Runs come back from workers in any order: the merge puts them in order (moving
    each run's rows as a block, or sorting when a run's rows are not together or not in
    order), and leaves what is in order: the same rows either way as a stable sort."""
    from sim.store import _merged

    def part(runs: list[int], days: int = 3, backwards: bool = False) -> pd.DataFrame:
        span = {r: range(days + r % 2) for r in runs}  # runs of two lengths
        if backwards:
            span = {r: reversed(span[r]) for r in runs}
        rows = [(r, d) for r in runs for d in span[r]]
        return pd.DataFrame(
            {
                "run_id": [r for r, _ in rows],
                "day": [d for _, d in rows],
                "x": [10 * r + d for r, d in rows],
            }
        )

    order = ["run_id", "day"]
    cases = (
        [part([0, 1]), part([2])],  # in order
        [part([2]), part([0, 1])],  # blocks out of order
        [part([1, 0])],
        [part([3, 1]), part([2, 0])],
        [part([1]), part([0]), part([1])],  # run 1 in two places: sorted
        [part([1, 0], backwards=True)],  # a run's days backwards: sorted
    )
    for frames in cases:
        merged = _merged(frames, order)
        expected = pd.concat(frames, ignore_index=True).sort_values(order, kind="stable")
        pd.testing.assert_frame_equal(merged, expected.reset_index(drop=True))
        runs = sorted({r for f in frames for r in f["run_id"]})
        days = [d for r in runs for d in range(3 + r % 2)]
        if len(frames) < 3:  # every run once
            assert merged["x"].tolist() == [10 * r + d for r in runs for d in range(3 + r % 2)]
            assert merged["day"].tolist() == days
    assert _merged([], order) is None


def test_parquet_columns_are_written_in_the_encoding_that_suits_them(tmp_path):
    """``write_parquet`` delta-encodes integer columns (faster to write and read than a
    dictionary, and smaller), keeps dictionary encoding for other columns of few values
    and gives it up early (at ``DICTIONARY_BYTES`` of dictionary) for columns of mostly
    distinct values; the values read back are the frame's, types included."""
    import numpy as np
    import pyarrow.parquet as pq

    from sim.files import DICTIONARY_BYTES, write_parquet

    rows = 200_000
    rng = np.random.default_rng(3)
    inviter = pd.array(rng.integers(0, 10**6, rows), dtype="Int64")
    inviter[rng.random(rows) < 0.1] = pd.NA  # the starters: nobody invited them
    frame = pd.DataFrame(
        {
            "run_id": np.repeat(np.arange(4, dtype=np.int64), rows // 4),
            "node": rng.permutation(rows).astype(np.int64),  # every value distinct
            "day_joined": rng.integers(0, 30, rows).astype(np.int32),
            "inviter": inviter,
            "margin": rng.random(rows),
            "reward": rng.integers(0, 3, rows) * 10.0,
            "segment": pd.Categorical.from_codes(rng.integers(0, 3, rows), ["a", "b", "c"]),
            "alive": rng.random(rows) < 0.5,
        }
    )
    write_parquet(frame, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), frame)
    meta = pq.ParquetFile(tmp_path / "t.parquet").metadata.row_group(0)
    columns = {meta.column(i).path_in_schema: meta.column(i) for i in range(meta.num_columns)}

    def dictionary_bytes(name: str) -> int:  # the dictionary page precedes the data pages
        column = columns[name]
        return column.data_page_offset - column.dictionary_page_offset

    for name in ("run_id", "node", "day_joined", "inviter"):
        encodings = set(columns[name].encodings) - {"RLE"}  # RLE: its null markers
        assert encodings == {"DELTA_BINARY_PACKED"}, name
        assert not columns[name].has_dictionary_page, name
    # Runs of equal ids pack into a few bits a row: 200,000 ids (1.6 MB as int64) in
    # about 1 KiB (1,069 bytes: page headers and statistics included).
    assert columns["run_id"].total_compressed_size < 2048
    # Few values: the whole column dictionary-encoded (a page of a few bytes, no plain).
    assert dictionary_bytes("reward") < 100 and dictionary_bytes("segment") < 100
    assert columns["segment"].total_uncompressed_size < rows // 2  # 2 bits a row, not text
    # Distinct values: at most 64 KiB of dictionary (Arrow's default let it grow to
    # 1 MiB: 1,050,188 bytes here), then plain (8 bytes a value at least).
    assert DICTIONARY_BYTES == 64 * 1024
    assert 8 * 1024 < dictionary_bytes("margin") <= DICTIONARY_BYTES + 1024
    assert columns["margin"].total_uncompressed_size > 8 * rows
