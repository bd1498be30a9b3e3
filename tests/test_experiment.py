"""Running studies: identical tables on every backend, crash safety and resume, the
comparison table, Sobol indices, and refusals that leave results untouched."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
import sim.parts
from sim.cli import main
from sim.compare import compare, format_comparison
from sim.experiment import Results, engine_fingerprint, run_experiment
from sim.parts import whole_batches
from tests.conftest import ROOT

STUDY = """
[experiment]
name = "study"
days = 12
replicates = 6
seed = 3

[graph]
kind = "barabasi_albert"
n = 600
m = 3

[seeds]
count = 12

[behaviour]
accept_probability = 0.15

[reward]
rule = "referrer"
amount = 4.0
budget = 400.0

[[scenarios]]
name = "cash"
set = { "lure.kind" = "cash", "lure.value" = 6.0 }

[[scenarios]]
name = "coupon"
set = { "lure.kind" = "coupon", "lure.value" = 10.0 }

[sweep]
method = "grid"
params = { "seeds.count" = [6, 12] }
"""


def write(tmp_path: Path, text: str = STUDY, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_same_tables(a: Results, b: Results) -> None:
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.daily, b.daily)


def stored_runs(folder: Path) -> set[int]:
    """The runs whose batch of parts is whole in the results folder ``folder``."""
    return set().union(*whole_batches(folder / "parts", range(1000)).values())


@pytest.fixture(scope="module")
def in_process(tmp_path_factory) -> Results:
    folder = tmp_path_factory.mktemp("inproc")
    return run_experiment(write(folder), folder / "out", workers=1)


def test_runs_table_has_one_row_per_run_with_sweep_columns(in_process):
    runs = in_process.runs
    assert len(runs) == 2 * 2 * 6 and list(runs["run_id"]) == list(range(24))
    assert list(runs.columns[:6]) == [
        "run_id",
        "scenario",
        "point",
        "seeds.count",
        "replicate",
        "seed",
    ]
    assert sorted(runs["seeds.count"].unique()) == [6, 12]
    assert len(in_process.daily) == 24 * 12
    assert (in_process.daily.groupby("run_id")["new_joins"].sum() == runs["joined"]).all()
    manifest = in_process.manifest
    assert manifest["status"] == "complete" and manifest["runs"] == 24
    assert manifest["scenarios"] == ["cash", "coupon"] and manifest["sweep_points"] == 2
    assert not (in_process.path / "parts").exists()


def test_scenarios_share_random_numbers_replicate_by_replicate(in_process):
    runs = in_process.runs
    seeds = runs.pivot_table(index=["point", "replicate"], columns="scenario", values="seed")
    assert (seeds["cash"] == seeds["coupon"]).all()


def test_local_dask_cluster_gives_identical_tables(tmp_path, in_process):
    result = run_experiment(write(tmp_path), tmp_path / "out", workers=2)
    assert result.manifest["backend"] == "local dask x2"
    assert_same_tables(result, in_process)


def test_local_workers_keep_glibcs_reuse_of_freed_memory():
    """Our local Dask workers start without MALLOC_TRIM_THRESHOLD_ (Dask sets it), which
    made every run fault its arrays in anew (at 200,000 people 32,000 page faults and
    0.12 s of system time a run, against 1,300 and 0.01 s without it: benchmarks/README.md,
    bench_dask_workers.py), and without the stack sampler of Dask's profile. The parent's
    own setting and Dask's config stay as they were."""
    import dask
    import dask.distributed  # loads distributed's part of Dask's config

    from sim.executors import GLIBC_TRIM, WORKER_PROFILE, OnDask

    before = dask.config.get(GLIBC_TRIM)
    profiled = dask.config.get(WORKER_PROFILE)
    # as a Dask cluster started earlier in this process leaves it (its nanny sets it here)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
        executor = OnDask(workers=2)
        try:
            seen = executor.client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
            sampling = executor.client.run(lambda: dask.config.get(WORKER_PROFILE))
            assert "MALLOC_TRIM_THRESHOLD_" not in os.environ
        finally:
            executor.close()
        assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "65536"  # put back
    assert list(seen.values()) == [None, None]
    assert list(sampling.values()) == [False, False]
    assert dask.config.get(GLIBC_TRIM) == before == 65536
    assert dask.config.get(WORKER_PROFILE) is profiled is True


