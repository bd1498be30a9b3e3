"""The Dash app: callbacks wiring the page (``sim.app.ui``) to what the buttons do
(``sim.app.actions``) and to the job board (``sim.app.jobs``); the WSGI server.

Per-tab state lives in the browser (``dcc.Store``, memory): the tab's id, the job it
waits for, its last finished run, its pinned scenarios. The server keeps only the job
board (running simulations, by id), so tabs never see each other's runs, and a run in
one tab never blocks another tab's callbacks (they only submit, poll or cancel). One server process
(threaded) per app: the board lives in that process.

Each tab has its language (``ui.page_language``, kept in the ``lang`` store): every
callback that writes text writes it inside ``lang.using`` of the tab's language, so two
tabs may speak two languages at once.
"""

from __future__ import annotations

import functools
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sim import lang
from sim.app import actions, guard, levers, params, search, search_view, ui
from sim.app.folders import DEFAULT_FOLDERS, Folders, results_folder
from sim.app.jobs import WARM_UP, JobBoard
from sim.app.limits import Limits
from sim.config import ConfigError
from sim.messages import shown

PARAMS = {"type": "param", "key": ALL}
FIELD_ERRORS = {"type": "field-error", "key": ALL}
LANG = State("lang", "data")  # the tab's language, for every callback that writes text

# The language switch: remember the choice (a cookie for a year, this site only) and
# build the page again in it.
SWITCH_LANGUAGE = (
    "function (code, shown) {"
    "  if (!code || code === shown) { return window.dash_clientside.no_update; }"
    f"  document.cookie = '{ui.LANG_COOKIE}=' + code +"
    "    '; path=/; max-age=31536000; SameSite=Strict';"
    "  window.location.reload();"
    "  return code;"
    "}"
)
# The document's language (fonts and line breaking follow it).
DOCUMENT_LANGUAGE = (
    "function (code) {"
    "  document.documentElement.lang = code === 'zh' ? 'zh-Hans' : (code || 'en');"
    "  return window.dash_clientside.no_update;"
    "}"
)


