"""Shape ops: Reshape, Transpose, BroadcastTo, GetItem, ScatterAdd, Cast.

Gradients move values (or change their precision), never their meaning.
"""

from __future__ import annotations

import numpy as np

from .. import checks
from ..errors import ShapeError
from ..op import Domain, Op, call


def _reshape_case(rng):
    shape = tuple(int(d) for d in rng.integers(1, 4, size=3))
    x = rng.uniform(-2, 2, size=shape)
    targets = [(-1,), (shape[0], -1), (shape[2], shape[1], shape[0]), (1, x.size)]
    return (x,), {"shape": targets[int(rng.integers(len(targets)))]}


class Reshape(Op):
    """y = x reshaped to ``shape`` (one entry may be -1).   VJP: gx = g reshaped to x's shape."""

    label = "Reshape"
    domain = Domain(arity=1, sample=_reshape_case)

    @staticmethod
    def forward(x, shape):
        shape = checks.shape("Reshape", "shape", shape, allow_minus_one=True)
        try:
            y = x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"Reshape: cannot reshape an input of shape {x.shape} ({x.size} elements) "
                f"into shape {tuple(shape)}"
            ) from None
        return y, x.shape

    @staticmethod
    def backward(shape, g):
        return (g.reshape(shape),)


def _transpose_case(rng):
    ndim = int(rng.integers(1, 4))
    x = rng.uniform(-2, 2, size=tuple(int(d) for d in rng.integers(1, 4, size=ndim)))
    axes = None if rng.random() < 0.3 else tuple(int(a) for a in rng.permutation(ndim))
    return (x,), {"axes": axes}


class Transpose(Op):
    """y = x with its axes permuted (reversed when ``axes`` is None).

    VJP: gx = g transposed by the inverse permutation.
    """

    label = "Transpose"
    domain = Domain(arity=1, sample=_transpose_case)

    @staticmethod
    def forward(x, axes=None):
        if axes is not None:
            axes = checks.ints("Transpose", "axes", axes)
        if axes is not None and sorted(int(a) % max(x.ndim, 1) for a in axes) != list(
            range(x.ndim)
        ):
            raise ShapeError(
                f"Transpose: axes {tuple(axes)} is not a permutation of the {x.ndim} axes of an "
                f"input of shape {x.shape}"
            )
        return np.transpose(x, axes), axes

    @staticmethod
    def backward(axes, g):
        inverse = None if axes is None else tuple(np.argsort([int(a) % g.ndim for a in axes]))
        return (np.transpose(g, inverse),)


def _broadcast_case(rng):
    shape = tuple(int(d) for d in rng.integers(1, 4, size=2))
    small = tuple(1 if rng.random() < 0.5 else d for d in shape)
    if rng.random() < 0.5:
        small = small[1:]
    target = (int(rng.integers(1, 3)),) + shape
    return (rng.uniform(-2, 2, size=small),), {"shape": target}


class BroadcastTo(Op):
    """y = x broadcast to ``shape``.   VJP: gx = g summed over the broadcast axes (the engine)."""

    label = "BroadcastTo"
    domain = Domain(arity=1, sample=_broadcast_case)

    @staticmethod
    def forward(x, shape):
        shape = checks.shape("BroadcastTo", "shape", shape)
        try:
            y = np.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(
                f"BroadcastTo: an input of shape {x.shape} cannot be broadcast to {tuple(shape)}"
            ) from None
        return y, None

    @staticmethod
    def backward(saved, g):
        return (g,)  # the engine sums g back to x's shape


def _getitem_case(rng):
    shape = tuple(int(d) for d in rng.integers(2, 5, size=2))
    x = rng.uniform(-2, 2, size=shape)
    kinds = [
        (slice(None), slice(0, 1)),
        1,
        (slice(None, None, -1), 0),
        rng.integers(0, shape[0], size=5),  # integer-array indexing with repeats
        (rng.integers(0, shape[0], size=3), rng.integers(0, shape[1], size=3)),
        x > 0,
    ]
    return (x,), {"index": kinds[int(rng.integers(len(kinds)))]}


class GetItem(Op):
    """y = x[index] (basic, integer-array or boolean indexing).

    VJP: gx = zeros with g scattered back to the indexed places; repeated indices accumulate.
    """

    label = "GetItem"
    domain = Domain(arity=1, sample=_getitem_case)

    @staticmethod
    def forward(x, index):
        try:
            y = x[index]
        except IndexError as e:
            raise ShapeError(
                f"GetItem: index {index!r} does not fit shape {x.shape}: {e}"
            ) from None
        return y, (x.shape, index)

    @staticmethod
    def backward(saved, g):
        shape, index = saved
        return (call(ScatterAdd, g, shape=shape, index=index),)


def _scatter_case(rng):
    (x,), params = _getitem_case(rng)
    return (rng.uniform(-2, 2, size=np.shape(x[params["index"]])),), {"shape": x.shape, **params}


class ScatterAdd(Op):
    """y = zeros(shape) with y[index] += g (repeated indices add up): GetItem's gradient.

    VJP: gg = gy[index]   (so GetItem and ScatterAdd are each other's backward).
    """

    label = "ScatterAdd"
    domain = Domain(arity=1, sample=_scatter_case)

    @staticmethod
    def forward(g, shape, index):
        y = np.zeros(shape, dtype=g.dtype)
        np.add.at(y, index, g)  # unbuffered: repeated indices add up
        return y, index

    @staticmethod
    def backward(index, g):
        return (g[index],)


def _cast_case(rng):
    shape = tuple(int(d) for d in rng.integers(1, 4, size=2))
    return (rng.uniform(-2, 2, size=shape).astype(np.float32),), {"dtype": np.dtype(np.float64)}


class Cast(Op):
    """y = x converted to ``dtype`` (``t.astype(dtype)``).   VJP: gx = g converted back."""

    label = "Cast"
    domain = Domain(arity=1, sample=_cast_case)

    @staticmethod
    def forward(x, dtype):
        return x.astype(dtype), x.dtype

    @staticmethod
    def backward(dtype, g):
        return (g.astype(dtype),)
