"""The report: one self-contained HTML page of an experiment's results.

``write_report(folder)`` reads a results folder (``Results.load``: saved tables, never a
live model), draws every chart with ``sim.charts`` and writes ``folder/report.html``.
The page works offline from disk: plotly.js is inlined once, each figure is embedded as
JSON and drawn by one small script, and nothing is fetched from the network (no CDN, no
MathJax, no web fonts). Charts that need data the folder does not hold (the per-member
table, a budget, a sobol sweep) are replaced by a note saying how to get it.

``write_report(folder, images=True)`` also exports every chart as PNG and SVG to
``folder/images/<chart>.png|svg`` with kaleido (which drives the system's Chromium),
in one batch.
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from sim import charts, units
from sim.charts import ChartUnavailable
from sim.config import ConfigError
from sim.extras import require
from sim.files import FolderLock, commit, make_dirs, remove_leftovers, temp_dir, write_text
from sim.lang import N_, _, current
from sim.points import POINTS_FILE
from sim.results import WORKBOOK_FILE, Results
from sim.wording import option_label

# plotly.js's "Share chart..." button would send the chart to a plotly server: an offline
# report has none, so the button is left out (and so in the app).
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["sendChartToCloud"],
}
IMAGE_WIDTH = 1200  # px, for PNG and SVG export

# Section id -> heading (English; ``section_titles`` translates), in page order.
SECTIONS = {
    "comparison": N_("Scenarios compared"),
    "value": N_("Profit and value after the campaign"),
    "joins": N_("Joins over time"),
    "money": N_("Cost and return"),
    "budget": N_("Budget"),
    "cascade": N_("The cascade"),
    "quality": N_("Member quality"),
    "risk": N_("Fraud and the platform"),
    "groups": N_("Chat groups and stores"),
    "sweep": N_("Sweep"),
    "tree": N_("Referral tree"),
}
# The page's language as HTML names it (fonts and line breaking follow it).
HTML_LANG = {"en": "en", "zh": "zh-Hans"}


# A chart's name where a note stands in for it (English; ``chart_name`` translates).
CHART_NAMES = {
    "payback": N_("payback"),
    "survival": N_("survival"),
    "value_by_source": N_("value by source"),
    "cumulative_joins": N_("cumulative joins"),
    "daily_joins": N_("daily joins"),
    "cost_vs_paying": N_("cost vs paying"),
    "roi": N_("ROI"),
    "cost_per_paying": N_("cost per paying"),
    "budget": N_("budget"),
    "generation_sizes": N_("generation sizes"),
    "generation_share": N_("generation share"),
    "k_by_generation": N_("K by generation"),
    "segment_mix": N_("segment mix"),
    "fraud_loss": N_("money lost to fraud"),
    "platform_survival": N_("survival against the platform"),
    "group_survival": N_("groups alive"),
    "group_activity": N_("group activity"),
    "joins_by_channel": N_("joins by channel"),
    "sweep": N_("sweep"),
    "sobol": N_("Sobol indices"),
    "referral_tree": N_("referral tree"),
}


def chart_name(key: str) -> str:
    """A chart's short name in the current language."""
    return _(CHART_NAMES.get(key, key.replace("_", " ")))


def section_titles() -> dict[str, str]:
    """The sections' headings in the current language, in page order."""
    return {key: _(title) for key, title in SECTIONS.items()}


@dataclass(frozen=True)
class Chart:
    """One chart of the report: its figure, or the note shown instead of it."""

    key: str  # element id and image file stem
    section: str  # a key of SECTIONS
    caption: str  # how to read it, one or two sentences
    figure: go.Figure | None = None
    note: str | None = None


