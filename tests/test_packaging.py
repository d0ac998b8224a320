"""What a first ``make demo`` / ``pip install`` meets: metadata setuptools takes without
deprecation warnings, a quiet Makefile, and the extras the pictures need."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the CI's Python has it
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_string_not_a_deprecated_table():
    # setuptools prints ~60 lines of deprecation warnings for `license = { text = ... }`
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    requires = _pyproject()["build-system"]["requires"]
    (setuptools,) = [r for r in requires if r.startswith("setuptools")]
    assert int(re.search(r">=(\d+)", setuptools).group(1)) >= 77  # SPDX strings need 77


def test_the_ja_extra_brings_a_japanese_font_and_demo_pulls_it_in():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert any(dep.startswith("matplotlib-fontja") for dep in extras["ja"])
    assert "autograd-lite[ja]" in extras["demo"]


def test_the_makefile_installs_quietly_with_the_demo_extra():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    assert installs and all("-qq" in line for line in installs)
    assert any('".[test,demo]"' in line for line in installs)