def create_app(
    board: JobBoard,
    folders: Folders = DEFAULT_FOLDERS,
    limits: Limits | None = None,
    results_name: str | None = None,
) -> Dash:
    """A Dash app running simulations on ``board`` within ``limits``; edge lists offered
    from ``folders.graphs``, studies saved in ``folders.save``, results folders opened
    from ``folders.results`` (``results_name`` in it opened in the results tab at start).
    Every page load is a new tab (its own id, ``ui.layout``) for the job board's turns."""
    limits = limits or Limits()
    app = Dash(__name__, title="Fission", update_title=None)
    app.index_string = ui.INDEX
    app.layout = functools.partial(ui.layout, folders, results_name)
    # A chunked body has no Content-Length for the guard to see: Flask stops it too.
    app.server.config["MAX_CONTENT_LENGTH"] = limits.max_request_bytes
    app.clientside_callback(
        SWITCH_LANGUAGE,
        Output("lang", "data", allow_duplicate=True),
        Input("lang-switch", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        DOCUMENT_LANGUAGE, Output("lang-applied", "data"), Input("lang", "data")
    )
    _campaign_callbacks(app, board, folders.graphs, limits)
    _search_callbacks(app, board, folders.graphs, limits)
    _pin_callbacks(app, folders.save)
    _results_callbacks(app, folders.results)
    return app


def _campaign_callbacks(app: Dash, board: JobBoard, graphs: Path | None, limits: Limits) -> None:
    selectors = list(params.SELECTORS.values())

    @app.callback(
        Output({"type": "field", "key": ALL}, "style"),
        [Input(ui.param_id(key), "value") for key in selectors],
    )
    def show_fields_that_apply(*chosen: str) -> list[dict[str, str]]:
        choices = dict(zip(selectors, chosen, strict=True))
        return [
            {} if params.applies(o["id"]["key"], choices) else {"display": "none"}
            for o in ctx.outputs_list
        ]

    @app.callback(
        Output("job", "data"),
        Output("message", "children"),
        Output("message", "className"),
        Output("poll", "disabled"),
        Output(FIELD_ERRORS, "children"),
        Input("run", "n_clicks"),
        State(PARAMS, "value"),
        State("tab", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def run(_clicks: int, values: list[Any], tab: str | None, code: str | None) -> tuple:
        keys = [s["id"]["key"] for s in ctx.states_list[0]]
        form = dict(zip(keys, values, strict=True))
        with lang.using(code):
            job, message = actions.start_run(board, form, graphs, limits, tab)
        shown_keys = [o["id"]["key"] for o in ctx.outputs_list[4]]
        errors = ui.field_errors(shown_keys, message.field, message.problem)
        return job, message.text, message.css, job is None, errors

    # The next poll reports "Cancelled after N of M runs" and unlocks the form.
    _job_callbacks(
        app,
        "",
        "current-run",
        lambda job, tab: actions.cancel_run(board, job, tab),
        lambda job: actions.poll_job(board, job),
    )

    @app.callback(
        Output(PARAMS, "disabled"),
        Output("run", "disabled"),
        Output("pin", "disabled"),
        Output("progress-box", "style"),
        Input("job", "data"),
        Input("current-run", "data"),
    )
    def lock_while_running(job: Any, current: Any) -> tuple[Any, ...]:
        busy = bool(job)
        count = len(ctx.outputs_list[0])
        return [busy] * count, busy, busy or not current, {} if busy else {"display": "none"}

    @app.callback(
        Output("kpis", "children"),
        Output("run-title", "children"),
        Input("current-run", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def show_kpis(current: dict[str, Any] | None, code: str | None) -> tuple[Any, ...]:
        with lang.using(code):
            if not current:
                return lang._("Set up a campaign and click Run."), lang._("This run")
            experiment = current["data"]["experiment"]
            title = lang._("This run: {people}, {replicates} replicates, {days} days").format(
                people=_people(current["data"]),
                replicates=experiment["replicates"],
                days=experiment["days"],
            )
            cards = html.Div(
                ui.kpi_cards(current["summary"]), className="kpis", **{"data-run": current["job"]}
            )
            return cards, title

    @app.callback(
        Output("run-charts", "children"),
        Input("current-run", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def show_run_charts(current: dict[str, Any] | None, code: str | None) -> list[Any]:
        # A callback of its own, so the KPI cards do not wait for the figures.
        if not current:
            return []
        with lang.using(code):
            results = actions.pinned_results([{"name": lang._("this run"), **current}])
            return ui.chart_views(results, ui.RUN_CHARTS, notes=False)


def _people(data: dict[str, Any]) -> str:
    graph = data["graph"]
    if graph.get("kind") == "edgelist":
        return Path(graph["path"]).name
    if graph.get("kind") == "stochastic_block":
        return lang._("{n} people").format(n=f"{sum(graph['sizes']):,}")
    return lang._("{n} people").format(n=f"{graph.get('n', 0):,}")


def _by_key(states: list[dict[str, Any]], name: str = "key") -> dict[Any, Any]:
    """The values of a pattern-matching State (``ctx.states_list`` entry), by their id's
    ``name`` part."""
    return {state["id"][name]: state.get("value") for state in states}


def _search_form(states: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The Optimise tab's values (``search_form_states``, in that order) as the
    arguments of ``levers.optimise_table``."""
    on, low, high, log, choices = (_by_key(s) for s in states[:5])
    outcome, direction = states[5]["value"], states[6]["value"]
    names, bounds, values = (_by_key(s, "row") for s in states[7:10])
    trials, start, most = (s["value"] for s in states[10:13])
    rows = {
        key: {
            "searched": "on" in (ticked or []),
            "low": low.get(key),
            "high": high.get(key),
            "log": "log" in (log.get(key) or []),
            "choices": choices.get(key) or [],
        }
        for key, ticked in on.items()
    }
    return {
        "levers": rows,
        "objective": (outcome, direction),
        "constraints": [(names[i], bounds.get(i), values.get(i)) for i in sorted(names)],
        "trials": trials,
        "start": start,
        "most": most,
        "finalists": levers.start_form().finalists,
    }


def search_form_states() -> list[State]:
    """What Search reads from the Optimise tab, in the order ``_search_form`` takes it."""
    return [
        *(
            State({"type": f"lever-{part}", "key": ALL}, "value")
            for part in ("on", "low", "high", "log", "choices")
        ),
        State("objective-outcome", "value"),
        State("objective-direction", "value"),
        *(
            State({"type": f"constraint-{part}", "row": ALL}, "value")
            for part in ("outcome", "bound", "value")
        ),
        State("search-trials", "value"),
        State("search-start", "value"),
        State("search-max", "value"),
    ]


def _job_callbacks(
    app: Dash,
    prefix: str,
    result: str,
    cancel_job: Callable[[dict[str, Any] | None, str | None], Any],
    poll_job: Callable[[dict[str, Any]], Any],
) -> None:
    """Cancel and poll for a tab's background job (the Campaign tab's runs, the Optimise
    tab's search): its components are named ``prefix`` + job, message, cancel, poll and
    progress; ``result`` receives the job's current result while it goes on."""

    @app.callback(
        Output(f"{prefix}message", "children", allow_duplicate=True),
        Input(f"{prefix}cancel", "n_clicks"),
        State(f"{prefix}job", "data"),
        State("tab", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def cancel(_clicks: int, job: dict[str, Any] | None, tab: str | None, code: str | None) -> str:
        with lang.using(code):
            return cancel_job(job, tab).text

    @app.callback(
        Output(result, "data"),
        Output(f"{prefix}job", "data", allow_duplicate=True),
        Output(f"{prefix}message", "children", allow_duplicate=True),
        Output(f"{prefix}message", "className", allow_duplicate=True),
        Output(f"{prefix}poll", "disabled", allow_duplicate=True),
        Output(f"{prefix}progress", "value"),
        Output(f"{prefix}progress", "max"),
        Input(f"{prefix}poll", "n_intervals"),
        State(f"{prefix}job", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def poll(_ticks: int, job: dict[str, Any] | None, code: str | None) -> tuple[Any, ...]:
        if not job:
            return no_update, no_update, no_update, no_update, True, no_update, no_update
        with lang.using(code):
            step = poll_job(job)
        current = step.current if step.current is not None else no_update
        return (
            current,
            None if step.finished else no_update,
            step.message.text,
            step.message.css,
            step.finished,
            str(step.done),
            str(max(step.total, 1)),
        )


def _search_callbacks(app: Dash, board: JobBoard, graphs: Path | None, limits: Limits) -> None:
    form_states = search_form_states()

    @app.callback(
        Output("search-job", "data"),
        Output("search-message", "children"),
        Output("search-message", "className"),
        Output("search-poll", "disabled"),
        Output({"type": "lever-error", "key": ALL}, "children"),
        Input("search-run", "n_clicks"),
        State(PARAMS, "value"),
        *form_states,
        State("tab", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def start(_clicks: int, campaign: list[Any], *rest: Any) -> tuple:
        tab, code = rest[-2], rest[-1]
        keys = [s["id"]["key"] for s in ctx.states_list[0]]
        values = dict(zip(keys, campaign, strict=True))
        form = _search_form(ctx.states_list[1 : 1 + len(form_states)])
        with lang.using(code):
            job, message = search.start_search(board, values, form, graphs, limits, tab)
        shown_keys = [o["id"]["key"] for o in ctx.outputs_list[4]]
        errors = search_view.lever_errors(shown_keys, message.text if job is None else "")
        return job, message.text, message.css, job is None, errors

    _job_callbacks(
        app,
        "search-",
        "search-result",
        lambda job, tab: search.cancel_search(board, job, tab),
        lambda job: search.poll_search(board, job),
    )

    @app.callback(
        Output("search-run", "disabled"),
        Output("search-progress-box", "style"),
        Input("search-job", "data"),
    )
    def lock_while_searching(job: Any) -> tuple[Any, ...]:
        busy = bool(job)
        return busy, {} if busy else {"display": "none"}

    @app.callback(
        Output("search-sentence", "children"),
        Output("search-table", "children"),
        Output("search-charts", "children"),
        Output("search-download-button", "disabled"),
        Input("search-result", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def show_result(result: dict[str, Any] | None, code: str | None) -> tuple[Any, ...]:
        if not result:
            return no_update, no_update, no_update, True
        with lang.using(code):
            sentence, table, charts = search_view.result_view(result)
        return sentence, table, charts, not result.get("toml")

    @app.callback(
        Output("search-download", "data"),
        Input("search-download-button", "n_clicks"),
        State("search-result", "data"),
        prevent_initial_call=True,
    )
    def download(_clicks: int, result: dict[str, Any] | None) -> Any:
        if not result or not result.get("toml"):
            return no_update
        return dcc.send_string(result["toml"], "recommended.toml")

    @app.callback(
        Output("objective-direction", "value"),
        Input("objective-outcome", "value"),
        prevent_initial_call=True,
    )
    def direction_of(outcome: str | None) -> str:
        return levers.better(outcome or "")


def _pin_callbacks(app: Dash, save_dir: Path) -> None:
    @app.callback(
        Output("pins", "data"),
        Output("pin-name", "value"),
        Output("save-message", "children"),
        Output("save-message", "className"),
        Input("pin", "n_clicks"),
        Input({"type": "unpin", "name": ALL}, "n_clicks"),
        State("pin-name", "value"),
        State("current-run", "data"),
        State("pins", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def pin_or_unpin(
        _pin: int,
        _unpin: list[int | None],
        name: str | None,
        current: Any,
        pins: list,
        code: str | None,
    ) -> tuple[Any, ...]:
        with lang.using(code):
            return _pin_or_unpin(name, current, pins)

    def _pin_or_unpin(name: str | None, current: Any, pins: list) -> tuple[Any, ...]:
        trigger = ctx.triggered_id
        if isinstance(trigger, dict):  # an unpin button (also fires when one is drawn)
            if not ctx.triggered[0]["value"]:
                return no_update, no_update, no_update, no_update
            kept, message = actions.unpin(pins or [], trigger["name"])
            return kept, no_update, message.text, message.css
        changed, message = actions.pin_run(pins or [], name, current)
        if changed is None:
            return no_update, no_update, message.text, message.css
        return changed, "", message.text, message.css

    @app.callback(
        Output("pins-list", "children"),
        Output("comparison", "children"),
        Input("pins", "data"),
        LANG,
    )
    def show_pins(pins: list | None, code: str | None) -> tuple[Any, ...]:
        with lang.using(code):
            return _show_pins(pins)

    def _show_pins(pins: list | None) -> tuple[Any, ...]:
        if not pins:
            return lang._("Nothing pinned yet."), []
        chips = [
            html.Span(
                [
                    p["name"],
                    html.Button(
                        "×",
                        id={"type": "unpin", "name": p["name"]},
                        n_clicks=0,
                        className="small",
                        title=lang._("unpin {name}").format(name=p["name"]),
                    ),
                ],
                className="pin",
            )
            for p in pins
        ]
        return chips, ui.comparison_table(actions.pinned_results(pins).runs)

    @app.callback(Output("comparison-charts", "children"), Input("pins", "data"), LANG)
    def show_comparison_charts(pins: list | None, code: str | None) -> list[Any]:
        # A callback of its own, so the table does not wait for the figures.
        if not pins:
            return []
        with lang.using(code):
            return ui.chart_views(actions.pinned_results(pins), notes=False)

    @app.callback(
        Output("save-message", "children", allow_duplicate=True),
        Output("save-message", "className", allow_duplicate=True),
        Input("save", "n_clicks"),
        State("save-path", "value"),
        State("pins", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def save(_clicks: int, name: str | None, pins: list | None, code: str | None) -> tuple:
        with lang.using(code):
            _path, message = actions.save_study(pins or [], name or "", save_dir)
        return message.text, message.css

    @app.callback(
        Output("download", "data"),
        Output("save-message", "children", allow_duplicate=True),
        Output("save-message", "className", allow_duplicate=True),
        Input("download-button", "n_clicks"),
        State("save-path", "value"),
        State("pins", "data"),
        LANG,
        prevent_initial_call=True,
    )
    def download(
        _clicks: int, path: str | None, pins: list | None, code: str | None
    ) -> tuple[Any, ...]:
        name = Path(path or "app_study.toml").name
        try:
            text = actions.study_text(pins or [], Path(name).stem)
        except ConfigError as err:
            with lang.using(code):
                message = actions.error_message(str(err))
            return no_update, message.text, message.css
        return dcc.send_string(text, name), no_update, no_update


def _results_callbacks(app: Dash, root: Path) -> None:
    @app.callback(
        Output("results-view", "children"),
        Output("results-message", "children"),
        Output("results-message", "className"),
        Input("open-results", "n_clicks"),
        Input("results-to-open", "data"),
        State("results-dir", "value"),
        LANG,
    )
    def open_results(
        clicks: int | None, initial: str | None, name: str | None, code: str | None
    ) -> tuple:
        if ctx.triggered_id != "open-results":
            name = initial
        with lang.using(code):
            if not name:
                text = lang._("Type the name of a results folder in {root} and click Open.")
                return [], text.format(root=root), "message"
            try:
                view, text = ui.results_view(str(results_folder(root, name)))
            except (ConfigError, FileNotFoundError, OSError, ValueError) as err:
                return [], shown(str(err)), "message error"
        return view, text, "message ok"


def _draw_run(data: dict[str, Any], result: dict[str, Any]) -> None:
    """Make a run's KPI cards and charts as the page's callbacks do, and throw them away:
    the warm-up's last step, so the first Run finds the charts' code loaded (the report's,
    plotly's figure checks: about half a second of the first Run's otherwise)."""
    current = actions.current_run(WARM_UP, data, result, 0.0)
    ui.kpi_cards(current["summary"])
    results = actions.pinned_results([{"name": WARM_UP, **current}])
    ui.chart_views(results, ui.RUN_CHARTS, notes=False)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Do not log every poll."""


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (IPv4 or IPv6), raising ``OSError`` when it cannot
    be (werkzeug would print and exit instead)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family)


class AppServer:
    """The app on a threaded WSGI server behind the guard (``sim.app.guard``), with its
    own job board; ``start`` serves in a background thread (tests), ``serve_forever`` in
    this one (the CLI). ``stop`` or the end of ``serve_forever`` shuts the workers down.

    Beyond loopback a token is required (a new one unless ``token`` is given); ``url``
    carries it. ``allow_hosts`` adds names the ``Host`` header may carry then.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8050,
        *,
        folders: Folders = DEFAULT_FOLDERS,
        results_name: str | None = None,
        limits: Limits | None = None,
        allow_hosts: tuple[str, ...] = (),
        token: str | None = None,
        workers: int | None = None,
        warm: bool = True,
    ) -> None:
        limits = limits or Limits()
        self.token = None if guard.is_loopback(host) else (token or guard.new_token())
        with _listening_socket(host, port) as sock:  # OSError here: the port is taken
            self.board = JobBoard(workers)  # after: a refused port starts no dispatcher
            self.app = create_app(self.board, folders, limits, results_name)
            self.host, self.port = host, int(sock.getsockname()[1])
            self.guard = guard.Guard(
                self.app.server,
                hosts=guard.allowed_hosts(host, self.port, allow_hosts),
                token=self.token,
                max_request_bytes=limits.max_request_bytes,
            )
            self._server: BaseWSGIServer = make_server(
                host,
                port,
                self.guard,
                threaded=True,
                request_handler=_QuietHandler,
                fd=sock.fileno(),
            )
        self._thread: threading.Thread | None = None
        if warm:
            start = params.campaign_data(params.form_values(params.start_data()))
            self.board.warm_up(start, actions.BASE_DIR, functools.partial(_draw_run, start))

    @property
    def url(self) -> str:
        """The page's address (with ``?token=`` when one is needed)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        host = "[::1]" if host == "::" else (f"[{host}]" if ":" in host else host)
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{query}"

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self.board.shutdown()

    def start(self) -> AppServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.board.shutdown()