def report_charts(results: Results, *, tree_run: int | None = None) -> list[Chart]:
    """Every chart of the report for these results, in page order.

    ``tree_run`` picks the run whose referral tree is drawn (default: the first
    scenario's run with the median number joined, ``charts.representative_run``).
    """
    runs, daily, members = results.runs, results.daily, results.members
    generations = getattr(results, "generations", None)  # generations.parquet
    weeks = getattr(results, "weeks", None)  # weeks.parquet: the value horizon
    config = results.config or {}
    entries: list[tuple[str, str, str, Callable[[], go.Figure]]] = [
        (
            "payback",
            "value",
            N_(
                "Margin earned so far (undiscounted; median line, 90% band over runs) against "
                "the campaign's total cost (dashed, mean). The diamond is the median payback "
                "day, the day the margin first covers the cost; its whisker spans the 5th to "
                "95th percentile of runs that paid back. After the campaign's last day the "
                "curve is weekly."
            ),
            lambda: charts.payback_curve(daily, weeks, runs, _gross_margin(config)),
        ),
        (
            "survival",
            "value",
            N_(
                "The share of joined members who may still buy, week by week after the "
                "campaign: they drop out after orders (buy till you die); junk members and "
                "reward hunters who left once paid are never counted."
            ),
            lambda: charts.survival_curve(weeks, runs),
        ),
        (
            "value_by_source",
            "value",
            N_(
                "Lifetime value (discounted margin over campaign + horizon) per member: each "
                "group's own, and that of the people each group brought in (social value). "
                "Seeds and KOLs buy nothing counted: their worth is who they bring."
            ),
            lambda: charts.value_by_source(runs),
        ),
        (
            "cumulative_joins",
            "joins",
            N_(
                "Members who joined so far (seeds and KOLs not counted). Line: the median run; "
                "shaded: the middle 90% of runs (5th to 95th percentile). With more than "
                "{bands} scenarios, one panel each."
            ),
            lambda: charts.joins_over_time(daily, cumulative=True),
        ),
        (
            "daily_joins",
            "joins",
            N_("New members each day: median and 90% band over runs."),
            lambda: charts.joins_over_time(daily, cumulative=False),
        ),
        (
            "cost_vs_paying",
            "money",
            N_(
                "Each dot is one run, diamonds are scenario means. On the dashed efficient "
                "frontier no other option is both cheaper and brings more paying members."
            ),
            lambda: charts.cost_vs_paying(runs),
        ),
        (
            "roi",
            "money",
            N_(
                "ROI = (revenue × gross margin − total cost) ÷ total cost over the campaign "
                "window; 0 is break-even. Box: middle half of runs; line: median; dashed: mean. "
                "A scenario that spent nothing has no ROI and no box."
            ),
            lambda: charts.outcome_box(runs, "roi"),
        ),
        (
            "cost_per_paying",
            "money",
            N_("Total cost ÷ paying members, per run. Runs with no paying member are left out."),
            lambda: charts.outcome_box(runs, "cost_per_paying"),
        ),
        (
            "budget",
            "budget",
            N_(
                "Top: budget left at the end of each day (lures and rewards; KOL fees are "
                "outside it). Bottom: share of runs whose budget had run out by that day."
            ),
            lambda: _budget_chart(daily, runs),
        ),
        (
            "generation_sizes",
            "cascade",
            N_(
                "Generation 0 is the seeds, KOLs and people who came by the outside channel; "
                "generation g + 1 are the people generation g brought in."
            ),
            lambda: charts.generation_sizes(runs, generations=generations, members=members),
        ),
        (
            "generation_share",
            "cascade",
            N_(
                "Where the joins came from: the share of joined members in each generation "
                "(generation 0 here means the outside channel)."
            ),
            lambda: charts.generation_share(runs, generations=generations, members=members),
        ),
        (
            "k_by_generation",
            "cascade",
            N_(
                "K-factor: people brought in per member. Left: ordinary members, generation by "
                "generation (generation 1 was invited by the starters); below the dotted line "
                "(K = 1) each generation is smaller than the one before. Right: what one seed "
                "user and one KOL brought in, apart: starters share far more."
            ),
            lambda: charts.k_by_generation(runs, generations=generations, members=members),
        ),
        (
            "segment_mix",
            "quality",
            N_(
                "Joined members by latent segment (the 271 rule): payers buy, convertible "
                "members may, junk members (coupon hunters) never do."
            ),
            lambda: charts.segment_mix(runs, members=members),
        ),
    ]
    if "fraud_loss" in runs.columns:  # fake accounts modelled in some scenario
        entries.append(
            (
                "fraud_loss",
                "risk",
                N_(
                    "Lures and rewards paid, by design (mean over runs): what reached genuine "
                    "members, and what fake accounts (farms, second accounts, rings) took; the "
                    "whisker spans the loss's 5th to 95th percentile over runs."
                ),
                lambda: charts.fraud_loss_by_design(runs),
            )
        )
    if "cut_off_day" in runs.columns:  # platform risk modelled in some scenario
        days = int(daily["day"].max()) if len(daily) else 0
        entries.append(
            (
                "platform_survival",
                "risk",
                N_(
                    "The share of runs the platform had not yet cut off (blocked the link or "
                    "the share interface) by the end of each day. Bargain and assistance "
                    "mechanics draw more enforcement per share."
                ),
                lambda: charts.platform_survival(runs, days),
            )
        )
    groups = getattr(results, "groups", None)  # groups.parquet: groups that live and die
    if groups is not None or "joined_store" in runs.columns:
        entries += [
            (
                "group_survival",
                "groups",
                N_(
                    "The share of chat groups alive at each week's end, through the campaign "
                    "and the value horizon: median line, 90% band over runs. A group whose "
                    "activity stayed below the threshold for the set number of days is dead "
                    "(死群): shares into it reach nobody and its members drift out."
                ),
                lambda: charts.group_survival(groups, runs),
            ),
            (
                "group_activity",
                "groups",
                N_(
                    "Activity (0-1) of a sample of groups in one run of each scenario: it "
                    "decays day by day and owners' activities, events, shares and purchases "
                    "lift it; members notice a share with the groups' attention × activity."
                ),
                lambda: charts.group_activity(groups, runs),
            ),
            (
                "joins_by_channel",
                "groups",
                N_(
                    "Members joined by how they came: on a friend's invitation, on their own "
                    "(outside channel), or scanning a store's group QR code; mean over runs, "
                    "the whisker the 90% band of the total."
                ),
                lambda: charts.joins_by_channel(runs),
            ),
        ]
    params = charts.swept_parameters(runs, config)
    if params:
        entries.append(
            (
                "sweep",
                "sweep",
                N_(
                    "A grid parameter: each sweep point's mean over its runs, the bar its middle "
                    "90% of runs, straight lines between points (nothing is smoothed between "
                    "grid values). A sampled parameter (lhs, sobol): every run a dot, the line "
                    "a local-linear trend (tricube weights over the nearest 60% of runs)."
                ),
                lambda: charts.sweep_scatter(
                    runs, params, log_params=charts.log_parameters(config)
                ),
            )
        )
    if (config.get("sweep") or {}).get("method") == "sobol":
        entries.append(
            (
                "sobol",
                "sweep",
                N_(
                    "S1: share of an outcome's variance over the sweep explained by the "
                    "parameter alone; ST: including its interactions with the others."
                ),
                lambda: charts.sobol_bars(results.sensitivity),
            )
        )

    def tree() -> go.Figure:
        if members is None:
            raise ChartUnavailable(_(charts.MEMBERS_HINT))
        run_id = charts.representative_run(runs) if tree_run is None else tree_run
        return charts.referral_tree(members, run_id, runs=runs)

    entries.append(
        (
            "referral_tree",
            "tree",
            N_(
                "Who brought in whom in one typical run (the first scenario's run with the "
                "median number joined). Colour: generation; size: people brought in."
            ),
            tree,
        )
    )
    out = []
    for key, section, caption, build in entries:
        caption = _(caption).format(bands=charts.BANDS_AT_MOST)
        try:
            out.append(Chart(key, section, caption, figure=build()))
        except ChartUnavailable as why:
            out.append(Chart(key, section, caption, note=str(why)))
    return out


