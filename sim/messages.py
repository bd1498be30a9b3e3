"""Error messages as a planner reads them: which field, and the problem in their language.

A config error names what it is about first, ``"lure.value: Input should be greater
than or equal to 0"`` (``sim.config``: one line, field path first; a file error names the
file and line, an option error the option). The faces split off the field
(``field_of``) to show the problem under the control that caused it, and say a message
in the current language (``shown``, ``problem_text``): the engine's messages are English
(it knows no language), so its usual problems (a bound, a whole number, an unknown key,
a kind that does not take a key, a missing file, a sweep or a share that does not add
up...) are recognised by their English pattern here and translated through the
catalogue, keeping what they name (keys, files, values) as written. A problem not
recognised is shown as the engine wrote it. In English a message is left exactly as
written.

A pattern is the engine's wording: when a message's wording changes, its pattern here
changes with it (``tests/test_lang.py`` provokes the usual errors and checks that they
come out in Chinese).
"""

from __future__ import annotations

import re

from sim.lang import DEFAULT, N_, _, current

# A message naming a dotted config key first: "graph.n: ...", "reward.tiers.0.bonus: ...".
_FIELD = re.compile(r"^(?P<key>[a-z_]+(?:\.[A-Za-z0-9_]+)+): (?P<problem>.+)$", re.DOTALL)

