"""The core imports nothing above it, and ``import autograd_lite`` loads the rest on first use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("graphviz", "pygraphviz", "matplotlib", "sklearn", "PIL", "tqdm", "h5py")
ABOVE_CORE = ("viz", "plotting", "data", "book", "training", "cli", "nn", "optim")


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", ["autograd_lite.engine", "autograd_lite.tensor"])
def test_the_core_loads_no_pictures_plots_or_datasets(module):
    loaded = _loaded_after(f"import {module}")
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
    assert not [m for m in loaded if m.startswith("autograd_lite.")
                and m.split(".")[1] in ABOVE_CORE]


CORE = ("errors", "checks", "op", "ops", "modes", "engine", "tensor", "numpy_api", "functions",
        "derivatives", "copying")


def test_core_modules_import_only_the_core():
    """Read every core file's module-level imports: a lower layer never imports a higher one.
    (``Tensor.to_dot``/``render`` import the viz package when called, as ``ag.render`` does.)"""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "autograd_lite"
    files = [package / f"{name}.py" for name in CORE if (package / f"{name}.py").exists()]
    files += sorted((package / "ops").glob("*.py"))
    assert len(files) > len(CORE)
    for path in files:
        depth = 2 if path.parent.name == "ops" else 1
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level:
                target = (node.module or "").split(".")[0] if node.level == depth else "ops"
                names = [target] if target else [a.name for a in node.names]
                for name in names:
                    assert name in CORE, f"{path.name} imports autograd_lite.{name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in HEAVY, f"{path.name}: {alias.name}"


def test_import_autograd_lite_loads_the_rest_lazily_and_on_use():
    loaded = _loaded_after("import autograd_lite")
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
    assert not [m for m in loaded if m.startswith("autograd_lite.")
                and m.split(".")[1] in ABOVE_CORE]
    used = _loaded_after("import autograd_lite as ag; ag.render; ag.nn.MLP; ag.book.TwoLayerNet")
    assert {"autograd_lite.viz", "autograd_lite.nn", "autograd_lite.book"} <= set(used)


def test_lazy_names_are_listed_and_unknown_ones_raise():
    import autograd_lite as ag

    assert {"render", "to_dot", "fit", "plot_history", "nn", "book"} <= set(dir(ag))
    with pytest.raises(AttributeError, match="no attribute 'renderr'"):
        ag.renderr  # noqa: B018
