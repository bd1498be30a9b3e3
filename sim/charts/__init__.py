"""Figure builders: pure functions from Fission's saved tables to plotly figures.

The static report (``sim.report``) and the live app (``sim.app``) draw the same charts
with these functions. Each takes DataFrames shaped like the experiment's tables
(``runs``, ``daily``, ``members``, ``sensitivity``; docs/outputs.md defines every column)
and returns a ``plotly.graph_objects.Figure``; none reads files, runs a model or prints.
When a chart cannot be drawn from what it was given (no per-member table, an unlimited
budget, a referral tree too big to draw), the builder raises ``ChartUnavailable`` whose
message tells a planner what is missing and how to get it.

Conventions, shared by every chart:

* one colour per scenario (``scenario_colors``), in the order scenarios first appear;
* spread over replicates is the median and the 5th-95th percentile band (a 90% band);
* titles say what is shown, axis titles carry units (people, yuan, days, share, ratio),
  and hover text gives the numbers.

Building blocks that compute numbers (``daily_bands``, ``efficient_frontier``,
``generation_table``, ``segment_table``, ``local_linear``, ``tree_layout``) are public
too, so tests and the app can check or reuse the numbers behind a chart.

Modules, one subject each (this package re-exports every public name, so
``from sim import charts; charts.cost_vs_paying(...)`` works as before):

* ``common``: template, band, labels and number formats, scenario order and colours,
  layout, ``ChartUnavailable`` and its hints;
* ``comparison``: the scenario comparison table;
* ``daily``: daily bands, members joined over time, the budget burning down;
* ``cost``: cost against paying members with the efficient frontier, outcome boxes;
* ``cascade``: the cascade by generation, and the segment mix of who joined;
* ``sweeps``: swept parameters, the sweep scatter with its trend, Sobol indices;
* ``tree``: the referral tree of a typical run;
* ``value``: after the campaign: the payback curve, members' survival, value by source;
* ``risk``: money lost to fraud by design, the campaign's survival against the platform.
* ``groups``: chat groups that live and die: their survival, activity, joins by channel;
* ``plotly_config``: the config a page draws them with, plotly.js's own words (mode bar,
  box statistics) in the planner's language.

The charts import neither the simulation engine nor the experiment runner.
"""

from sim.charts.cascade import (
    SEGMENT_COLORS,
    SEGMENTS,
    generation_share,
    generation_sizes,
    generation_table,
    k_by_generation,
    segment_mix,
    segment_table,
)
from sim.charts.common import (
    BAND,
    GENERATIONS_HINT,
    MEMBERS_HINT,
    ChartUnavailable,
    label,
    scenario_colors,
    scenario_order,
    short_label,
    template,
)
from sim.charts.comparison import comparison_cells, comparison_figure
from sim.charts.cost import cost_vs_paying, efficient_frontier, outcome_box
from sim.charts.daily import (
    BANDS_AT_MOST,
    budget_burndown,
    daily_bands,
    joins_over_time,
    joins_small_multiples,
)
from sim.charts.groups import (
    GROUPS_HINT,
    alive_share,
    group_activity,
    group_survival,
    joins_by_channel,
)
from sim.charts.plotly_config import plotly_config
from sim.charts.risk import (
    FRAUD_HINT,
    PLATFORM_HINT,
    fraud_loss_by_design,
    fraud_loss_table,
    platform_survival,
    platform_survival_table,
)
from sim.charts.sweeps import (
    GRID_VALUES,
    SWEEP_OUTCOMES,
    local_linear,
    log_parameters,
    parameter_label,
    sobol_bars,
    sweep_scatter,
    swept_parameters,
)
from sim.charts.tree import TREE_MAX_MEMBERS, referral_tree, representative_run, tree_layout
from sim.charts.value import (
    HORIZON_HINT,
    cumulative_margin,
    payback_curve,
    survival_curve,
    value_by_source,
)

__all__ = [
    "BAND",
    "BANDS_AT_MOST",
    "FRAUD_HINT",
    "GENERATIONS_HINT",
    "GRID_VALUES",
    "GROUPS_HINT",
    "HORIZON_HINT",
    "MEMBERS_HINT",
    "PLATFORM_HINT",
    "SEGMENTS",
    "SEGMENT_COLORS",
    "SWEEP_OUTCOMES",
    "TREE_MAX_MEMBERS",
    "ChartUnavailable",
    "alive_share",
    "budget_burndown",
    "comparison_cells",
    "comparison_figure",
    "cost_vs_paying",
    "cumulative_margin",
    "daily_bands",
    "efficient_frontier",
    "fraud_loss_by_design",
    "fraud_loss_table",
    "generation_share",
    "generation_sizes",
    "generation_table",
    "group_activity",
    "group_survival",
    "joins_by_channel",
    "joins_over_time",
    "joins_small_multiples",
    "k_by_generation",
    "label",
    "local_linear",
    "log_parameters",
    "outcome_box",
    "parameter_label",
    "payback_curve",
    "platform_survival",
    "platform_survival_table",
    "plotly_config",
    "referral_tree",
    "representative_run",
    "scenario_colors",
    "scenario_order",
    "segment_mix",
    "segment_table",
    "short_label",
    "sobol_bars",
    "survival_curve",
    "sweep_scatter",
    "swept_parameters",
    "template",
    "tree_layout",
    "value_by_source",
]
