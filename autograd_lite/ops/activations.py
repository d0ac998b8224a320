"""Activations: ReLU, LeakyReLU, Sigmoid, Tanh, Softmax."""

from __future__ import annotations

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError
from ..op import Domain, Op


class _Ones(dict):
    """dtype -> 1 as a read-only 0-d array of that dtype, made on first use. As an operand it
    keeps NumPy 2 on its fast path, where a Python ``1.0`` takes a slower one (about 0.15 us a
    call on small arrays, which a chain of tanh nodes pays once per node)."""

    def __missing__(self, dtype):
        one = self[dtype] = np.ones((), dtype)
        one.flags.writeable = False
        return one


_ONE = _Ones()


class ReLU(Op):
    """y = max(x, 0).   VJP: gx = g * [x > 0]   (subgradient 0 at x == 0)."""

    label = "ReLU"
    domain = Domain(arity=1, avoid=(0.0,))

    @staticmethod
    def forward(x):
        # np.maximum rather than np.where(mask, x, 0): a NaN input stays NaN (as in the book's
        # ReLU and in PyTorch), and it is 3x faster on small arrays
        y = np.maximum(x, 0)
        return (y if y.dtype == x.dtype else y.astype(x.dtype)), x > 0

    @staticmethod
    def backward(mask, g):
        return (g * mask,)  # a new array: the book's `dout[mask] = 0` would corrupt fan-out


class LeakyReLU(Op):
    """y = x if x > 0 else slope * x.   VJP: gx = g * (1 if x > 0 else slope)."""

    label = "LeakyReLU"
    domain = Domain(arity=1, avoid=(0.0,), params={"slope": (0.01, 0.2)})

    @staticmethod
    def forward(x, slope=0.01):
        factor = np.where(x > 0, 1.0, slope).astype(x.dtype, copy=False)
        return x * factor, factor

    @staticmethod
    def backward(factor, g):
        return (g * factor,)


class Sigmoid(Op):
    """y = 1 / (1 + e^-x).   VJP: gx = g * y * (1 - y).

    Computed as exp(-log(1 + e^-x)) with logaddexp, so x = +-1000 gives 0 or 1 and no warning.
    """

    label = "Sigmoid"
    domain = Domain(arity=1, low=-4.0, high=4.0)

    @staticmethod
    def forward(x):
        y = np.exp(-np.logaddexp(0.0, -x)).astype(x.dtype, copy=False)
        return y, y

    @staticmethod
    def backward(y, g):
        return (g * y * (_ONE[y.dtype] - y),)


class Tanh(Op):
    """y = tanh x.   VJP: gx = g * (1 - y^2)."""

    label = "Tanh"
    domain = Domain(arity=1)

    @staticmethod
    def forward(x):
        y = np.tanh(x)
        return y, y

    @staticmethod
    def backward(y, g):
        return (g * (_ONE[y.dtype] - y * y),)


class Softmax(Op):
    """y_i = e^(x_i) / sum_j e^(x_j) along ``axis``.   VJP: gx = y * (g - sum(g * y, axis)).

    The max is subtracted first, so logits of +-1e4 stay finite.
    """

    label = "Softmax"
    domain = Domain(arity=1, params={"axis": (-1, 0)})

    @staticmethod
    def forward(x, axis=-1):
        axis = checks.axis("Softmax", "axis", axis, x.ndim, allow_none=False, allow_tuple=False)
        if x.size == 0:
            raise InvalidArgumentError(
                f"Softmax: input is empty (shape {x.shape}); softmax needs at least one value"
            )
        shifted = x - x.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
        y = e / e.sum(axis=axis, keepdims=True)
        return y, (y, axis)

    @staticmethod
    def backward(saved, g):
        y, axis = saved
        return (y * (g - (g * y).sum(axis=axis, keepdims=True)),)
