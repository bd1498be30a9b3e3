"""Writing a fit: posterior.parquet, summary.json, predictive.parquet, config.toml and
report.html (plotly, offline; in the current language, ``sim.lang``), all into a
temporary folder moved into place at the end.

The report shows each parameter's posterior against its prior, the pilot's daily
columns (named as the outputs declare them) or the cascade sizes against the model's
predictive bands, and the checks in words (``check_texts``, which the terminal prints
too)."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.fit import BAND, Fit
from sim.config import ConfigError
from sim.files import make_dirs, replace_folder, temp_dir, write_parquet, write_text
from sim.lang import N_, _, current
from sim.registry import find

FILES = ("posterior.parquet", "summary.json", "predictive.parquet", "config.toml", "report.html")
COLORS = {"posterior": "#1f77b4", "prior": "#b0b0b0", "observed": "#d62728"}
SOURCE_NAMES = {"posterior": N_("posterior"), "prior": N_("prior"), "observed": N_("observed")}
HISTOGRAM_BINS = 30  # bins over the prior's range, in each posterior's chart


def column_label(column: str) -> str:
    """A pilot's column as the daily table declares it, in the current language:
    "new members (people)" for ``new_joins``; the name itself when undeclared."""
    declared = find(column, table="daily")
    return _(declared.label) if declared is not None and declared.label else column


def check_texts(fit: Fit) -> list[str]:
    """The fit's checks (``Fit.checks``) in words, in the current language."""
    texts = []
    for key, value in fit.checks.items():
        if key.endswith("_cumulative_days_in_band"):
            column = key.removesuffix("_cumulative_days_in_band")
            texts.append(
                _(
                    "{column}, summed day by day: the pilot is inside the posterior's 90% "
                    "band on {share} of its days"
                ).format(column=column_label(column), share=f"{value:.0%}")
            )
        elif key == "from_observed_first_adopters":
            texts.append(
                _("simulated cascades start from the observed first adopters")
                if value
                else _(
                    "simulated cascades start from random people (the observed first "
                    "adopters are not all in the graph)"
                )
            )
        elif key == "observed_cascades":
            texts.append(_("observed cascades: {n}").format(n=f"{value:,.0f}"))
        elif key.startswith("ks_size_"):
            source = key.removeprefix("ks_size_")
            texts.append(
                _(
                    "cascade sizes, {source} against observed: Kolmogorov-Smirnov distance "
                    "{d} (0: the same distribution, 1: none alike)"
                ).format(source=_(SOURCE_NAMES.get(source, source)), d=f"{value:.3f}")
            )
        else:
            texts.append(f"{key}: {value:.4g}")
    return texts


