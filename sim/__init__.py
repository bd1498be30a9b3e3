"""Fission: rehearse a community referral (裂变) campaign before spending a yuan on it."""

from sim.config import Config, ConfigError, load_config
from sim.experiment import run_experiment
from sim.model import ReferralModel
from sim.results import Results

__version__ = "0.1.0"
__all__ = [
    "Config",
    "ConfigError",
    "ReferralModel",
    "Results",
    "__version__",
    "load_config",
    "run_experiment",
]
