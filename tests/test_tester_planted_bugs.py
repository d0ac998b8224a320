"""Tests of the tester: planted bugs, each caught by gradcheck (full and fast) with the right
input named, by check_op, and by check_graph at the right node.

Every planted op sits next to its correct twin, and the twin must pass: a checker that fails
everything would otherwise pass these tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import arrays

MODES = ["full", "fast"]
D = 1e-2  # "off by a factor 1 + d": ten times the default rtol
RNG = np.random.default_rng(1234)


def away_from_zero(shape, rng=RNG, margin=0.2):
    x = rng.uniform(-2, 2, size=shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin, x)


# ----- planted ops and their correct twins -----------------------------------------------------
class GoodMul(ag.Op):
    label = "GoodMul"

    @staticmethod
    def forward(a, b):
        return a * b, (a, b)

    @staticmethod
    def backward(saved, g):
        a, b = saved
        return g * b, g * a


class MulOffByFactor(GoodMul):
    """ga is (1 + d) times too large."""

    label = "MulOffByFactor"

    @staticmethod
    def backward(saved, g):
        a, b = saved
        return g * b * (1 + D), g * a


class MulWrongInput(GoodMul):
    """Each input receives the gradient meant for the other one."""

    label = "MulWrongInput"

    @staticmethod
    def backward(saved, g):
        a, b = saved
        return g * a, g * b


class GoodMatMul(ag.Op):
    label = "GoodMatMul"

    @staticmethod
    def forward(x, W):
        return x @ W, (x, W)

    @staticmethod
    def backward(saved, g):
        x, W = saved
        return g @ W.T, x.T @ g


class MatMulTransposedW(GoodMatMul):
    """gW is transposed: with a square W the shapes still match, only the values are wrong."""

    label = "MatMulTransposedW"

    @staticmethod
    def backward(saved, g):
        x, W = saved
        return g @ W.T, (x.T @ g).T


class GoodColumnBias(ag.Op):
    """Z + b[:, None] with b of shape (n,): the course's column bias, broadcast along columns."""

    label = "GoodColumnBias"

    @staticmethod
    def forward(Z, b):
        return Z + b[:, None], None

    @staticmethod
    def backward(saved, g):
        return g, g.sum(axis=1)


class ColumnBiasMissingReduction(GoodColumnBias):
    """Returns g for b unreduced. The engine's NumPy-style unbroadcast then sums the leading
    axis, which for a square Z is the wrong one: a silent wrong gradient."""

    label = "ColumnBiasMissingReduction"

    @staticmethod
    def backward(saved, g):
        return g, g


def _softmax_loss_forward(x, t):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    loss = -np.sum(np.log(y[np.arange(len(t)), t])) / len(t)
    return np.asarray(loss), (y, t)


class GoodSoftmaxWithLoss(ag.Op):
    label = "GoodSoftmaxWithLoss"

    @staticmethod
    def forward(x, t):
        return _softmax_loss_forward(x, t)

    @staticmethod
    def backward(saved, g):
        y, t = saved
        dx = y.copy()
        dx[np.arange(len(t)), t] -= 1
        return dx * (g / len(t)), None


class SoftmaxWithLossIgnoringG(GoodSoftmaxWithLoss):
    """The book's SoftmaxWithLoss.backward: (y - t) / N, whatever dout is."""

    label = "SoftmaxWithLossIgnoringG"

    @staticmethod
    def backward(saved, g):
        y, t = saved
        dx = y.copy()
        dx[np.arange(len(t)), t] -= 1
        return dx / len(t), None


class GoodReLU(ag.Op):
    label = "GoodReLU"

    @staticmethod
    def forward(x):
        mask = x <= 0
        return np.where(mask, 0.0, x), mask

    @staticmethod
    def backward(mask, g):
        return (np.where(mask, 0.0, g),)


class ReLUWritingIntoG(GoodReLU):
    """The book's Relu.backward: dout[self.mask] = 0, in place."""

    label = "ReLUWritingIntoG"

    @staticmethod
    def backward(mask, g):
        g[mask] = 0
        return (g,)


class GoodSigmoid(ag.Op):
    label = "GoodSigmoid"

    @staticmethod
    def forward(x):
        y = 1 / (1 + np.exp(-x))
        return y, y

    @staticmethod
    def backward(y, g):
        return (g * y * (1 - y),)


