"""Campaign parameters: declared once, validated once.

Every setting a planner can change lives here, with its unit and allowed range. The
CLI, the experiment runner and the engine all read these models; nothing else declares
a default. Sources of defaults are the sections of ``shared/docs/domain.md`` (cited as
§3.x) and ``docs/model.md``.

Errors name the offending field by its dotted path (``lure.value``), so a planner can
find it in their file.

Modules: ``errors`` (``ConfigError``), ``sections`` (the section models, ``Config`` and
``FAMILIES``), ``overrides`` (dotted-key overrides and ``--set`` arguments), ``reading``
(files read and validated). Import from ``sim.config``: it names them all.
"""

from sim.config.errors import ConfigError
from sim.config.overrides import apply_overrides, override, parse_assignment
from sim.config.reading import (
    format_validation_error,
    load_config,
    parse_config,
    read_config_file,
    read_with_overrides,
)
from sim.config.sections import (
    FAMILIES,
    GRAPH_FIELDS,
    GRAPH_OPTIONAL_FIELDS,
    BehaviourConfig,
    ChannelMix,
    Config,
    ExperimentConfig,
    GraphConfig,
    GraphKind,
    GroupsConfig,
    PopulationConfig,
    PurchaseProbability,
    SeedsConfig,
    SeedStrategy,
    SegmentMix,
)
from sim.lures import LureConfig
from sim.params import BySegment, Probability, Yuan
from sim.rewards import RewardConfig, Tier

__all__ = [
    "FAMILIES",
    "GRAPH_FIELDS",
    "GRAPH_OPTIONAL_FIELDS",
    "BehaviourConfig",
    "BySegment",
    "ChannelMix",
    "Config",
    "ConfigError",
    "ExperimentConfig",
    "GraphConfig",
    "GraphKind",
    "GroupsConfig",
    "LureConfig",
    "PopulationConfig",
    "Probability",
    "PurchaseProbability",
    "RewardConfig",
    "SeedStrategy",
    "SeedsConfig",
    "SegmentMix",
    "Tier",
    "Yuan",
    "apply_overrides",
    "format_validation_error",
    "load_config",
    "override",
    "parse_assignment",
    "parse_config",
    "read_config_file",
    "read_with_overrides",
]
