"""Tests of the tester: on correct programs the checker never reports a failure, in any regime.

Hypothesis draws random compositions of the registered ops (tests/gradcheck_programs.py) with
inputs at the hard places: exactly at kinks, within a step of one, tiny, large, float32 inputs,
float32 computation inside, larger shapes. Each program is checked in full and in fast mode.
Each regime asserts that its hard cases were really drawn (kinks met, float32 computation,
...), so a generator drifting away from them fails the test instead of passing it.

The ``ci`` profile runs 30 programs per regime. ``HYPOTHESIS_PROFILE=thorough`` runs 10,000
per regime (``GRADCHECK_PROGRAMS=n`` sets another number); with ``GRADCHECK_FIGURES=path``
each regime appends its counts to ``path`` as one JSON line. Run with ``-s`` to see the line
each regime prints.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from gradcheck_programs import REGIMES, labels_of, programs
from hypothesis import given, settings

import autograd_lite as ag

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
# programs per regime: 10,000 in the thorough profile, else the profile's number (or
# GRADCHECK_PROGRAMS, for a run of another size)
EXAMPLES = int(os.environ.get("GRADCHECK_PROGRAMS", 10_000 if THOROUGH else 0)) or None


def _record(regime: str, counts: dict) -> None:
    line = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "labels")
    print(f"\n{regime}: {line}; ops {len(counts['labels'])}/{len(ag.REGISTRY)}")
    path = os.environ.get("GRADCHECK_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"regime": regime, **counts, "labels": sorted(counts["labels"])}))
            out.write("\n")


@pytest.mark.parametrize("regime", REGIMES)
def test_no_false_failures_on_random_correct_programs(regime):
    counts = {"programs": 0, "checks": 0, "false_failures": 0, "judged_at_kinks": 0,
              "not_judged": 0, "inconclusive": 0, "float32_inside": 0, "elements": 0,
              "labels": set()}  # fmt: skip

    def check(case):
        f, inputs = case
        counts["programs"] += 1
        counts["elements"] += sum(x.size for x in inputs)
        counts["labels"] |= labels_of(f, inputs)
        for mode in ("full", "fast"):
            report = ag.gradcheck(f, inputs, mode=mode)
            counts["checks"] += 1
            counts["judged_at_kinks"] += report.n_kinks
            counts["not_judged"] += sum(c.n_unjudged for c in report.inputs)
            counts["inconclusive"] += report.status == "inconclusive"
            counts["float32_inside"] += report.precision.limited
            if not report.ok:
                counts["false_failures"] += 1
            assert report.ok, f"false failure ({regime}, {mode}) on {f!r}:\n{report}"

    run = given(case=programs(regime))(check)
    if EXAMPLES:
        run = settings(max_examples=EXAMPLES)(run)
    try:
        run()
    finally:
        _record(regime, counts)
    assert counts["programs"] > 0 and counts["false_failures"] == 0
    # the regime's hard cases were really drawn
    if regime in ("at_kinks", "near_kinks", "tiny"):
        assert counts["judged_at_kinks"] > 0
    if regime == "float32_inside":
        assert counts["float32_inside"] == counts["checks"]
    else:
        assert counts["float32_inside"] == 0  # float64 (and float32 inputs) stay float64
    if regime == "larger":
        assert counts["elements"] >= 36 * counts["programs"]


def test_the_issues_examples_pass():
    """The false failures the issue listed, one by one."""
    cases = [
        (ag.relu, [np.array([5e-7])]),
        (lambda x: (ag.relu(x) * 10.0) ** 2, [np.zeros(1)]),
        (lambda x: x**3, [np.array([3000.0, 1.0])]),
    ]
    for f, inputs in cases:
        for mode in ("full", "fast"):
            report = ag.gradcheck(f, inputs, mode=mode)
            assert report.ok and report.status == "passed", report
    assert ag.check_op(ag.REGISTRY["ReLU"], np.array([2e-3], np.float32)).ok


@pytest.mark.parametrize("seed", range(10))
def test_check_graph_on_a_float32_mlp_has_no_false_failure(seed):
    rng = np.random.default_rng(seed)
    model = ag.nn.MLP([8, 32, 16, 3], dtype=np.float32, rng=rng)
    x = ag.Tensor(rng.normal(size=(6, 8)).astype(np.float32))
    loss = ag.softmax_with_loss(model(x), rng.integers(0, 3, size=6))
    report = ag.check_graph(loss)
    assert report.ok, report
    relu = [n for n in report.nodes if n.label == "ReLU"]
    assert relu and all(n.report.precision.analytic_dtype == np.float32 for n in relu)


def test_relu_minus_relu_of_minus_x_at_zero_is_not_judged_not_failed():
    """relu(x) - relu(-x) is x, slope 1, but the chain rule at 0 gives 0 (as PyTorch does):
    two kinks cancel inside. The checker sees them and does not judge that element."""
    f = lambda x: ag.relu(x) - ag.relu(-x)  # noqa: E731
    c = ag.gradcheck(f, [np.array([0.0, 1.5])])["x"]
    assert c.ok and c.n_unjudged == 1 and c.unjudged_indices == [(0,)]
    assert "kink hidden inside f" in c.message
