"""Error messages as a planner reads them: which field, and the problem in their language.

A config error names the field it is about first, ``"lure.value: Input should be greater
than or equal to 0"`` (``sim.config``: one line, field path first). The faces split it
(``field_of``) to show the problem under the control that caused it, and say it in the
current language (``problem_text``): the validation library's usual problems (a bound,
a whole number, an unknown key, a required field) are recognised by their English
pattern and translated through the catalogue; other problems (a config's own checks)
are shown as the engine wrote them. In English a message is left exactly as written.
"""

from __future__ import annotations

import re

from sim.lang import DEFAULT, N_, _, current

# A message naming a dotted config key first: "graph.n: ...", "reward.tiers.0.bonus: ...".
_FIELD = re.compile(r"^(?P<key>[a-z_]+(?:\.[A-Za-z0-9_]+)+): (?P<problem>.+)$", re.DOTALL)

# The validation library's problems, by their English text, and how to say them.
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^Input should be greater than or equal to (?P<n>\S+)$"),
        N_("must be at least {n}"),
    ),
    (re.compile(r"^Input should be greater than (?P<n>\S+)$"), N_("must be more than {n}")),
    (re.compile(r"^Input should be less than or equal to (?P<n>\S+)$"), N_("must be at most {n}")),
    (re.compile(r"^Input should be less than (?P<n>\S+)$"), N_("must be less than {n}")),
    (re.compile(r"^Input should be a valid integer.*$"), N_("must be a whole number")),
    (re.compile(r"^Input should be a valid number.*$"), N_("must be a number")),
    (re.compile(r"^Input should be a valid boolean.*$"), N_("must be true or false")),
    (re.compile(r"^Input should be (?P<n>'.+)$"), N_("must be one of {n}")),
    (re.compile(r"^Field required$"), N_("is required")),
    (re.compile(r"^unknown key$"), N_("unknown key")),
    (re.compile(r"^(?P<n>'[^']*') is not a whole number$"), N_("{n} is not a whole number")),
    (re.compile(r"^(?P<n>'[^']*') is not a number$"), N_("{n} is not a number")),
    (re.compile(r"^(?P<n>'[^']*') is not a finite number$"), N_("{n} is not a finite number")),
    (re.compile(r"^enter a number$"), N_("enter a number")),
    (re.compile(r"^choose one$"), N_("choose one")),
    (
        re.compile(r"^write each tier as invites:bonus, not (?P<n>.+)$"),
        N_("write each tier as invites:bonus, not {n}"),
    ),
)


def field_of(message: str) -> tuple[str | None, str]:
    """(the dotted key a message is about, or None; the problem without the key)."""
    match = _FIELD.match(message.strip())
    if match is None:
        return None, message
    return match["key"], match["problem"]


def problem_text(problem: str) -> str:
    """A problem in the current language (unchanged in English, or when unrecognised)."""
    if current() == DEFAULT:
        return problem
    for pattern, text in _PROBLEMS:
        match = pattern.match(problem)
        if match is not None:
            return _(text).format(**match.groupdict())
    return problem


def shown(message: str) -> str:
    """A whole message in the current language: the key kept, the problem translated."""
    key, problem = field_of(message)
    if key is None:
        return problem_text(message)
    return f"{key}: {problem_text(problem)}"
