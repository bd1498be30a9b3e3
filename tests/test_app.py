"""The live app without a browser: controls come from sim.config's declarations, the
form turns into the same study ``fission run`` would run, Run/Poll/Pin/Save behave, and
the job board runs simulations in worker processes with the engine's numbers."""

from __future__ import annotations

import time
import tomllib
import typing
from pathlib import Path

import pytest

from sim.app import actions, folders, params, ui
from sim.app.jobs import JobBoard
from sim.app.store import frame_from_store, frame_to_store
from sim.cli import EXIT_BAD_INPUT, main
from sim.config import FAMILIES, ConfigError, SeedsConfig
from sim.experiment import run_experiment
from sim.graphs import read_edgelist
from sim.lures import LURES
from sim.study import load_study
from tests.conftest import GRAPHS

# A small campaign for the tests that simulate: 1,500 people, 3 replicates, 15 days.
SMALL = {
    "graph.n": "1500",
    "seeds.count": "20",
    "population.kol_count": "2",
    "experiment.replicates": "3",
    "experiment.days": "15",
}


def form(**changes: str) -> dict[str, typing.Any]:
    """The starting campaign's form values, with some changed (dotted keys)."""
    values = params.form_values(params.start_data())
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    return values


@pytest.fixture(scope="module")
def board():
    jobs = JobBoard(workers=2)
    yield jobs
    jobs.shutdown()


def run_job(board: JobBoard, values: dict) -> dict:
    """Submit a form through Run and poll until it finishes; the tab's current run."""
    job, message = actions.start_run(board, values, params.DEFAULT_GRAPHS_DIR)
    assert job is not None, message.text
    while True:
        step = actions.poll_job(board, job)
        if step.finished:
            assert step.current is not None, step.message.text
            return step.current
        time.sleep(0.05)


# ---------------------------------------------------------------- controls


def test_controls_take_range_description_and_options_from_config():
    value = params.control_for("lure.value")
    assert (value.kind, value.minimum, value.maximum, value.unit) == ("float", 0.0, None, "yuan")
    assert value.description == LURES.field("value").description
    assert value.allowed == "≥ 0"
    days = params.control_for("experiment.days")
    assert (days.kind, days.minimum, days.maximum, days.unit) == ("int", 1.0, 3650.0, "days")
    budget = params.control_for("reward.budget")
    assert budget.optional and budget.unit == "yuan" and "empty = none" in budget.allowed
    strategy = params.control_for("seeds.strategy")
    declared = typing.get_args(SeedsConfig.model_fields["strategy"].annotation)
    assert strategy.options == tuple(o for o in declared if o != "list")
    assert params.control_for("graph.p_triangle").allowed.startswith("0 – 1")
    assert params.control_for("reward.level_amounts").kind == "list"
    assert params.control_for("reward.tiers").kind == "tiers"


def test_every_control_is_a_declared_parameter():
    for key in params.controls():
        section, name = key.split(".", 1)
        family = FAMILIES.get(section)
        declared = family.all_fields() if family else params._section_model(section).model_fields
        assert name in declared, key


def test_fields_shown_follow_graph_kind_lure_kind_and_reward_rule():
    chosen = {"graph.kind": "watts_strogatz", "lure.kind": "group_buy", "reward.rule": "tiered"}
    shown = {k for k in params.controls() if params.applies(k, chosen)}
    assert {"graph.n", "graph.k", "graph.p_rewire"} <= shown
    assert not {"graph.m", "graph.path", "graph.p_triangle"} & shown
    assert {"lure.group_size", "lure.window_days", "lure.share_boost"} <= shown
    assert not {"lure.max_helps", "lure.first_purchase_lift"} & shown
    assert "reward.tiers" in shown and "reward.invitee_amount" not in shown
    assert params.applies("graph.directed", {"graph.kind": "edgelist"})


