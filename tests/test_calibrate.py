"""Calibration (sim.calibration, ``fission calibrate``): recovery of known behaviour,
interval coverage, a fit to observed Twitter cascades, forecasts drawing from the
posterior, reproducibility, and refusals that write nothing.

Runtime is kept small (tiny graphs, few particles): about 3 minutes on 2 cores.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.calibration import (
    calibrate_cascades,
    calibrate_daily,
    load_calibration,
    parse_calibration,
    read_cascades,
    read_pilot,
    write_fit,
)
from sim.cli import main
from sim.config import ConfigError
from sim.model import ReferralModel
from sim.streams import derive_seed
from tests.conftest import GRAPHS, IC_BEHAVIOUR

CASCADES = GRAPHS / "twitter-url-cascades" / "cascades.txt.gz"
ACCEPT = "behaviour.accept_probability"


def pilot_data(n: int, seeds: int, days: int, population: int, generations: int) -> dict:
    return {
        "experiment": {"name": "pilot", "days": days, "replicates": 1, "seed": 21},
        "graph": {"kind": "powerlaw_cluster", "n": n, "m": 4, "p_triangle": 0.3},
        "seeds": {"strategy": "random", "count": seeds},
        "calibration": {
            "params": {ACCEPT: {"low": 0.01, "high": 0.5, "log": True}},
            "population_size": population,
            "max_generations": generations,
            "predictive_draws": 10,
        },
    }


def observed_pilot(problem, truth: float, case: int) -> pd.DataFrame:
    """A pilot simulated with a known accept_probability (its own seed, not the fit's)."""
    config = problem.config_with({ACCEPT: truth})
    daily = ReferralModel(config, rng=derive_seed(777, "pilot", case)).run().daily()
    return daily[["day", "new_joins"]]


def fit_truth(data: dict, truth: float, case: int):
    problem = parse_calibration(data, ".")
    pilot = observed_pilot(problem, truth, case)
    return calibrate_daily(problem, pilot)


def row(fit) -> dict:
    return fit.table.set_index("parameter").loc[ACCEPT].to_dict()


@pytest.fixture(scope="module")
def recovered():
    """Fits of 300-seed pilots (n = 2,000, 7 days) for three truths, and a 30-seed
    pilot at the middle truth."""
    fits = {}
    for i, truth in enumerate((0.03, 0.08, 0.2)):
        fits[(truth, 300)] = fit_truth(pilot_data(2000, 300, 7, 60, 4), truth, i)
    fits[(0.08, 30)] = fit_truth(pilot_data(2000, 30, 7, 60, 4), 0.08, 1)
    return fits


def test_recovery_each_truth_within_3_posterior_sds(recovered):
    """Each pilot is one random realisation, so a calibrated 90% interval misses its truth
    one time in ten: asserting containment for four fixed pilots would fail a correct
    method about a third of the time over seeds (coverage is tested on its own below).
    Here: the truth lies within 3 posterior standard deviations of the median on the log
    scale of the prior (sd from the 90% interval, width 2 × 1.645 sd), which a correct
    fit misses about 0.3% of the time per pilot, and the estimate is within a factor 2."""
    for (truth, seeds), fit in recovered.items():
        r = row(fit)
        log_sd = np.log(r["high"] / r["low"]) / (2 * 1.645)
        z = abs(np.log(truth / r["estimate"])) / log_sd
        assert z < 3, (truth, seeds, z, r)
        assert truth / 2 < r["estimate"] < truth * 2, (truth, seeds, r)


def test_interval_narrows_as_the_pilot_grows(recovered):
    """10x the seeds gives several times the joins, so the 90% interval must narrow
    (log-width, since the prior is log). One pilot per size is too noisy to show it:
    over 6 pilots per size the ratio of widths ranged 1.4 to 3.2 (mean 2.3; the ABC
    tolerance, not only the data, sets the width). So this compares mean widths over 4
    pilots per size (the fixture's and 3 more): about 1.8, with sd about 0.24 from the
    spread of single widths (sd 0.15 each). Requiring 1.3 is 2 sd below that, and a fit
    that ignored the extra data (ratio 1) fails it."""
    wide, narrow = [row(recovered[(0.08, 30)])], [row(recovered[(0.08, 300)])]
    for case in (2, 3, 4):
        wide.append(row(fit_truth(pilot_data(2000, 30, 7, 60, 4), 0.08, case)))
        narrow.append(row(fit_truth(pilot_data(2000, 300, 7, 60, 4), 0.08, case)))
    width = lambda rows: np.mean([np.log(r["high"] / r["low"]) for r in rows])  # noqa: E731
    assert width(wide) > 1.3 * width(narrow), (wide, narrow)


def test_coverage_of_90_intervals_over_20_synthetic_pilots():
    """20 tiny pilots (n = 400, 5 days, 20 seeds), truths drawn from the log-uniform
    prior. If the 90% intervals are calibrated, the number covering the truth is
    Binomial(20, 0.9): P(14 <= X <= 20) = 0.989, so 14-20 is the accepted range."""
    rng = np.random.default_rng(derive_seed(5, "coverage"))
    covered = 0
    for case in range(20):
        truth = float(np.exp(rng.uniform(np.log(0.01), np.log(0.5))))
        data = pilot_data(400, 20, 5, 30, 3)
        data["experiment"]["seed"] = 100 + case
        r = row(fit_truth(data, truth, 100 + case))
        covered += r["low"] <= truth <= r["high"]
    assert 14 <= covered <= 20, covered


def test_twitter_cascades_posterior_predictive_beats_the_prior():
    """Observed Twitter URL cascades (min size 3) against an independent cascade on a
    heavy-tailed graph. The two-sample KS statistic between the observed sizes and the
    pooled posterior-predictive sizes must be below the prior-predictive one."""
    data = {
        "experiment": {"name": "twitter", "days": 12, "replicates": 1, "seed": 5},
        "graph": {"kind": "powerlaw_cluster", "n": 20000, "m": 3, "p_triangle": 0.3},
        "seeds": {"strategy": "random", "count": 1},
        "population": {"seed_share_multiplier": 1.0},
        "behaviour": {**IC_BEHAVIOUR, "direct_count": 1},
        "lure": {"kind": "none"},
        "reward": {"rule": "none"},
        "calibration": {
            "params": {ACCEPT: {"low": 0.005, "high": 0.3, "log": True}},
            "population_size": 30,
            "max_generations": 3,
            "predictive_draws": 20,
            "cascades": 100,
        },
    }
    problem = parse_calibration(data, ".")
    fit = calibrate_cascades(problem, read_cascades(CASCADES, 3), min_size=3)
    assert fit.checks["observed_cascades"] == 3454
    # every simulated cascade respects the censoring
    assert all((r[:, -1] >= 3).all() for r in fit.predictive["posterior"])
    ks_post, ks_prior = fit.checks["ks_size_posterior"], fit.checks["ks_size_prior"]
    assert ks_post < ks_prior, (ks_post, ks_prior)


def test_posterior_forecast_is_wider_with_the_same_median(recovered, tmp_path):
    fit = recovered[(0.08, 30)]
    write_fit(fit, tmp_path / "fit")
    from sim.study import posterior_from_frame

    posterior = posterior_from_frame(pd.read_parquet(tmp_path / "fit/posterior.parquet"), "fit")
    launch = {
        "experiment": {"days": 10, "replicates": 160, "seed": 8},
        "graph": {"kind": "powerlaw_cluster", "n": 3000, "m": 4, "p_triangle": 0.3},
        "seeds": {"count": 50},
    }
    point = dict(launch, behaviour={"accept_probability": row(fit)["estimate"]})
    drawn = sim.run_experiment(launch, posterior=posterior).runs["joined"]
    plain = sim.run_experiment(point).runs["joined"]
    spread = lambda r: np.subtract(*np.quantile(r, [0.95, 0.05]))  # noqa: E731
    # The 90% bands of 160 runs each: over 8 launch seeds the ratio of spreads ranged
    # 1.40 to 1.91 (mean 1.67, sd 0.18), so 1.2 is 2.6 sd below it. With 40 runs each
    # the ratio's sd was 0.3 and one seed in eight gave 1.05.
    assert spread(drawn) > 1.2 * spread(plain), (spread(drawn), spread(plain))
    # medians agree within noise: the point is the posterior median, and 160 runs put the
    # median's standard error near 1.25 sd / sqrt(160) ~ 0.1 sd of the wider forecast;
    # allow 0.6 of its spread (90% band ~ 3.3 sd): 0.6 x 3.3 ~ 2 sd > 3 standard errors.
    assert abs(np.median(drawn) - np.median(plain)) < 0.6 * spread(drawn)


def test_calibration_is_reproducible_bit_for_bit(tmp_path):
    data = pilot_data(400, 20, 5, 20, 2)
    problem = parse_calibration(data, ".")
    pilot = observed_pilot(problem, 0.1, 0)
    state = np.random.get_state()
    a = calibrate_daily(problem, pilot)
    b = calibrate_daily(problem, pilot)
    assert a.samples.equals(b.samples)
    assert (a.predictive["posterior"] == b.predictive["posterior"]).all()
    # numpy's global generator is left as it was
    assert all(np.array_equal(x, y) for x, y in zip(state, np.random.get_state(), strict=True))


def test_progress_reports_each_generation_then_each_predictive_run():
    """The callback ``fission calibrate`` draws its bars from: generation 0 of at most
    ``max_generations`` once the prior sample is drawn, one report per finished
    generation (with its threshold and the simulations so far), then one per predictive
    run; and the fit is the same as without a callback."""
    data = pilot_data(400, 20, 5, 20, 3)
    data["calibration"]["predictive_draws"] = 12
    problem = parse_calibration(data, ".")
    pilot = observed_pilot(problem, 0.1, 0)
    seen = []
    fit = calibrate_daily(problem, pilot, on_progress=seen.append)
    fitting = [p for p in seen if p.stage == "fit"]
    checking = [p for p in seen if p.stage == "check"]
    assert [(p.done, p.total) for p in fitting] == [(g, 3) for g in range(fit.generations + 1)]
    assert fit.generations == 3  # min_epsilon 0: every generation allowed is run
    assert [p.done for p in checking] == list(range(1, 25)) and {p.total for p in checking} == {24}
    assert seen == fitting + checking  # fitting first, then checking
    assert fitting[0].epsilon is None and fitting[-1].epsilon == pytest.approx(fit.epsilon)
    simulations = [p.simulations for p in fitting[1:]]
    assert simulations == sorted(simulations) and simulations[-1] == fit.simulations
    assert calibrate_daily(problem, pilot).samples.equals(fit.samples)


def test_progress_ends_early_when_the_threshold_is_reached():
    """A fit that reaches ``min_epsilon`` stops: fewer reports than the maximum."""
    data = pilot_data(400, 20, 5, 20, 6)
    data["calibration"]["min_epsilon"] = 1e9  # any threshold is below: stop after one
    problem = parse_calibration(data, ".")
    seen = []
    fit = calibrate_daily(problem, observed_pilot(problem, 0.1, 0), on_progress=seen.append)
    assert fit.generations == 1
    assert [(p.done, p.total) for p in seen if p.stage == "fit"] == [(0, 6), (1, 6)]


EXAMPLE = Path(__file__).resolve().parents[1] / "experiments/pilot.toml"


def test_cli_writes_the_fit(tmp_path, capsys):
    out = tmp_path / "fits/pilot"
    code = main(
        [
            "calibrate",
            str(EXAMPLE),
            "--daily",
            str(EXAMPLE.with_suffix(".csv")),
            "--out",
            str(out),
            "--set",
            "calibration.population_size=20",
            "--set",
            "calibration.max_generations=2",
            "--set",
            "calibration.predictive_draws=10",
            "--set",
            "graph.n=600",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert ACCEPT in printed and "90% low" in printed
    files = {p.name for p in out.iterdir()}
    assert {"posterior.parquet", "summary.json", "report.html", "config.toml"} <= files
    samples = pd.read_parquet(out / "posterior.parquet")
    assert list(samples.columns) == [ACCEPT, "behaviour.share_half_life_days", "weight"]
    assert samples["weight"].sum() == pytest.approx(1.0)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["parameters"][0]["low"] <= summary["parameters"][0]["high"]
    assert "plotly" in (out / "report.html").read_text()[:4_000_000]
    assert not [p for p in tmp_path.joinpath("fits").iterdir() if p.name.startswith(".")]
    # the folder feeds `fission run --posterior`
    assert load_calibration(out / "config.toml").spec.population_size == 20


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("daily", "day,new_joins\n1,3\n2,-1\n", "line 3: new_joins is negative"),
        ("daily", "day,new_joins\n2,3\n1,1\n", "line 3: day out of order"),
        ("daily", "day,new_invites\n1,3\n", "missing column 'new_joins'"),
        ("daily", "day,new_joins,clicks\n1,3,4\n", "unknown column 'clicks'"),
        ("daily", "day,new_joins\n1,3\n99,1\n", "day 99 is after the config's last day"),
        ("cascades", "1 10.0,2 1.2e+x\n", "line 1: unparseable time '1.2e+x'"),
        ("param", "", "calibration.params.behaviour.acept_probability"),
        ("spec", "", "calibration.populaton_size: unknown key"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(tmp_path, capsys, kind, content, message):
    config = EXAMPLE.read_text()
    if kind == "param":
        config = config.replace('"behaviour.accept_probability"', '"behaviour.acept_probability"')
    if kind == "spec":
        config = config.replace("population_size =", "populaton_size =")
    cfg = _write(tmp_path / "pilot.toml", config)
    out = tmp_path / "out"
    if kind == "cascades":
        args = ["--cascades", str(_write(tmp_path / "c.txt", content))]
    else:
        pilot = content if kind == "daily" else "day,new_joins\n1,2\n"
        args = ["--daily", str(_write(tmp_path / "pilot.csv", pilot))]
    code = main(["calibrate", str(cfg), *args, "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["pilot.toml", "c.txt" if kind == "cascades" else "pilot.csv"]
    )


def test_read_pilot_fills_missing_days_with_zero(tmp_path):
    frame = read_pilot(_write(tmp_path / "p.csv", "day,new_joins,new_paying\n2,5,1\n4,1,0\n"), 5)
    assert frame["new_joins"].tolist() == [0, 5, 0, 1, 0]
    assert list(frame.columns) == ["day", "new_joins", "new_paying"]


def test_compressed_cascades_read_as_the_plain_file(tmp_path):
    plain = _write(tmp_path / "cascades.txt", gzip.decompress(CASCADES.read_bytes()).decode())
    packed, unpacked = read_cascades(CASCADES, 3), read_cascades(plain, 3)
    assert len(packed) == len(unpacked) == 3454
    assert all(
        a.users == b.users and np.array_equal(a.seconds, b.seconds)
        for a, b in zip(packed, unpacked, strict=True)
    )
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(gzip.compress(b"1 10.0,2 11.0\n1 10.0,2 1.2e+x\n"))
    with pytest.raises(ConfigError, match=r"bad.txt.gz, line 2: unparseable time '1.2e\+x'"):
        read_cascades(bad)


def test_fit_on_a_dask_cluster_recovers_the_truth_too():
    # pyabc's Dask sampler on the experiments' cluster path (a running scheduler). Not
    # bit-reproducible (particles arrive in any order), so the check is statistical:
    # the truth 0.08 lies inside the 90% interval, as it does single-core.
    from dask.distributed import LocalCluster

    problem = parse_calibration(pilot_data(1000, 100, 5, 60, 3), ".")
    pilot = observed_pilot(problem, 0.08, case=5)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        fit = calibrate_daily(problem, pilot, address=cluster.scheduler_address)
    estimate = row(fit)
    assert estimate["low"] <= 0.08 <= estimate["high"]
    assert fit.samples["weight"].sum() == pytest.approx(1.0)
