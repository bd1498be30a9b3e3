"""fission optimise: the [optimise] table's errors, the search's reproducibility and
resume, the race's verdict and the known optimum of a small campaign."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.optimise.evaluate import Candidate, Evaluator
from sim.optimise.search import optimise, planned_runs, searched_on
from sim.optimise.space import Constraint, parse_space
from sim.optimise.stats import prob_best, violations
from sim.study import load_study, parse_study
from tests.conftest import EXPERIMENTS
from tests.optimise_problem import grid_means, known_study, problem

SMALL = dict(trials=10, batch=5, replicates={"start": 2, "max": 8, "finalists": 3})


def small_study(**optimise_kw):
    return known_study(**{**SMALL, **optimise_kw})


# --- the table -----------------------------------------------------------------------------

BASE = (EXPERIMENTS / "default.toml").read_text()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[optimise]\nobjective = { maximize = "paying" }\n'
            '[optimise.levers]\n"lure.nothing" = { low = 1, high = 2 }\n',
            r"^optimise\.levers\.lure\.nothing: not a parameter$",
        ),
        (
            '[optimise]\nobjective = { maximize = "paying" }\n'
            '[optimise.levers]\n"lure.value" = { low = 9, high = 2 }\n',
            r"^optimise\.levers\.lure\.value.*low \(9\) is greater than high \(2\)$",
        ),
        (
            '[optimise]\nobjective = { maximize = "happiness" }\n'
            '[optimise.levers]\n"lure.value" = { low = 1, high = 2 }\n',
            r"^optimise\.objective\.maximize: 'happiness' is not an outcome of runs\.parquet",
        ),
        (
            '[optimise]\nobjective = { maximize = "paying" }\n'
            '[optimise.levers]\n"lure.kind" = []\n',
            r"^optimise\.levers\.lure\.kind.*at least 1 item",
        ),
        (
            '[optimise]\nobjective = { maximize = "paying" }\ncolour = "red"\n'
            '[optimise.levers]\n"lure.value" = { low = 1, high = 2 }\n',
            r"^optimise\.colour: unknown key$",
        ),
        (
            '[optimise]\nobjective = { maximize = "paying" }\n'
            '[optimise.levers]\n"lure.kind" = ["cash", "coupon"]\n'
            '"lure.group_size" = { low = 2, high = 5, integer = true }\n',
            r"^optimise\.levers\.lure\.group_size: no lure\.kind chosen takes this key",
        ),
        (
            '[optimise]\nobjective = { maximize = "paying" }\n'
            '[optimise.levers]\n"lure.value" = { low = 1, high = 2 }\n'
            "[optimise.constraints]\ncost_per_paying = { }\n",
            r"^optimise\.constraints\.cost_per_paying: give at least one of low, high",
        ),
    ],
    ids=[
        "unknown lever",
        "low above high",
        "not an outcome",
        "empty choices",
        "unknown key",
        "lever of no chosen kind",
        "empty constraint",
    ],
)
def test_bad_optimise_tables_are_refused_in_one_line(tmp_path, capsys, table, message):
    path = tmp_path / "study.toml"
    path.write_text(BASE + "\n" + table)
    out = tmp_path / "out"
    assert main(["optimise", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fission: error: ") and err.count("\n") == 1, err
    assert re.search(message, err.removeprefix("fission: error: ").strip()), err
    assert not out.exists()


def test_a_lever_of_some_kinds_is_searched_only_for_them():
    data = problem()
    data["optimise"]["levers"] = {
        "lure.kind": ["cash", "coupon", "group_buy"],
        "lure.value": {"low": 1.0, "high": 10.0},
        "lure.group_size": {"low": 2, "high": 4, "integer": True},
    }
    space = parse_space(parse_study(data, "."))
    assert space.keys == ("lure.kind", "lure.value", "lure.group_size")
    group = dict((lever.key, lever) for lever in space.levers)["lure.group_size"]
    assert group.only_for == ("lure.kind", ("group_buy",))
    assert dict((lever.key, lever) for lever in space.levers)["lure.value"].only_for is None


def test_the_shipped_study_is_a_valid_search():
    study = load_study(EXPERIMENTS / "optimise.toml")
    space = parse_space(study)
    assert len(space.levers) >= 4 and space.objectives[0].outcome == "profit"


# --- statistics ---------------------------------------------------------------------------


def test_violations_are_signed_amounts_in_the_outcomes_unit():
    values = {"cost_per_paying": np.array([30.0, 50.0]), "roi": np.array([-1.0, 1.0, 2.0, 3.0])}
    bounds = {
        "cost_per_paying": Constraint(high=35.0),
        "roi": Constraint(loss_chance_high=0.2, p5_low=-2.0),
    }
    # mean 40 is 5 over 35; p5 of roi is -0.7 (1.3 above -2); loss chance 0.25 is 0.05 over
    assert violations(bounds, values) == pytest.approx([5.0, -1.3, 0.05])


def test_prob_best_separates_a_clear_winner_and_splits_a_tie():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 1, 40)  # common random numbers: the same noise in each
    clear = prob_best([noise + 1.0, noise, noise - 0.5], higher_is_better=True, seed=3)
    assert clear[0] == 1.0  # paired: a constant difference is certain
    tie = prob_best([rng.normal(0, 1, 40), rng.normal(0, 1, 40)], True, seed=3)
    assert 0.05 < tie[0] < 0.95 and tie.sum() == pytest.approx(1.0)


# --- the search ---------------------------------------------------------------------------


def test_two_searches_with_one_root_seed_give_the_same_trials_and_recommendation(tmp_path):
    first = optimise(small_study(), tmp_path / "a")
    second = optimise(small_study(), tmp_path / "b", workers=2)
    pd.testing.assert_frame_equal(first.trials, second.trials)
    assert first.recommended == second.recommended
    assert (tmp_path / "a" / "recommended.toml").read_text() == (
        tmp_path / "b" / "recommended.toml"
    ).read_text()
    other = optimise(
        parse_study({**problem(**SMALL), "experiment": {"name": "k", "days": 10, "seed": 12}}, ".")
    )
    assert not other.trials["lure.value"].equals(first.trials["lure.value"])


def test_a_killed_search_resumes_without_running_anything_twice(tmp_path):
    whole = optimise(small_study(), tmp_path / "whole")

    class Killed(Exception):
        pass

    def kill_after_12(done: int, total: int) -> None:
        if done >= 12:
            raise Killed

    with pytest.raises(Killed):
        optimise(small_study(), tmp_path / "cut", on_progress=kill_after_12)
    stored = len(list((tmp_path / "cut" / "evaluations").glob("*.parquet")))
    assert stored == 12
    resumed = optimise(small_study(), tmp_path / "cut")
    assert resumed.runs_made == whole.runs_made - stored
    pd.testing.assert_frame_equal(resumed.trials, whole.trials)
    again = optimise(small_study(), tmp_path / "cut")
    assert again.runs_made == 0


def test_each_batch_is_searched_on_fresh_replicates_and_the_finalists_on_common_ones(tmp_path):
    """One objective: the candidates of batch b share replicates b·start … (b + 1)·start − 1,
    and what Optuna is told is a design's mean there; the finalists are then run on
    replicates 0 … n − 1 (at least 2·start: every finalist runs the race's first round).
    Two objectives keep replicates 0 … start − 1 for every candidate."""
    import optuna

    from sim.optimise.search import _storage

    study = small_study()  # 10 trials in batches of 5, start 2, max 8, 3 finalists
    space = parse_space(study)
    assert [searched_on(space, k) for k in (0, 4, 5, 9)] == [range(0, 2)] * 2 + [range(2, 4)] * 2
    assert planned_runs(space, 10) == 10 * 2 + 12 * 2 + 3 * (8 - 2)  # 12 screened, 3 raced
    two = parse_space(small_study(objective=[{"maximize": "paying"}, {"minimize": "total_cost"}]))
    assert searched_on(two, 9) == range(0, 2)
    assert planned_runs(two, 10) == 10 * 2 + 3 * (8 - 2)

    outcome = optimise(study, tmp_path / "opt")
    told = optuna.load_study(study_name="fission", storage=_storage(tmp_path / "opt")).trials
    evaluator = Evaluator(study, ("cost_per_paying",))
    designs = [
        Candidate(tuple(outcome.trials.loc[t.number, list(space.keys)].items())) for t in told
    ]
    evaluator.ensure((d, range(4)) for d in designs)
    on_own, on_first = [], []
    for trial, design in zip(told, designs, strict=True):
        values = evaluator.values(design, "cost_per_paying", replicates=range(4))
        on_own.append(values[list(searched_on(space, trial.number))].mean())
        on_first.append(values[:2].mean())
    assert [t.value for t in told] == pytest.approx(on_own, rel=1e-12)
    assert [t.value for t in told[5:]] != pytest.approx(on_first[5:], rel=1e-3)
    finalists = outcome.trials[outcome.trials["finalist"]].drop_duplicates("candidate")
    assert len(finalists) == 3 and (finalists["replicates"] >= 4).all()


def test_recommended_toml_runs_as_an_ordinary_study(tmp_path):
    outcome = optimise(small_study(), tmp_path / "opt")
    best = outcome.recommended.as_dict()
    study = load_study(tmp_path / "opt" / "recommended.toml")
    assert study.optimise is None
    assert study.base.lure.value == best["lure.value"]
    assert study.base.reward.amount == best["reward.amount"]
    html = (tmp_path / "opt" / "report.html").read_text()
    assert "What to launch" in html and "Search progress" in html


def test_the_recommendation_is_near_the_known_optimum_with_a_fifth_of_the_grids_runs():
    """Coupon 4-14 yuan × reward 0-2 yuan: 33 designs. The grid at 8 replicates (264 runs,
    the optimiser's own random numbers) says which is best; the optimiser may spend at
    most a fifth of that. Tolerance: the recommended design's grid mean within 8% of the
    best's. On 8 replicates two neighbouring designs' means differ by about that much from
    noise alone (the grid's own best is partly luck), so a recommendation within it is as
    good as the grid can tell; a poor search (a corner of the grid) is 40-80% worse."""
    study = known_study(trials=14, batch=7, replicates={"start": 2, "max": 8, "finalists": 3})
    outcome = optimise(study)
    grid = grid_means(known_study(), replicates=8)
    assert outcome.runs <= len(grid) * 8 / 5
    best = min(grid.values())
    chosen = outcome.recommended.as_dict()
    value = grid[(chosen["lure.value"], chosen["reward.amount"])]
    assert value <= best * 1.08, (chosen, value, best)
    worst = max(grid.values())
    assert worst > best * 1.4  # the problem is not flat: a bad choice would show


def test_a_search_over_a_posterior_draws_behaviour_per_replicate(tmp_path):
    """Every replicate draws a posterior sample (the same for every candidate); a
    posterior of much lower acceptance must lower the objective's level: paying members
    fall, so cost per paying member rises for the same designs."""
    from sim.study import posterior_from_frame

    frame = pd.DataFrame({"behaviour.accept_probability": [0.01, 0.02], "weight": [1.0, 1.0]})
    posterior = posterior_from_frame(frame, "test")
    plain = optimise(small_study())
    low = optimise(small_study(), posterior=posterior)
    first = plain.trials.iloc[0]["cost_per_paying_mean"]
    matched = low.trials[low.trials["candidate"] == plain.trials.iloc[0]["candidate"]]
    assert len(matched) == 1
    assert matched.iloc[0]["cost_per_paying_mean"] > first
    with pytest.raises(Exception, match="also a lever"):
        frame = pd.DataFrame({"lure.value": [5.0], "weight": [1.0]})
        optimise(small_study(), posterior=posterior_from_frame(frame, "p"))


def test_validate_checks_the_optimise_table(tmp_path, capsys):
    from sim.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[optimise]\nobjective = { maximize = "profit" }\n'
        '[optimise.levers]\n"lure.value" = { low = 5.0, high = 2.0 }\n'
    )
    assert main(["validate", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "optimise.levers.lure.value" in captured.err and "valid" not in captured.out
    assert main(["validate", str(EXPERIMENTS / "optimise.toml")]) == 0
    assert "optimise: 6 levers" in capsys.readouterr().out


# --- two objectives -------------------------------------------------------------------------


def test_two_objectives_write_a_front_of_mutually_non_dominated_designs(tmp_path):
    """NSGA-II on paying (up) and total cost (down), no constraints (the front is drawn
    over every valid design). On the means trials.parquet holds: no row of pareto.parquet
    is dominated by another, and every design off the front is dominated by one on it
    (or has the very same means as one: equal designs are kept once). The same seed gives
    the same front."""
    objectives = [{"maximize": "paying"}, {"minimize": "total_cost"}]
    study = known_study(
        objective=objectives, trials=24, batch=8, replicates={"start": 2, "max": 6, "finalists": 4}
    )
    outcome = optimise(study, tmp_path / "a")
    trials = pd.read_parquet(tmp_path / "a" / "trials.parquet")
    front = pd.read_parquet(tmp_path / "a" / "pareto.parquet")
    designs = trials.drop_duplicates("candidate").set_index("candidate")
    # up is better on both: paying, and cost negated
    points = pd.DataFrame(
        {"paying": designs["paying_mean"], "saving": -designs["total_cost_mean"]}
    ).dropna()
    on_front = points.loc[front["candidate"]]
    assert 3 <= len(on_front) < len(points)  # a front, and designs off it
    assert set(front["candidate"]) == set(designs.index[designs["pareto"]])

    def dominates(a: pd.Series, b: pd.Series) -> bool:
        return bool((a >= b).all() and (a > b).any())

    for i, a in on_front.iterrows():
        for j, b in on_front.iterrows():
            assert i == j or not dominates(a, b), (i, j)
    for i, b in points.drop(index=on_front.index).iterrows():
        assert any(dominates(a, b) or a.equals(b) for _, a in on_front.iterrows()), i
    # the front's finalists got the most replicates; the recommendation is on the front
    assert (front["replicates"] == 6).sum() >= 2
    assert outcome.recommended.key in set(front["candidate"])
    again = optimise(study)
    pd.testing.assert_frame_equal(again.pareto, front)


# --- which levers matter ------------------------------------------------------------------


def test_importance_tells_a_lever_that_matters_from_one_that_does_not():
    """Random search (so that every lever's values are spread evenly) over no lure or a
    coupon of 1-30 yuan, and the KOLs' fee, maximising paying members. The coupon's value
    moves paying members a lot; the fee moves nothing (it is money, not behaviour). The
    coupon's value applies to coupons only: within coupons it must take at least 80% of
    the importance (measured 91-98% over four root seeds), the fee the rest. Among no-lure
    designs the fee is the only lever: a share of one lever is all of it and says nothing
    (those designs differ only by the luck of the batch each was searched in), so that
    view is not shown."""
    data = problem(people=300, days=10)
    data["optimise"] = {
        "objective": {"maximize": "paying"},
        "sampler": "random",
        "levers": {
            "lure.kind": ["none", "coupon"],
            "lure.value": {"low": 1.0, "high": 30.0},
            "population.kol_fee": {"low": 0.0, "high": 500.0},
        },
        "trials": 60,
        "batch": 10,
        "replicates": {"start": 2, "max": 2, "finalists": 2},
    }
    outcome = optimise(parse_study(data, "."))
    table = outcome.importance
    share = table.set_index(["within_choice", "lever"])["importance"]
    assert share[("coupon", "lure.value")] >= 0.8
    assert share[("coupon", "population.kol_fee")] < share[("coupon", "lure.value")]
    assert share[("", "lure.value")] > share[("", "population.kol_fee")]
    assert ("none", "lure.value") not in share.index  # a no-lure design has no value
    assert ("none", "population.kol_fee") not in share.index  # a view of one lever
    views = table.groupby("within_choice")  # shares add up to 1
    assert views["importance"].sum().to_dict() == pytest.approx({"": 1, "coupon": 1})
    trials = views["trials"].first()
    assert trials[""] == 60 and 0 < trials["coupon"] < 60


def test_a_lever_of_some_kinds_counts_among_all_designs_only_where_the_best_are():
    """Synthetic trials (no simulation): a group buy's size decides its value (best at 5),
    the lure's value decides nothing, and every group buy beats every coupon. Within group
    buys the size takes almost all the importance; among all designs too, since the best
    designs are group buys. When coupons are made the best instead, no best design is a
    group buy, and the size's share among all designs is exactly 0 (Optuna's conditional
    PED-ANOVA weights a lever by the share of the best designs it applies to), while
    within group buys it still matters."""
    import optuna

    from sim.optimise.importance import importance_table

    data = problem()
    data["optimise"]["levers"] = {
        "lure.kind": ["coupon", "group_buy"],
        "lure.value": {"low": 1.0, "high": 20.0},
        "lure.group_size": {"low": 2, "high": 8, "integer": True},
    }
    data["optimise"]["objective"] = {"maximize": "paying"}
    space = parse_space(parse_study(data, "."))

    def trials(group_buys_best: bool) -> list:
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.RandomSampler(seed=5)
        )
        for _ in range(200):
            trial = study.ask()
            levers = space.suggest(trial)
            if levers["lure.kind"] == "group_buy":
                value = 100 - 10 * (levers["lure.group_size"] - 5) ** 2
                value += 0 if group_buys_best else -1000
            else:
                value = 50.0
            study.tell(trial, value)
        return study.trials

    share = importance_table(trials(True), space).set_index(["within_choice", "lever"])
    share = share["importance"]
    assert share[("group_buy", "lure.group_size")] > 0.9
    assert share[("", "lure.group_size")] > share[("", "lure.value")]
    share = importance_table(trials(False), space).set_index(["within_choice", "lever"])
    share = share["importance"]
    assert share[("", "lure.group_size")] == 0.0
    assert share[("group_buy", "lure.group_size")] > 0.9


# --- the planner's language ---------------------------------------------------------------

ALLOWED_LATIN = {"PED", "ANOVA", "ROI", "LTV", "CAC"}  # names Chinese planners use as is


def latin_words(text: str) -> set[str]:
    """Words of three or more Latin letters (a dotted key counts as one)."""
    return set(re.findall(r"[A-Za-z][A-Za-z_.]{2,}", text)) - ALLOWED_LATIN


def test_fission_optimise_speaks_chinese_in_the_terminal_and_the_report(tmp_path, capsys):
    """``--lang zh``: the progress line, the recommendation and report.html are Chinese,
    in the domain's words (诱饵, 种子用户, 利润), with no English label left: no Latin
    word outside the allowed acronyms in the recommendation line, the report's visible
    text or its figures' titles, axes, legends and hover texts."""
    import tomli_w

    from sim import lang
    from sim.optimise.report import sections

    data = problem(trials=24, batch=8, replicates={"start": 2, "max": 4, "finalists": 2})
    data["optimise"]["objective"] = {"maximize": "profit"}
    data["optimise"]["levers"] = {
        "lure.kind": ["coupon", "group_buy"],
        "lure.value": {"low": 2.0, "high": 15.0},
        "lure.group_size": {"low": 2, "high": 4, "integer": True},
        "seeds.count": {"low": 5, "high": 20, "integer": True},
    }
    data["optimise"]["constraints"] = {"profit": {"loss_chance_high": 0.5}}
    path = tmp_path / "study.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    out = tmp_path / "opt"
    try:
        assert main(["optimise", str(path), "--out", str(out), "--lang", "zh"]) == 0
    finally:
        lang.set_language(None)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("known：24 个候选方案，")
    line = next(p for p in printed if p.startswith("推荐："))
    assert "利润" in line and "种子用户数" in line and "元" in line
    assert "诱饵" in line or "拼团" in line
    assert not latin_words(line), line
    assert printed[-1] == f"运行推荐方案：fission run {out / 'recommended.toml'}"
    toml = (out / "recommended.toml").read_text(encoding="utf-8")
    assert toml.startswith("# 由 `fission optimise` 推荐：" + line.removeprefix("推荐："))

    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<html lang='zh-Hans'>" in page
    visible = re.sub(r"<(script|style).*?</\1>", " ", page, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", visible)
    for words in ("该上线什么方案", "最佳设计方案", "哪些可调项重要", "搜索进展", "最佳概率"):
        assert words in visible
    assert not latin_words(visible), sorted(latin_words(visible))

    trials = pd.read_parquet(out / "trials.parquet")
    importance = pd.read_parquet(out / "importance.parquet")
    levers = list(data["optimise"]["levers"])
    with lang.using("zh"):
        shown = sections(trials, None, importance, [("profit", True)], levers)
    assert [s.key for s in shown][-2:] == ["importance", "progress"]
    for section in shown:
        layout = section.figure.layout
        texts = [
            section.title,
            section.caption,
            layout.xaxis.title.text or "",
            layout.yaxis.title.text or "",
        ]
        for trace in section.figure.data:
            texts.append(trace.name or "")
            for field in ("text", "hovertext", "x", "y"):
                values = getattr(trace, field, None)
                if values is not None and len(values) and isinstance(values[0], str):
                    texts.extend(values)
        assert not latin_words(" ".join(texts)), (section.key, latin_words(" ".join(texts)))