def test_starting_form_is_the_default_campaign_with_10_replicates():
    data = params.campaign_data(form())
    expected = params.read_config_file(params.START_CAMPAIGN)
    expected["experiment"]["replicates"] = 10
    assert data == expected


def test_form_values_become_typed_config_values():
    data = params.campaign_data(
        form(**{"lure.value": "8", "reward.budget": "", "reward.rule": "tiered"})
        | {"reward.tiers": "3:10, 10:50", "experiment.days": "20"}
    )
    assert data["lure"]["value"] == 8.0 and isinstance(data["lure"]["value"], float)
    assert "budget" not in data["reward"]  # empty = none = unlimited
    assert data["reward"]["tiers"] == [
        {"invites": 3, "bonus": 10.0},
        {"invites": 10, "bonus": 50.0},
    ]
    assert data["experiment"]["days"] == 20
    params.build_study(data)


def test_edge_list_becomes_an_absolute_path_and_drops_generator_fields(graphs_dir):
    data = params.campaign_data(
        form() | {"graph.kind": "edgelist", "graph.path": "email-Eu-core.txt.gz"}, graphs_dir
    )
    assert data["graph"] == {
        "kind": "edgelist",
        "path": str(graphs_dir / "email-Eu-core.txt.gz"),
        "directed": False,
    }
    assert "email-Eu-core.txt.gz" in folders.edge_lists(graphs_dir)


def test_the_default_graphs_folder_is_the_repositorys_and_offers_compressed_edge_lists():
    assert params.DEFAULT_GRAPHS_DIR == GRAPHS
    offered = folders.edge_lists(params.DEFAULT_GRAPHS_DIR)
    assert {"facebook_combined.txt.gz", "email-Eu-core.txt.gz", "soc-douban.edges.gz"} <= set(
        offered
    )
    data = params.campaign_data(
        form() | {"graph.kind": "edgelist", "graph.path": "facebook_combined.txt.gz"}
    )
    graph = read_edgelist(Path(data["graph"]["path"]), directed=False, delimiter=None)
    assert (graph.n, graph.n_edges) == (4039, 88_234)


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("lure.value", "-3", "lure.value: Input should be greater than or equal to 0"),
        ("lure.value", "abc", "lure.value: 'abc' is not a number"),
        ("seeds.count", "2.5", "seeds.count: '2.5' is not a whole number"),
        ("experiment.days", "4000", "experiment.days: Input should be less than or equal to 3650"),
        ("graph.n", "40", "seeds.count + population.kol_count = 55 is more than the 40 people"),
    ],
)
def test_invalid_value_is_refused_with_the_field_named_and_nothing_queued(key, text, message):
    class NoBoard:
        def submit(self, *args):
            raise AssertionError("nothing may run")

    job, shown = actions.start_run(NoBoard(), form() | {key: text}, None)
    assert job is None and shown.kind == "error"
    assert message in shown.text


# ---------------------------------------------------------------- running


def test_run_shows_the_engines_numbers_for_the_same_config_and_seed(board):
    current = run_job(board, form(**SMALL, **{"lure.value": "8", "reward.budget": "500"}))
    study = load_study(
        params.START_CAMPAIGN,
        {
            "graph.n": 1500,
            "seeds.count": 20,
            "population.kol_count": 2,
            "experiment.replicates": 3,
            "experiment.days": 15,
            "lure.value": 8.0,
            "reward.budget": 500.0,
        },
    )
    engine = run_experiment(study)
    assert current["summary"]["joined"]["mean"] == engine.runs["joined"].mean()
    assert current["summary"]["total_cost"]["mean"] == engine.runs["total_cost"].mean()
    shown = frame_from_store(current["runs"])
    assert list(shown["joined"]) == list(engine.runs["joined"])
    assert list(shown["seed"]) == list(engine.runs["seed"])
    assert (shown["roi"] - engine.runs["roi"]).abs().max() < 1e-12


