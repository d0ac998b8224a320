"""Planted bugs for the tests of the tester: each broken op beside its correct twin.

``BUGS`` maps a bug's name to ``(broken op, correct twin, case)``; ``case(op, rng)`` returns
``(f, inputs, op_arrays, expected)``: a function of Tensors using the op, its inputs, the
arrays ``check_op`` gets, and what the failure must name (input names, or the name of the
structural check that must fail). References are the textbook derivatives.
"""

from __future__ import annotations

import numpy as np

import autograd_lite as ag


def normal(rng, shape, margin=0.2):
    """Values in [-2, 2] at least ``margin`` away from 0."""
    x = rng.uniform(-2, 2, size=shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin, x)


# ----- smooth unary ops: tanh and its broken versions --------------------------------------
class GoodTanh(ag.Op):
    label = "GoodTanh"

    @staticmethod
    def forward(x):
        y = np.tanh(x)
        return y, y

    @staticmethod
    def backward(y, g):
        return (g * (1 - y * y),)


class TanhTimes1001(GoodTanh):
    """The derivative 0.1 % too large."""

    label = "TanhTimes1001"

    @staticmethod
    def backward(y, g):
        return (g * (1 - y * y) * 1.001,)


class TanhPlusOffset(GoodTanh):
    """The derivative plus 1e-4 everywhere."""

    label = "TanhPlusOffset"

    @staticmethod
    def backward(y, g):
        return (g * (1 - y * y) + 1e-4,)


class TanhInFloat16(GoodTanh):
    """The backward computed in float16 (the engine casts the result back)."""

    label = "TanhInFloat16"

    @staticmethod
    def backward(y, g):
        return ((g.astype(np.float16) * (1 - y.astype(np.float16) ** 2)),)


class TanhOneElement(GoodTanh):
    """Right everywhere but at the first element, which is 1.5 times too large."""

    label = "TanhOneElement"

    @staticmethod
    def backward(y, g):
        gx = g * (1 - y * y)
        gx.flat[0] *= 1.5
        return (gx,)


class TanhIgnoringG(GoodTanh):
    """Returns the local derivative, whatever g is."""

    label = "TanhIgnoringG"

    @staticmethod
    def backward(y, g):
        return (np.broadcast_to(1 - y * y, g.shape).copy(),)


class TanhWrongSign(GoodTanh):
    label = "TanhWrongSign"

    @staticmethod
    def backward(y, g):
        return (-g * (1 - y * y),)


# ----- softplus: wrong only for negative inputs ----------------------------------------------
class GoodSoftplus(ag.Op):
    """y = log(1 + e^x).   VJP: gx = g * sigmoid(x)."""

    label = "GoodSoftplus"

    @staticmethod
    def forward(x):
        return np.logaddexp(0.0, x), x

    @staticmethod
    def backward(x, g):
        return (g / (1 + np.exp(-x)),)


class SoftplusWrongForNegatives(GoodSoftplus):
    label = "SoftplusWrongForNegatives"

    @staticmethod
    def backward(x, g):
        s = 1 / (1 + np.exp(-np.abs(x)))  # sigmoid(|x|): right for x >= 0 only
        return (g * s,)


# ----- ReLU: wrong only at the kink, writing into g --------------------------------------------
class GoodReLU(ag.Op):
    """y = max(x, 0).   VJP: gx = g * [x > 0] (0 at the kink, the library's convention)."""

    label = "GoodReLU"

    @staticmethod
    def forward(x):
        mask = x > 0
        return np.where(mask, x, 0.0), mask

    @staticmethod
    def backward(mask, g):
        return (g * mask,)


class ReLUFiveAtKink(GoodReLU):
    """5 at x == 0: the one-sided derivatives there are 0 and 1."""

    label = "ReLUFiveAtKink"

    @staticmethod
    def forward(x):
        return np.where(x > 0, x, 0.0), x

    @staticmethod
    def backward(x, g):
        return (g * np.where(x > 0, 1.0, np.where(x == 0, 5.0, 0.0)),)


class ReLUWritingIntoG(GoodReLU):
    """The book's Relu.backward: dout[mask] = 0, in place."""

    label = "ReLUWritingIntoG"

    @staticmethod
    def backward(mask, g):
        g[~mask] = 0
        return (g,)


# ----- binary ops ------------------------------------------------------------------------------
class GoodMul(ag.Op):
    label = "GoodMul"

    @staticmethod
    def forward(a, b):
        return a * b, (a, b)

    @staticmethod
    def backward(saved, g):
        a, b = saved
        return g * b, g * a


class MulWrongInput(GoodMul):
    """Each input receives the gradient meant for the other one."""

    label = "MulWrongInput"

    @staticmethod
    def backward(saved, g):
        a, b = saved
        return g * a, g * b


class MulWritingIntoSaved(GoodMul):
    """Right values, but backward scales its saved input in place."""

    label = "MulWritingIntoSaved"

    @staticmethod
    def backward(saved, g):
        a, b = saved
        ga, gb = g * b, g * a
        a *= 2.0
        return ga, gb


class GoodAdd(ag.Op):
    label = "GoodAdd"

    @staticmethod
    def forward(a, b):
        return a + b, b.ndim

    @staticmethod
    def backward(saved, g):
        return g, g  # the engine sums g back to b's shape


