"""Calibration: fit behaviour parameters to a pilot's daily counts or to observed
cascades with ABC-SMC (pyabc), and check the fit against the data.

``fission calibrate CONFIG --daily pilot.csv`` or ``--cascades log.txt``; from Python::

    problem = load_calibration("experiments/pilot.toml")
    pilot = read_pilot("experiments/pilot.csv", problem.config.experiment.days)
    fit = calibrate_daily(problem, pilot, on_progress=print)  # a Progress a generation
    write_fit(fit, "fits/pilot")      # posterior.parquet feeds ``fission run --posterior``
"""

from sim.calibration.fit import Fit, Progress, calibrate_cascades, calibrate_daily, ks_statistic
from sim.calibration.inputs import (
    CalibrationSpec,
    Cascade,
    ParamPrior,
    Problem,
    cascade_curves,
    load_calibration,
    parse_calibration,
    read_cascades,
    read_pilot,
)
from sim.calibration.report import check_out, check_texts, write_fit

__all__ = [
    "CalibrationSpec",
    "Cascade",
    "Fit",
    "ParamPrior",
    "Problem",
    "Progress",
    "calibrate_cascades",
    "calibrate_daily",
    "cascade_curves",
    "check_out",
    "check_texts",
    "ks_statistic",
    "load_calibration",
    "parse_calibration",
    "read_cascades",
    "read_pilot",
    "write_fit",
]
