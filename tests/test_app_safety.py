"""The app on a shared machine (issue 16): it reads and writes only inside the folders
named when it started, shows no file's text, answers only its own host name (and, beyond
loopback, only holders of the token), refuses work beyond its limits, and shares its
workers fairly between tabs, with a Cancel that stops a job at once."""

from __future__ import annotations

import http.client
import os
import pickle
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from sim.app import actions, folders, guard, limits, params
from sim.app.folders import Folders
from sim.app.jobs import JobBoard, TabBusy
from sim.app.limits import Limits
from sim.app.server import AppServer
from sim.cli import EXIT_BAD_INPUT, main
from sim.config import ConfigError
from sim.config.errors import FileLineError, shown_to_others
from sim.graphs import read_edgelist
from tests.test_app import SMALL, form

SECRET = "SECRET-4f1c-do-not-show"


class NoBoard:
    """A board that fails the test if anything is queued."""

    def submit(self, *args, **kwargs):
        raise AssertionError("nothing may run")


@pytest.fixture(scope="module")
def board():
    jobs = JobBoard(workers=1)
    yield jobs
    jobs.shutdown()


@pytest.fixture
def graphs(tmp_path) -> Path:
    """A graphs folder with one good edge list, one whose first line is a secret, and a
    link to a file outside the folder; the outside file holds a secret too."""
    folder = tmp_path / "graphs"
    folder.mkdir()
    (folder / "ring.txt").write_text("".join(f"{i} {(i + 1) % 300}\n" for i in range(300)))
    (folder / "bad.txt").write_text(f"{SECRET}\n1 2\n")
    outside = tmp_path / "private.txt"
    outside.write_text(f"{SECRET} 1\n")
    (folder / "link.txt").symlink_to(outside)
    return folder


def wait(board: JobBoard, job_id: str, timeout: float = 60):
    start = time.monotonic()
    while (status := board.poll(job_id)).state in ("queued", "running"):
        assert time.monotonic() - start < timeout, status
        time.sleep(0.02)
    return status


# ---------------------------------------------------------------- graphs: read only inside


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../private.txt", "sub/../../private.txt", "link.txt", "~/x.txt", "a\\b.txt"],
)
def test_an_edge_list_outside_the_graphs_folder_is_refused_and_nothing_runs(graphs, name):
    values = form() | {"graph.kind": "edgelist", "graph.path": name}
    job, message = actions.start_run(NoBoard(), values, graphs)
    assert job is None and message.kind == "error"
    assert message.text.startswith("graph.path: ")
    assert SECRET not in message.text


def test_a_request_naming_no_string_for_the_edge_list_is_refused(graphs):
    values = form() | {"graph.kind": "edgelist", "graph.path": {"path": "/etc/passwd"}}
    job, message = actions.start_run(NoBoard(), values, graphs)
    assert job is None and message.text == "graph.path: enter a name"


def test_the_graphs_folder_offers_only_edge_lists_really_inside_it(graphs):
    assert folders.edge_lists(graphs) == ["bad.txt", "ring.txt"]  # not link.txt
    assert folders.graph_file(graphs, "ring.txt") == (graphs / "ring.txt").resolve()


def test_a_link_inside_the_graphs_folder_to_a_file_inside_it_is_read(graphs):
    (graphs / "alias.txt").symlink_to(graphs / "ring.txt")
    data = params.campaign_data(
        form() | {"graph.kind": "edgelist", "graph.path": "alias.txt"}, graphs
    )
    assert data["graph"]["path"] == str((graphs / "ring.txt").resolve())


# ---------------------------------------------------------------- no file's text on the page


def test_an_edge_list_error_on_the_page_names_the_line_not_its_text(board, graphs):
    values = form(**SMALL) | {"graph.kind": "edgelist", "graph.path": "bad.txt"}
    job, _ = actions.start_run(board, values, graphs)
    assert job is not None
    status = wait(board, job["id"])
    assert status.state == "failed"
    assert status.error == f"{(graphs / 'bad.txt').resolve()}, line 1: expected two node ids"
    assert SECRET not in status.error


