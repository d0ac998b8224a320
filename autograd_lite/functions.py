"""One-line public wrappers over ``apply``: the functional API (``ag.relu(x)``, ``ag.sum(x)``).

Every function takes Tensors, NumPy arrays or Python numbers; arrays and numbers are constants.
"""

from __future__ import annotations

import numpy as np

from . import checks
from .ops import (
    Add,
    Affine,
    AvgPooling,
    BroadcastTo,
    Col2Im,
    Convolution,
    ConvTranspose,
    Div,
    Dropout,
    Exp,
    GetItem,
    Im2Col,
    LeakyReLU,
    Log,
    LogSoftmax,
    MatMul,
    Max,
    Mean,
    MeanSquaredError,
    Mul,
    Neg,
    Pooling,
    Pow,
    ReLU,
    Reshape,
    Sigmoid,
    SigmoidWithLoss,
    Softmax,
    SoftmaxWithLoss,
    Sub,
    Sum,
    SumTo,
    Tanh,
    Transpose,
)
from .tensor import Tensor, apply

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "matmul", "affine", "relu", "leaky_relu", "sigmoid",
    "tanh", "exp", "log", "sum", "mean", "max", "reshape", "transpose", "broadcast_to", "getitem",
    "softmax", "softmax_with_loss", "sigmoid_with_loss", "mean_squared_error", "dropout",
    "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "im2col", "col2im", "sum_to",
    "log_softmax",
]


def add(a, b): return apply(Add, a, b)  # noqa: E704
def sub(a, b): return apply(Sub, a, b)  # noqa: E704
def mul(a, b): return apply(Mul, a, b)  # noqa: E704
def div(a, b): return apply(Div, a, b)  # noqa: E704
def neg(x): return apply(Neg, x)  # noqa: E704
def pow(x, p): return apply(Pow, x, p)  # noqa: E704,A001
def matmul(a, b): return apply(MatMul, a, b)  # noqa: E704
def affine(x, W, b): return apply(Affine, x, W, b)  # noqa: E704
def relu(x): return apply(ReLU, x)  # noqa: E704
def leaky_relu(x, slope=0.01): return apply(LeakyReLU, x, slope=slope)  # noqa: E704
def sigmoid(x): return apply(Sigmoid, x)  # noqa: E704
def tanh(x): return apply(Tanh, x)  # noqa: E704
def exp(x): return apply(Exp, x)  # noqa: E704
def log(x): return apply(Log, x)  # noqa: E704
def sum(x, axis=None, keepdims=False): return apply(Sum, x, axis=axis, keepdims=keepdims)  # noqa: E704,A001
def mean(x, axis=None, keepdims=False): return apply(Mean, x, axis=axis, keepdims=keepdims)  # noqa: E704
def max(x, axis=None, keepdims=False): return apply(Max, x, axis=axis, keepdims=keepdims)  # noqa: E704,A001
def transpose(x, axes=None): return apply(Transpose, x, axes=axes)  # noqa: E704
def broadcast_to(x, shape): return apply(BroadcastTo, x, shape=shape)  # noqa: E704
def getitem(x, index): return apply(GetItem, x, index=index)  # noqa: E704
def softmax(x, axis=-1): return apply(Softmax, x, axis=axis)  # noqa: E704
def softmax_with_loss(logits, labels): return apply(SoftmaxWithLoss, logits, labels)  # noqa: E704
def sigmoid_with_loss(logits, t): return apply(SigmoidWithLoss, logits, t)  # noqa: E704
def mean_squared_error(y, t): return apply(MeanSquaredError, y, t)  # noqa: E704


def reshape(x, shape):
    """``x`` with a new shape (a tuple; one entry may be -1)."""
    return apply(Reshape, x, shape=shape)  # the op checks it (an int is a 1-D shape)


def dropout(x, ratio=0.5, train=True, rng=None):
    """Inverted dropout: in training, zero each unit with probability ``ratio`` and scale the
    rest by 1 / (1 - ratio); at test time (``train=False``) return ``x`` unchanged.

    ``rng`` is None (a fresh generator), an int seed or a ``numpy.random.Generator``; the mask is
    a constant input of the ``Dropout`` node, so the op itself stays deterministic and checkable.
    """
    ratio = checks.ratio("dropout", "ratio", ratio)
    train = checks.boolean("dropout", "train", train)
    rng = checks.rng("dropout", rng)
    if not train or ratio == 0.0:
        return x if isinstance(x, Tensor) else Tensor(x, requires_grad=False)
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    keep = rng.random(data.shape) >= ratio
    mask = keep.astype(data.dtype if data.dtype.kind == "f" else np.float64) / (1.0 - ratio)
    return apply(Dropout, x, mask)


def _with_bias(op, x, W, b, stride, pad):
    if b is None:
        return apply(op, x, W, stride=stride, pad=pad)
    return apply(op, x, W, b, stride=stride, pad=pad)


def conv2d(x, W, b=None, stride=1, pad=0):
    """The book's convolution of ``x`` (N, C, H, W) with filters ``W`` (FN, C, FH, FW), plus
    ``b`` (FN,) when given: a ``Convolution`` node. ``stride``/``pad``: an int or ``(h, w)``."""
    return _with_bias(Convolution, x, W, b, stride, pad)


def conv_transpose2d(x, W, b=None, stride=1, pad=0):
    """Transposed convolution of ``x`` (N, C_in, H, W) with ``W`` (C_in, C_out, FH, FW)
    (PyTorch's layout): the adjoint of ``conv2d`` in x. Output height
    (H - 1) * stride - 2 * pad + FH (the width likewise)."""
    return _with_bias(ConvTranspose, x, W, b, stride, pad)


def max_pool2d(x, pool_h, pool_w=None, stride=None, pad=0):
    """The maximum of each ``pool_h x pool_w`` window (``stride`` defaults to the pool size):
    a ``Pooling`` node; the gradient goes to one maximum per window."""
    return apply(Pooling, x, pool_h=pool_h, pool_w=pool_w, stride=stride, pad=pad)


def avg_pool2d(x, pool_h, pool_w=None, stride=None, pad=0):
    """The mean of each ``pool_h x pool_w`` window, zero padding counted (PyTorch's default)."""
    return apply(AvgPooling, x, pool_h=pool_h, pool_w=pool_w, stride=stride, pad=pad)


def im2col(x, filter_h, filter_w, stride=1, pad=0):
    """The book's ``im2col`` as a node: (N, C, H, W) -> (N*OH*OW, C*FH*FW)."""
    return apply(Im2Col, x, filter_h=filter_h, filter_w=filter_w, stride=stride, pad=pad)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """The book's ``col2im`` as a node: rows added back onto their windows of ``input_shape``."""
    return apply(Col2Im, col, input_shape=tuple(input_shape), filter_h=filter_h,
                 filter_w=filter_w, stride=stride, pad=pad)


def sum_to(x, shape):
    """``x`` summed down to ``shape`` (the reverse of broadcasting, DeZero's ``sum_to``)."""
    return apply(SumTo, x, shape=tuple(shape) if not isinstance(shape, int) else (shape,))


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``, in the stable form."""
    return apply(LogSoftmax, x, axis=axis)