def _gross_margin(config: dict[str, Any]) -> float:
    """The study's ``behaviour.gross_margin`` (the config's default when it is not set)."""
    from sim.config import BehaviourConfig

    default = BehaviourConfig.model_fields["gross_margin"].default
    return float((config.get("behaviour") or {}).get("gross_margin", default))


def _budget_chart(daily, runs) -> go.Figure:
    """The budget burning down, unless it never ran out: then a note says so."""
    never = "budget_exhausted_day" in runs and runs["budget_exhausted_day"].isna().all()
    if never and "budget_left" in daily and daily["budget_left"].notna().any():
        left = float(daily.loc[daily["day"] == daily["day"].max(), "budget_left"].median())
        raise ChartUnavailable(
            _("No run ran out of budget; a median of {left} yuan was left on the last day.").format(
                left=units.number(left, "yuan")
            )
        )
    return charts.budget_burndown(daily, runs)


# ----------------------------------------------------------------------------- page


def _table_html(results: Results) -> str:
    """The comparison table as ``fission run`` prints it, best cells marked, units in
    the headings; for a one-scenario study the summary (mean, middle 90% of runs)."""
    scenarios = charts.scenario_order(results.runs)
    if len(scenarios) > 1:
        compared = results.compare()
        cells = charts.comparison_cells(compared)
        outcomes = list(dict.fromkeys(cells["outcome"]))
        keyed = cells.set_index(["scenario", "outcome"])
        head = "".join(f"<th>{html.escape(units.heading(o))}</th>" for o in outcomes)
        body = []
        for s in scenarios:
            row = [f'<th scope="row">{html.escape(s)}</th>']
            for o in outcomes:
                text, mark = keyed.loc[(s, o), ["text", "mark"]]
                sign = {"best": " *", "indistinct": " ~"}.get(mark, "")
                css = f' class="{mark}"' if mark else ""
                row.append(f"<td{css}>{html.escape(text)}{sign}</td>")
            body.append("<tr>" + "".join(row) + "</tr>")
        points = results.runs["point"].nunique() if "point" in results.runs else 1
        pooled = (
            " "
            + _(
                "Each scenario pools its {points} sweep points: the sweep section shows them "
                "point by point."
            ).format(points=points)
            if points > 1
            else ""
        )
        legend = _(
            "mean [5th, 95th percentile] over runs. <b>*</b> best scenario on the outcome; "
            "<b>~</b> its difference from the best is not distinguishable from noise "
            "(paired test, 95%, replicate r of every scenario shares random numbers). "
            "Total cost is shown, not ranked: a cost alone is no decision. – : undefined "
            "(nobody paid, or nothing was spent)."
        )
        return (
            '<table class="comparison" id="comparison-table"><thead><tr>'
            f"<th>{html.escape(_('scenario'))}</th>"
            f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f'<p class="legend">{legend}{html.escape(pooled)}</p>'
        )
    summary = results.summary_table()
    body = []
    for metric, r in summary.iterrows():
        unit = units.unit_of(str(metric))
        values = "".join(
            f"<td>{html.escape(units.quantity(r[c], unit))}</td>" for c in ("mean", "p5", "p95")
        )
        body.append(
            f'<tr><th scope="row">{html.escape(charts.label(str(metric)))}</th>{values}'
            f"<td>{int(r['runs'])}</td></tr>"
        )
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (_("outcome"), _("mean"), _("5th percentile"), _("95th percentile"), _("runs"))
    )
    legend = _(
        'Empty values are dropped first; "runs" says how many were left (e.g. the day the '
        "budget ran out, over the runs where it did)."
    )
    return (
        f'<table class="comparison" id="summary-table"><thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table>"
        f'<p class="legend">{html.escape(legend)}</p>'
    )


