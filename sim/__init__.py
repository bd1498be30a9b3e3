"""Fission: rehearse a community referral (裂变) campaign before spending a yuan on it.

The public names load on first use (PEP 562): ``import sim`` alone imports neither the
engine (Mesa, numba, scipy) nor the experiment layer (pandas, Dask), so the command line
starts fast and ``fission validate`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sim.version import __version__

if TYPE_CHECKING:  # what the lazy names are, for type checkers and readers
    from sim.config import Config, ConfigError, load_config
    from sim.experiment import run_experiment
    from sim.model import ReferralModel
    from sim.results import Results

# public name -> the module that defines it
_LAZY = {
    "Config": "sim.config",
    "ConfigError": "sim.config",
    "load_config": "sim.config",
    "Results": "sim.results",
    "run_experiment": "sim.experiment",
    "ReferralModel": "sim.model",
}

__all__ = [
    "Config",
    "ConfigError",
    "ReferralModel",
    "Results",
    "__version__",
    "load_config",
    "run_experiment",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
