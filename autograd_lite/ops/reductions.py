"""Reductions: Sum, Mean, Max over ``axis`` (None, an int or a tuple), with ``keepdims``."""

from __future__ import annotations

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError
from ..op import Domain, Op


def normalize_axes(label: str, axis, ndim: int) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative ints, or a clear error naming the op."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise InvalidArgumentError(
                f"{label}: axis must be an int or tuple of ints, got {axis!r}"
            )
        if not -ndim <= a < max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
            raise InvalidArgumentError(
                f"{label}: axis {a} is out of range for an input with {ndim} dimension(s)"
            )
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise InvalidArgumentError(f"{label}: axis {axis!r} repeats an axis")
    return tuple(sorted(out)) if ndim else ()


def expand_to(g: np.ndarray, shape: tuple, axes: tuple, keepdims: bool) -> np.ndarray:
    """Broadcast a reduced gradient back over the reduced axes (a read-only view)."""
    if not keepdims and axes:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class Sum(Op):
    """y = sum of x over ``axis``.   VJP: gx = g broadcast back over the summed axes."""

    label = "Sum"
    domain = Domain(arity=1, params={"axis": (None, 0, -1), "keepdims": (False, True)})

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        axes = normalize_axes("Sum", axis, x.ndim)
        checks.boolean("Sum", "keepdims", keepdims)
        return np.sum(x, axis=axes, keepdims=keepdims), (x.shape, axes, keepdims)

    @staticmethod
    def backward(saved, g):
        shape, axes, keepdims = saved
        return (expand_to(g, shape, axes, keepdims),)


class Mean(Op):
    """y = mean of x over ``axis``.   VJP: gx = g / n broadcast back, n = elements averaged."""

    label = "Mean"
    domain = Domain(arity=1, params={"axis": (None, 0, -1), "keepdims": (False, True)})

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        axes = normalize_axes("Mean", axis, x.ndim)
        checks.boolean("Mean", "keepdims", keepdims)
        if x.size == 0:
            raise InvalidArgumentError(f"Mean: input is empty (shape {x.shape})")
        n = int(np.prod([x.shape[a] for a in axes])) if axes else 1
        return np.mean(x, axis=axes, keepdims=keepdims), (x.shape, axes, keepdims, n)

    @staticmethod
    def backward(saved, g):
        shape, axes, keepdims, n = saved
        return (expand_to(g / n, shape, axes, keepdims),)


def _distinct_values(rng):
    """Inputs for Max with no ties: a shuffled grid, so the argmax is unique and stable."""
    shape = tuple(int(d) for d in rng.integers(1, 5, size=int(rng.integers(1, 4))))
    size = int(np.prod(shape))
    values = rng.permutation(size) * 0.5 - size * 0.25 + rng.uniform(-0.1, 0.1)
    params = {"axis": [None, 0, -1][int(rng.integers(3))], "keepdims": bool(rng.integers(2))}
    return (values.reshape(shape),), params


class Max(Op):
    """y = max of x over ``axis``.

    VJP: gx = g at the maximal elements, 0 elsewhere; ties share g equally (a subgradient).
    """

    label = "Max"
    domain = Domain(arity=1, sample=_distinct_values)

    @staticmethod
    def forward(x, axis=None, keepdims=False):
        axes = normalize_axes("Max", axis, x.ndim)
        checks.boolean("Max", "keepdims", keepdims)
        if x.size == 0:
            raise InvalidArgumentError(f"Max: input is empty (shape {x.shape})")
        y = np.max(x, axis=axes, keepdims=True)
        mask = x == y
        count = mask.sum(axis=axes, keepdims=True)
        out = y if keepdims else np.squeeze(y, axis=axes)
        return out, (mask, count, axes, keepdims)

    @staticmethod
    def backward(saved, g):
        mask, count, axes, keepdims = saved
        if not keepdims and axes:
            g = np.expand_dims(g, axes)
        return (mask * (g / count),)