POINT_ROWS = 300  # rows of the per-point table in the page; the CSV holds them all


def _points_html(results: Results) -> str:
    """The sweep point by point (``Results.points()``), or "" without a sweep."""
    points = results.points()
    if points is None:
        return ""
    params = results.swept()
    outcomes = list(dict.fromkeys(points["outcome"]))
    several = points["scenario"].nunique() > 1
    keyed = points.set_index(["scenario", "point", "outcome"])
    head = (f"<th>{html.escape(_('scenario'))}</th>" if several else "") + (
        f"<th>{html.escape(_('point'))}</th>"
    )
    head += "".join(f"<th>{html.escape(charts.parameter_label(p))}</th>" for p in params)
    head += f"<th>{html.escape(_('runs'))}</th>"
    head += "".join(f"<th>{html.escape(units.heading(o))}</th>" for o in outcomes)
    body = []
    groups = list(points.groupby(["scenario", "point"], sort=False))
    for (s, point), part in groups[:POINT_ROWS]:
        cells = [f"<td>{html.escape(str(s))}</td>"] if several else []
        cells.append(f"<td>{point}</td>")
        cells += [f"<td>{part[p].iloc[0]:,.4g}</td>" for p in params]
        cells.append(f"<td>{int(part['runs'].max())}</td>")
        for o in outcomes:
            r = keyed.loc[(s, point, o)]
            text = units.interval(r["mean"], r["p5"], r["p95"], units.unit_of(o))
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = len(groups) - POINT_ROWS
    note = (
        " "
        + _("The first {shown} of {count} points are shown.").format(
            shown=POINT_ROWS, count=len(groups)
        )
        if more > 0
        else ""
    )
    legend = _(
        "mean [5th, 95th percentile] over each sweep point's own runs (not pooled across "
        "points). All points: {file}."
    ).format(file=POINTS_FILE)
    return (
        f"<h3>{html.escape(_('Point by point'))}</h3>"
        '<div class="scroll"><table class="comparison" '
        f'id="points-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
        f'</table></div><p class="legend">{html.escape(legend + note)}</p>'
    )


