"""Customer value learnt from orders (``fission calibrate --transactions``): the BG/NBD and
Gamma-Gamma likelihoods, the published CDNOW fits, recovery of known parameters from the
shipped synthetic orders, the holdout, the files written and bad input refused.

Statistical checks state their tolerance in standard errors: the fit's own (inverse
Hessian) for recovered parameters, the sampling error of a mean over independent
customers for the holdout and E[X(t)]. A correct fit misses 3 SE with probability
0.27% per check; the seeds are fixed, so each check is deterministic.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.special import beta as beta_fn
from scipy.special import gamma as gamma_fn

from sim.cli import main
from sim.value_fit import (
    Truth,
    bg_nbd_log_likelihood,
    expected_purchases,
    fit_bg_nbd,
    fit_customers,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    probability_no_repeat,
    read_orders,
    simulate_orders,
    summarise,
)
from tests.conftest import EXPERIMENTS, ROOT

DATA = ROOT / "tests" / "data"
ORDERS = ROOT / "data" / "transactions" / "orders.csv"
CDNOW_END = dt.date(1997, 9, 30)  # the end of FHL's 39-week calibration period
# FHL 2005, "Counting your customers the easy way", Marketing Science 24(2), Table 1 (weeks)
CDNOW_PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_LOG_LIKELIHOOD = -9582.4
# FHL 2005, "RFM and CLV", J. Marketing Research 42(4): Gamma-Gamma on the 946 repeat buyers
CDNOW_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow_customers_summary.csv.gz")


@pytest.fixture(scope="module")
def synthetic_fit():
    return fit_customers(summarise(read_orders(ORDERS)), str(ORDERS))


# --- the likelihoods ----------------------------------------------------------------------


def test_bg_nbd_log_likelihood_is_the_log_of_fhl_equation_6():
    r, alpha, a, b = 0.4, 12.0, 0.9, 2.7
    x = np.array([0, 1, 4, 12])
    t_x = np.array([0.0, 3.5, 20.0, 70.0])
    age = np.array([30.0, 30.0, 40.0, 80.0])
    direct = []
    for xi, ti, agei in zip(x, t_x, age, strict=True):
        head = gamma_fn(r + xi) * alpha**r / gamma_fn(r)
        alive = beta_fn(a, b + xi) / beta_fn(a, b) * head / (alpha + agei) ** (r + xi)
        gone = 0.0
        if xi > 0:
            gone = beta_fn(a + 1, b + xi - 1) / beta_fn(a, b) * head / (alpha + ti) ** (r + xi)
        direct.append(math.log(alive + gone))
    np.testing.assert_allclose(
        bg_nbd_log_likelihood(r, alpha, a, b, x, t_x, age), direct, rtol=1e-12
    )


def test_bg_nbd_log_likelihood_stays_finite_for_heavy_buyers():
    """500 purchases: Γ(r+x) and (α+T)^(r+x) overflow a float on their own, their logs do not."""
    x, t_x, age = np.array([500]), np.array([900.0]), np.array([1000.0])
    value = bg_nbd_log_likelihood(0.3, 5.0, 0.8, 2.5, x, t_x, age)
    assert np.isfinite(value).all() and value[0] < 0


@pytest.mark.parametrize("x", [1, 3, 10])
def test_gamma_gamma_density_of_the_mean_value_integrates_to_one(x):
    def density(z: float) -> float:
        return math.exp(gamma_gamma_log_likelihood(6.0, 4.0, 30.0, np.array([x]), np.array([z]))[0])

    total, error = quad(density, 0, np.inf, limit=200)
    assert total == pytest.approx(1.0, abs=1e-6) and error < 1e-6


def test_expected_purchases_and_no_repeat_match_simulated_customers():
    """20,000 customers born on day 0 and followed 200 days: the mean repeat purchases
    is within 3 SE (sd/√n over independent customers) of E[X(200)], and the share with
    none within 3 SE of P(X(200) = 0)."""
    truth = Truth()
    n, days = 20_000, 200
    frame = simulate_orders(n, truth, dt.date(2024, 1, 1), days, 1e-9, rng=np.random.default_rng(7))
    repeats = frame.groupby("customer_id").size().to_numpy() - 1  # rows, not days: no merging
    assert len(repeats) == n
    expected = float(expected_purchases(days, **truth.buying()))
    se = repeats.std(ddof=1) / math.sqrt(n)
    assert abs(repeats.mean() - expected) < 3 * se, (repeats.mean(), expected, se)
    share, p0 = (repeats == 0).mean(), float(probability_no_repeat(days, truth.r, truth.alpha))
    assert abs(share - p0) < 3 * math.sqrt(p0 * (1 - p0) / n), (share, p0)


# --- the published CDNOW fits -----------------------------------------------------------


def test_cdnow_bg_nbd_recovers_the_published_fit_to_three_decimals(cdnow):
    fit = fit_bg_nbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert fit.customers == 2357
    for name, published in CDNOW_PUBLISHED.items():
        assert round(fit.params[name], 3) == published, (name, fit.params[name])
    assert fit.maximum.log_likelihood == pytest.approx(CDNOW_LOG_LIKELIHOOD, abs=0.1)
    assert fit.maximum.agreeing == fit.maximum.starts and fit.maximum.positive_definite
    # the intervals contain the estimate and are skewed upwards (log scale)
    for e in fit.estimates("weeks"):
        assert e.low < e.value < e.high and e.high - e.value > e.value - e.low


def test_cdnow_gamma_gamma_recovers_the_published_fit(cdnow):
    """p and q to the published 2 decimals; γ within 0.01 of 15.44: its likelihood is flat
    (SE about 4), so the last digit depends on where an optimiser stops (ours: 15.448)."""
    spend = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv.gz")
    repeat = spend[spend["x"] > 0]
    fit = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    assert fit.customers == 946
    assert round(fit.params["p"], 2) == CDNOW_SPEND["p"]
    assert round(fit.params["q"], 2) == CDNOW_SPEND["q"]
    assert fit.params["gamma"] == pytest.approx(CDNOW_SPEND["gamma"], abs=0.01)
    # FHL report the correlation of frequency and spend as 0.11
    assert round(fit.frequency_value_correlation, 2) == 0.11


def test_cdnow_orders_summarise_to_the_published_summary(cdnow):
    """The raw CDNOW sample read as an orders file, up to week 39, gives FHL's x, t_x and
    T (in days; the summary has weeks to 2 decimals) and mean repeat values."""
    customers = summarise(read_orders(DATA / "cdnow_sample_orders.csv.gz"), CDNOW_END)
    order = np.argsort(customers.ids.astype(int))
    assert customers.ids.astype(int)[order].tolist() == cdnow["ID"].tolist()
    assert customers.x[order].tolist() == cdnow["frequency"].tolist()
    assert np.abs(customers.t_x[order] / 7 - cdnow["recency"]).max() <= 0.005
    assert np.abs(customers.age[order] / 7 - cdnow["T"]).max() <= 0.005
    spend = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv.gz")
    zbar = np.nan_to_num(customers.mean_value[order])
    assert np.abs(zbar - spend["zbar"]).max() <= 0.005 + 1e-9
    assert (customers.start, customers.end, customers.holdout_days) == (
        dt.date(1997, 1, 1),
        dt.date(1998, 6, 30),
        273,
    )


def test_cdnow_fitted_in_days_is_the_weekly_fit_rescaled(cdnow):
    """α in days is 7 × α in weeks (the brief's 30.898), r, a, b unchanged, and the
    log-likelihood lower by Σx · ln 7 (each repeat purchase's density is per day)."""
    weekly = fit_bg_nbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    daily = fit_customers(summarise(read_orders(DATA / "cdnow_sample_orders.csv.gz"), CDNOW_END))
    params = daily.buying.params
    assert params["alpha"] == pytest.approx(30.898, abs=0.005)
    for name in ("r", "a", "b"):
        assert round(params[name], 3) == CDNOW_PUBLISHED[name]
    shift = cdnow["frequency"].sum() * math.log(7)
    assert daily.buying.maximum.log_likelihood == pytest.approx(
        weekly.maximum.log_likelihood - shift, abs=0.1
    )


# --- recovery from the shipped synthetic orders ------------------------------------------


def test_shipped_orders_are_what_the_script_writes():
    spec = importlib.util.spec_from_file_location("make_orders", ROOT / "scripts/make_orders.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.orders_text() == ORDERS.read_text(encoding="utf-8")
    assert 3_000 < ORDERS.read_text().count("\n") < 10_000


def test_synthetic_orders_recover_every_parameter_within_3_se(synthetic_fit):
    """Each estimate within 3 of its own standard errors of the truth it was drawn with
    (1,500 customers, 5,641 orders). 3 SE: a correct fit misses with probability 0.27%
    per parameter, while a wrong likelihood or time unit misses by many SE."""
    truth = Truth()
    values = {
        "r": truth.r,
        "alpha": truth.alpha,
        "a": truth.a,
        "b": truth.b,
        "p": truth.spend_p,
        "q": truth.spend_q,
        "gamma": truth.spend_gamma,
        "revenue_per_order": truth.spend_p * truth.spend_gamma / (truth.spend_q - 1),
    }
    estimates = {e.name: e for e in synthetic_fit.estimates()}
    assert set(estimates) == set(values)
    for name, true in values.items():
        e = estimates[name]
        assert abs(e.value - true) < 3 * e.se, (name, e.value, e.se, true)
    assert estimates["alpha"].unit == "days" and estimates["revenue_per_order"].unit == "yuan"
    # and close in plain terms: within 15% (the SEs above are 5 to 25% of the values)
    for name in ("r", "alpha", "revenue_per_order"):
        assert estimates[name].value == pytest.approx(values[name], rel=0.15)


def test_holdout_purchases_match_expected_purchases_within_3_se():
    """Fitted to 2024-09-30, the model's Σ[E[X(T+92)] − E[X(T)]] per customer is within 3
    SE (sd/√n of the observed holdout counts) of the observed mean in the last quarter.
    The SE leaves out the fit's own uncertainty, so the check is if anything strict."""
    customers = summarise(read_orders(ORDERS), dt.date(2024, 9, 30))
    fit = fit_customers(customers)
    n = len(customers.x)
    observed = customers.holdout.mean()
    se = customers.holdout.std(ddof=1) / math.sqrt(n)
    assert customers.holdout_days == 92 and customers.holdout.sum() > 500
    assert abs(fit.holdout_expected() / n - observed) < 3 * se, (observed, se)


# --- reading orders -------------------------------------------------------------------------


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_same_day_orders_merge_and_the_first_order_is_not_a_repeat(tmp_path):
    text = (
        "customer_id,date,amount,channel\n"
        "A,2024-01-01,10,shop\n"
        "A,2024-01-01 18:30,5,app\n"  # same day: one transaction of 15
        "B,2024-01-02,20,app\n"
        "A,2024-01-03,7,app\n"
        "\n"
        "A,2024-01-10T09:00,9,shop\n"
        "C,2024-01-10,0,shop\n"
    )
    orders = read_orders(_write(tmp_path / "o.csv", text))
    assert orders["line"].tolist() == [2, 3, 4, 5, 7, 8]  # the blank line 6 is skipped
    c = summarise(orders)
    assert c.ids.tolist() == ["A", "B", "C"]
    assert c.x.tolist() == [2, 0, 0]
    assert c.t_x.tolist() == [9, 0, 0] and c.age.tolist() == [9, 8, 0]
    assert c.mean_value[0] == 8.0 and np.isnan(c.mean_value[1:]).all()  # (7 + 9) / 2
    assert (c.rows, c.transactions, c.until) == (6, 5, dt.date(2024, 1, 10))
    early = summarise(orders, dt.date(2024, 1, 2))  # C is born after: left out
    assert early.ids.tolist() == ["A", "B"] and early.late_customers == 1
    assert early.x.tolist() == [0, 0] and early.holdout.tolist() == [2, 0]


def test_a_header_with_other_names_reads_the_same(tmp_path):
    plain = read_orders(_write(tmp_path / "a.csv", "customer_id,date,amount\nu1,2024-01-01,3\n"))
    other = read_orders(_write(tmp_path / "b.csv", "User ID,Order-Date,revenue\nu1,2024-01-01,3\n"))
    pd.testing.assert_frame_equal(plain, other)
    both = read_orders(
        _write(tmp_path / "c.csv", "customer_id,date,amount,revenue\nu,2024-01-01,3,9\n")
    )
    assert both["amount"].tolist() == [3.0]  # the proper name wins over an alias


def test_a_gzip_compressed_file_reads_as_the_plain_one(tmp_path):
    import gzip

    text = "customer_id,date,amount\nu1,2024-01-01,3\nu1,2024-02-01,4\n"
    plain = read_orders(_write(tmp_path / "a.csv", text))
    packed = read_orders(_write(tmp_path / "a.csv.gz", gzip.compress(text.encode())))
    pd.testing.assert_frame_equal(plain, packed)


# --- the command line ---------------------------------------------------------------------


def test_cli_writes_value_fit_json_and_calibrated_config(tmp_path, capsys):
    out = tmp_path / "fits"
    base = EXPERIMENTS / "default.toml"
    code = main(["calibrate", "--transactions", str(ORDERS), str(base), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "90% low" in printed and "alpha" in printed and "days" in printed
    assert "holdout" not in printed  # no --until: nothing after the window
    assert sorted(p.name for p in out.iterdir()) == ["calibrated.toml", "fit.json", "value.toml"]

    value = tomllib.loads((out / "value.toml").read_text())
    table = value["value"]
    assert set(table) == {"model", "spend", "spend_p", "spend_q", "payer", "convertible"}
    assert (table["model"], table["spend"]) == ("bg_nbd", "gamma_gamma")
    assert table["payer"] == table["convertible"]
    assert set(table["payer"]) == {"r", "alpha", "a", "b"}
    assert all(isinstance(v, float) for v in table["payer"].values())

    fit = json.loads((out / "fit.json").read_text())
    bg = fit["bg_nbd"]["parameters"]
    assert table["payer"]["alpha"] == pytest.approx(bg["alpha"]["estimate"], rel=1e-5)
    assert bg["alpha"]["low"] < bg["alpha"]["estimate"] < bg["alpha"]["high"]
    assert (fit["customers"], fit["orders"], fit["time_unit"]) == (1500, 5641, "days")
    assert fit["window"] == {
        "first_order": "2024-01-01",
        "until": "2024-12-31",
        "last_order": "2024-12-31",
        "holdout_days": 0,
    }
    revenue = fit["revenue_per_order"]["estimate"]
    assert value["behaviour"]["revenue_per_order"] == round(revenue, 2)
    gg = fit["gamma_gamma"]["parameters"]
    p, q, g = (gg[k]["estimate"] for k in ("p", "q", "gamma"))
    assert revenue == pytest.approx(p * g / (q - 1))

    calibrated = tomllib.loads((out / "calibrated.toml").read_text())
    original = tomllib.loads(base.read_text())
    # The fit's keys, and the config's own horizon and discount rate kept.
    kept = {k: original["value"][k] for k in ("horizon_days", "discount_rate")}
    assert calibrated["value"] == {**kept, **table}
    assert calibrated["behaviour"]["revenue_per_order"] == round(revenue, 2)
    calibrated["behaviour"].pop("revenue_per_order")
    original["behaviour"].pop("revenue_per_order", None)
    calibrated.pop("value")
    original.pop("value")
    assert calibrated == original  # nothing else changed


def test_cli_until_leaves_a_holdout_and_refits_into_its_own_folder(tmp_path, capsys):
    out = tmp_path / "fits"
    args = ["calibrate", "--transactions", str(ORDERS), "--out", str(out)]
    assert main([*args, "--until", "2024-09-30"]) == 0
    assert "holdout 2024-09-30 to 2024-12-31 (92 days)" in capsys.readouterr().out
    fit = json.loads((out / "fit.json").read_text())
    assert fit["window"]["until"] == "2024-09-30" and fit["holdout_transactions"] > 500
    assert main(args) == 0  # an earlier fit is replaced
    assert json.loads((out / "fit.json").read_text())["window"]["until"] == "2024-12-31"


def test_few_repeat_buyers_give_fixed_spend(tmp_path, capsys):
    rows = ["customer_id,date,amount"]
    for i in range(30):
        rows.append(f"c{i},2024-01-{1 + i % 5:02d},{10 + i}")
        if i % 3 == 0:  # 10 repeat buyers: too few for Gamma-Gamma
            rows.append(f"c{i},2024-02-{1 + i % 20:02d},{20 + i}")
            rows.append(f"c{i},2024-03-{1 + i % 20:02d},{30 + i}")
    path = _write(tmp_path / "few.csv", "\n".join(rows) + "\n")
    out = tmp_path / "fits"
    assert main(["calibrate", "--transactions", str(path), "--out", str(out)]) == 0
    value = tomllib.loads((out / "value.toml").read_text())
    assert value["value"]["spend"] == "fixed" and "spend_p" not in value["value"]
    repeat_values = [20 + i for i in range(0, 30, 3)] + [30 + i for i in range(0, 30, 3)]
    assert value["behaviour"]["revenue_per_order"] == round(np.mean(repeat_values), 2)


GOOD = "customer_id,date,amount\na,2024-01-01,5\na,2024-01-09,6\n"


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("customer_id,date\na,2024-01-01\n", (), r"line 1: missing column 'amount'"),
        ("customer_id,date,amount\na,2024-01-01,5\nb,01/02/2024,3\n", (),
         r"line 3: date '01/02/2024' is not an ISO date"),
        ("customer_id,date,amount\na,2024-01-01,5\nb,2024-02-30,3\n", (),
         r"line 3: date '2024-02-30' is not an ISO date"),
        ("customer_id,date,amount\na,2024-01-01,5\nb,2024-01-02,-3\n", (),
         r"line 3: amount is negative"),
        ("customer_id,date,amount\na,2024-01-01,five\n", (),
         r"line 2: amount 'five' is not a number"),
        ("customer_id,date,amount\na,2024-01-01,nan\n", (),
         r"line 2: amount 'nan' is not a number"),
        ("customer_id,date,amount\n,2024-01-01,5\n", (), r"line 2: customer_id is empty"),
        ("customer_id,date,amount\na,2024-01-01,5,7\n", (),
         r"line 2: 4 fields where the header has 3"),
        ("", (), r"empty file"),
        ("customer_id,date,amount\n", (), r"no orders \(only a header\)"),
        (b"customer_id,date,amount\na,2024-01-01,5\nb,2024-01-02,\xe9\n", (),
         r"line 3: not UTF-8 text \(byte 0xe9\)"),
        ("user_id,member_id,date,amount\na,b,2024-01-01,5\n", (),
         r"line 1: columns 'user_id' and 'member_id' could both be customer_id"),
        ("customer_id,date,amount\na,2024-01-01,5\nb,2024-01-02,5\n", (),
         r"no customer bought again by 2024-01-02"),
        (GOOD, ("--until", "2024-13-01"), r"--until 2024-13-01: not an ISO date"),
        (GOOD, ("--until", "2023-12-31"), r"--until 2023-12-31: before the first order"),
        (GOOD, ("--workers", "2"), r"--workers and --address apply to --daily and --cascades"),
        (GOOD, ("--set", "lure.value=3"), r"--set changes a config"),
    ],
)  # fmt: skip
def test_bad_orders_are_one_line_exit_2_and_nothing_written(
    tmp_path, capsys, content, extra, message
):
    import re

    path = _write(tmp_path / "orders.csv", content)
    out = tmp_path / "out"
    assert main(["calibrate", "--transactions", str(path), *extra, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("fission: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err + captured.out
    assert re.search(message, err), err
    if "line" in message:
        assert str(path) in err
    assert not out.exists()


def test_a_folder_fission_did_not_write_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["calibrate", "--transactions", str(ORDERS), "--out", str(out)]) == 2
    assert "not a transactions-fit folder (has notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_bad_config_is_refused_before_fitting(tmp_path, capsys):
    config = _write(tmp_path / "c.toml", "[lure]\nkind = 'cash'\nvalue = -1\n")
    out = tmp_path / "out"
    assert main(["calibrate", "--transactions", str(ORDERS), str(config), "--out", str(out)]) == 2
    assert "lure.value" in capsys.readouterr().err and not out.exists()


def test_daily_and_cascades_still_need_a_config_and_refuse_until(tmp_path, capsys):
    pilot = _write(tmp_path / "p.csv", "day,new_joins\n1,2\n")
    assert main(["calibrate", "--daily", str(pilot)]) == 2
    assert "give the pilot's config" in capsys.readouterr().err
    config = EXPERIMENTS / "pilot.toml"
    assert main(["calibrate", str(config), "--daily", str(pilot), "--until", "2024-01-01"]) == 2
    assert "--until applies to --transactions only" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: one data source only
        main(["calibrate", "--transactions", str(ORDERS), "--daily", str(pilot)])