def test_the_command_line_still_quotes_the_line_of_its_own_file(graphs):
    with pytest.raises(FileLineError) as caught:
        read_edgelist(graphs / "bad.txt", directed=False, delimiter=None)
    assert str(caught.value).endswith(f"line 1: expected two node ids, got {SECRET!r}")
    assert SECRET not in shown_to_others(caught.value)
    again = pickle.loads(pickle.dumps(caught.value))  # crosses processes whole
    assert (str(again), again.without_content) == (str(caught.value), caught.value.without_content)


def test_an_unexpected_error_in_a_worker_shows_its_kind_not_its_text():
    jobs = JobBoard(workers=1)
    try:
        future: Future = Future()
        future.set_exception(UnicodeDecodeError("utf-8", SECRET.encode(), 0, 1, "bad"))
        error = jobs._error_of("job", future)
    finally:
        jobs.shutdown()
    assert error == "the simulation failed (UnicodeDecodeError); the server's log has details"


# ---------------------------------------------------------------- saving and results: by name


@pytest.fixture
def pins():
    return [{"name": "base", "data": params.campaign_data(form())}]


@pytest.mark.parametrize(
    "name", ["/tmp/evil.toml", "../evil.toml", "sub/evil.toml", "~/evil.toml", "..", "evil.txt"]
)
def test_save_as_study_takes_a_file_name_in_the_save_folder_only(tmp_path, pins, name):
    save = tmp_path / "box" / "studies"
    target, message = actions.save_study(pins, name, save)
    assert target is None and message.kind == "error" and message.text.startswith("save: ")
    assert not (tmp_path / "box").exists()  # no folder made, nothing written
    assert not (tmp_path / "box" / "evil.toml").exists()


def test_save_as_study_writes_in_the_save_folder_and_refuses_a_link_out_of_it(tmp_path, pins):
    save = tmp_path / "studies"
    target, message = actions.save_study(pins, "my study.toml", save)
    assert message.kind == "ok" and target == (save / "my study.toml").resolve()
    assert target.read_text().startswith(actions.SAVED_HEADER)
    (save / "out.toml").symlink_to(tmp_path / "elsewhere.toml")
    (save / "in.toml").symlink_to(save / "my study.toml")
    for link in ("out.toml", "in.toml"):
        _, message = actions.save_study(pins, link, save)
        assert message.kind == "error", link
    assert not (tmp_path / "elsewhere.toml").exists()
    assert sorted(p.name for p in save.iterdir()) == ["in.toml", "my study.toml", "out.toml"]


def test_results_folders_open_only_inside_the_results_root(tmp_path):
    root = tmp_path / "results"
    (root / "lures").mkdir(parents=True)
    (tmp_path / "private").mkdir()
    (root / "escape").symlink_to(tmp_path / "private")
    assert folders.results_folder(root, "lures") == (root / "lures").resolve()
    for name in ("/etc", "..", "../private", "escape", "lures/../../private", "", "missing"):
        with pytest.raises(ConfigError, match=r"^results folder: "):
            folders.results_folder(root, name)


# ---------------------------------------------------------------- limits on work


def test_limits_refuse_a_run_naming_the_field_and_the_limit():
    small = Limits(max_people=5_000, max_replicates=50)
    cases = [
        ({"graph.n": "6000"}, small, "graph.n: at most 5,000 people in this app, not 6,000"),
        (
            {"graph.n": "5000", "experiment.replicates": "51"},
            small,
            "experiment.replicates: at most 50 in this app, not 51",
        ),
        (
            {"experiment.replicates": "1001"},
            Limits(),
            "experiment.replicates: at most 1,000 in this app, not 1,001",
        ),
        (
            {"graph.kind": "erdos_renyi", "graph.n": "100000", "graph.mean_degree": "5000"},
            Limits(),
            "graph.mean_degree: about 250,000,000 friendships, at most 50,000,000 in this app",
        ),
    ]
    for changes, chosen, text in cases:
        job, message = actions.start_run(NoBoard(), form() | changes, None, chosen)
        assert job is None and message.kind == "error"
        assert message.text.startswith(text), message.text