class SigmoidWrongSign(GoodSigmoid):
    label = "SigmoidWrongSign"

    @staticmethod
    def backward(y, g):
        return (-g * y * (1 - y),)


# ----- each planted bug: the function, its inputs, which inputs must fail ----------------------
LABELS = np.array([0, 2, 1])


def case_factor(op):
    return (
        lambda a, b, c: ag.apply(op, a, b) + c,
        [away_from_zero((3, 4)), away_from_zero((3, 4)), away_from_zero((3, 4))],
    )


def case_matmul(op):
    return (
        lambda x, W, c: ag.apply(op, x, W).tanh() * c,
        [away_from_zero((3, 4)), away_from_zero((4, 4)), away_from_zero((3, 4))],
    )


def case_bias(op):
    return (
        lambda Z, b, c: ag.apply(op, Z, b) * c,
        [away_from_zero((3, 3)), away_from_zero((3,)), away_from_zero((3, 3))],
    )


def case_softmax_loss(op):
    return (
        lambda x, c: ag.apply(op, x, LABELS) + (c * c).sum(),
        [away_from_zero((3, 4)), away_from_zero((2, 2))],
    )


def case_relu(op):
    return (
        lambda x, w: ((ag.apply(op, x) + x) * w).sum(),
        [away_from_zero((3, 4)), away_from_zero((3, 4))],
    )


def case_sign(op):
    return (lambda x, c: ag.apply(op, x) * c, [away_from_zero((2, 3)), away_from_zero((2, 3))])


PLANTED = {
    # name: (bad op, good twin, case builder, inputs that must be named)
    "off_by_factor": (MulOffByFactor, GoodMul, case_factor, {"a"}),
    "transposed_weight_gradient": (MatMulTransposedW, GoodMatMul, case_matmul, {"W"}),
    "missing_broadcast_reduction": (ColumnBiasMissingReduction, GoodColumnBias, case_bias, {"b"}),
    "ignored_upstream_gradient": (SoftmaxWithLossIgnoringG, GoodSoftmaxWithLoss,
                                  case_softmax_loss, {"x"}),
    "mutated_upstream_gradient": (ReLUWritingIntoG, GoodReLU, case_relu, {"x"}),
    "wrong_sign": (SigmoidWrongSign, GoodSigmoid, case_sign, {"x"}),
    "gradient_for_wrong_input": (MulWrongInput, GoodMul, case_factor, {"a", "b"}),
}  # fmt: skip


def failed_names(report):
    return {c.name for c in report.inputs if c.status == "failed"}


def _check_caught(name, mode):
    bad, good, build, expected = PLANTED[name]
    f, inputs = build(bad)
    before = [x.copy() for x in inputs]
    report = ag.gradcheck(f, inputs, mode=mode)
    assert not report.ok, f"{name} ({mode}) was not caught:\n{report}"
    assert failed_names(report) == expected, report
    assert all(np.array_equal(x, y) for x, y in zip(inputs, before))
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(f, inputs, mode=mode, raise_on_failure=True)
    assert failed_names(info.value.report) == expected
    f_good, inputs_good = build(good)
    twin = ag.gradcheck(f_good, inputs_good, mode=mode)
    assert twin.ok and twin.status == "passed", twin


@pytest.mark.parametrize("mode", MODES)
def test_gradient_off_by_a_factor_1_plus_d(mode):
    _check_caught("off_by_factor", mode)


@pytest.mark.parametrize("mode", MODES)
def test_transposed_weight_gradient(mode):
    _check_caught("transposed_weight_gradient", mode)


@pytest.mark.parametrize("mode", MODES)
def test_missing_broadcast_reduction(mode):
    _check_caught("missing_broadcast_reduction", mode)


@pytest.mark.parametrize("mode", MODES)
def test_ignored_upstream_gradient(mode):
    _check_caught("ignored_upstream_gradient", mode)


@pytest.mark.parametrize("mode", MODES)
def test_mutated_upstream_gradient(mode):
    _check_caught("mutated_upstream_gradient", mode)


@pytest.mark.parametrize("mode", MODES)
def test_wrong_sign(mode):
    _check_caught("wrong_sign", mode)


