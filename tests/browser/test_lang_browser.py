"""Chinese pages in a real browser: the report and the app in 简体中文 render Chinese as
glyphs (not boxes), the app's switch changes the language, an invalid value's error
shows under its field, and each chart of the app gets a row of its own.

How "glyphs, not boxes" is checked, from screenshots of the page's own font stack:

* ``一`` (one horizontal stroke) is drawn in a probe on the page and screenshotted; its
  ink is a flat line: at most 30% as tall as it is wide. A missing glyph is drawn as a
  box (.notdef, or a box holding the code point in hex), which is about as tall as wide:
  the same probe on a private-use character (U+E000, which no font has) shows that box,
  and must fail the same measure, so the measure is known to tell the two apart here;
* four different characters of the domain's words (裂变诱饵) give four different images,
  none equal to the box's image.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from sim import lang
from sim.app import params, ui
from sim.app.folders import Folders
from sim.app.server import AppServer
from sim.report import write_report
from tests.test_report import make_results

Image = pytest.importorskip("PIL.Image")

FLAT = "一"
WORDS = "裂变诱饵"
BOX = "\ue000"  # a private-use character: no font has it, so it is drawn as a box


def glyph_images(page: Page, text: str) -> list[bytes]:
    """Screenshots (PNG) of each character of ``text`` drawn alone, 48 px, in the font
    stack of the page's body, black on white."""
    page.evaluate(
        """text => {
            const box = document.createElement('div');
            box.id = 'glyph-probe';
            box.style.cssText = 'position:fixed;left:0;top:0;z-index:2147483647;' +
                'background:#fff;color:#000;font-size:48px;line-height:1;padding:8px';
            box.style.fontFamily = getComputedStyle(document.body).fontFamily;
            for (const ch of text) {
                const cell = document.createElement('span');
                cell.className = 'glyph';
                cell.textContent = ch;
                cell.style.cssText = 'display:inline-block;width:72px;height:72px;' +
                    'text-align:center;line-height:72px;background:#fff';
                box.appendChild(cell);
            }
            document.body.appendChild(box);
        }""",
        text,
    )
    cells = page.locator("#glyph-probe .glyph")
    shots = [cells.nth(i).screenshot() for i in range(cells.count())]
    page.evaluate("document.getElementById('glyph-probe').remove()")
    return shots