def test_local_workers_are_handed_the_graph_the_preflight_built(caplog):
    """A local cluster's workers get the parent's graph with its groups (the preflight
    built it: at a million people 1.7 s each worker would spend again), without the
    per-person states replicates leave with it; build_graph on a worker then returns it."""
    from sim.config import parse_config
    from sim.executors import OnDask
    from sim.graphs import build_graph, built_graphs, generators, keep_graphs
    from sim.runs import campaign_model

    config = parse_config({"graph": {"kind": "barabasi_albert", "n": 500, "m": 3}})
    model = campaign_model(config, 5, all_agents=False)
    model.close()
    graph = model.graph
    assert graph.community.spare_states  # left for the next replicate in this process
    (key, handed), *others = built_graphs([graph])
    assert others == [] and handed.community.spare_states == []
    assert handed.indices is graph.indices and handed.community.groups == graph.community.groups

    def kept_on_worker(config=config, key=key):
        cached = generators._GRAPH_CACHE.get(key)
        built = build_graph(config, 5)  # taken from what was kept, not generated
        return cached is built, int(built.indices.sum()), len(built.community.groups)

    executor = OnDask(workers=2)
    try:
        before = executor.client.run(kept_on_worker)
        executor.prepare(keep_graphs, built_graphs([graph]))
        after = executor.client.run(kept_on_worker)
        with caplog.at_level(logging.WARNING, logger="sim.executors"):
            executor.prepare(lambda: 1 / 0)  # a failed hand-over is not the study's
    finally:
        executor.close()
    assert "could not hand the workers" in caplog.text
    edges = int(graph.indices.sum())
    groups = len(graph.community.groups)
    assert groups == 1  # the default config's chat groups, made with the model
    # before: each worker built its own graph (no groups yet: a model makes them) ...
    assert list(before.values()) == [(False, edges, 0)] * 2
    # ... after: the parent's, groups and all, replacing it
    assert list(after.values()) == [(True, edges, groups)] * 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_separate_scheduler_and_worker_processes_give_identical_tables(tmp_path, in_process):
    # A real cluster: `dask scheduler` and `dask worker` as their own processes on the
    # loopback address, started here and stopped by PID.
    dask = str(Path(sys.executable).with_name("dask"))
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    worker = subprocess.Popen(
        [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    try:
        from dask.distributed import Client

        with Client(address, timeout="20s") as client:
            client.wait_for_workers(2, timeout=60)
        result = run_experiment(write(tmp_path), tmp_path / "out", address=address)
        assert result.manifest["backend"] == f"dask:{address}"
        assert_same_tables(result, in_process)
    finally:
        for process in (worker, scheduler):
            process.send_signal(signal.SIGTERM)
        for process in (worker, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


SLOW_STUDY = STUDY.replace("n = 600", "n = 20000").replace("replicates = 6", "replicates = 10")


# `fission run` writing a batch of parts every 0.1 s (sim.parts.BATCH_SECONDS; 1 s as
# shipped), so that a kill lands between batches within this short sweep
RUN_IN_BATCHES = (
    "import sys, sim.parts\n"
    "sim.parts.BATCH_SECONDS = 0.1\n"
    "from sim.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def test_killed_sweep_resumes_to_the_uninterrupted_tables(tmp_path):
    config = write(tmp_path, SLOW_STUDY)
    out = tmp_path / "killed"
    command = [sys.executable, "-c", RUN_IN_BATCHES, "run", str(config), "--out", str(out)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(stored_runs(out)) < 8:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)  # no clean-up: the batch being gathered is lost
    process.wait()
    finished = len(stored_runs(out))
    assert 8 <= finished < 40, "the kill must land mid-sweep"
    assert not (out / "runs.parquet").exists()

    progress: list[tuple[int, int]] = []
    resumed = run_experiment(config, out, on_progress=lambda d, t: progress.append((d, t)))
    assert progress[0] == (finished, 40), "finished runs are skipped"
    whole = run_experiment(config, tmp_path / "whole")
    assert_same_tables(resumed, whole)


def test_finished_folder_reruns_nothing_and_changed_config_is_refused(tmp_path, capsys):
    config = write(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    progress: list[tuple[int, int]] = []
    run_experiment(config, out, on_progress=lambda d, t: progress.append((d, t)))
    assert progress == [(24, 24)]
    changed = write(tmp_path, STUDY.replace("amount = 4.0", "amount = 5.0"), "changed.toml")
    capsys.readouterr()
    assert main(["run", str(changed), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds results of a different config" in err and "--fresh" in err
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != "manifest.json"}
    assert after == {k: v for k, v in before.items() if k != "manifest.json"}
    assert main(["run", str(changed), "--out", str(out), "--fresh"]) == 0
    assert Results.load(out).runs["reward_cost"].sum() != 0


def test_results_of_another_engine_are_not_resumed(tmp_path, capsys):
    # A folder written by other engine code (here: its recorded fingerprint differs) is
    # refused like a changed config, untouched, and recomputed with --fresh.
    config = write(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == engine_fingerprint()
    manifest["engine"] = "0123456789abcdef"
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    capsys.readouterr()
    assert main(["run", str(config), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "another version of the engine" in err and "--fresh" in err
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert main(["run", str(config), "--out", str(out), "--fresh"]) == 0
    assert json.loads((out / "manifest.json").read_text())["engine"] == engine_fingerprint()


def test_the_engine_fingerprint_hashes_the_code_that_decides_numbers():
    from sim.store import _engine_files

    folder = ROOT / "sim"
    files = {p.relative_to(folder).as_posix() for p in _engine_files(folder)}
    assert all((folder / name).is_file() for name in files)
    assert {"runs.py", "model.py", "state.py", "kernels/delivery.py", "streams.py"} <= files
    # a package counts with all its files: seeds chosen by sim.influence decide numbers
    assert {f"influence/{p.name}" for p in (folder / "influence").glob("*.py")} <= files
    assert not {"results.py", "report.py", "charts.py", "cli.py", "compare.py"} & files


def test_a_dask_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path, monkeypatch):
    from dask.distributed import Client, LocalCluster

    monkeypatch.setattr(sim.parts, "BATCH_SECONDS", 0.1)  # parts show progress soon
    config = write(tmp_path, SLOW_STUDY)
    whole = run_experiment(config, tmp_path / "whole")
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        out = tmp_path / "out"
        outcome: dict[str, Results] = {}
        runner = threading.Thread(
            target=lambda: outcome.update(
                r=run_experiment(config, out, address=cluster.scheduler_address)
            )
        )
        runner.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(stored_runs(out)) < 6:
            time.sleep(0.05)
        with Client(cluster.scheduler_address) as client:
            pids = client.run(os.getpid)
        os.kill(next(iter(pids.values())), signal.SIGKILL)  # the nanny starts a new worker
        runner.join(timeout=300)
    assert "r" in outcome, "the sweep finished after losing a worker"
    assert_same_tables(outcome["r"], whole)


def test_a_results_folder_holds_exactly_the_tables_made_in_memory(tmp_path, monkeypatch):
    # Parts go through Arrow IPC files in batches that mix scenarios (batches of 5 runs
    # here, over 2 scenarios × 2 sweep points × 6 replicates) and are merged into parquet:
    # every table, values and column types, equals the one kept in memory.
    monkeypatch.setattr(sim.parts, "BATCH_RUNS", 5)
    study = STUDY.replace("seed = 3", "seed = 3\nwrite_members = true")
    config = write(tmp_path, study + '\n[value]\nmodel = "bg_nbd"\nhorizon_days = 30\n')
    in_memory = run_experiment(config)
    on_disk = run_experiment(config, tmp_path / "out")
    for table in ("runs", "daily", "generations", "members", "weeks"):
        memory, disk = getattr(in_memory, table), getattr(on_disk, table)
        assert memory is not None and len(memory) > 0, table
        pd.testing.assert_frame_equal(disk, memory, check_exact=True, obj=table)
    assert list(on_disk.members["role"].cat.categories) == ["member", "seed", "kol"]


def test_python_api_runs_in_memory_and_compares():
    results = sim.run_experiment(
        {
            "experiment": {"days": 8, "replicates": 3},
            "graph": {"kind": "erdos_renyi", "n": 400, "mean_degree": 4.0},
            "scenarios": [
                {"name": "a"},
                {"name": "b", "set": {"lure.kind": "cash", "lure.value": 5.0}},
            ],
        }
    )
    assert len(results.runs) == 6 and results.path is None
    table = results.compare()
    assert set(table["scenario"]) == {"a", "b"}


def make_runs(values_a, values_b, outcome="joined") -> pd.DataFrame:
    rows = []
    for scenario, values in (("a", values_a), ("b", values_b)):
        for r, v in enumerate(values):
            rows.append({"scenario": scenario, "point": 0, "replicate": r, outcome: float(v)})
    return pd.DataFrame(rows)


def test_comparison_interval_and_indistinct_marker_on_built_cases():
    rng = np.random.default_rng(0)
    base = rng.normal(100, 20, size=30)  # common random numbers: a big shared noise
    # b is a plus tiny independent noise: not distinguishable from a
    same = compare(make_runs(base, base + rng.normal(0, 0.5, size=30)), {"joined": True})
    worse = same[~same["best"]].iloc[0]
    assert worse["indistinct"]
    assert worse["diff_low"] < 0 < worse["diff_high"]
    # b is a minus 2 every time: distinguishable despite the shared noise of sd 20,
    # because differences are paired
    differ = compare(make_runs(base, base - 2.0), {"joined": True})
    row_b = differ.set_index("scenario").loc["b"]
    assert not row_b["indistinct"] and row_b["diff"] == pytest.approx(-2.0)
    assert differ.set_index("scenario").loc["a", "best"]
    # the 90% interval is the 5th-95th percentile of runs
    row_a = differ.set_index("scenario").loc["a"]
    assert row_a["p5"] == pytest.approx(np.quantile(base, 0.05))
    assert row_a["p95"] == pytest.approx(np.quantile(base, 0.95))
    # lower is better for cost: the cheaper scenario is best
    cost = compare(make_runs([5, 6, 7], [9, 9, 10], "total_cost"), {"total_cost": False})
    assert cost.set_index("scenario").loc["a", "best"]


def test_comparison_ranks_no_cost_and_no_undefined_ratio():
    # total cost alone is not a decision: shown, never best (the default outcomes)
    cost = compare(make_runs([5, 6, 7], [9, 9, 10], "total_cost"))
    assert not cost["best"].any()
    assert cost.set_index("scenario").loc["a", "mean"] == 6.0
    # a scenario whose cost per paying member is undefined in every run (nobody paid,
    # or nothing was spent) has no mean, and the best is among the others
    nan = float("nan")
    ratio = compare(make_runs([nan, nan, nan], [30.0, 40.0, 50.0], "cost_per_paying"))
    by_scenario = ratio.set_index("scenario")
    assert np.isnan(by_scenario.loc["a", "mean"]) and by_scenario.loc["a", "runs"] == 0
    assert by_scenario.loc["b", "best"] and not by_scenario.loc["a", "best"]
    line_a = next(x for x in format_comparison(ratio).splitlines() if x.strip()[:1] == "a")
    assert line_a.split()[-1] == "–"  # undefined: "–" alone, no interval


def test_simulated_scenarios_identical_or_different_are_marked_right():
    results = sim.run_experiment(
        {
            "experiment": {"days": 15, "replicates": 12},
            "graph": {"kind": "barabasi_albert", "n": 2000, "m": 3},
            "seeds": {"count": 20},
            "behaviour": {"accept_probability": 0.1},
            "scenarios": [
                {"name": "plain"},
                {"name": "plain again", "set": {"lure.kind": "none"}},  # the default
                {"name": "red packet 30", "set": {"lure.kind": "cash", "lure.value": 30.0}},
            ],
        }
    )
    table = results.compare().set_index(["outcome", "scenario"])
    joined = table.loc["joined"]
    assert joined.loc["red packet 30", "best"]
    assert not joined.loc["plain", "indistinct"] and not joined.loc["plain again", "indistinct"]
    # the identical pair: exactly equal runs (common random numbers)
    runs = results.runs.set_index(["scenario", "replicate"])
    assert (runs.loc["plain", "joined"] == runs.loc["plain again", "joined"]).all()
    junk = table.loc["junk_share"]
    best = junk[junk["best"]].index[0]
    assert best in ("plain", "plain again")
    other = "plain again" if best == "plain" else "plain"
    assert junk.loc[other, "indistinct"] and junk.loc[other, "diff"] == 0


def test_sobol_sweep_saves_indices_that_rank_parameters(tmp_path):
    text = """
[experiment]
name = "sobol"
days = 10
replicates = 1
seed = 5
[graph]
kind = "erdos_renyi"
n = 500
mean_degree = 4.0
[seeds]
count = 10
[sweep]
method = "sobol"
samples = 32
[sweep.params]
"behaviour.accept_probability" = { low = 0.02, high = 0.3 }
"reward.budget" = { low = 1.0, high = 50.0 }
"""
    results = run_experiment(write(tmp_path, text), tmp_path / "out")
    assert len(results.runs) == 32 * 4
    indices = results.sensitivity.set_index(["outcome", "parameter"])
    assert (tmp_path / "out" / "sensitivity.parquet").is_file()
    # acceptance drives joins; a budget does nothing without a lure or a reward to pay
    assert indices.loc[("joined", "behaviour.accept_probability"), "ST"] > 0.8
    assert indices.loc[("joined", "reward.budget"), "ST"] == pytest.approx(0.0, abs=1e-9)


def test_unreachable_dask_address_fails_within_ten_seconds(tmp_path, capsys):
    start = time.monotonic()
    port = free_port()  # nothing listens there
    code = main(
        [
            "run",
            str(write(tmp_path)),
            "--out",
            str(tmp_path / "o"),
            "--address",
            f"tcp://127.0.0.1:{port}",
        ]
    )
    assert code == 2 and time.monotonic() - start < 15
    assert "no Dask scheduler answered within 10 s" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


POSTERIOR_STUDY = {
    "experiment": {"days": 10, "replicates": 40, "seed": 8},
    "graph": {"kind": "barabasi_albert", "n": 1500, "m": 3},
    "seeds": {"count": 20},
    "behaviour": {"accept_probability": 0.15},
    "scenarios": [
        {"name": "none"},
        {"name": "cash", "set": {"lure.kind": "cash", "lure.value": 8.0}},
    ],
}


def test_posterior_draws_are_shared_by_scenarios_and_widen_the_forecast():
    from sim.study import posterior_from_frame

    samples = pd.DataFrame(
        {"behaviour.accept_probability": [0.05, 0.15, 0.45], "weight": [1.0, 2.0, 1.0]}
    )
    posterior = posterior_from_frame(samples, "test")
    drawn = sim.run_experiment(POSTERIOR_STUDY, posterior=posterior)
    runs = drawn.runs
    assert {"posterior_draw", "behaviour.accept_probability"} <= set(runs.columns)
    by = runs.pivot_table(index="replicate", columns="scenario", values="posterior_draw")
    assert (by["none"] == by["cash"]).all(), "scenarios share each replicate's draw"
    # draws follow the weights 1:2:1 (80 runs: the middle sample's share 0.5, sd 0.08)
    share_middle = (runs["posterior_draw"] == 1).mean()
    assert share_middle == pytest.approx(0.5, abs=0.2)
    values = runs["behaviour.accept_probability"].to_numpy()
    assert set(np.round(values, 6)) <= {0.05, 0.15, 0.45}
    # a point posterior at the base value gives exactly the plain forecast
    point = posterior_from_frame(
        pd.DataFrame({"behaviour.accept_probability": [0.15], "weight": [1.0]}), "point"
    )
    plain = sim.run_experiment(POSTERIOR_STUDY)
    at_point = sim.run_experiment(POSTERIOR_STUDY, posterior=point)
    assert (at_point.runs["joined"].to_numpy() == plain.runs["joined"].to_numpy()).all()
    # within each scenario, the uncertain forecast's 90% band of joins is wider than the
    # point forecast's (measured: 3x and 5x; acceptance spans 0.05-0.45 against 0.15)
    for scenario in ("none", "cash"):

        def spread(r, s=scenario):
            joined = r.loc[r["scenario"] == s, "joined"]
            return np.subtract(*np.quantile(joined, [0.95, 0.05]))

        assert spread(drawn.runs) > 2 * spread(plain.runs)


def test_posterior_naming_an_unknown_key_is_refused():
    from sim.config import ConfigError
    from sim.study import posterior_from_frame

    bad = posterior_from_frame(pd.DataFrame({"behaviour.acept": [0.1], "weight": [1.0]}), "p")
    with pytest.raises(ConfigError, match=r"posterior p: behaviour\.acept = 0\.1: .*unknown key"):
        sim.run_experiment(POSTERIOR_STUDY, posterior=bad)