def test_a_billion_people_is_refused_before_a_worker_allocates_anything():
    job, message = actions.start_run(NoBoard(), form() | {"graph.n": str(10**9)}, None)
    assert job is None and message.text.startswith("graph.n: ")


def test_limits_below_one_are_refused():
    with pytest.raises(ConfigError, match="--max-people: must be at least 1"):
        Limits(max_people=0)


# ---------------------------------------------------------------- fair turns and cancel


def test_a_small_job_is_not_starved_by_a_big_one_from_another_tab(board):
    big = params.campaign_data(form(**SMALL) | {"experiment.replicates": "60"})
    small = params.campaign_data(form(**SMALL) | {"experiment.replicates": "2"})
    big_id = board.submit(big, actions.BASE_DIR, 60, "tab-big")
    while board.poll(big_id).done < 1:
        time.sleep(0.01)
    small_id = board.submit(small, actions.BASE_DIR, 2, "tab-small")
    assert wait(board, small_id).state == "done"
    # One worker, runs in turn: the big job ran about as many runs meanwhile, not all 60.
    assert board.poll(big_id).done <= 10
    assert wait(board, big_id).state == "done"


def test_a_tab_has_one_job_at_a_time(board):
    data = params.campaign_data(form(**SMALL) | {"experiment.replicates": "30"})
    first = board.submit(data, actions.BASE_DIR, 30, "tab-one")
    with pytest.raises(TabBusy):
        board.submit(data, actions.BASE_DIR, 30, "tab-one")
    job, message = actions.start_run(board, form(**SMALL), None, tab="tab-one")
    assert job is None and "still going" in message.text
    assert board.cancel(first, "tab-one")
    second = board.submit(data | {}, actions.BASE_DIR, 30, "tab-one")  # free again
    assert wait(board, second).state == "done"


def test_cancel_stops_a_job_at_once_and_frees_the_worker(board):
    long = params.campaign_data(
        form() | {"graph.n": "20000", "experiment.replicates": "1000", "experiment.days": "60"}
    )
    job_id = board.submit(long, actions.BASE_DIR, 1000, "tab-long")
    while board.poll(job_id).done < 2:
        time.sleep(0.01)
    assert not board.cancel(job_id, "another-tab")  # only its own tab may cancel it
    start = time.monotonic()
    assert board.cancel(job_id, "tab-long")
    status = board.poll(job_id)
    assert status.state == "cancelled" and 2 <= status.done < 1000
    step = actions.poll_job(board, {"id": job_id, "total": 1000, "data": long})
    assert step.finished and step.message.text.startswith("Cancelled after ")
    quick = board.submit(params.campaign_data(form(**SMALL)), actions.BASE_DIR, 3, "tab-long")
    assert wait(board, quick).state == "done"
    assert time.monotonic() - start < 5  # one replicate of 20,000 people at most before it
    time.sleep(0.3)
    assert board.poll(job_id).done == status.done  # nothing of it ran after the cancel


# ---------------------------------------------------------------- HTTP: host, size, token