# The problems the engine and the validation library say, by their English text (the
# part after what they name), and how to say them.
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    # values out of their declared range (pydantic's words)
    (
        re.compile(r"^Input should be greater than or equal to (?P<n>\S+)$"),
        N_("must be at least {n}"),
    ),
    (re.compile(r"^Input should be greater than (?P<n>\S+)$"), N_("must be more than {n}")),
    (re.compile(r"^Input should be less than or equal to (?P<n>\S+)$"), N_("must be at most {n}")),
    (re.compile(r"^Input should be less than (?P<n>\S+)$"), N_("must be less than {n}")),
    (re.compile(r"^Input should be a valid integer.*$"), N_("must be a whole number")),
    (re.compile(r"^Input should be a finite number$"), N_("must be a finite number")),
    (re.compile(r"^Input should be a valid number.*$"), N_("must be a number")),
    (re.compile(r"^Input should be a valid boolean.*$"), N_("must be true or false")),
    (re.compile(r"^Input should be a valid list.*$"), N_("must be a list")),
    (re.compile(r"^Input should be (?P<n>'.+)$"), N_("must be one of {n}")),
    (re.compile(r"^Field required$"), N_("is required")),
    # keys and kinds (sim.config.reading)
    (re.compile(r"^unknown key$"), N_("unknown key")),
    (
        re.compile(r"^(?P<kind>\S+) is not one of (?P<choices>.+)$"),
        N_("{kind} is not one of {choices}"),
    ),
    (
        re.compile(
            r"^(?P<section>\w+) (?P<tag>kind|rule) '(?P<kind>[^']*)' does not take this key$"
        ),
        N_("{section}.{tag} = '{kind}' does not take this key"),
    ),
    (
        re.compile(r"^graph kind '(?P<kind>[^']*)' needs '(?P<key>[^']*)'$"),
        N_("graph.kind = '{kind}' needs '{key}'"),
    ),
    (
        re.compile(r"^graph kind '(?P<kind>[^']*)' does not take (?P<keys>.+)$"),
        N_("graph.kind = '{kind}' does not take {keys}"),
    ),
    (
        re.compile(r"^expected a table of keys, not (?P<n>.+)$"),
        N_("expected a table of keys, not {n}"),
    ),
    (re.compile(r"^is a value, not a section$"), N_("is a value, not a section")),
    (
        re.compile(r"^a config must be a table of sections$"),
        N_("a config must be a table of sections"),
    ),
    # values the command line or the app was given as text
    (re.compile(r"^(?P<n>'[^']*') is not a whole number$"), N_("{n} is not a whole number")),
    (re.compile(r"^(?P<n>'[^']*') is not a number$"), N_("{n} is not a number")),
    (re.compile(r"^(?P<n>'[^']*') is not a finite number$"), N_("{n} is not a finite number")),
    (re.compile(r"^enter a number$"), N_("enter a number")),
    (re.compile(r"^choose one$"), N_("choose one")),
    (re.compile(r"^expected key=value$"), N_("expected key=value")),
    (
        re.compile(r"^write each tier as invites:bonus, not (?P<n>.+)$"),
        N_("write each tier as invites:bonus, not {n}"),
    ),
    # what a campaign needs to add up (sim.config.sections)
    (
        re.compile(r"^segment shares must sum to 1, not (?P<n>\S+)$"),
        N_("segment shares must sum to 1, not {n}"),
    ),
    (
        re.compile(r"^channel shares must sum to 1, not (?P<n>\S+)$"),
        N_("channel shares must sum to 1, not {n}"),
    ),
    (
        re.compile(
            r"^seeds\.count \+ population\.kol_count = (?P<n>\d+) is more than the "
            r"(?P<people>\d+) people in the graph$"
        ),
        N_(
            "seeds.count + population.kol_count = {n} is more than the {people} people in the graph"
        ),
    ),
    (
        re.compile(
            r"^id (?P<id>.+) is not in the graph \(its people are numbered 0 to (?P<last>\S+)\)$"
        ),
        N_("id {id} is not in the graph (its people are numbered 0 to {last})"),
    ),
    (
        re.compile(r"^seeds\.strategy 'kol' needs population\.kol_count > 0$"),
        N_("seeds.strategy 'kol' needs population.kol_count > 0"),
    ),
    (
        re.compile(r"^groups\.lifecycle needs groups \(groups\.source\)$"),
        N_("groups.lifecycle needs groups (groups.source)"),
    ),
    (
        re.compile(r"^(?P<n>\d+) seeds asked for but only (?P<available>\d+) people are not KOLs$"),
        N_("{n} seeds asked for but only {available} people are not KOLs"),
    ),
    (
        re.compile(
            r"^(?P<p>\S+) makes IMM's RR sets too big for this graph \(more than (?P<max>[\d,]+) "
            r"people in them: above its epidemic threshold\); set a smaller one or use "
            r'seeds\.strategy = "degree_discount"$'
        ),
        N_(
            "{p} makes IMM's RR sets too big for this graph (more than {max} people in them: "
            "above its epidemic threshold); set a smaller one or use seeds.strategy = "
            '"degree_discount"'
        ),
    ),
    (
        re.compile(
            r"^(?P<p>\S+) makes IMM's RR sets too big for this graph \(about (?P<n>[\d,]+) "
            r"people in them, (?P<max>[\d,]+) fit: above its epidemic threshold\); set a "
            r'smaller one or use seeds\.strategy = "degree_discount"$'
        ),
        N_(
            "{p} makes IMM's RR sets too big for this graph (about {n} people in them, {max} "
            "fit: above its epidemic threshold); set a smaller one or use seeds.strategy = "
            '"degree_discount"'
        ),
    ),
    # scenarios and sweeps (sim.study)
    (re.compile(r"^two scenarios are named (?P<name>.+)$"), N_("two scenarios are named {name}")),
    (
        re.compile(r"^a grid sweep takes a list of values$"),
        N_("a grid sweep takes a list of values"),
    ),
    (
        re.compile(r"^an? (?P<method>\w+) sweep takes \{ low, high \}$"),
        N_("a {method} sweep takes {{ low, high }}"),
    ),
    (
        re.compile(r"^an? (?P<method>\w+) sweep needs samples$"),
        N_("a {method} sweep needs samples"),
    ),
    (
        re.compile(r"^low \((?P<low>[^)]*)\) is greater than high \((?P<high>[^)]*)\)$"),
        N_("low ({low}) is greater than high ({high})"),
    ),
    (re.compile(r"^a log range needs low > 0$"), N_("a log range needs low > 0")),
    (re.compile(r"^not a parameter$"), N_("not a parameter")),
    # files and folders
    (re.compile(r"^no such config file$"), N_("no such config file")),
    (re.compile(r"^is a folder, not a config file$"), N_("is a folder, not a config file")),
    (re.compile(r"^file not found: (?P<path>.+)$"), N_("file not found: {path}")),
    (re.compile(r"^malformed TOML: (?P<detail>.+)$"), N_("malformed TOML: {detail}")),
    (re.compile(r"^malformed YAML(?P<detail>.*)$"), N_("malformed YAML{detail}")),
    (
        re.compile(r"^the config is empty \(no sections\); write at least its experiment table$"),
        N_("the config is empty (no sections); write at least its experiment table"),
    ),
    (
        re.compile(r"^not a finished Fission results folder \(no such folder\)$"),
        N_("not a finished Fission results folder (no such folder)"),
    ),
    (
        re.compile(
            r"^not a finished Fission results folder \(status (?P<status>.+)\); run the same "
            r"`fission run` again to finish it$"
        ),
        N_(
            "not a finished Fission results folder (status {status}); run the same "
            "`fission run` again to finish it"
        ),
    ),
    (
        re.compile(r"^not a finished Fission results folder$"),
        N_("not a finished Fission results folder"),
    ),
    (
        re.compile(
            r"^holds results of a different config \(hash (?P<old>\S+), this one (?P<new>\S+)\); "
            r"use --fresh to replace them or --out for another folder$"
        ),
        N_(
            "holds results of a different config (hash {old}, this one {new}); use --fresh "
            "to replace them or --out for another folder"
        ),
    ),
    (
        re.compile(
            r"^in use by another Fission process(?P<holder>.*) that is writing there; wait for "
            r"it to finish, or use another folder$"
        ),
        N_(
            "in use by another Fission process{holder} that is writing there; wait for it "
            "to finish, or use another folder"
        ),
    ),
    (re.compile(r"^no posterior\.parquet there$"), N_("no posterior.parquet there")),
    # options of the command line
    (re.compile(r"^must be at least 1, not (?P<n>\S+)$"), N_("must be at least 1, not {n}")),
    (re.compile(r"^must be at least 1$"), N_("must be at least 1")),
    (
        re.compile(r"^no Dask scheduler answered within (?P<s>\S+) s \((?P<error>\w+)\)$"),
        N_("no Dask scheduler answered within {s} s ({error})"),
    ),
    (re.compile(r"^applies to (?P<option>--[a-z-]+) only$"), N_("applies to {option} only")),
    (
        re.compile(r"^give the pilot's config \(only --transactions goes without\)$"),
        N_("give the pilot's config (only --transactions goes without)"),
    ),
)


def field_of(message: str) -> tuple[str | None, str]:
    """(the dotted key a message is about, or None; the problem without the key)."""
    match = _FIELD.match(message.strip())
    if match is None:
        return None, message
    return match["key"], match["problem"]


def _translated(problem: str) -> str | None:
    """A problem in the current language, or None when no pattern knows it."""
    for pattern, text in _PROBLEMS:
        match = pattern.match(problem)
        if match is not None:
            return _(text).format(**match.groupdict())
    return None


def problem_text(problem: str) -> str:
    """A problem in the current language (unchanged in English, or when unrecognised)."""
    if current() == DEFAULT:
        return problem
    text = _translated(problem)
    return problem if text is None else text


def shown(message: str) -> str:
    """A whole message in the current language: what it names first kept as written
    (keys, files and lines, options: "scenarios[cash].set: lure.value: ..."), the
    problem after them translated. Unchanged in English, or when no pattern knows it."""
    if current() == DEFAULT:
        return message
    named, rest = "", message.strip()
    while True:
        text = _translated(rest)
        if text is not None:
            return named + text
        subject, colon, rest = rest.partition(": ")
        if not colon:
            return message
        named += subject + colon
