"""The planner's language: the catalogue is whole and fresh, the language is chosen as
documented, and the faces speak it (terminal, CLI, report, app controls, errors)."""

from __future__ import annotations

import gettext
import re
import threading

import pandas as pd
import pytest

from scripts import update_translations as catalogue
from sim import lang, units
from sim.cli import main
from sim.messages import field_of, shown
from tests.conftest import EXPERIMENTS

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def english_by_default():
    """Each test starts from the system's language, whatever an earlier test set."""
    lang.set_language(None)
    yield
    lang.set_language(None)


# --- the catalogue ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def template():
    return catalogue.template()


def test_every_text_the_faces_show_has_a_chinese_translation(template):
    missing = catalogue.untranslated("zh")
    assert not missing, (
        f"{len(missing)} texts have no Chinese translation in "
        f"{catalogue.po_path('zh')} (run scripts/update_translations.py, then translate):\n"
        + "\n".join(f"  {m!r}" for m in missing)
    )


def test_the_catalogue_files_are_the_ones_the_script_writes():
    stale = catalogue.stale()
    assert not stale, (
        "stale: " + ", ".join(str(p) for p in stale) + (" (run scripts/update_translations.py)")
    )


def test_the_template_holds_the_code_texts_and_the_declared_ones(template):
    ids = {m.id for m in template if m.id}
    assert "friends each newcomer links to" in ids  # N_ in sim/wording.py
    assert "budget: unlimited" in ids  # _() in sim/terminal.py
    assert "members joined (people)" in ids  # an Output's label (sim/outputs)
    assert "K of members" in ids  # an Output's short heading
    assert "edges added per new person" in ids  # a config field's description


def test_a_column_declared_later_is_found_missing(template, monkeypatch):
    """A mechanism's new output reaches the catalogue (and this test) by being declared."""
    from sim.mechanism import Output

    new = Output("fraud_blocked", "people", "test column", label="accounts blocked (people)")
    monkeypatch.setattr("sim.registry.mechanism_outputs", lambda: (new,))
    assert "accounts blocked (people)" in catalogue.declared_messages()
    assert "accounts blocked (people)" in catalogue.untranslated("zh")


def test_placeholders_survive_translation():
    """A translation with other {placeholders} (or argparse's %(name)s, %s) than its text
    would fail at run time."""
    zh = lang.translations("zh")
    field = re.compile(r"\{[^{}]*\}|%\(\w+\)[a-z]|%[a-z]")
    wrong = []
    for message in catalogue.merged("zh", catalogue.template()):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if sorted(field.findall(string)) != sorted(field.findall(ids[-1])):
                wrong.append((ids[0], string))
    assert not wrong, wrong
    assert zh.gettext("budget: unlimited") == "预算：不设上限"


def test_the_compiled_catalogue_is_read_by_the_standard_library():
    found = gettext.find(lang.DOMAIN, lang.LOCALE_DIR, languages=["zh"])
    assert found is not None and found.endswith("zh/LC_MESSAGES/fission.mo")


# --- choosing the language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LC_MESSAGES": "en_GB", "LANG": "zh_CN"}, "en"),
        ({}, "en"),
    ],
)
def test_the_system_language_follows_lc_all_then_lang(environ, expected):
    assert lang.system_language(environ) == expected


def test_parse_language_accepts_locale_names_and_refuses_others():
    assert [lang.parse_language(t) for t in ("zh", "zh_CN.UTF-8", "zh-Hans", "EN_us")] == [
        "zh",
        "zh",
        "zh",
        "en",
    ]
    with pytest.raises(ValueError, match="en or zh"):
        lang.parse_language("fr")