def request(server: AppServer, host: str, method="GET", path="/", body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host)
    for key, value in (headers or {}).items():
        connection.putheader(key, value)
    chunked = body is not None and "Content-Length" not in (headers or {})
    if chunked:
        connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    if body is not None:
        if chunked:
            connection.send(f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
        else:
            connection.send(body)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.fixture(scope="module")
def loopback():
    limits = Limits(max_request_bytes=10_000)
    app = AppServer("127.0.0.1", 0, limits=limits, workers=1, warm=False).start()
    yield app
    app.stop()


def test_only_requests_naming_the_served_host_are_answered(loopback):
    port = loopback.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        assert request(loopback, host).status == 200, host
    for host in (f"evil.example:{port}", "evil.example", f"localhost:{port + 1}", "", "127.0.0.1"):
        assert request(loopback, host).status == 403, host


def test_a_request_body_over_the_limit_is_refused_with_413(loopback):
    host = f"127.0.0.1:{loopback.port}"
    path = "/_dash-update-component"
    body = b"{" + b" " * 20_000 + b"}"
    sized = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
    assert request(loopback, host, "POST", path, body, sized).status == 413
    chunked = {"Content-Type": "application/json"}
    assert request(loopback, host, "POST", path, body, chunked).status == 413


def test_beyond_loopback_every_request_needs_the_token():
    app = AppServer("0.0.0.0", 0, workers=1, warm=False).start()
    try:
        host = f"127.0.0.1:{app.port}"
        assert app.token and app.url == f"http://{host}/?token={app.token}"
        assert request(app, host).status == 403
        assert request(app, host, path="/?token=wrong").status == 403
        assert request(app, host, headers={"Cookie": "fission_token=wrong"}).status == 403
        assert request(app, host, headers={"Cookie": "fission_token=é"}).status == 403
        first = request(app, host, path=f"/?token={app.token}&x=1")
        assert first.status == 303 and first.getheader("Location") == "/?x=1"
        cookie = first.getheader("Set-Cookie")
        assert cookie.startswith(f"fission_token={app.token};") and "HttpOnly" in cookie
        after = request(app, host, headers={"Cookie": cookie.split(";")[0]})
        assert after.status == 200
        evil = request(app, f"evil.example:{app.port}", headers={"Cookie": cookie.split(";")[0]})
        assert evil.status == 403
    finally:
        app.stop()


def test_the_guard_allows_configured_host_names_beyond_loopback():
    hosts = guard.allowed_hosts("0.0.0.0", 8050, ["fission.lab.example"])
    assert {"fission.lab.example:8050", "localhost:8050", "[::1]:8050"} <= hosts
    assert "fission.lab.example:8051" not in hosts
    assert guard.allowed_hosts("127.0.0.1", 80) >= {"localhost", "localhost:80"}
    assert "fission.lab.example:8050" not in guard.allowed_hosts("127.0.0.1", 8050, ["x"])


# ---------------------------------------------------------------- the command line


def test_app_help_documents_the_safety_options(capsys):
    with pytest.raises(SystemExit):
        main(["app", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option in (
        "--save-dir",
        "--results-root",
        "--max-people",
        "--max-replicates",
        "--max-request-bytes",
        "--allow-host",
    ):
        assert option in text
    # The defaults the help states are the app's (the CLI does not import them: --help
    # stays fast), so they are checked here.
    assert f"(default {limits.DEFAULT_MAX_PEOPLE:,})" in text
    assert f"(default {limits.DEFAULT_MAX_REPLICATES:,})" in text
    assert f"(default {limits.DEFAULT_MAX_REQUEST_BYTES:,};" in text
    assert f"(default {folders.DEFAULT_SAVE_DIR}/)" in text
    assert f"(default {folders.DEFAULT_RESULTS_ROOT}/)" in text


def test_app_command_refuses_a_results_folder_outside_the_root_and_bad_limits(tmp_path, capsys):
    root = tmp_path / "results"
    root.mkdir()
    args = ["app", "--port", "0", "--results-root", str(root)]
    assert main([*args, "--results", "/etc"]) == EXIT_BAD_INPUT
    assert "not a folder inside --results-root" in capsys.readouterr().err
    assert main([*args, "--max-replicates", "0"]) == EXIT_BAD_INPUT


def test_results_option_becomes_a_name_in_the_root(tmp_path, monkeypatch):
    from sim.cli import _results_name

    (tmp_path / "results" / "lures").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert _results_name(Path("results/lures"), Path("results")) == "lures"
    assert _results_name(Path("lures"), Path("results")) == "lures"
    assert _results_name(tmp_path / "results" / "lures", Path("results")) == "lures"
    with pytest.raises(ConfigError):
        _results_name(Path("results/../x"), Path("results"))
    assert os.getcwd() == str(tmp_path)


def test_default_folders_are_named_and_relative_to_where_the_app_runs():
    assert Folders().save == Path("studies") and Folders().results == Path("results")
    assert Folders().graphs == params.DEFAULT_GRAPHS_DIR
