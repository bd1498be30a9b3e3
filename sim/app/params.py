"""The app's controls, derived from the parameter declarations in ``sim.config``.

Nothing here declares a parameter: a ``Control`` reads its type, allowed range, options,
default and description from the pydantic field of ``sim.config`` it edits, so the app
and the config validation can never drift apart. This module only chooses *which*
dotted keys the planner sees, and when a key applies (a graph generator's own fields
come from ``sim.config.GRAPH_FIELDS``; a lure's or reward rule's own fields from its
module's parameters, through the family registry ``sim.config.FAMILIES``).

Labels are the planner's words (``sim.wording``: "friends each newcomer links to", not
"m"), units and ranges are said in the current language (``sim.lang``). It also turns
the form's text back into a campaign's data (errors in English, naming the key: the
faces translate them, ``sim.messages``), validated as a study by
``sim.study.parse_study`` (so errors name the field). Pure functions: no Dash, no I/O
except reading the starting campaign (the graphs folder is ``sim.app.folders``'s).
"""

from __future__ import annotations

import copy
import math
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

import annotated_types
from pydantic import BaseModel

from sim.app.folders import DEFAULT_GRAPHS_DIR, graph_file
from sim.config import (
    FAMILIES,
    GRAPH_FIELDS,
    GRAPH_OPTIONAL_FIELDS,
    Config,
    ConfigError,
    read_config_file,
)
from sim.family import Family
from sim.lang import N_, _
from sim.study import Study, parse_study
from sim.wording import key_label

ROOT = Path(__file__).resolve().parents[2]
START_CAMPAIGN = ROOT / "experiments" / "default.toml"
APP_REPLICATES = 10  # replicates in the app's starting campaign (the file has 20)

# The dotted keys a planner edits in the app, by panel (titles marked for the catalogue,
# translated when shown), in the order shown.
PANELS: dict[str, tuple[str, ...]] = {
    N_("Graph"): (
        "graph.kind",
        "graph.path",
        "graph.directed",
        "graph.n",
        "graph.sizes",
        "graph.mean_degree",
        "graph.m",
        "graph.k",
        "graph.p_rewire",
        "graph.degree",
        "graph.p_triangle",
        "graph.p_in",
        "graph.p_out",
    ),
    N_("Seeds and KOLs"): (
        "seeds.strategy",
        "seeds.count",
        "population.kol_count",
        "population.kol_strategy",
        "population.kol_fee",
    ),
    # Every key some lure kind or reward rule takes, from their modules' declarations.
    N_("Lure (what the friend gets)"): (),
    N_("Reward (what the inviter gets)"): (),
    # The root seed stays the starting campaign's: pinned scenarios then share random
    # numbers replicate by replicate, as the scenarios of a saved study do.
    N_("Campaign"): ("experiment.days", "experiment.replicates"),
}


def _family_keys(family: Family) -> tuple[str, ...]:
    """A family's keys as the form shows them (the tag first; advanced keys left out)."""
    keys = []
    for name in family.all_fields():
        extra = family.field(name).json_schema_extra if name != family.tag else None
        if not (isinstance(extra, dict) and extra.get("advanced")):
            keys.append(f"{family.section}.{name}")
    return tuple(keys)


# Tables whose keys the form writes only when the campaign says them or the planner
# changed them (many keys, most left at their defaults).
UNWRITTEN_DEFAULTS = ("groups", "store")


def _section_keys(section: str) -> tuple[str, ...]:
    """A table's keys as the form shows them, from its declaration (advanced keys and
    those without a description left out)."""
    fields = Config.model_fields[section].annotation.model_fields  # type: ignore[union-attr]
    keys = []
    for name, field in fields.items():
        extra = field.json_schema_extra
        if field.description and not (isinstance(extra, dict) and extra.get("advanced")):
            keys.append(f"{section}.{name}")
    return tuple(keys)