def test_a_thread_speaks_its_own_language():
    """The app serves tabs in two languages at once: ``using`` is per thread."""
    seen: dict[str, str] = {}
    ready = threading.Barrier(2)

    def speak(code: str) -> None:
        with lang.using(code):
            ready.wait()
            seen[code] = lang._("budget: unlimited")

    threads = [threading.Thread(target=speak, args=(c,)) for c in ("zh", "en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"zh": "预算：不设上限", "en": "budget: unlimited"}
    assert lang.current() == lang.system_language()


# --- the faces --------------------------------------------------------------------------


def test_units_and_headings_are_translated():
    with lang.using("zh"):
        assert units.heading("joined") == "加入（人）"
        assert units.heading("roi") == "活动期 ROI（%）"
        assert units.quantity(27.71, "day") == "第 27.7 天"
        assert units.quantity(4001, "yuan") == "4,001 元"
        assert units.name("k_members") == "会员 K 因子"
    assert units.heading("joined") == "joined (people)"
    assert units.quantity(27.71, "day") == "day 27.7"


def test_the_app_controls_use_the_planners_words():
    from sim.app import params

    m = params.control_for("graph.m")
    assert m.label == "friends each newcomer links to"
    assert "edges" not in m.label and m.unit == ""
    with lang.using("zh"):
        assert m.label == "每位新人连接的好友数"
        budget = params.control_for("reward.budget")
        assert budget.shown_unit == "元"
        assert budget.allowed.endswith("留空 = 无")
        assert params.control_for("seeds.count").allowed.endswith("整数")


def test_errors_name_their_field_and_speak_the_language():
    message = "lure.value: Input should be greater than or equal to 0"
    assert field_of(message) == ("lure.value", "Input should be greater than or equal to 0")
    assert field_of("a config must be a table of sections") == (
        None,
        "a config must be a table of sections",
    )
    assert shown(message) == message  # English: exactly as the config said it
    with lang.using("zh"):
        assert shown(message) == "lure.value: 不能小于 0"
        assert shown("seeds.count: 'many' is not a whole number") == "seeds.count: 'many' 不是整数"


def test_the_app_puts_an_error_under_the_field_that_caused_it(tmp_path):
    from sim.app import actions, ui
    from sim.app.jobs import JobBoard

    keys = ["lure.value", "reward.tiers", "seeds.count"]
    assert ui.field_errors(keys, "reward.tiers.0.bonus", "x") == ["", "x", ""]
    assert ui.field_errors(keys, None, "x") == ["", "", ""]
    from sim.app import params

    values = params.form_values(params.start_data())
    values["lure.value"] = "-1"
    board = JobBoard(workers=1)
    try:
        with lang.using("zh"):
            job, message = actions.start_run(board, values, None)
    finally:
        board.shutdown()
    assert job is None and message.kind == "error"
    assert message.field == "lure.value"
    assert message.problem == "不能小于 0"
    assert message.text == "lure.value: 不能小于 0"


def test_the_terminal_speaks_chinese_and_keeps_chinese_names_aligned():
    from sim import terminal

    runs = pd.DataFrame(
        {
            "scenario": ["优惠券 10", "现金红包 8"],
            "joined": [100.0, 120.0],
        }
    )
    text = terminal.table(
        ["场景", "加入（人）"],
        [[s, f"{j:,.0f}"] for s, j in zip(runs.scenario, runs.joined, strict=True)],
    )
    lines = text.splitlines()
    widths = {terminal.display_width(line) for line in lines}
    assert len(widths) == 1, text  # every row ends in the same column
    with lang.using("zh"):
        summary = terminal.budget_lines(pd.DataFrame({"budget_exhausted_day": [None]}), {})
    assert summary == ["预算：不设上限"]


def test_cli_lang_zh_prints_chinese_and_en_english(tmp_path, capsys):
    config = EXPERIMENTS / "default.toml"
    assert main(["validate", str(config), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "有效" in out and "重复次数" in out
    assert main(["validate", str(config), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "valid." in out and not HAN.search(out.replace("种子用户", ""))


def test_cli_help_speaks_the_language(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help", "--lang", "zh"])
    out = capsys.readouterr().out
    assert "方案配置文件" in out and "示例：" in out


def test_cli_error_is_translated(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text((EXPERIMENTS / "default.toml").read_text(encoding="utf-8"), encoding="utf-8")
    code = main(["validate", str(bad), "--set", "lure.value=-1", "--lang", "zh"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == "fission：错误：lure.value: 不能小于 0"


def test_a_chinese_scenario_name_is_valid_and_its_files_stay_ascii(tmp_path):
    """Scenario names may be Chinese; the file names made from them (a saved study) are
    plain. (An experiment's name may be Chinese too: tests/test_results_folder.py.)"""
    from sim.app.folders import study_file
    from sim.study import load_study

    config = tmp_path / "中文方案.toml"
    text = (EXPERIMENTS / "default.toml").read_text(encoding="utf-8")
    text += '\n[[scenarios]]\nname = "优惠券 10"\nset = { "lure.value" = 10.0 }\n'
    text += '\n[[scenarios]]\nname = "现金红包 8"\nset = { "lure.kind" = "cash" }\n'
    config.write_text(text, encoding="utf-8")
    study = load_study(config, {})
    assert [s.name for s in study.scenarios] == ["优惠券 10", "现金红包 8"]
    with pytest.raises(Exception, match="save"):
        study_file(tmp_path, "优惠券/../x.toml")


# --- argparse's own words -----------------------------------------------------------------


def test_argparse_words_are_texts_argparse_says():
    """Each of ``lang.ARGPARSE_WORDS`` is a text this Python's argparse translates (a typo,
    or a text a later Python changed, would silently stay English)."""
    import argparse

    from babel.messages.extract import extract_from_file

    said = {
        message if isinstance(message, str) else message[0]
        for _line, message, _comments, _context in extract_from_file(
            "python", argparse.__file__, keywords={"_": None, "ngettext": (1, 2)}
        )
    }
    assert set(lang.ARGPARSE_WORDS) <= said, set(lang.ARGPARSE_WORDS) - said
    assert {"usage: ", "options", "show this help message and exit"} <= set(lang.ARGPARSE_WORDS)


@pytest.mark.parametrize("where", ["before", "after", "locale"])
def test_run_help_speaks_chinese_argparses_words_included(where, capsys, monkeypatch):
    if where == "locale":
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
        monkeypatch.delenv("LC_ALL", raising=False)
        monkeypatch.delenv("LC_MESSAGES", raising=False)
        argv = ["run", "--help"]
    else:
        argv = (
            ["--lang", "zh", "run", "--help"]
            if where == "before"
            else ["run", "--help", "--lang", "zh"]
        )
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：fission run [-h]")
    assert "位置参数" in out and "选项" in out
    assert "-h, --help            显示本帮助信息并退出" in out
    for english in ("usage:", "positional arguments", "options:", "show this help message"):
        assert english not in out


def test_a_usage_error_is_said_in_chinese_with_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--lang", "zh", "run"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：fission run")
    assert err.splitlines()[-1] == "fission run：错误：缺少以下必需的参数：config"
    with pytest.raises(SystemExit) as stop:
        main(["--lang", "zh", "frobnicate"])
    assert stop.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("fission：错误：参数 command：无效的选择：'frobnicate'（可选：'run', ")
    with pytest.raises(SystemExit):
        main(["run", "x.toml", "--workers", "many", "--lang", "zh"])
    last = capsys.readouterr().err.splitlines()[-1]
    assert last == "fission run：错误：参数 --workers：无效的 int 值：'many'"


def test_argparse_speaks_english_again_after_a_chinese_command(capsys, monkeypatch):
    """The global gettext set for argparse is put back: the domain and LANGUAGE."""
    import gettext
    import os

    monkeypatch.setenv("LANGUAGE", "en_GB")
    domain = gettext.textdomain()
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "run"])
    assert gettext.textdomain() == domain and os.environ["LANGUAGE"] == "en_GB"
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["--lang", "en", "run"])
    err = capsys.readouterr().err
    assert err.startswith("usage: fission run")
    assert "error: the following arguments are required: config" in err


# --- errors that name a field, file or option ----------------------------------------------


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("lure.value=inf", "lure.value: 必须是有限的数"),
        ("lure.kind=cashh", "lure.kind: cashh 不是可选项之一：none, cash, coupon,"),
        ("lure.max_helps=3", "lure.max_helps: lure.kind = 'coupon' 不接受这个键"),
        ("graph.kind=edgelist", "graph: graph.kind = 'edgelist' 需要 'path'"),
        ("graph.k=3", "graph: graph.kind = 'powerlaw_cluster' 不接受 k"),
        ("population.kol_count=0", "seeds.strategy 'kol' 需要 population.kol_count > 0"),
        (
            "seeds.count=99999",
            "seeds.count + population.kol_count = 100004，超过了网络中的 10000 人",
        ),
    ],
)
def test_config_errors_are_said_in_chinese_after_their_field(assignment, expected, capsys):
    overrides = ["--set", assignment]
    if assignment.startswith("population.kol_count"):
        overrides += ["--set", "seeds.strategy=kol"]
    code = main(["validate", str(EXPERIMENTS / "default.toml"), *overrides, "--lang", "zh"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fission：错误："), err
    assert expected in err, err


def test_file_and_folder_errors_are_said_in_chinese(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["validate", str(tmp_path / "none.toml"), "--lang", "zh"]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"fission：错误：{tmp_path / 'none.toml'}: 没有这个配置文件"
    )
    for command in (["report", str(missing)], ["export", str(missing), "--xlsx"]):
        assert main([*command, "--lang", "zh"]) == 2
        err = capsys.readouterr().err.strip()
        assert err == f"fission：错误：{missing}: 不是已完成的 Fission 结果文件夹（没有这个文件夹）"
    assert not missing.exists()  # export made no folder (nor a lock file in one)


def test_a_nested_subject_is_kept_and_the_problem_translated():
    message = "scenarios[现金].set: lure.value: Input should be greater than or equal to 0"
    with lang.using("zh"):
        assert shown(message) == "scenarios[现金].set: lure.value: 不能小于 0"
        assert shown("some problem no pattern knows") == "some problem no pattern knows"
    assert shown(message) == message


def test_chinese_usage_lines_line_up_in_display_columns(capsys):
    """The usage's continuation lines start under its first option on screen: 用法：
    takes 6 columns for 3 characters, so they are indented 3 more than argparse's
    character count (English is unchanged: "usage: " is as wide as it is long)."""
    from unicodedata import east_asian_width

    def columns(text: str) -> int:
        return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)

    for code, word in (("zh", "用法："), ("en", "usage: ")):
        with pytest.raises(SystemExit):
            main(["--lang", code, "run", "--help"])
        first, second = capsys.readouterr().out.splitlines()[:2]
        assert first.startswith(f"{word}fission run [-h]")
        indent = len(second) - len(second.lstrip(" "))
        assert indent == columns(f"{word}fission run ") == {"zh": 18, "en": 19}[code]


def test_imms_refusal_above_the_epidemic_threshold_is_said_in_chinese():
    """Both forms of the refusal (the room passed, or projected to be passed) come out
    in Chinese under their field, with the numbers as the engine wrote them."""
    from sim.influence.rrsets import RRSampler

    sampler = RRSampler.__new__(RRSampler)
    sampler.p = 0.3
    for error, numbers in (
        (sampler._too_big(), ("200,000,000",)),
        (sampler._too_big(projected=16_303_532_401), ("16,303,532,401", "200,000,000")),
    ):
        message = str(error)
        assert field_of(message)[0] == "seeds.ic_probability"
        with lang.using("zh"):
            said = shown(message)
        assert said.startswith("seeds.ic_probability: 0.3 使 IMM 的反向可达集")
        assert "流行阈值" in said and "degree_discount" in said
        assert all(n in said for n in numbers)
