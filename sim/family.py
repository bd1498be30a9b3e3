"""A family of mechanisms chosen by one key of one config table: the lure kinds
(``[lure] kind``), the reward rules (``[reward] rule``).

``Family`` is the registry every derived list reads: the config's tagged union (each
kind validated against its own fields), which fields each kind takes (the app's form,
and dropping a switched-away kind's keys), the streams and the outputs its members
declare.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag
from pydantic.fields import FieldInfo

from sim.mechanism import Mechanism, Output
from sim.params import Section


class Family:
    """The mechanisms of one config table, the first being the default.

    Args:
        section: the config table ("lure").
        tag: the key that names the kind ("kind").
        members: the mechanism classes, in the order forms and docs list them.
    """

    def __init__(self, section: str, tag: str, members: tuple[type[Mechanism], ...]) -> None:
        self.section = section
        self.tag = tag
        self.members = {m.name: m for m in members}
        self.names = tuple(self.members)
        self.default_name = members[0].name
        tagged = tuple(Annotated[m.Params, Tag(m.name)] for m in members)
        # The kind is read from the data; without it the family's default applies.
        self.config_type = Annotated[Union[tagged], Discriminator(self._kind_of)]  # noqa: UP007

    def _kind_of(self, value: Any) -> str | None:
        if isinstance(value, dict):
            kind = value.get(self.tag, self.default_name)
            return kind if isinstance(kind, str) else repr(kind)
        return getattr(value, self.tag, None)

    def default(self) -> Section:
        """The parameters of the default kind."""
        return self.members[self.default_name].Params()

    def params_of(self, kind: str) -> type[Section]:
        return self.members[kind].Params

    def fields(self, kind: str) -> tuple[str, ...]:
        """The keys a kind takes, besides the tag."""
        return tuple(n for n in self.params_of(kind).model_fields if n != self.tag)

    def all_fields(self) -> tuple[str, ...]:
        """Every key some kind takes, in the members' order (the tag first)."""
        names = {self.tag: None}
        for kind in self.names:
            names.update(dict.fromkeys(self.fields(kind)))
        return tuple(names)

    def field(self, name: str, kind: str | None = None) -> FieldInfo:
        """A key's declaration: the given kind's, or the first kind that takes it."""
        for member in (kind,) if kind is not None else self.names:
            fields = self.params_of(member).model_fields
            if name in fields:
                return fields[name]
        raise KeyError(f"{self.section}.{name}")

    def make(self, params: Section, people: int) -> Any:
        """The mechanism of these parameters, for a community of ``people``."""
        return self.members[getattr(params, self.tag)](params, people)

    def outputs(self) -> tuple[Output, ...]:
        """Every output some member adds (once, when several declare it)."""
        outputs = {o.name + "/" + o.table: o for m in self.members.values() for o in m.outputs}
        return tuple(outputs.values())

    def streams(self) -> tuple[str, ...]:
        """Every random stream some member draws from."""
        return tuple(dict.fromkeys(s for m in self.members.values() for s in m.streams))