PANELS["Lure (what the friend gets)"] = _family_keys(FAMILIES["lure"])
PANELS["Reward (what the inviter gets)"] = _family_keys(FAMILIES["reward"])
PANELS[N_("Value (what members buy, after the campaign too)")] = _family_keys(FAMILIES["value"])
# Chat groups (社群运营): who is in which, and with lifecycle, owners, activities, events,
# screening; the store channel (门店引流). Every declared key, from sim.config.
PANELS[N_("Chat groups: owners, activities, rules")] = _section_keys("groups")
PANELS[N_("Store traffic (QR code in stores)")] = _section_keys("store")
# Options the app cannot offer: an explicit id list has no control here.
HIDDEN_OPTIONS = {"seeds.strategy": ("list",), "population.kol_strategy": ("list",)}
# The choice that decides which of a section's keys apply.
SELECTORS = {"graph": "graph.kind", **{s: f"{s}.{f.tag}" for s, f in FAMILIES.items()}}
# Units a control's description may name (the first found is shown beside its label).
UNIT_WORDS = ("yuan", "days", "people", "per day")
UNIT_NAMES = {
    "yuan": N_("yuan"),
    "days": N_("days"),
    "people": N_("people"),
    "per day": N_("per day"),
    "probability": N_("probability"),
}

ControlKind = Literal["choice", "int", "float", "bool", "list", "tiers", "edgelist"]


@dataclass(frozen=True)
class Control:
    """One control of the form: what it edits and what it accepts (from ``sim.config``)."""

    key: str
    kind: ControlKind
    description: str
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    optional: bool = False  # empty means "none" (the config's None)
    item: str = "float"  # element type of a list control

    @property
    def label(self) -> str:
        """The control's name in the planner's words, in the current language."""
        return key_label(self.key)

    @property
    def shown_unit(self) -> str:
        """The unit in the current language ("" without one)."""
        return _(UNIT_NAMES.get(self.unit, self.unit))

    @property
    def unit(self) -> str:
        """The unit named in the description ("yuan", "days", ...), or "probability"."""
        text = self.description.lower()
        for word in UNIT_WORDS:
            if re.search(rf"\b{word}\b", text):
                return word
        if self.minimum == 0 and self.maximum == 1:
            return "probability"
        return ""

    @property
    def allowed(self) -> str:
        """The allowed range in words, in the current language: "0 – 1", "≥ 0", "> 0",
        "1 – 3650, whole number"."""
        if self.kind in ("choice", "bool", "edgelist"):
            return ""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            text = f"{_g(low)} – {_g(high)}"
            if self.min_exclusive or self.max_exclusive:
                text = f"{'>' if self.min_exclusive else '≥'} {_g(low)}, " + (
                    f"{'<' if self.max_exclusive else '≤'} {_g(high)}"
                )
        elif low is not None:
            text = f"{'>' if self.min_exclusive else '≥'} {_g(low)}"
        elif high is not None:
            text = f"{'<' if self.max_exclusive else '≤'} {_g(high)}"
        else:
            text = _("any")
        if self.kind == "int":
            text = _("{range}, whole number").format(range=text)
        if self.kind == "list":
            text = _("comma-separated, each {range}").format(range=text)
        if self.kind == "tiers":
            text = _("invites:bonus pairs, e.g. 3:10, 10:50")
        if self.optional:
            text = _("{range}; empty = none").format(range=text)
        return text


def _g(value: float) -> str:
    return f"{value:,g}" if abs(value) < 1e6 else f"{value:.3g}"


def _section_model(section: str) -> type[BaseModel]:
    return Config.model_fields[section].annotation  # type: ignore[return-value]


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """(bare type, constraint metadata, None allowed) of an annotation."""
    metadata: list[Any] = []
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation = args[0]
            for extra in args[1:]:
                metadata.extend(getattr(extra, "metadata", [extra]))
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, metadata, optional
            annotation = args[0]
        else:
            return annotation, metadata, optional


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            bounds["minimum"] = float(item.ge)
        elif isinstance(item, annotated_types.Gt):
            bounds.update(minimum=float(item.gt), min_exclusive=True)
        elif isinstance(item, annotated_types.Le):
            bounds["maximum"] = float(item.le)
        elif isinstance(item, annotated_types.Lt):
            bounds.update(maximum=float(item.lt), max_exclusive=True)
    return bounds