def check_out(out: str | Path) -> Path:
    """Refuse a folder that holds something other than an earlier fit (before fitting)."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ConfigError(f"--out {out}: is a file")
        others = [p.name for p in out.iterdir() if p.name not in FILES]
        if others:
            raise ConfigError(f"--out {out}: not a calibration folder (has {others[0]})")
    return out


def predictive_frame(fit: Fit) -> pd.DataFrame:
    """The predictive runs as a long table: source (posterior or prior), draw, then
    day and the pilot's columns (daily) or cascade and adopters by each day."""
    parts = []
    if fit.kind == "daily":
        columns = [c for c in fit.observed.columns if c != "day"]
        for label, runs in fit.predictive.items():
            draws, days, _ = runs.shape
            frame = pd.DataFrame(runs.reshape(draws * days, -1), columns=columns)
            frame.insert(0, "day", np.tile(np.arange(1, days + 1), draws))
            frame.insert(0, "draw", np.repeat(np.arange(draws), days))
            frame.insert(0, "source", label)
            parts.append(frame)
    else:
        for label, runs in fit.predictive.items():
            for j, curves in enumerate(runs):
                frame = pd.DataFrame(curves, columns=[f"day_{d}" for d in range(curves.shape[1])])
                frame.insert(0, "cascade", np.arange(len(curves)))
                frame.insert(0, "draw", j)
                frame.insert(0, "source", label)
                parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def _posterior_figures(fit: Fit) -> list:
    """Each parameter's posterior (weighted particles) against its uniform prior, as
    shares of probability per bin over the prior's range (log-spaced bins for a log
    prior), with the estimate and the 90% interval marked."""
    import plotly.graph_objects as go

    from sim.charts import template

    weights = fit.samples["weight"].to_numpy(float)
    figures = []
    for row in fit.table.itertuples(index=False):
        low, high = float(row.prior_low), float(row.prior_high)
        if row.log:
            edges = np.geomspace(low, high, HISTOGRAM_BINS + 1)
        else:
            edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
        values = fit.samples[row.parameter].to_numpy(float)
        posterior, _edges = np.histogram(values, bins=edges, weights=weights)
        posterior = posterior / max(weights.sum(), 1e-300)
        prior = np.full(HISTOGRAM_BINS, 1 / HISTOGRAM_BINS)
        fig = go.Figure()
        for label, shares in (("prior", prior), ("posterior", posterior)):
            fig.add_trace(
                go.Scatter(
                    x=edges,
                    y=np.append(shares, shares[-1]),
                    mode="lines",
                    line={"shape": "hv", "color": COLORS[label], "width": 2},
                    fill="tozeroy" if label == "posterior" else None,
                    name=_(SOURCE_NAMES[label]),
                    hovertemplate=_("{source}: {share} of the probability from {value}").format(
                        source=_(SOURCE_NAMES[label]), share="%{y:.1%}", value="%{x:.4g}"
                    )
                    + "<extra></extra>",
                )
            )
        top = float(max(posterior.max(), prior.max()))
        marks = (
            (row.estimate, "solid", _("estimate (weighted median)")),
            (row.low, "dot", _("90% low")),
            (row.high, "dot", _("90% high")),
        )
        for x, dash, name in marks:  # traces, on the axis's own scale (linear or log)
            fig.add_trace(
                go.Scatter(
                    x=[x, x],
                    y=[0, top],
                    mode="lines",
                    line={"color": COLORS["posterior"], "dash": dash, "width": 1},
                    showlegend=False,
                    hovertemplate=f"{html.escape(name)}: {x:.4g}<extra></extra>",
                )
            )
        fig.update_layout(
            template=template(),
            title=_(
                "{parameter}: posterior against prior (line: estimate; dotted: 90% interval)"
            ).format(parameter=row.parameter),
            xaxis={"title": row.parameter, "type": "log" if row.log else "linear"},
            yaxis={"title": _("share of the probability, per bin"), "tickformat": ".0%"},
            height=360,
        )
        figures.append(fig)
    return figures