def _facts(results: Results) -> list[tuple[str, str]]:
    config, manifest, runs = results.config or {}, results.manifest or {}, results.runs
    experiment = config.get("experiment", {})
    graph = config.get("graph", {})
    sweep = config.get("sweep") or {}
    facts = [
        (_("runs"), f"{len(runs):,}"),
        (_("scenarios"), ", ".join(charts.scenario_order(runs))),
        (_("replicates"), str(experiment.get("replicates", runs["replicate"].nunique()))),
        (_("days"), str(experiment.get("days", int(results.daily["day"].max())))),
    ]
    if sweep:
        points = runs["point"].nunique() if "point" in runs.columns else "?"
        over = ", ".join(sweep.get("params", {}))
        facts.append(
            (
                _("sweep"),
                _("{method}, {points} points over {over}").format(
                    method=sweep.get("method"), points=points, over=over
                ),
            )
        )
    if graph:
        size = f", n = {graph['n']:,}" if "n" in graph else ""
        kind = option_label("graph.kind", str(graph.get("kind")))
        facts.append((_("graph"), f"{kind}{size}"))
    lure, reward = config.get("lure", {}), config.get("reward", {})
    if lure or reward:
        budget = reward.get("budget")
        money = (
            _("budget {budget} yuan").format(budget=f"{budget:,.0f}")
            if budget is not None
            else _("no budget limit")
        )
        incentives = _("lure {lure}, reward {reward}, {money}").format(
            lure=option_label("lure.kind", str(lure.get("kind"))),
            reward=option_label("reward.rule", str(reward.get("rule"))),
            money=money,
        )
        varied = _varied_keys(config, ("lure.", "reward."))
        if varied:
            incentives = _("vary by scenario or sweep point: {keys} (the base: {base})").format(
                keys=", ".join(varied), base=incentives
            )
        facts.append((_("incentives"), incentives))
    kept = _("kept") if results.members is not None else _("not kept")
    facts.append((_("members table"), kept))
    names = {
        "finished": N_("finished"),
        "fission_version": N_("fission version"),
        "config_hash": N_("config hash"),
        "root_seed": N_("root seed"),
    }
    for key, name in names.items():
        if key in manifest:
            facts.append((_(name), str(manifest[key])))
    return facts