def test_workers_are_forked_from_a_server_that_imported_the_engine(board):
    """The workers' parent is a forkserver (not this process, never forked from a
    threaded server) that imported the engine before forking them: each worker starts
    with ``sim.runs`` imported (``jobs.PRELOAD``) instead of importing it again."""
    import os

    import psutil

    from sim.app import jobs

    parent = board._executor().submit(os.getppid).result(timeout=120)
    assert parent != os.getpid()
    command = " ".join(psutil.Process(parent).cmdline())
    assert "multiprocessing.forkserver" in command
    assert jobs.PRELOAD == ("sim.app.jobs", "sim.runs")
    assert all(repr(module) in command for module in jobs.PRELOAD), command


def test_two_tabs_run_at_once_and_each_gets_its_own_campaign(board):
    low, _ = actions.start_run(board, form(**SMALL, **{"lure.value": "2"}), None)
    high, _ = actions.start_run(board, form(**SMALL, **{"lure.value": "30"}), None)
    finished = {}
    while len(finished) < 2:
        for name, job in (("low", low), ("high", high)):
            if name not in finished:
                step = actions.poll_job(board, job)
                if step.finished:
                    finished[name] = step.current
        time.sleep(0.05)
    assert finished["low"]["data"]["lure"]["value"] == 2.0
    assert finished["high"]["data"]["lure"]["value"] == 30.0
    assert (
        finished["high"]["summary"]["joined"]["mean"] > finished["low"]["summary"]["joined"]["mean"]
    )


def test_a_run_the_engine_refuses_shows_its_message(board):
    # Valid as data, refused when the community is built: more seeds than people.
    values = form() | {
        "graph.kind": "edgelist",
        "graph.path": "email-Eu-core.txt.gz",
        "seeds.count": "1003",
        "experiment.replicates": "1",
    }
    job, _ = actions.start_run(board, values, params.DEFAULT_GRAPHS_DIR)
    assert job is not None
    while not (step := actions.poll_job(board, job)).finished:
        time.sleep(0.05)
    assert step.current is None and step.message.kind == "error"
    assert "seeds.count" in step.message.text


def test_an_edge_list_from_the_graphs_folder_runs(board, graphs_dir):
    values = form(**SMALL) | {
        "graph.kind": "edgelist",
        "graph.path": "email-Eu-core.txt.gz",
        "graph.directed": True,
    }
    current = run_job(board, values)
    assert current["data"]["graph"]["path"] == str(graphs_dir / "email-Eu-core.txt.gz")
    expected = run_experiment(params.build_study(current["data"]))
    assert current["summary"]["joined"]["mean"] == expected.runs["joined"].mean() > 0


def test_polling_a_finished_job_twice_gives_its_result_twice(board):
    # A tab may have two polls in flight; neither may lose the result.
    job, _ = actions.start_run(board, form(**SMALL), None)
    while not (first := actions.poll_job(board, job)).finished:
        time.sleep(0.05)
    second = actions.poll_job(board, job)
    assert first.current is not None and second.current == first.current


def test_unknown_job_says_it_was_lost(board):
    step = actions.poll_job(board, {"id": "nope", "total": 3, "data": {}})
    assert step.finished and "lost" in step.message.text


# ---------------------------------------------------------------- pinning and saving


@pytest.fixture(scope="module")
def two_pins(board):
    pins: list = []
    for name, value in (("coupon 8", "8"), ("coupon 12", "12")):
        current = run_job(board, form(**SMALL, **{"lure.value": value}))
        pins, message = actions.pin_run(pins, name, current)
        assert message.kind == "ok"
    return pins


def test_pin_refuses_a_taken_name_and_nothing_to_pin(two_pins):
    assert actions.pin_run(two_pins, "coupon 8", two_pins[0])[0] is None
    assert actions.pin_run(two_pins, "x", None)[0] is None
    assert actions.pin_run([], "", two_pins[0])[0][0]["name"] == "scenario 1"
    kept, _ = actions.unpin(two_pins, "coupon 8")
    assert [p["name"] for p in kept] == ["coupon 12"]