def _figures(fit: Fit) -> list:
    import plotly.graph_objects as go

    from sim.charts import template

    figures = _posterior_figures(fit)
    if fit.kind == "daily":
        days = fit.observed["day"].to_numpy()
        for j, column in enumerate(c for c in fit.observed.columns if c != "day"):
            fig = go.Figure()
            for label in ("prior", "posterior"):
                cum = np.cumsum(fit.predictive[label][:, :, j], axis=1)
                _add_band(fig, days, cum, label)
            fig.add_trace(
                go.Scatter(
                    x=days,
                    y=np.cumsum(fit.observed[column]),
                    mode="markers+lines",
                    name=_("observed"),
                    line={"color": COLORS["observed"]},
                )
            )
            fig.update_layout(
                template=template(),
                title=_(
                    "{column}, summed day by day: the pilot against the model's 90% bands"
                ).format(column=column_label(column)),
                xaxis_title=_("campaign day (day)"),
                yaxis_title=_("{column}, summed to the day").format(column=column_label(column)),
            )
            figures.append(fig)
    else:
        observed = fit.observed[:, -1]
        fig = go.Figure()
        grid = np.unique(
            np.concatenate([observed, *[r[:, -1] for r in fit.predictive["posterior"]]])
        )
        for label in ("prior", "posterior"):
            ccdf = np.array(
                [
                    [(r[:, -1] >= g).mean() if len(r) else 0.0 for g in grid]
                    for r in fit.predictive[label]
                ]
            )
            _add_band(fig, grid, ccdf, label)
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=[(observed >= g).mean() for g in grid],
                mode="lines",
                name=_("observed"),
                line={"color": COLORS["observed"], "width": 2},
            )
        )
        fig.update_layout(
            template=template(),
            title=_("Cascade sizes: share of cascades with at least x adopters"),
            xaxis={"type": "log", "title": _("adopters")},
            yaxis={"type": "log", "title": _("share of cascades")},
        )
        figures.append(fig)
    return figures


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def report_html(fit: Fit) -> str:
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    from sim.charts import plotly_config

    table = fit.table[["parameter", "estimate", "low", "high", "prior_low", "prior_high"]]
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False)
    )
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (
            _("parameter"),
            _("estimate (weighted median)"),
            _("90% low"),
            _("90% high"),
            _("prior low"),
            _("prior high"),
        )
    )
    checks = "".join(f"<li>{html.escape(text)}</li>" for text in check_texts(fit))
    config = plotly_config(displaylogo=False)
    plots = "".join(
        pio.to_html(f, include_plotlyjs=False, full_html=False, config=config)
        for f in _figures(fit)
    )
    name = fit.problem.config.experiment.name
    kind = {"daily": _("daily counts"), "cascades": _("cascades")}.get(fit.kind, fit.kind)
    title = html.escape(_("Calibration: {name}").format(name=name))
    heading = html.escape(_("Calibration of {name} to {kind}").format(name=name, kind=kind))
    summary = html.escape(
        _(
            "ABC-SMC (pyabc): {generations} generations, {particles} particles, "
            "{simulations} simulations; final threshold {epsilon}, weighted median distance "
            "of the posterior particles {distance}."
        ).format(
            generations=fit.generations,
            particles=len(fit.samples),
            simulations=fit.simulations,
            epsilon=f"{fit.epsilon:.4g}",
            distance=f"{fit.distance:.4g}",
        )
    )
    check = html.escape(_("Posterior-predictive check"))
    code = "zh-Hans" if current() == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{code}"><head><meta charset="utf-8"><title>{title}</title>
<script>{get_plotlyjs()}</script>
<style>body{{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:2em;max-width:1100px}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:4px 8px;text-align:right}}
</style></head><body>
<h1>{heading}</h1>
<p>{summary}</p>
<table><tr>{head}</tr>{rows}</table>
<h2>{check}</h2><ul>{checks}</ul>{plots}
</body></html>
"""


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write_fit(fit: Fit, out: str | Path) -> Path:
    """Write every file of the fit to ``out``, replacing an earlier fit there."""
    from sim.store import toml_text

    out = check_out(out)
    make_dirs(out.parent)
    # every file durable in a new folder (0o777 less the umask), then the folder renamed
    tmp = temp_dir(out.parent, out.name)
    try:
        write_parquet(fit.samples, tmp / "posterior.parquet")
        write_text(tmp / "summary.json", json.dumps(fit.summary(), indent=2) + "\n")
        write_parquet(predictive_frame(fit), tmp / "predictive.parquet")
        data = dict(fit.problem.data)
        data["calibration"] = fit.problem.spec.model_dump(mode="python", exclude_none=True)
        write_text(tmp / "config.toml", toml_text(data))
        write_text(tmp / "report.html", report_html(fit))
        replace_folder(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


def _add_band(fig: Any, x: np.ndarray, draws: np.ndarray, label: str) -> None:
    """The 90% band (5th-95th percentile over predictive draws) and median of one source."""
    import plotly.graph_objects as go

    lo, mid, hi = np.quantile(draws, (BAND[0], 0.5, BAND[1]), axis=0)
    color = COLORS[label]
    edge = {"mode": "lines", "line": {"width": 0}}
    fig.add_trace(go.Scatter(x=x, y=hi, showlegend=False, hoverinfo="skip", **edge))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=lo,
            fill="tonexty",
            fillcolor=_rgba(color, 0.2),
            name=_("{source} 90% band").format(source=_(SOURCE_NAMES[label])),
            **edge,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=mid,
            mode="lines",
            line={"color": color, "width": 2},
            name=_("{source} median").format(source=_(SOURCE_NAMES[label])),
        )
    )