@pytest.mark.parametrize("mode", MODES)
def test_gradient_for_the_wrong_input(mode):
    _check_caught("gradient_for_wrong_input", mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", range(5))
def test_fast_and_full_catch_the_factor_bug_for_every_seed(mode, seed):
    f, inputs = case_factor(MulOffByFactor)
    assert failed_names(ag.gradcheck(f, inputs, mode=mode, seed=seed)) == {"a"}


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
    d=st.floats(1e-2, 1.0) | st.floats(-1.0, -1e-2),
    data=st.data(),
)
def test_any_factor_1_plus_d_beyond_1_percent_is_caught_in_both_modes(shape, d, data):
    a = data.draw(arrays(shape, avoid=(0.0,), margin=0.2), label="a")
    b = data.draw(arrays(shape, avoid=(0.0,), margin=0.2), label="b")
    f = lambda a, b: ag.apply(MulScaledBy, a, b, d=d)  # noqa: E731
    for mode in MODES:
        assert failed_names(ag.gradcheck(f, [a, b], mode=mode)) == {"a"}, mode


# ----- check_op finds each planted op by itself --------------------------------------------------
OP_CASES = {
    MulOffByFactor: ([away_from_zero((3, 4)), away_from_zero((3, 4))], "a"),
    MulWrongInput: ([away_from_zero((3, 4)), away_from_zero((3, 4))], "a"),
    MatMulTransposedW: ([away_from_zero((3, 4)), away_from_zero((4, 4))], "W"),
    ColumnBiasMissingReduction: ([away_from_zero((3, 3)), away_from_zero((3,))], "b"),
    SigmoidWrongSign: ([away_from_zero((2, 3))], "x"),
}


@pytest.mark.parametrize("op", list(OP_CASES), ids=lambda op: op.label)
def test_check_op_catches_wrong_values(op):
    arrays, name = OP_CASES[op]
    report = ag.check_op(op, *arrays)
    assert not report.ok
    assert name in failed_names(report), report


def test_check_op_catches_an_ignored_upstream_gradient():
    report = ag.check_op(SoftmaxWithLossIgnoringG, away_from_zero((3, 4)), LABELS)
    failing = {c.name for c in report.failures}
    assert "x" in failing and "linear in g" in failing, report
    assert ag.check_op(GoodSoftmaxWithLoss, away_from_zero((3, 4)), LABELS).ok


def test_check_op_catches_a_write_into_g_even_where_values_agree():
    report = ag.check_op(ReLUWritingIntoG, away_from_zero((3, 4)))
    assert [c.name for c in report.failures] == ["g not mutated"], report
    assert ag.check_op(GoodReLU, away_from_zero((3, 4))).ok


@pytest.mark.parametrize(
    "op", [GoodMul, GoodMatMul, GoodColumnBias, GoodSigmoid], ids=lambda op: op.label
)
def test_check_op_passes_the_correct_twins(op):
    arrays = {
        GoodMul: OP_CASES[MulOffByFactor][0],
        GoodMatMul: OP_CASES[MatMulTransposedW][0],
        GoodColumnBias: OP_CASES[ColumnBiasMissingReduction][0],
        GoodSigmoid: OP_CASES[SigmoidWrongSign][0],
    }[op]
    report = ag.check_op(op, *arrays)
    assert report.ok and report.status == "passed", report


# ----- check_graph points at the broken node ----------------------------------------------
def test_check_graph_names_the_broken_node_after_backward_freed_the_graph():
    x = ag.Tensor(away_from_zero((3, 4)), name="x")
    W = ag.Tensor(away_from_zero((4, 4)), name="W")
    h = ag.apply(MatMulTransposedW, x, W)
    loss = ag.softmax_with_loss(ag.tanh(h) * 2.0, LABELS)
    loss.backward()
    assert h.node.freed
    report = ag.check_graph(loss)
    assert [n.label for n in report.nodes] == [
        "MatMulTransposedW",
        "Tanh",
        "Mul",
        "SoftmaxWithLoss",
    ]
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
    x = ag.Tensor(away_from_zero((2, 3)), name="x")
    loss = (ag.apply(ReLUWritingIntoG, x) * 3.0).sum()
    report = ag.check_graph(loss)
    assert [n.label for n in report.failures] == ["ReLUWritingIntoG"]
    assert "wrote into the upstream gradient" in report.failures[0].message