def test_pinned_scenarios_compare_like_one_study(two_pins):
    results = actions.pinned_results(two_pins)
    assert list(results.runs["run_id"]) == list(range(6))
    assert list(results.runs["scenario"]) == ["coupon 8"] * 3 + ["coupon 12"] * 3
    assert sorted(results.generations["run_id"].unique()) == list(range(6))
    table = results.compare()
    joined = table[table["outcome"] == "joined"].set_index("scenario")["mean"]
    assert joined["coupon 8"] == two_pins[0]["summary"]["joined"]["mean"]
    assert joined["coupon 12"] == two_pins[1]["summary"]["joined"]["mean"]


def test_saved_study_runs_with_fission_to_the_numbers_shown(two_pins, tmp_path):
    target, message = actions.save_study(two_pins, "pins.toml", tmp_path)
    assert message.kind == "ok" and target is not None
    data = tomllib.loads(target.read_text())
    assert [s["name"] for s in data["scenarios"]] == ["coupon 8", "coupon 12"]
    assert data["scenarios"][1]["set"] == {"lure.value": 12.0}
    study = load_study(target)
    results = run_experiment(study)
    means = results.runs.groupby("scenario", sort=False)["joined"].mean()
    assert means["coupon 8"] == two_pins[0]["summary"]["joined"]["mean"]
    assert means["coupon 12"] == two_pins[1]["summary"]["joined"]["mean"]
    # Saving again over the app's own file is fine; over any other file it is refused.
    assert actions.save_study(two_pins, "pins.toml", tmp_path)[1].kind == "ok"
    other = tmp_path / "mine.toml"
    other.write_text("[experiment]\n")
    assert "not saved by the app" in actions.save_study(two_pins, "mine.toml", tmp_path)[1].text
    assert other.read_text() == "[experiment]\n"
    assert actions.save_study(two_pins, "x.txt", tmp_path)[1].kind == "error"
    assert actions.save_study([], "none.toml", tmp_path)[1].kind == "error"


def test_scenario_changing_the_graph_kind_replaces_the_graph_section():
    base = params.campaign_data(form())
    other = params.campaign_data(form() | {"graph.kind": "erdos_renyi", "graph.mean_degree": "6"})
    change = actions.scenario_set(base, other)
    assert change["graph"] == {"kind": "erdos_renyi", "n": 10000, "mean_degree": 6.0}
    assert actions.scenario_set(base, base) == {}


def test_store_round_trip_keeps_dtypes_and_values():
    results = run_experiment(
        load_study(params.START_CAMPAIGN, {"graph.n": 800, "experiment.replicates": 2})
    )
    back = frame_from_store(frame_to_store(results.runs))
    assert back.dtypes.to_dict() == results.runs.dtypes.to_dict()
    assert back.equals(results.runs)


# ---------------------------------------------------------------- results folder, CLI


def test_results_folder_shows_the_reports_table_and_charts(tmp_path):
    study = load_study(
        Path(params.ROOT / "experiments" / "lures.toml"),
        {"experiment.replicates": 2, "graph.n": 1000, "experiment.days": 10},
    )
    run_experiment(study, tmp_path / "out")
    view, note = ui.results_view(str(tmp_path / "out"))
    text = str(view)
    assert "comparison-table" in text and "cumulative_joins" in text
    assert note.startswith(f"lures: {2 * len(study.scenarios)} runs")
    assert all(s.name in note and f"data-scenario='{s.name}'" in text for s in study.scenarios)
    with pytest.raises(FileNotFoundError):
        ui.results_view(str(tmp_path / "missing"))


def test_app_command_refuses_a_port_in_use():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["app", "--port", str(port)]) == EXIT_BAD_INPUT


def test_study_parse_error_names_field_for_list_values():
    with pytest.raises(ConfigError, match=r"reward\.tiers"):
        params.parse_value(params.control_for("reward.tiers"), "3-10")