def control_for(key: str) -> Control:
    """The control of one dotted key, read from its declaration in ``sim.config``."""
    section, name = key.split(".", 1)
    family = FAMILIES.get(section)
    if family is not None and name == family.tag:
        return Control(key, "choice", f"{section} {name}", options=family.names)
    field = family.field(name) if family else _section_model(section).model_fields[name]
    bare, metadata, optional = _unwrap(field.annotation)
    metadata = [*field.metadata, *metadata]
    description = field.description or ""
    if key == "graph.path":
        return Control(key, "edgelist", "edge-list file from the graphs folder")
    if typing.get_origin(bare) is Literal:
        hidden = HIDDEN_OPTIONS.get(key, ())
        options = tuple(o for o in typing.get_args(bare) if o not in hidden)
        return Control(key, "choice", description, options=options)
    if bare is bool:
        return Control(key, "bool", description)
    if typing.get_origin(bare) is list:
        item, item_meta, _ = _unwrap(typing.get_args(bare)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            return Control(key, "tiers", description or "tier thresholds and bonuses (yuan)")
        return Control(
            key,
            "list",
            description,
            optional=optional,
            item="int" if item is int else "float",
            **_bounds(item_meta),
        )
    kind: ControlKind = "int" if bare is int else "float"
    return Control(key, kind, description, optional=optional, **_bounds(metadata))


def controls() -> dict[str, Control]:
    """Every control of the form, by dotted key, in panel order."""
    return {key: control_for(key) for keys in PANELS.values() for key in keys}


def applies(key: str, choices: dict[str, str]) -> bool:
    """Whether ``key`` matters for the chosen graph kind, lure kind and reward rule
    (``choices`` maps each selector key to its value)."""
    section, name = key.split(".", 1)
    selector = SELECTORS.get(section)
    if selector is None or key == selector:
        return True
    chosen = choices.get(selector)
    if section == "graph":
        return name in GRAPH_FIELDS[chosen] or name in GRAPH_OPTIONAL_FIELDS.get(chosen, ())
    family = FAMILIES[section]
    return chosen in family.members and name in family.fields(chosen)


# ---------------------------------------------------------------- starting values


def start_data() -> dict[str, Any]:
    """The app's starting campaign: experiments/default.toml with 10 replicates."""
    data = read_config_file(START_CAMPAIGN)
    data["experiment"]["replicates"] = APP_REPLICATES
    return data


def form_values(data: dict[str, Any]) -> dict[str, Any]:
    """The value each control shows for a campaign's plain data (its defaults filled in
    from ``sim.config``): text for numbers and lists, the option for choices."""
    config = parse_config_data(data)
    values = {}
    for key, control in controls().items():
        section, name = key.split(".", 1)
        table = getattr(config, section)
        if hasattr(table, name):
            value = getattr(table, name)
        else:  # a key of another kind than the chosen one: its declared default
            field = FAMILIES[section].field(name)
            value = None if field.is_required() else field.get_default(call_default_factory=True)
        values[key] = to_text(control, value)
    return values


def parse_config_data(data: dict[str, Any]) -> Config:
    return parse_study(data, ROOT / "experiments").base


def to_text(control: Control, value: Any) -> Any:
    """A config value as its control shows it."""
    if control.kind in ("choice", "edgelist"):
        return value
    if control.kind == "bool":
        return bool(value)
    if value is None:
        return ""
    if control.kind == "tiers":
        return ", ".join(f"{t.invites}:{_g(t.bonus)}" for t in value)
    if control.kind == "list":
        return ", ".join(plain_number(v) for v in value)
    return plain_number(value)


def plain_number(value: float | int) -> str:
    """A number as a text box shows it: whole floats without ".0"."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def parse_value(control: Control, raw: Any) -> Any:
    """A control's raw value as config data; ``ConfigError`` naming the key when it is
    not even a number. Ranges are checked by the config validation, not here."""
    key = control.key
    if control.kind in ("choice", "edgelist"):
        if raw in (None, ""):
            raise ConfigError(f"{key}: choose one")
        return raw
    if control.kind == "bool":
        return bool(raw)
    text = "" if raw is None else str(raw).strip()
    if not text:
        if control.optional:
            return None
        if control.kind in ("list", "tiers"):
            return []
        raise ConfigError(f"{key}: enter a number")
    if control.kind == "tiers":
        tiers = []
        for part in _split(text):
            invites, sep, bonus = part.partition(":")
            if not sep:
                raise ConfigError(f"{key}: write each tier as invites:bonus, not {part!r}")
            tiers.append(
                {
                    "invites": parse_number(key, invites, "int"),
                    "bonus": parse_number(key, bonus, "float"),
                }
            )
        return tiers
    if control.kind == "list":
        return [parse_number(key, part, control.item) for part in _split(text)]
    return parse_number(key, text, control.kind)


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\s]+", text) if part.strip()]


def parse_number(key: str, text: str, kind: str) -> int | float:
    """A text box's number ("int" or "float"); ``ConfigError`` naming ``key`` when it is
    not a (finite, whole) number. Thousands separators are allowed."""
    text = text.strip().replace(",", "").replace("_", "")
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{key}: {text!r} is not a whole number") from None
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{key}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{key}: {text!r} is not a finite number")
    return value


# ---------------------------------------------------------------- form -> study


def campaign_data(
    values: dict[str, Any],
    graphs_dir: Path | str | None = DEFAULT_GRAPHS_DIR,
    base: dict | None = None,
) -> dict[str, Any]:
    """The campaign's plain data: the starting campaign with the form's values set.

    Keys that do not apply to the chosen graph kind, lure kind or reward rule are
    removed (their defaults apply). An edge list is a name inside ``graphs_dir`` (None:
    no edge lists), refused when it leads outside (``sim.app.folders.graph_file``); it
    is written as an absolute path, so a saved study runs from any folder.
    """
    data = copy.deepcopy(base if base is not None else start_data())
    table = controls()
    choices = {sel: values.get(sel) for sel in SELECTORS.values()}
    graphs = Path(graphs_dir) if graphs_dir is not None else None
    for key, control in table.items():
        section, name = key.split(".", 1)
        part = data.setdefault(section, {})
        if not applies(key, choices):
            part.pop(name, None)
            continue
        value = parse_value(control, values.get(key))
        kind = choices.get(SELECTORS.get(section, ""))
        quiet = section in FAMILIES or section in UNWRITTEN_DEFAULTS
        if name not in part and quiet and _is_default(section, name, value, kind):
            continue  # not written when the campaign did not say it and the form did not change it
        if control.kind == "edgelist":
            value = str(graph_file(graphs, value))
        if value is None:
            part.pop(name, None)
        else:
            part[name] = value
    for section in UNWRITTEN_DEFAULTS:  # a table the form left at its defaults
        if data.get(section) == {}:
            del data[section]
    graph = data["graph"]
    graph.pop("delimiter", None)
    if graph.get("kind") == "edgelist" and str(graph.get("path", "")).endswith(".csv"):
        graph["delimiter"] = ","
    return data


def _is_default(section: str, name: str, value: Any, kind: str | None = None) -> bool:
    """Whether ``value`` is the key's default for the chosen kind (kinds may differ:
    ``value.spend`` is fixed for the daily model, gamma_gamma for bg_nbd)."""
    family = FAMILIES.get(section)
    if family is not None:
        field = family.field(name, kind if kind in family.members else None)
    else:  # a table of its own (groups, store): its declared default
        field = _section_model(section).model_fields[name]
    return not field.is_required() and value == field.get_default(call_default_factory=True)


def build_study(data: dict[str, Any]) -> Study:
    """Validate a campaign's data as a study (``ConfigError`` names the field)."""
    return parse_study(data, ROOT / "experiments")
