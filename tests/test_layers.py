"""The layers of ``sim``: no circles of imports; the engine imports none of the faces (CLI,
app, report, charts, calibration) nor the experiment layer; charts and the report import
neither the model nor the experiment runner.

Every import counts: late ones inside functions and those under ``if TYPE_CHECKING:`` (a
design dependency). The walker is ``tests/layers.py``; its own tests come first, on a
small fake package.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.layers import Import, describe_cycle, find_cycles, find_imports, graph, in_layer

SIM = ROOT / "sim"

# The engine, by module or package; packages named here cover every module added to them.
ENGINE = (
    "sim.config",
    "sim.graphs",
    "sim.groups",
    "sim.agents",
    "sim.population",
    "sim.incentives",
    "sim.model",
    "sim.kernels",
    "sim.state",
    "sim.streams",
    "sim.rootseed",
    "sim.seeding",
    "sim.influence",
    "sim.lures",
    "sim.rewards",
    "sim.channels",
    "sim.risk",
    "sim.mechanism",
    "sim.family",
    "sim.money",
    "sim.params",
    "sim.outputs",
    "sim.registry",
    "sim.version",
    "sim.community",
    "sim.people",
    "sim.tables",
)
FACES = (
    "sim.cli",
    "sim.__main__",
    "sim.seeds_command",
    "sim.app",
    "sim.report",
    "sim.charts",
    "sim.calibration",
    "sim.value_fit",
    "sim.terminal",
    "sim.export",
    "sim.units",
    "sim.optimise",
    "sim.lang",
    "sim.wording",
    "sim.messages",
)
EXPERIMENT_LAYER = (
    "sim.experiment",
    "sim.study",
    "sim.executors",
    "sim.compare",
    "sim.results",
    "sim.store",
    "sim.parts",
    "sim.runs",
    "sim.sensitivity",
    "sim.points",
)
# The package itself: its public names reach the experiment layer.
FACADE = ("sim",)
CHARTS_AND_REPORT = ("sim.charts", "sim.report", "sim.optimise.report")
MODEL_AND_RUNNER = ("sim.model", "sim.experiment", "sim.runs", "sim.executors")


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "pkg"


def targets(imports: list[Import], source: str) -> set[str]:
    return {i.target for i in imports if i.source == source}


# --- the walker, on a fake package -------------------------------------------------------


def test_walker_finds_a_circle(tmp_path):
    folder = write_package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import thing\n",
            "pkg/b.py": "import numpy\nfrom . import c\n",
            "pkg/c.py": "import pkg.a\n",
            "pkg/d.py": "from pkg import a\n",
        },
    )
    _, imports = find_imports(folder)
    edges = graph(imports)
    assert find_cycles(edges) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    assert describe_cycle(["pkg.a", "pkg.b", "pkg.c", "pkg.a"], edges).startswith(
        "pkg.a -> pkg.b -> pkg.c -> pkg.a\n"
    )
    assert targets(imports, "pkg.d") == {"pkg.a"}  # `from pkg import a` is the module


def test_walker_finds_late_and_type_checking_imports(tmp_path):
    folder = write_package(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.sub import helper\n",
            "pkg/sub/__init__.py": "def helper():\n    pass\n",
            "pkg/sub/deep.py": (
                "from typing import TYPE_CHECKING\n"
                "import typing\n"
                "if TYPE_CHECKING:\n"
                "    from ..model import Model\n"
                "if typing.TYPE_CHECKING:\n"
                "    import pkg.other\n"
                "def later():\n"
                "    from .. import model\n"
                "    return model\n"
                "class Late:\n"
                "    def method(self):\n"
                "        from pkg.sub import helper\n"
            ),
            "pkg/model.py": "",
            "pkg/other.py": "",
        },
    )
    _, imports = find_imports(folder)
    deep = {
        (i.target, i.line, i.late, i.type_checking) for i in imports if i.source.endswith("deep")
    }
    assert deep == {
        ("pkg.model", 4, False, True),
        ("pkg.other", 6, False, True),
        ("pkg.model", 8, True, False),
        ("pkg.sub", 12, True, False),  # a package: its __init__
    }
    assert targets(imports, "pkg") == {"pkg.sub"}
    assert find_cycles(graph(imports)) == []


def test_walker_finds_a_circle_through_a_late_import(tmp_path):
    folder = write_package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/engine.py": "from pkg.seeds import pick\n",
            "pkg/seeds.py": "def pick():\n    from pkg import engine\n",
        },
    )
    _, imports = find_imports(folder)
    assert find_cycles(graph(imports)) == [["pkg.engine", "pkg.seeds", "pkg.engine"]]


# --- the layers of sim -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim_imports() -> list[Import]:
    modules, imports = find_imports(SIM)
    assert "sim.model" in modules and "sim.cli" in modules
    return imports


def test_no_circles_of_imports(sim_imports):
    edges = graph(sim_imports)
    cycles = find_cycles(edges)
    assert not cycles, f"{len(cycles)} circles of imports in sim:\n" + "\n".join(
        describe_cycle(cycle, edges) for cycle in cycles
    )


def test_the_engine_imports_no_face_and_no_experiment_layer(sim_imports):
    outside = FACES + EXPERIMENT_LAYER
    bad = [
        i
        for i in sim_imports
        if in_layer(i.source, ENGINE) and (in_layer(i.target, outside) or i.target in FACADE)
    ]
    assert not bad, "the engine imports a face or the experiment layer:\n" + "\n".join(
        f"  {i.where()}" for i in bad
    )


def test_charts_and_the_report_import_neither_the_model_nor_the_runner(sim_imports):
    bad = [
        i
        for i in sim_imports
        if in_layer(i.source, CHARTS_AND_REPORT) and in_layer(i.target, MODEL_AND_RUNNER)
    ]
    assert not bad, "charts or the report import the model or the runner:\n" + "\n".join(
        f"  {i.where()}" for i in bad
    )


def test_the_layers_name_modules_that_exist(sim_imports):
    """A renamed module must not leave its layer silently empty."""
    modules = {i.source for i in sim_imports} | {i.target for i in sim_imports}
    for name in ("sim.config", "sim.model", "sim.streams", "sim.cli", "sim.study"):
        assert name in modules
    assert any(in_layer(m, ("sim.charts",)) for m in modules)
    assert any(in_layer(m, ("sim.influence",)) for m in modules)
