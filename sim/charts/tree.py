"""The referral tree of one run, from the per-member table (members.parquet): which run is
typical (``representative_run``), a tidy dendrogram layout of the referral forest
(``tree_layout``), and the tree itself, drawn only up to ``TREE_MAX_MEMBERS`` members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from sim.charts.cascade import SEGMENT_NAMES
from sim.charts.common import (
    MEMBERS_HINT,
    ChartUnavailable,
    _escape,
    _layout,
    _scenarios,
    hover,
    scenario_order,
)
from sim.lang import N_, _

TREE_MAX_MEMBERS = 3000  # referral trees with more members are not drawn
# members.parquet's roles in the planner's words (domain.md §2), for hover text.
ROLE_NAMES = {"member": N_("member"), "seed": N_("seed user"), "kol": N_("KOL")}


def representative_run(runs: pd.DataFrame, scenario: str | None = None) -> int:
    """The run_id of a typical run: in ``scenario`` (default: the first), the run whose
    ``joined`` is nearest the scenario's median (the lowest run_id on ties)."""
    scenario = scenario_order(runs)[0] if scenario is None else scenario
    part = runs[_scenarios(runs) == scenario]
    if part.empty:
        raise ChartUnavailable(_("No runs in scenario {name!r}.").format(name=scenario))
    distance = (part["joined"].astype(float) - part["joined"].median()).abs()
    best = part.assign(_d=distance.to_numpy()).sort_values(["_d", "run_id"], kind="stable")
    return int(best["run_id"].iloc[0])


def tree_layout(nodes: Sequence[Any], inviters: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """A tidy layout of a referral forest: returns (parent index or -1, row position).

    Each person with nobody they brought in takes a row of its own; everyone else sits
    at the middle of the rows of the people they brought in (a dendrogram layout).
    Bigger cascades come first; people whose inviter is not listed are roots."""
    index = {node: i for i, node in enumerate(nodes)}
    parent = np.array(
        [-1 if pd.isna(inv) else index.get(inv, -1) for inv in inviters], dtype=np.int64
    )
    n = len(parent)
    children: list[list[int]] = [[] for _ in range(n)]
    for child, p in enumerate(parent):
        if p >= 0:
            children[p].append(child)
    # Rows under each person, children before parents (post-order without recursion).
    rows = np.ones(n)
    roots = [i for i in range(n) if parent[i] < 0]
    order: list[int] = []
    stack = list(roots)
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(children[i])
    for i in reversed(order):
        if children[i]:
            rows[i] = sum(rows[c] for c in children[i])
    position = np.zeros(n)
    start = 0.0
    pending: list[tuple[int, float]] = []
    for root in sorted(roots, key=lambda r: -rows[r]):
        pending.append((root, start))
        start += rows[root]
    while pending:
        i, first = pending.pop()
        position[i] = first + (rows[i] - 1) / 2
        for c in sorted(children[i], key=lambda c: -rows[c]):
            pending.append((c, first))
            first += rows[c]
    return parent, position


def referral_tree(
    members: pd.DataFrame | None,
    run_id: int,
    *,
    runs: pd.DataFrame | None = None,
    max_members: int = TREE_MAX_MEMBERS,
) -> go.Figure:
    """The referral tree of one run: every member a node (x: generation; coloured by
    generation, sized by the people they brought in), a line from each inviter to the
    people they brought in; biggest cascades on top. ``runs``, when given, names the
    run's scenario and replicate in the title. Raises ``ChartUnavailable`` without
    ``members`` or when the run has more than ``max_members`` members."""
    if members is None:
        raise ChartUnavailable(_(MEMBERS_HINT))
    run = members[members["run_id"] == run_id].reset_index(drop=True)
    if run.empty:
        raise ChartUnavailable(_("Run {id} has no rows in members.parquet.").format(id=run_id))
    if len(run) > max_members:
        raise ChartUnavailable(
            _(
                "Run {id} has {members} members; the referral tree is drawn only for runs "
                "of at most {most} (a smaller graph or fewer days)."
            ).format(id=run_id, members=f"{len(run):,}", most=f"{max_members:,}")
        )
    parent, position = tree_layout(list(run["node"]), list(run["inviter"]))
    generation = run["generation"].to_numpy()
    has_parent = np.flatnonzero(parent >= 0)
    edge_x = np.full(3 * has_parent.size, np.nan)
    edge_y = np.full(3 * has_parent.size, np.nan)
    edge_x[0::3], edge_x[1::3] = generation[parent[has_parent]], generation[has_parent]
    edge_y[0::3], edge_y[1::3] = position[parent[has_parent]], position[has_parent]
    fig = go.Figure(
        go.Scatter(
            x=edge_x,
            y=edge_y,
            mode="lines",
            line={"color": "rgba(120, 120, 120, 0.45)", "width": 1},
            hoverinfo="skip",
            name=_("invitation"),
        )
    )
    gens = sorted(int(g) for g in np.unique(generation))
    palette = sample_colorscale("Viridis", [g / max(gens[-1], 1) for g in gens])
    inviter_text = run["inviter"].astype(object).where(run["inviter"].notna(), _("nobody"))
    roles = run["role"].astype(str).map(lambda r: _(ROLE_NAMES.get(r, r)))
    segments = run["segment"].astype(str).map(lambda r: _(SEGMENT_NAMES.get(r, r)))
    for g, color in zip(gens, palette, strict=True):
        part = run[generation == g]
        rows = part.index.to_numpy()
        invites = part["invites"].to_numpy()
        fig.add_trace(
            go.Scatter(
                x=generation[rows],
                y=position[rows],
                mode="markers",
                name=_("generation {g}").format(g=g),
                marker={
                    "color": color,
                    "size": 5 + 3 * np.sqrt(invites),
                    "line": {"color": "white", "width": 0.5},
                },
                customdata=np.c_[
                    part["node"].astype(str).map(_escape),
                    roles[rows],
                    segments[rows],
                    part["day_joined"],
                    invites,
                    inviter_text[rows].astype(str).map(_escape),
                    part["purchases"],
                ],
                hovertemplate=hover(
                    _("{person} ({role}, {segment})").format(
                        person="<b>%{customdata[0]}</b>",
                        role="%{customdata[1]}",
                        segment="%{customdata[2]}",
                    ),
                    _("generation {g}, joined on day {day}").format(g=g, day="%{customdata[3]}"),
                    _("brought in {people} people; {orders} orders").format(
                        people="%{customdata[4]}", orders="%{customdata[6]}"
                    ),
                    _("invited by {inviter}").format(inviter="%{customdata[5]}"),
                ),
            )
        )
    fig.update_xaxes(title_text=_("generation (0 = seeds, KOLs, outside joiners)"), dtick=1)
    fig.update_yaxes(
        title_text=_("members (one row per end of a branch)"),
        showticklabels=False,
        autorange="reversed",
    )
    which = _("run {id}").format(id=run_id)
    if runs is not None and (runs["run_id"] == run_id).any():
        row = runs[runs["run_id"] == run_id].iloc[0]
        which = _("run {id} ({scenario}, replicate {replicate})").format(
            id=run_id, scenario=row.get("scenario", "base"), replicate=row["replicate"]
        )
    title = _("Referral tree of {which}: {members} members, {referrals} referrals").format(
        which=which, members=f"{len(run):,}", referrals=f"{has_parent.size:,}"
    )
    return _layout(fig, title, height=700)
