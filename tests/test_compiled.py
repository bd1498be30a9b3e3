"""numba's cache never serves a compiled loop whose callees changed (``sim.compiled``)."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from numba.core.registry import CPUDispatcher

import sim.compiled
from tests.conftest import ROOT

PACKAGE = ROOT / "sim"


def _modules_with_compiled_code() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in PACKAGE.rglob("*.py")
        if "njit" in path.read_text(encoding="utf-8") and path.name != "compiled.py"
    )


def test_every_compiled_function_is_keyed_by_all_the_compiled_sources():
    modules = _modules_with_compiled_code()
    assert len(modules) >= 11, modules  # the kernels, the value model, the graphs, ...
    keyed = set(sim.compiled.compiled_sources())
    # the modules whose constants the kernels freeze, though they use no numba
    assert {PACKAGE / "kernels" / "records.py", PACKAGE / "agents.py"} <= keyed
    assert PACKAGE / "report.py" not in keyed  # a change to the report compiles nothing
    found = 0
    for name in modules:
        module = importlib.import_module(name)
        assert Path(module.__file__).resolve() in keyed, name
        text = Path(module.__file__).read_text(encoding="utf-8")
        assert "numba.njit(" not in text, f"{name}: use sim.compiled.njit"
        for value in vars(module).values():
            if isinstance(value, CPUDispatcher) and value.__module__ == name:
                locator = value._cache._impl._locator
                assert isinstance(locator, sim.compiled._WholeSources), value
                assert locator.get_source_stamp()[1] == sim.compiled.sources_key()
                found += 1
    assert found >= 40, found


SCRIPT = """
import json, sys
import numpy as np
import sim
assert sim.__file__.startswith(sys.argv[1]), sim.__file__
from sim.value.traits import gammas
print(json.dumps(gammas(np.uint64(12345), np.arange(5), 2.5).tolist()))
"""


def _draws(copy: Path) -> list[float]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(copy)],
        cwd=copy.parent,
        env={**os.environ, "PYTHONPATH": str(copy.parent)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_a_change_to_a_callee_alone_compiles_its_callers_again(tmp_path):
    # traits.py's loops call sampling.py's gamma: numba alone keys their cache by
    # traits.py only, and after a change to sampling.py would load the old sampler.
    copy = tmp_path / "sim"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    first = _draws(copy)
    assert _draws(copy) == first  # from the cache now
    sampling = copy / "value" / "sampling.py"
    text = sampling.read_text(encoding="utf-8")
    assert "return boost * d * v, counter" in text
    sampling.write_text(text.replace("return boost * d * v", "return 2.0 * boost * d * v"))
    assert _draws(copy) == [2.0 * x for x in first]