def ink_box(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels of the dark ink in a glyph's screenshot."""
    image = Image.open(io.BytesIO(png)).convert("L")
    ink = image.point(lambda v: 255 if v < 128 else 0)
    box = ink.getbbox()
    if box is None:
        return 0, 0
    return box[2] - box[0], box[3] - box[1]


def assert_chinese_renders_as_glyphs(page: Page) -> None:
    flat, box = glyph_images(page, FLAT + BOX)
    width, height = ink_box(flat)
    box_width, box_height = ink_box(box)
    if box_width and box_height:  # the measure tells a box from the stroke
        assert box_height > 0.6 * box_width, "the reference box is not box-shaped"
    assert width > 20 and height <= 0.3 * width, f"一 drawn {width}x{height}: a box?"
    words = glyph_images(page, WORDS)
    assert len(set(words)) == len(WORDS), "two characters drew the same shape (boxes?)"
    assert box not in words


# --- the report ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chinese_report(tmp_path_factory):
    results = make_results("scenarios", tmp_path_factory.mktemp("zh") / "scenarios")
    with lang.using("zh"):
        path = write_report(results.path, results=results)
    return path


def test_the_chinese_report_shows_chinese_glyphs_and_no_english_headings(
    page: Page, chinese_report, screenshots_dir
):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1300, "height": 900})
    page.goto(chinese_report.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.screenshot(path=str(screenshots_dir / "report_zh.png"), full_page=True)
    assert errors == []
    assert page.get_attribute("html", "lang") == "zh-Hans"
    expect(page.locator("h1")).to_contain_text("Fission 报告")
    expect(page.locator("#comparison h2")).to_have_text("场景对比")
    expect(page.locator("#comparison-table thead th").first).to_have_text("场景")
    title = page.evaluate("document.getElementById('plot-cost_vs_paying')._fullLayout.title.text")
    assert title == "成本与付费会员数，及有效前沿"
    assert_chinese_renders_as_glyphs(page)


def test_the_chinese_reports_hover_text_and_mode_bar_speak_chinese(
    page: Page, chinese_report, screenshots_dir
):
    """What plotly.js draws on hover (our hover text, a box's statistics, which are its
    own words) and its mode bar's tooltips, as a planner meets them in the browser."""
    page.set_viewport_size({"width": 1300, "height": 900})
    page.goto(chinese_report.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.locator("#plot-cumulative_joins").scroll_into_view_if_needed()
    page.evaluate("Plotly.Fx.hover('plot-cumulative_joins', {xval: 5})")
    text = page.locator("#plot-cumulative_joins .hoverlayer").text_content()
    assert text.startswith("第 5 天") and "中位数" in text and "人" in text and "90% 区间" in text
    page.screenshot(path=str(screenshots_dir / "report_zh_hover.png"))
    box = page.locator("#plot-roi .boxlayer .trace path.box").first
    box.scroll_into_view_if_needed()
    where = box.bounding_box()
    page.mouse.move(where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
    stats = page.locator("#plot-roi .hoverlayer")
    expect(stats).to_contain_text("中位数:")
    text = stats.text_content()
    for word in ("最大值:", "上四分位数:", "下四分位数:", "最小值:", "%"):
        assert word in text, text
    for english in ("median", "q1", "max:", "fence"):
        assert english not in text
    page.screenshot(path=str(screenshots_dir / "report_zh_box_hover.png"))
    buttons = page.locator("#plot-roi .modebar-btn")
    titles = [buttons.nth(i).get_attribute("data-title") for i in range(buttons.count())]
    assert "下载为 PNG 图片" in titles and "自动缩放" in titles and "重置坐标轴" in titles
    assert not [t for t in titles if re.search(r"[a-z]{3,}", t or "")], titles  # PNG stays


# --- the app ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("app_zh")
    places = Folders(
        graphs=params.DEFAULT_GRAPHS_DIR, save=root / "studies", results=root / "results"
    )
    app = AppServer("127.0.0.1", 0, folders=places, workers=1).start()
    yield app
    app.stop()


def open_in(page: Page, server: AppServer, code: str, width: int = 1400) -> None:
    """Open the app with the language switch set to ``code`` (its cookie)."""
    page.context.add_cookies([{"name": ui.LANG_COOKIE, "value": code, "url": server.url}])
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(server.url)
    expect(page.locator("#run")).to_be_enabled(timeout=20_000)


def test_the_app_speaks_chinese_and_shows_an_error_under_its_field(
    page: Page, server, screenshots_dir
):
    open_in(page, server, "zh")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    expect(page.locator("#run")).to_have_text("运行")
    expect(page.locator('div.field[title="seeds.count"] label')).to_contain_text("种子用户数")
    expect(page.locator('div.field[title="reward.budget"] label')).to_contain_text("（元）")
    expect(page.locator('div.field[title="lure.kind"] button.dash-dropdown')).to_contain_text(
        "优惠券"
    )
    assert_chinese_renders_as_glyphs(page)

    page.fill('input[name="lure.value"]', "-5")
    page.click("#run")
    under = page.locator('div.field[title="lure.value"] .field-error')
    expect(under).to_have_text("不能小于 0", timeout=20_000)
    expect(page.locator("#message")).to_have_text("lure.value: 不能小于 0")
    expect(page.locator('div.field[title="seeds.count"] .field-error')).to_have_text("")
    page.screenshot(path=str(screenshots_dir / "app_zh_invalid.png"), full_page=True)

    page.fill('input[name="lure.value"]', "5")
    page.click("#run")
    expect(under).to_have_text("", timeout=20_000)


def test_the_switch_changes_the_language(page: Page, server):
    open_in(page, server, "zh")
    page.locator("#lang-switch").click()
    page.get_by_role("option", name="English", exact=True).click()
    expect(page.locator("#run")).to_have_text("Run", timeout=20_000)
    expect(page.locator('div.field[title="seeds.count"] label')).to_contain_text("seed users")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[ui.LANG_COOKIE] == "en"


@pytest.mark.parametrize("width", [900, 1400])
def test_each_chart_of_a_run_gets_a_row_of_its_own(page: Page, server, screenshots_dir, width):
    open_in(page, server, "en", width=width)
    assert server.board.wait_ready(timeout=120)
    page.fill('input[name="experiment.replicates"]', "3")
    page.click("#run")
    figures = page.locator("#run-charts figure.chart")
    # the run's charts (the budget's only when it ran out): at least the three others
    expect(figures.nth(2)).to_be_visible(timeout=60_000)
    assert 3 <= figures.count() <= len(ui.RUN_CHARTS)
    boxes = [figures.nth(i).bounding_box() for i in range(figures.count())]
    lefts = {round(b["x"]) for b in boxes}
    assert len(lefts) == 1, f"charts side by side at {width} px: {boxes}"
    graphs = page.locator("#run-charts .js-plotly-plot")
    expect(graphs.first).to_be_visible()
    for i in range(graphs.count()):
        height = graphs.nth(i).bounding_box()["height"]
        assert height >= 400, f"chart {i} only {height} px tall"
    page.screenshot(path=str(screenshots_dir / f"app_charts_{width}.png"), full_page=True)
