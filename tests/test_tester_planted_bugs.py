"""Tests of the tester: planted bugs, each caught in 30 of 30 trials at default settings by
gradcheck (full and fast mode) with the right input or contract clause named, and by
check_op; each beside its correct twin, which must pass the same 30 trials (a checker that
fails everything would otherwise pass these tests). check_graph points at the broken node.

The bugs and their cases are in tests/planted_ops.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from planted_ops import BUGS, MatMulTransposedW, ReLUWritingIntoG, TanhTimes1001, normal

import autograd_lite as ag
from autograd_lite.testing import arrays

TRIALS = 30
#: gradcheck's contract checks and the matching clauses of check_op
CHECK_OP_NAME = {
    "no op writes into g": "g not mutated",
    "no op writes into saved": "saved not mutated",
    "every op linear in g": "linear in g",
}


def failing(report) -> set:
    return {c.name for c in report.failures}


@pytest.mark.parametrize("bug", list(BUGS))
def test_each_planted_bug_is_caught_in_30_of_30_trials(bug):
    bad, good, case = BUGS[bug]
    caught = {"full": 0, "fast": 0, "check_op": 0}
    twin_passed = {"full": 0, "fast": 0, "check_op": 0}
    for trial in range(TRIALS):
        f, inputs, op_arrays, expected = case(bad, np.random.default_rng(trial))
        before = [x.copy() for x in inputs]
        for mode in ("full", "fast"):
            report = ag.gradcheck(f, inputs, mode=mode)
            if not report.ok and expected <= failing(report):
                caught[mode] += 1
            else:
                print(f"{bug}, trial {trial}, {mode}: expected {expected}\n{report}")
        assert all(np.array_equal(x, y) for x, y in zip(inputs, before))
        report = ag.check_op(bad, *op_arrays)
        wanted = {CHECK_OP_NAME.get(name, name) for name in expected}
        names = {c.name for c in report.failures}
        if not report.ok and wanted & names:
            caught["check_op"] += 1
        else:
            print(f"{bug}, trial {trial}, check_op: expected {wanted}\n{report}")

        f, inputs, op_arrays, _ = case(good, np.random.default_rng(trial))
        for mode in ("full", "fast"):
            twin_passed[mode] += ag.gradcheck(f, inputs, mode=mode).status == "passed"
        twin_passed["check_op"] += ag.check_op(good, *op_arrays).status == "passed"
    print(f"\n{bug}: caught {caught} of {TRIALS}; twin passed {twin_passed} of {TRIALS}")
    assert caught == {"full": TRIALS, "fast": TRIALS, "check_op": TRIALS}
    assert twin_passed == {"full": TRIALS, "fast": TRIALS, "check_op": TRIALS}


def test_a_failure_is_reported_with_the_op_named():
    bad, _, case = BUGS["write into g with fan-out"]
    f, inputs, _, _ = case(bad, np.random.default_rng(0))
    report = ag.gradcheck(f, inputs)
    [check] = [c for c in report.failures if c.name == "no op writes into g"]
    pattern = r"ReLUWritingIntoG \(node \d of 4\): backward wrote into its upstream"
    assert re.match(pattern, check.message)
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(f, inputs, raise_on_failure=True)
    assert "no op writes into g" in failing(info.value.report)


class MulScaledBy(ag.Op):
    """ga is (1 + d) times too large, d a parameter."""

    label = "MulScaledBy"

    @staticmethod
    def forward(a, b, d):
        return a * b, (a, b, d)

    @staticmethod
    def backward(saved, g):
        a, b, d = saved
        return g * b * (1 + d), g * a


@given(
    shape=st.sampled_from([(1,), (3,), (2, 3), (4, 4)]),
    d=st.floats(1e-3, 1.0) | st.floats(-1.0, -1e-3),
    data=st.data(),
)
def test_any_factor_1_plus_d_beyond_a_tenth_of_a_percent_is_caught_in_both_modes(shape, d, data):
    a = data.draw(arrays(shape, avoid=(0.0,), margin=0.2), label="a")
    b = data.draw(arrays(shape, avoid=(0.0,), margin=0.2), label="b")
    f = lambda a, b: ag.apply(MulScaledBy, a, b, d=d)  # noqa: E731
    for mode in ("full", "fast"):
        assert {c.name for c in ag.gradcheck(f, [a, b], mode=mode).failures} == {"a"}, mode


def test_the_worst_element_line_shows_the_derivative_of_f_itself():
    x = normal(np.random.default_rng(3), (2, 2))
    report = ag.gradcheck(lambda x: ag.apply(TanhTimes1001, x).sum(), [x])
    c = report["x"]
    G = c.upstream
    assert G is not None and 0.5 <= abs(G) <= 1.5
    derivative = 1 - np.tanh(x[c.worst_index]) ** 2  # d tanh / dx, from the formula
    assert c.worst_numerical / G == pytest.approx(derivative, rel=1e-6)
    assert c.worst_analytic / G == pytest.approx(1.001 * derivative, rel=1e-9)
    assert f"that is df/dx = {c.worst_numerical / G:.6g} vs {c.worst_analytic / G:.6g}" in (
        c.message
    )
    assert f"random upstream gradient G = {G:.4g}" in c.message


# ----- check_graph points at the broken node --------------------------------------------
def test_check_graph_names_the_broken_node_after_backward_freed_the_graph():
    rng = np.random.default_rng(1)
    x = ag.Tensor(normal(rng, (3, 4)), name="x")
    W = ag.Tensor(normal(rng, (4, 4)), name="W")
    h = ag.apply(MatMulTransposedW, x, W)
    loss = ag.softmax_with_loss(ag.tanh(h) * 2.0, np.array([0, 2, 1]))
    loss.backward()
    assert h.node.freed
    report = ag.check_graph(loss)
    labels = ["MatMulTransposedW", "Tanh", "Mul", "SoftmaxWithLoss"]
    assert [n.label for n in report.nodes] == labels
    assert [n.label for n in report.failures] == ["MatMulTransposedW"]
    bad = report.failures[0]
    assert bad.tensor is h and not bad.ok
    assert bad.message.startswith("MatMulTransposedW: input 1 (W) gradient off, max abs error")
    assert bad.max_abs_error > 1e-2 and bad.max_rel_error > 1e-2
    assert "FAILED" in str(report) and "MatMulTransposedW" in str(report)
    assert all(n.ok and n.max_abs_error < 1e-6 for n in report.nodes[1:])
    with pytest.raises(ag.GradcheckError):
        report.assert_ok()


def test_check_graph_reports_a_write_into_g():
    x = ag.Tensor(normal(np.random.default_rng(2), (2, 3)), name="x")
    loss = (ag.apply(ReLUWritingIntoG, x) * 3.0).sum()
    report = ag.check_graph(loss)
    assert [n.label for n in report.failures] == ["ReLUWritingIntoG"]
    assert "wrote into the upstream gradient" in report.failures[0].message
