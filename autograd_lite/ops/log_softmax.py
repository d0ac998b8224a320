"""LogSoftmax and SumTo: the two functions DeZero's tests use that the other families lack."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..op import Domain, Op

__all__ = ["LogSoftmax", "SumTo"]


class LogSoftmax(Op):
    """y = x - max(x) - log(sum(exp(x - max(x))))  along ``axis`` (the stable form: exp never
    overflows, and y stays finite where softmax underflows to 0 and its log would be -inf).

    VJP: gx = g - softmax(x) * sum(g)   (the sum along ``axis``; softmax(x) = exp(y)).
    """

    label = "LogSoftmax"
    domain = Domain(arity=1, low=-5.0, high=5.0, params={"axis": (-1, 0)})

    @staticmethod
    def forward(x, axis=-1):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        y = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        return y, (y, axis)

    @staticmethod
    def backward(saved, g):
        y, axis = saved
        return (g - np.exp(y) * np.sum(g, axis=axis, keepdims=True),)


def _sum_to_case(rng):
    shape = tuple(int(d) for d in rng.integers(1, 4, size=3))
    target = tuple(1 if rng.random() < 0.5 else d for d in shape)
    drop = int(rng.integers(0, 3))
    return (rng.uniform(-2, 2, size=shape),), {"shape": target[drop:]}


class SumTo(Op):
    """y = x summed down to ``shape`` (the reverse of broadcasting, DeZero's ``sum_to``):
    leading axes are summed away, axes where ``shape`` has 1 are summed with keepdims.

    VJP: gx = g broadcast back to x's shape.
    """

    label = "SumTo"
    domain = Domain(arity=1, sample=_sum_to_case)

    @staticmethod
    def forward(x, shape):
        shape = tuple(int(s) for s in shape)
        lead = x.ndim - len(shape)
        fits = lead >= 0 and all(s in (1, d) for s, d in zip(shape, x.shape[lead:]))
        if not fits:
            raise ShapeError(
                f"SumTo: an input of shape {tuple(x.shape)} cannot be summed to {shape} "
                "(each axis of the target must be 1 or the input's, and no longer)"
            )
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1
        )
        y = np.sum(x, axis=axes, keepdims=True) if axes else x
        return np.reshape(y, shape), tuple(x.shape)

    @staticmethod
    def backward(shape, g):
        return (np.broadcast_to(g, shape),)
