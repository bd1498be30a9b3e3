"""The imports between a package's modules, read from their source with ``ast``.

Every ``import`` and ``from ... import`` statement counts, wherever it is: at the top, inside
a function (a late import), under ``if TYPE_CHECKING:`` (a design dependency even if it
never runs). ``from P import name`` depends on the module ``P.name`` when there is one,
else on ``P`` itself (a package's ``__init__``); relative imports are resolved against the
importing module. Importing ``a.b.c`` counts as depending on ``a.b.c`` only, not on the
packages ``a`` and ``a.b`` that Python also runs on the way.
"""

from __future__ import annotations

import ast
import itertools
from collections import deque
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    """One module of the package importing another, at a line of its file (``path`` is
    relative to the package's parent folder)."""

    source: str
    target: str
    path: Path
    line: int
    late: bool = False  # inside a function
    type_checking: bool = False  # under `if TYPE_CHECKING:`

    def where(self) -> str:
        kind = ", late" if self.late else ""
        kind += ", TYPE_CHECKING" if self.type_checking else ""
        return f"{self.path}:{self.line} ({self.source} imports {self.target}{kind})"


def find_modules(folder: Path) -> dict[str, Path]:
    """Every module of the package in ``folder`` (which has ``__init__.py``) by dotted name;
    a package's name stands for its ``__init__.py``."""
    modules = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if all(part.isidentifier() for part in parts):
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


class _Walker(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, path: Path, known: set[str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.path = path
        self.known = known
        self.found: list[Import] = []
        self._functions = 0
        self._type_checking = 0

    def _add(self, target: str, node: ast.stmt) -> None:
        while target and target not in self.known:  # a name inside a module: the module
            target = target.rpartition(".")[0]
        if target:
            self.found.append(
                Import(
                    self.module,
                    target,
                    self.path,
                    node.lineno,
                    late=self._functions > 0,
                    type_checking=self._type_checking > 0,
                )
            )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".") if self.package else []
            if node.level - 1 > len(parts):
                return  # beyond the top of the package: not ours
            base = ".".join(parts[: len(parts) - (node.level - 1)])
            base = f"{base}.{node.module}" if node.module else base
        else:
            base = node.module or ""
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.known else base, node)

    def _function(self, node: ast.AST) -> None:
        self._functions += 1
        self.generic_visit(node)
        self._functions -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self._type_checking += 1
        for statement in node.body:
            self.visit(statement)
        self._type_checking -= 1
        for statement in node.orelse:
            self.visit(statement)


def find_imports(folder: Path) -> tuple[dict[str, Path], list[Import]]:
    """The package's modules and every import of one of them by another (or itself)."""
    modules = find_modules(folder)
    known = set(modules)
    found: list[Import] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relative = path.relative_to(folder.parent)
        walker = _Walker(module, path.name == "__init__.py", relative, known)
        walker.visit(tree)
        found.extend(walker.found)
    return modules, found


def graph(imports: list[Import]) -> dict[str, dict[str, Import]]:
    """source -> target -> the first import of target by source."""
    edges: dict[str, dict[str, Import]] = {}
    for item in imports:
        edges.setdefault(item.source, {}).setdefault(item.target, item)
    return edges


def _shortest_path(edges: dict[str, dict[str, Import]], start: str, end: str) -> list[str]:
    before: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == end:
            path = [node]
            while (prev := before[path[-1]]) is not None:
                path.append(prev)
            return path[::-1]
        for nxt in sorted(edges.get(node, {})):
            if nxt not in before:
                before[nxt] = node
                queue.append(nxt)
    return []


def find_cycles(edges: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Circles of imports, each as [a, b, ..., a]: for every import that lies on a circle,
    the shortest circle through it (so every such import is shown at least once)."""
    cycles: dict[tuple[str, ...], list[str]] = {}
    for source in sorted(edges):
        for target in sorted(edges[source]):
            back = _shortest_path(edges, target, source)
            if not back:
                continue
            cycle = [source, *back]  # source -> target -> ... -> source
            ring = cycle[:-1]
            turn = ring.index(min(ring))
            key = tuple(ring[turn:] + ring[:turn])
            cycles.setdefault(key, [*key, key[0]])
    return sorted(cycles.values(), key=lambda c: (len(c), c))


def describe_cycle(cycle: list[str], edges: dict[str, dict[str, Import]]) -> str:
    """``a -> b -> a`` and, under it, where each import is."""
    hops = [edges[a][b].where() for a, b in itertools.pairwise(cycle)]
    return " -> ".join(cycle) + "".join(f"\n    {hop}" for hop in hops)


def in_layer(module: str, names: tuple[str, ...]) -> bool:
    """Whether ``module`` is one of ``names`` or inside one of them (a package)."""
    return any(module == name or module.startswith(name + ".") for name in names)
