"""``fission optimise``: search a campaign's incentive design under a budget of runs and
recommend what to launch, with its uncertainty.

Modules, one concept each: ``space`` (the ``[optimise]`` table: levers, objectives,
constraints, replicates), ``evaluate`` (candidates run on common random numbers through
the experiment layer's executors, each run kept on disk), ``stats`` (intervals,
constraint violations, probability of being best), ``race`` (spending replicates where
the decision is close), ``search`` (the Optuna loop), ``importance`` (which levers
matter, levers of some kinds included), ``folder`` (the output folder: lock, resume,
--fresh), ``words`` (a design and the recommendation in the planner's words and
language), ``recommend`` (the tables and recommended.toml), ``report`` (report.html from
the saved tables; its figures are the app's Optimise tab's too) and ``command`` (the
CLI). Optuna is imported only when a search runs.
"""