class AddWrongWhenBroadcast(GoodAdd):
    """b's gradient averaged instead of summed over the broadcast axis: right only when b has
    a's shape."""

    label = "AddWrongWhenBroadcast"

    @staticmethod
    def backward(ndim, g):
        return g, (g if ndim == g.ndim else g.mean(axis=0))


class GoodRowSum(ag.Op):
    """y_i = sum_j x_ij.   VJP: gx_ij = g_i."""

    label = "GoodRowSum"

    @staticmethod
    def forward(x):
        return x.sum(axis=1), x.shape

    @staticmethod
    def backward(shape, g):
        return (np.broadcast_to(g[:, None], shape).copy(),)


class RowSumWrongAxis(GoodRowSum):
    """g spread along the wrong axis: the shapes agree for a square x, the values do not."""

    label = "RowSumWrongAxis"

    @staticmethod
    def backward(shape, g):
        return (np.broadcast_to(g[None, :], shape).copy(),)


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
    """gW transposed: with a square W the shapes still match, only the values are wrong."""

    label = "MatMulTransposedW"

    @staticmethod
    def backward(saved, g):
        x, W = saved
        return g @ W.T, (x.T @ g).T


# ----- cases -------------------------------------------------------------------------------------
def unary_case(op, rng):
    x, c = normal(rng, (3, 4)), normal(rng, (3, 4))
    return (lambda x, c: ag.apply(op, x) * c), [x, c], [x], {"x"}


def negative_case(op, rng):
    x = normal(rng, (3, 4))
    x.flat[int(rng.integers(12))] = -abs(x.flat[0]) - 0.5  # at least one negative input
    return (lambda x: ag.apply(op, x) * 2.0), [x], [x], {"x"}


def kink_case(op, rng):
    x = normal(rng, (3, 4))
    x.flat[int(rng.integers(12))] = 0.0  # one element exactly at the kink
    return (lambda x: (ag.apply(op, x) * 3.0).sum()), [x], [x], {"x"}


def write_g_case(op, rng):
    x = normal(rng, (3, 4))
    return (lambda x: (ag.apply(op, x) * 3.0).sum()), [x], [x], {"no op writes into g"}


def write_g_fanout_case(op, rng):
    # Add hands the same g array to tanh and to the op: a write by the op corrupts tanh's
    # gradient if tanh's backward runs later (it depends on the engine's order)
    x = normal(rng, (3, 4))
    return (lambda x: (ag.tanh(x) + ag.apply(op, x)) * 3.0), [x], [x], {"no op writes into g"}


def binary_case(op, rng):
    a, b = normal(rng, (3, 4)), normal(rng, (3, 4))
    return (lambda a, b: ag.apply(op, a, b).tanh()), [a, b], [a, b], {"a", "b"}


def saved_case(op, rng):
    a, b = normal(rng, (3, 4)), normal(rng, (3, 4))
    return (lambda a, b: ag.apply(op, a, b).tanh()), [a, b], [a, b], {"no op writes into saved"}


def broadcast_case(op, rng):
    a, b = normal(rng, (3, 4)), normal(rng, (4,))
    return (lambda a, b: ag.apply(op, a, b).tanh()), [a, b], [a, b], {"b"}


def axis_case(op, rng):
    x, c = normal(rng, (4, 4)), normal(rng, (4,))
    return (lambda x, c: ag.apply(op, x) * c), [x, c], [x], {"x"}


def matmul_case(op, rng):
    x, W, c = normal(rng, (3, 4)), normal(rng, (4, 4)), normal(rng, (3, 4))
    return (lambda x, W, c: ag.apply(op, x, W).tanh() * c), [x, W, c], [x, W], {"W"}


def ignored_g_case(op, rng):
    x = normal(rng, (3, 4))
    return (lambda x: ag.apply(op, x) * 3.0), [x], [x], {"x", "every op linear in g"}


BUGS = {
    "times 1.001 on a smooth op": (TanhTimes1001, GoodTanh, unary_case),
    "plus 1e-4": (TanhPlusOffset, GoodTanh, unary_case),
    "backward in float16": (TanhInFloat16, GoodTanh, unary_case),
    "wrong only at the kink": (ReLUFiveAtKink, GoodReLU, kink_case),
    "wrong only for one element": (TanhOneElement, GoodTanh, unary_case),
    "wrong only when broadcasting": (AddWrongWhenBroadcast, GoodAdd, broadcast_case),
    "wrong reduction axis": (RowSumWrongAxis, GoodRowSum, axis_case),
    "wrong only for negative inputs": (SoftplusWrongForNegatives, GoodSoftplus, negative_case),
    "transposed matmul gradient": (MatMulTransposedW, GoodMatMul, matmul_case),
    "write into g": (ReLUWritingIntoG, GoodReLU, write_g_case),
    "write into g with fan-out": (ReLUWritingIntoG, GoodReLU, write_g_fanout_case),
    "write into saved": (MulWritingIntoSaved, GoodMul, saved_case),
    "ignored g": (TanhIgnoringG, GoodTanh, ignored_g_case),
    "gradient for the wrong input": (MulWrongInput, GoodMul, binary_case),
    "wrong sign": (TanhWrongSign, GoodTanh, unary_case),
}