def _varied_keys(config: dict[str, Any], prefixes: tuple[str, ...]) -> list[str]:
    """The keys with these prefixes that a scenario or the sweep changes, in order."""
    keys: dict[str, None] = {}
    for scenario in config.get("scenarios") or []:
        keys.update(dict.fromkeys((scenario.get("set") or {}).keys()))
    keys.update(dict.fromkeys(((config.get("sweep") or {}).get("params") or {}).keys()))
    return [k for k in keys if k.startswith(prefixes)]


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
       "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0;
       color: #222; background: #fafafa; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 1.6rem; margin: 0.2em 0; }
h2 { font-size: 1.25rem; margin-top: 2em; border-bottom: 1px solid #ddd; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px;
           font-size: 0.9rem; }
dl.facts dt { color: #666; }
dl.facts dd { margin: 0; }
nav { font-size: 0.9rem; margin: 12px 0; }
nav a { margin-right: 14px; }
figure.chart { margin: 18px 0; background: white; border: 1px solid #e4e4e4;
               border-radius: 4px; padding: 8px; }
figure.chart figcaption { font-size: 0.88rem; color: #555; margin: 4px 8px; }
div.plot { width: 100%; }
div.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 10px 14px;
           font-size: 0.92rem; }
table.comparison { border-collapse: collapse; font-size: 0.88rem; background: white; }
table.comparison th, table.comparison td { border: 1px solid #ddd; padding: 5px 9px;
                                           text-align: left; white-space: nowrap; }
table.comparison thead th { background: #f0f0f0; }
td.best { background: #d8f0e4; font-weight: bold; }
td.indistinct { background: #eef5fb; }
p.legend { font-size: 0.85rem; color: #555; }
.scroll { overflow-x: auto; }
"""

_LOADER = """
(function () {
  var config = %s;
  var drawn = [];
  document.querySelectorAll('script[type="application/json"][data-chart]').forEach(
    function (node) {
      var key = node.getAttribute('data-chart');
      var fig = JSON.parse(node.textContent);
      var options = Object.assign({}, config, {toImageButtonOptions: {filename: key}});
      drawn.push(Plotly.newPlot('plot-' + key, fig.data, fig.layout, options));
    });
  Promise.all(drawn).then(function () {
    // milliseconds from navigation to every chart drawn (read by benchmarks/bench_report.py)
    document.body.setAttribute('data-ready-ms', Math.round(performance.now()));
    document.body.setAttribute('data-ready', 'true');
  });
})();
"""


def _json_for_html(figure: go.Figure) -> str:
    """A figure as JSON safe inside a <script> element."""
    text = pio.to_json(figure, validate=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(results: Results, chart_list: list[Chart], files: tuple[str, ...] = ()) -> str:
    """The whole report page as one HTML string (plotly.js inlined once). ``files`` are
    files beside the report it links to (the Excel workbook, the per-point table)."""
    name = str((results.config or {}).get("experiment", {}).get("name", "experiment"))
    name = str((results.manifest or {}).get("experiment", name))
    page_title = _("Fission report: {name}").format(name=name)
    facts = "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in _facts(results)
    )
    if files:
        links = ", ".join(f'<a href="{html.escape(f)}">{html.escape(f)}</a>' for f in files)
        facts += f"<dt>{html.escape(_('files'))}</dt><dd>{links}</dd>"
    one = len(charts.scenario_order(results.runs)) == 1
    titles = section_titles()
    first_title = _("Outcomes") if one else titles["comparison"]
    present = {"comparison"} | {c.section for c in chart_list}
    titles["comparison"] = first_title
    nav = "".join(
        f'<a href="#{key}">{html.escape(title)}</a>'
        for key, title in titles.items()
        if key in present
    )
    parts = [
        f'<section id="comparison"><h2>{html.escape(first_title)}</h2>'
        f'<div class="scroll">{_table_html(results)}</div></section>'
    ]
    for section, title in titles.items():
        if section == "comparison":
            continue
        members = [c for c in chart_list if c.section == section]
        if not members:
            continue
        parts.append(f'<section id="{section}"><h2>{html.escape(title)}</h2>')
        if section == "sweep":
            parts.append(_points_html(results))
        for chart in members:
            caption = f"<figcaption>{html.escape(chart.caption)}</figcaption>"
            if chart.figure is None:
                note = html.escape(chart.note or "").replace("`", "")
                parts.append(
                    f'<figure class="chart" id="{chart.key}"><div class="note">'
                    f"<b>{html.escape(chart_name(chart.key))}:</b> {note}</div>"
                    f"{caption}</figure>"
                )
                continue
            parts.append(
                f'<figure class="chart" id="{chart.key}"><div class="plot" '
                f'id="plot-{chart.key}"></div>{caption}'
                f'<script type="application/json" data-chart="{chart.key}">'
                f"{_json_for_html(chart.figure)}</script></figure>"
            )
        parts.append("</section>")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{HTML_LANG[current()]}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(page_title)}</title>"
        f"<style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body>"
        f"<header><h1>{html.escape(page_title)}</h1>"
        f'<dl class="facts">{facts}</dl><nav>{nav}</nav></header>'
        f"<main>{''.join(parts)}</main>"
        f"<script>{_LOADER % json.dumps(charts.plotly_config(**PLOTLY_CONFIG))}</script>"
        "</body></html>\n"
    )


def export_images(results: Results, chart_list: list[Chart], folder: Path) -> list[Path]:
    """Write every drawn chart, and the comparison table, as ``folder/<key>.png`` and
    ``.svg`` (one kaleido batch; needs Chromium and the ``images`` extra). Returns the
    files written."""
    require("images", "image export (--images)")
    figures: dict[str, go.Figure] = {}
    if len(charts.scenario_order(results.runs)) > 1:
        figures["comparison"] = charts.comparison_figure(results.compare())
    figures.update({c.key: c.figure for c in chart_list if c.figure is not None})
    make_dirs(folder)
    remove_leftovers(folder)
    # kaleido writes into a temporary folder; each file is then made durable and renamed
    # into place, so a kill leaves every image whole (old or new)
    staging = temp_dir(folder.parent, folder.name)
    try:
        figs, names, formats, heights = [], [], [], []
        for key, figure in figures.items():
            for fmt in ("png", "svg"):
                figs.append(figure)
                names.append(f"{key}.{fmt}")
                formats.append(fmt)
                heights.append(int(figure.layout.height or 500))
        widths = [int(f.layout.width or IMAGE_WIDTH) for f in figs]
        try:
            pio.write_images(
                figs,
                [staging / n for n in names],
                format=formats,
                width=widths,
                height=heights,
            )
        except Exception as err:  # kaleido's errors name neither the cause nor the cure
            raise RuntimeError(
                f"image export failed: {err}. kaleido draws with Chromium: install it "
                "(apt-get install chromium) or point BROWSER_PATH at a Chrome or Chromium"
            ) from err
        for name in names:
            commit(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in names]


def write_report(
    folder: str | Path,
    *,
    images: bool = False,
    tree_run: int | None = None,
    results: Results | None = None,
) -> Path:
    """Build ``folder/report.html`` from the saved tables in ``folder`` (and, with
    ``images``, ``folder/images/*.png|svg``). ``results`` skips re-reading the folder
    when the caller already holds it. Returns the report's path."""
    if images:
        require("images", "image export (--images)")  # before anything is (re)written
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a finished Fission results folder (no such folder)")
    # The folder's lock, as a run's: the report is not written while a run changes the
    # tables, nor a run started while the report is written.
    with FolderLock(folder):
        if results is None:
            results = Results.load(folder)
        elif results.manifest and _manifest(folder) != results.manifest:
            raise ConfigError(
                f"{folder}: its results changed after these were read (another run "
                f"replaced them); run `fission report {folder}`"
            )
        remove_leftovers(folder)
        chart_list = report_charts(results, tree_run=tree_run)
        path = folder / "report.html"
        files = tuple(f for f in (WORKBOOK_FILE, POINTS_FILE) if (folder / f).is_file())
        write_text(path, render_html(results, chart_list, files))
        if images:
            export_images(results, chart_list, folder / "images")
    return path


def _manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
