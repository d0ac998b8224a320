"""Pooling ops on NCHW images: Pooling (max, the book's), AvgPooling, and Unpool, max
pooling's gradient.

Windows of ``pool_h x pool_w`` move by ``stride`` over the input padded by ``pad``::

    OH = (H + 2*pad_h - pool_h) // stride_h + 1        (OW likewise)

Max pooling pads with -inf, as PyTorch (a padded border never wins a window; the book pads
with zeros, which differs only when pad > 0 and a whole window is negative). Average pooling
pads with zeros and divides by pool_h * pool_w (PyTorch's ``count_include_pad=True``).
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ..op import Domain, Op, call
from .conv import Col2Im, check_4d, out_size, pair, windows

__all__ = ["Pooling", "AvgPooling", "Unpool"]


def _pool_params(x, pool_h, pool_w, stride, pad, op: str):
    check_4d(x, op)
    ph, pw = pair((pool_h, pool_w), "pool_h/pool_w", op, 1)
    stride, pad = pair(stride, "stride", op, 1), pair(pad, "pad", op, 0)
    if pad[0] >= ph or pad[1] >= pw:
        raise InvalidArgumentError(
            f"{op}: pad {pad} must be smaller than the pool ({ph}, {pw}), so that every window "
            f"holds part of the input (x has shape {tuple(x.shape)})"
        )
    oh, ow = out_size(x.shape, ph, pw, stride, pad, op, "pool")
    return ph, pw, stride, pad, oh, ow


def _pool_case(rng):
    n, c = (int(v) for v in rng.integers(1, 3, size=2))
    ph, pw = (int(v) for v in rng.integers(1, 4, size=2))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 3)))
    pad = (int(rng.integers(0, ph)), int(rng.integers(0, pw)))
    shape = (n, c, ph + int(rng.integers(0, 4)), pw + int(rng.integers(0, 4)))
    # distinct values at least 0.05 apart: no window has a tie, so central differences with a
    # small step see one maximum per window (ties are tested on their own)
    size = int(np.prod(shape))
    x = rng.permutation(np.linspace(-2, 2, size) + rng.uniform(-0.01, 0.01, size=size))
    return (x.reshape(shape),), {"pool_h": ph, "pool_w": pw, "stride": stride, "pad": pad}


class Pooling(Op):
    """y = the maximum of each window (the book's ``Pooling``, max pooling).

    x: (N, C, H, W) -> y: (N, C, OH, OW).   VJP: the gradient goes to one maximum per window
    (the first in row-major order on a tie, as PyTorch), added up where windows overlap:
    gx = unpool(g, argmax). The argmax indices are constants of the graph.
    """

    label = "Pooling"
    domain = Domain(arity=1, sample=_pool_case)

    @staticmethod
    def forward(x, pool_h, pool_w=None, stride=None, pad=0):
        pool_w = pool_h if pool_w is None else pool_w
        stride = (pool_h, pool_w) if stride is None else stride
        ph, pw, stride, pad, oh, ow = _pool_params(x, pool_h, pool_w, stride, pad, "Pooling")
        view = windows(x, ph, pw, stride, pad, fill=-np.inf)
        n, c, h, w = x.shape
        # One strided view per position (i, j) in the window, compared with the best so far:
        # a strict > keeps the first maximum on a tie (as PyTorch), and no window is copied.
        # ``where`` tracks the winner's offset i * w + j from its window's corner in x.
        y = view[..., 0, 0]
        where = np.zeros(y.shape, dtype=np.intp)
        for k in range(1, ph * pw):
            i, j = divmod(k, pw)
            candidate = view[..., i, j]
            better = candidate > y
            y = np.maximum(y, candidate)
            where = np.where(better, i * w + j, where)
        y = np.array(y, copy=True) if ph * pw == 1 else y
        # the flat position in x of each window's maximum (inside x, since pad < pool)
        corner = (np.arange(oh).reshape(oh, 1) * stride[0] - pad[0]) * w + (
            np.arange(ow) * stride[1] - pad[1])
        planes = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        return y, ((planes + corner) + where, x.shape)

    @staticmethod
    def backward(saved, g):
        index, shape = saved
        return (call(Unpool, g, shape=shape, index=index),)


def _unpool_case(rng):
    (x,), params = _pool_case(rng)
    y, (index, shape) = Pooling.forward(x, **params)
    return (rng.uniform(-2, 2, size=y.shape),), {"shape": shape, "index": index}


class Unpool(Op):
    """y = zeros(shape) with g[k] added at the flat position index[k]: max pooling's gradient
    (overlapping windows that share a maximum add up).   VJP: gg = gy.flat[index] (a gather).
    """

    label = "Unpool"
    domain = Domain(arity=1, sample=_unpool_case)

    @staticmethod
    def forward(g, shape, index):
        size = int(np.prod(shape))
        y = np.bincount(index.ravel(), weights=g.ravel(), minlength=size)
        return y.astype(g.dtype, copy=False).reshape(shape), index

    @staticmethod
    def backward(index, g):
        return (np.reshape(g, (-1,))[index],)


def _avg_case(rng):
    (x,), params = _pool_case(rng)
    return (x,), params


class AvgPooling(Op):
    """y = the mean of each window, zero padding counted (PyTorch's ``avg_pool2d``).

    x: (N, C, H, W) -> y: (N, C, OH, OW).   VJP: each window's g / (pool_h * pool_w) spread
    over the window: gx = col2im(g broadcast over the window / (pool_h * pool_w)).
    """

    label = "AvgPooling"
    domain = Domain(arity=1, sample=_avg_case)

    @staticmethod
    def forward(x, pool_h, pool_w=None, stride=None, pad=0):
        pool_w = pool_h if pool_w is None else pool_w
        stride = (pool_h, pool_w) if stride is None else stride
        ph, pw, stride, pad, oh, ow = _pool_params(x, pool_h, pool_w, stride, pad, "AvgPooling")
        view = windows(x, ph, pw, stride, pad)
        y = view.mean(axis=(4, 5))
        return y, (x.shape, ph, pw, stride, pad)

    @staticmethod
    def backward(saved, g):
        (n, c, h, w), ph, pw, stride, pad = saved
        oh, ow = g.shape[2], g.shape[3]
        m, k = n * oh * ow, ph * pw
        rows = np.reshape(np.transpose(g, (0, 2, 3, 1)), (m, c, 1)) / k
        gcol = np.reshape(np.broadcast_to(rows, (m, c, k)), (m, c * k))
        return (call(Col2Im, gcol, input_shape=(n, c, h, w), filter_h=ph, filter_w=pw,
                     stride=stride, pad=pad),)

