"""demos/gradcheck_two_layer.py runs and prints the per-parameter table it promises."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "demos" / "gradcheck_two_layer.py"


def load_demo():
    spec = importlib.util.spec_from_file_location("gradcheck_two_layer", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_checks_every_parameter_in_both_modes(capsys):
    reports = load_demo().main(hidden=6, batch=3, seed=1)
    out = capsys.readouterr().out
    for mode in ("full", "fast"):
        report = reports[mode]
        assert report.ok and report.status == "passed", report
        assert [c.name for c in report.inputs] == ["W1", "b1", "W2", "b2"]
        assert all(c.mean_abs_difference < 1e-8 for c in report.inputs)
    assert reports["full"]["W1"].n_checked == 64 * 6 and reports["fast"]["W1"].n_checked == 3
    n_full = 2 * (64 * 6 + 6 + 6 * 10 + 10) + 3
    assert f"gradcheck mode=full: passed, {n_full} evaluations of the loss" in out
    assert "gradcheck mode=fast: passed, 27 evaluations of the loss" in out
    assert out.count("\nW1 ") == 2 and "book: mean |diff|" in out and "course: rel diff" in out
    graph = reports["graph"]
    assert graph.ok and [n.label for n in graph.nodes] == [
        "Affine",
        "ReLU",
        "Affine",
        "SoftmaxWithLoss",
    ]
