"""The charts speak the planner's language on hover (issue 17): every word a planner reads
in a figure (hover text, trace and legend names, titles, axis titles, annotations) is
translated, numbers are formatted by unit as the terminal writes them, and plotly.js's
own words (mode bar, box statistics) come from our catalogue through the page's config.

The check is derived from the catalogue, not from a list kept by hand: an English word
of our texts that no Chinese translation keeps (``members``, ``day``, ``median``, but not
``KOL`` or ``ROI``, which the translations keep) must not appear in a figure drawn in
Chinese."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

import sim
from scripts import update_translations as catalogue
from sim import charts, lang
from sim.charts.common import number, quantity
from sim.report import report_charts, write_report
from sim.results import Results

# A small study that draws every chart of the report: two scenarios with Chinese names,
# a grid sweep, members kept (the referral tree), a value horizon (payback, survival,
# value by source), a budget that runs out, KOLs, fake accounts, platform risk, chat
# groups that live and die and a store's QR code.
STUDY = {
    "experiment": {
        "name": "zh_hover",
        "days": 10,
        "replicates": 3,
        "seed": 5,
        "write_members": True,
    },
    "graph": {"kind": "powerlaw_cluster", "n": 400, "m": 3, "p_triangle": 0.3},
    "groups": {"source": "random", "mean_size": 40.0, "lifecycle": True},
    "seeds": {"count": 5},
    "behaviour": {"channel": {"direct": 0.4, "feed": 0.3, "group": 0.3}},
    "store": {"visitors_per_day": 5.0, "scan_share": 0.05},
    "lure": {"kind": "coupon", "value": 10.0},
    "reward": {"rule": "referrer", "amount": 6.0, "budget": 60.0},
    "population": {"kol_count": 1, "kol_fee": 50.0},
    "fraud": {"rate": 0.5},
    "platform": {"base_hazard": 0.01, "share_hazard": 0.05},
    "value": {"model": "bg_nbd", "horizon_days": 28},
    "scenarios": [
        {"name": "优惠券"},
        {"name": "现金红包", "set": {"lure.kind": "cash", "lure.value": 8.0}},
    ],
    "sweep": {"method": "grid", "params": {"seeds.count": [3, 6]}},
}
SCENARIOS = ("优惠券", "现金红包")

# What is not a word of prose: plotly placeholders, HTML tags and entities, code in
# backticks, options, and identifiers (config keys, file and column names: they hold a
# "." or "_"), which stay as written in every language.
_NOT_PROSE = re.compile(
    r"%\{[^}]*\}|<[^>]+>|&#?\w+;|`[^`]*`|--[\w-]+|\{[^{}]*\}|%\(\w+\)\w|[\w.]*[._][\w.]*\w"
)
_WORD = re.compile(r"[A-Za-z]{2,}")


def words(text: str) -> set[str]:
    """The English words of a text, lower case, leaving out what is not prose."""
    return {w.lower() for w in _WORD.findall(_NOT_PROSE.sub(" ", text))}


@pytest.fixture(scope="module")
def untranslated_words() -> set[str]:
    """English words of the catalogue's texts that no Chinese translation keeps. A word
    a translation keeps is a name or an abbreviation (KOL, ROI, PNG, Sobol, Excel): a
    lower-case English word in a translation is code it quotes (a CSV's columns)."""
    english, kept = set(), set()
    for message in catalogue.merged("zh", catalogue.template()):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= words(text)
        for text in strings:
            found = _WORD.findall(_NOT_PROSE.sub(" ", text or ""))
            kept |= {w.lower() for w in found if not w.islower()}
    return english - kept


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Results:
    out = tmp_path_factory.mktemp("zh") / "results"
    sim.run_experiment(STUDY, out)
    return Results.load(out)


def figure_texts(figure) -> list[str]:
    """Every text of a figure a planner reads: hover text, trace names (the legend),
    titles, axis titles, annotations, tick labels given as text."""
    texts = []
    for trace in figure.data:
        for attribute in ("hovertemplate", "name"):
            value = getattr(trace, attribute, None)
            if value:
                texts.append(str(value))
        for axis in ("x", "y"):  # categories: scenario names, sources, channels...
            values = getattr(trace, axis, None)
            if values is not None and len(values) and isinstance(values[0], str):
                texts += [str(v) for v in values]
    layout = figure.layout
    if layout.title and layout.title.text:
        texts.append(layout.title.text)
    for key in layout:
        if key.startswith(("xaxis", "yaxis")) and layout[key].title.text:
            texts.append(layout[key].title.text)
        if key.startswith("xaxis") and layout[key].unifiedhovertitle.text:
            texts.append(layout[key].unifiedhovertitle.text)
    texts += [a.text for a in layout.annotations or () if a.text]
    if layout.legend and layout.legend.title and layout.legend.title.text:
        texts.append(layout.legend.title.text)
    return texts


def test_the_catalogue_yields_the_words_to_look_for(untranslated_words):
    """The derived list holds the planner's English words and not the ones Chinese keeps."""
    assert {"members", "day", "median", "cost", "runs", "generation"} <= untranslated_words
    assert not {"kol", "roi", "png"} & untranslated_words


def test_every_report_chart_is_drawn_by_this_study(results):
    with lang.using("zh"):
        drawn = {c.key for c in report_charts(results) if c.figure is not None}
    assert drawn >= {
        "payback",
        "survival",
        "value_by_source",
        "cumulative_joins",
        "daily_joins",
        "cost_vs_paying",
        "roi",
        "cost_per_paying",
        "budget",
        "generation_sizes",
        "generation_share",
        "k_by_generation",
        "segment_mix",
        "fraud_loss",
        "platform_survival",
        "group_survival",
        "group_activity",
        "joins_by_channel",
        "sweep",
        "referral_tree",
    }


def test_chinese_figures_hold_no_english_word_of_the_catalogue(results, untranslated_words):
    sensitivity = pd.DataFrame(
        {
            "scenario": "优惠券",
            "outcome": "joined",
            "parameter": ["seeds.count", "lure.value"],
            "S1": [0.6, 0.1],
            "S1_conf": [0.05, 0.05],
            "ST": [0.7, 0.2],
            "ST_conf": [0.05, 0.05],
        }
    )
    with lang.using("zh"):
        figures = {c.key: c.figure for c in report_charts(results) if c.figure is not None}
        figures["small_multiples"] = charts.joins_small_multiples(results.daily)
        figures["sobol"] = charts.sobol_bars(sensitivity)
        figures["comparison"] = charts.comparison_figure(results.compare())
    english = {}
    for key, figure in figures.items():
        for text in figure_texts(figure):
            found = words(text) & untranslated_words
            if found:
                english.setdefault(key, []).append((sorted(found), text))
    assert not english, json.dumps(english, ensure_ascii=False, indent=1)


def hovers(figure) -> list[str]:
    return [t.hovertemplate for t in figure.data if getattr(t, "hovertemplate", None)]


def test_chinese_hover_text_has_the_translated_words_and_units(results):
    with lang.using("zh"):
        figures = {c.key: c.figure for c in report_charts(results) if c.figure is not None}
    joins = hovers(figures["cumulative_joins"])
    # one box for the day (its title names it), a line per scenario
    assert joins and all(h.startswith("<b>") and "<br>中位数 %{y:,.0f} 人" in h for h in joins)
    assert all("90% 区间" in h and "基于 %{customdata[2]} 次运行" in h for h in joins)
    cost = hovers(figures["cost_vs_paying"])
    assert any("总成本 %{x:,.0f} 元" in h and "付费会员 %{y:,.0f} 人" in h for h in cost)
    assert any(h.startswith("<b>优惠券</b>，第 %{customdata[0]} 次运行") for h in cost)
    budget = hovers(figures["budget"])
    assert any("中位数 %{y:,.0f} 元" in h for h in budget)  # budget left, whole yuan
    assert any("的运行已用完预算" in h for h in budget)
    survival = hovers(figures["survival"])
    assert any("%{y:.1%} 的已加入会员仍活跃（中位数）" in h for h in survival)
    k = hovers(figures["k_by_generation"])
    assert any("K = %{y:.2f}：每位会员带来的人数" in h for h in k)
    tree = hovers(figures["referral_tree"])
    assert any("邀请人：%{customdata[5]}" in h for h in tree)
    roles = {
        v
        for t in figures["referral_tree"].data
        if t.customdata is not None
        for v in t.customdata[:, 1]
    }
    assert roles <= {"会员", "种子用户", "KOL"} and "会员" in roles
    fraud = hovers(figures["fraud_loss"])
    assert any("因欺诈损失（均值）" in h and "%{y:,.0f} 元" in h for h in fraud)
    groups = hovers(figures["group_survival"])
    assert any("%{y:.1%} 的社群仍存活（中位数）" in h for h in groups)
    sweep = hovers(figures["sweep"])
    assert any("种子用户数 = %{x:,.4g}" in h and "均值：" in h for h in sweep)
    assert figures["cumulative_joins"].layout.xaxis.unifiedhovertitle.text == "第 %{x:,.0f} 天"


def test_english_hover_text_reads_as_before(results):
    with lang.using("en"):
        figure = charts.joins_over_time(results.daily)
    first = hovers(figure)[0]
    assert figure.layout.xaxis.unifiedhovertitle.text == "day %{x:,.0f}"
    assert first == (
        "<b>优惠券</b><br>median %{y:,.0f} people"
        "<br>90% band %{customdata[0]:,.0f} to %{customdata[1]:,.0f}"
        "<br>over %{customdata[2]} runs<extra></extra>"
    )


def test_hover_numbers_are_formatted_by_unit():
    assert number("y", "people") == "%{y:,.0f}"  # whole head-counts
    assert number("y", "share") == number("y", "ratio") == "%{y:.1%}"  # percentages
    assert number("y", "people per member") == "%{y:.2f}"
    assert quantity("y", "yuan") == "%{y:,.0f} yuan"
    assert quantity("x", "day") == "day %{x:,.0f}"
    assert quantity("y", "share") == "%{y:.1%}"
    with lang.using("zh"):
        assert quantity("y", "yuan") == "%{y:,.0f} 元"
        assert quantity("y", "people") == "%{y:,.0f} 人"
        assert quantity("x", "day") == "第 %{x:,.0f} 天"
    # an outcome's hover format follows its unit: a share as a percentage, people whole
    assert charts.common._fmt("junk_share") == ".1%"
    assert charts.common._fmt("joined") == ",.0f"


def test_plotly_words_come_from_the_catalogue_in_the_page_config():
    assert charts.plotly_config(displaylogo=False) == {"displaylogo": False}  # English
    with lang.using("zh"):
        config = charts.plotly_config(displaylogo=False)
    assert config["locale"] == "zh-CN"
    dictionary = config["locales"]["zh-CN"]["dictionary"]
    assert dictionary["median:"] == "中位数:"
    assert dictionary["Download plot as a PNG"] == "下载为 PNG 图片"
    assert dictionary["upper fence:"] == "上须:"
    assert all(text != word for word, text in dictionary.items() if word != "KOL")


def test_the_chinese_report_draws_with_the_chinese_plotly_locale(results):
    with lang.using("zh"):
        page = write_report(results.path, results=results).read_text(encoding="utf-8")
    loader = page[page.rindex("var config = ") :]
    config = json.loads(loader[len("var config = ") : loader.index(";\n")])
    assert config["locale"] == "zh-CN" and config["displaylogo"] is False
    assert config["locales"]["zh-CN"]["dictionary"]["q1:"] == "下四分位数:"
    # the captions of the risk and groups charts are translated too
    assert html.escape("每周结束时仍存活的社群占比") in page
    assert "Lures and rewards paid, by design" not in page


def test_the_app_draws_its_charts_with_the_tabs_language(results):
    pytest.importorskip("dash")
    from sim.app import ui

    with lang.using("zh"):
        views = ui.chart_views(results, keys=("roi",))
    graphs = [
        child
        for section in views
        if hasattr(section, "children") and isinstance(section.children, list)
        for figure in section.children
        for child in figure.children
        if type(child).__name__ == "Graph"
    ]
    assert len(graphs) == 1
    assert graphs[0].config["locale"] == "zh-CN"
    assert graphs[0].config["locales"]["zh-CN"]["dictionary"]["median:"] == "中位数:"
