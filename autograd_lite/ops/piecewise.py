"""Piecewise ops, each with a kink: Abs, Maximum, Minimum, Where.

At a kink the derivative is a convention (a subgradient). Each op documents its own, and it is
always one of the two one-sided derivatives, so the gradient checker can judge it:
- ``Abs``: 0 at x == 0 (as PyTorch), the midpoint of the one-sided derivatives -1 and 1.
- ``Maximum(a, b)`` / ``Minimum(a, b)``: a tie sends the whole gradient to the first operand,
  so ``np.maximum(0, x)`` (the book's ``relu``) gives 0 at x == 0 like ``ReLU``, and
  ``np.clip(x, lo, hi)`` (built from the two) passes the gradient at its bounds, as PyTorch's
  ``clamp`` does.
"""

from __future__ import annotations

import numpy as np

from ..op import Domain, Op


def _apart_case(rng):
    """Two broadcastable inputs that are never within 0.1 of each other (the kink is a == b)."""
    shape = tuple(int(d) for d in rng.integers(1, 4, size=int(rng.integers(1, 3))))
    a = rng.uniform(-2, 2, size=shape)
    gap = rng.uniform(0.1, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    b = a + gap
    if rng.random() < 0.3:  # b broadcast along the first axis
        b = b[:1]
    return (a, b), {}


class Abs(Op):
    """y = |x|.   VJP: gx = g * sign(x)   (subgradient 0 at x == 0)."""

    label = "Abs"
    domain = Domain(arity=1, avoid=(0.0,))

    @staticmethod
    def forward(x):
        return np.abs(x), x

    @staticmethod
    def backward(x, g):
        return (g * np.sign(x),)


class Maximum(Op):
    """y = max(a, b) elementwise.   VJP: ga = g * [a >= b],  gb = g * [a < b]   (tie: to a)."""

    label = "Maximum"
    domain = Domain(arity=2, sample=_apart_case)

    @staticmethod
    def forward(a, b):
        first = a >= b
        return np.maximum(a, b), first

    @staticmethod
    def backward(first, g, needs):
        return (g * first if needs[0] else None), (g * ~first if needs[1] else None)


class Minimum(Op):
    """y = min(a, b) elementwise.   VJP: ga = g * [a <= b],  gb = g * [a > b]   (tie: to a)."""

    label = "Minimum"
    domain = Domain(arity=2, sample=_apart_case)

    @staticmethod
    def forward(a, b):
        first = a <= b
        return np.minimum(a, b), first

    @staticmethod
    def backward(first, g, needs):
        return (g * first if needs[0] else None), (g * ~first if needs[1] else None)


def _where_case(rng):
    shape = tuple(int(d) for d in rng.integers(1, 4, size=int(rng.integers(1, 3))))
    condition = rng.random(shape) < 0.5
    return (condition, rng.uniform(-2, 2, size=shape), rng.uniform(-2, 2, size=shape[-1:])), {}


class Where(Op):
    """y = a where condition else b (``np.where``).   VJP: ga = g * c,  gb = g * ~c;  c: None."""

    label = "Where"
    domain = Domain(arity=3, sample=_where_case, nondiff=(0,))

    @staticmethod
    def forward(condition, a, b):
        condition = np.asarray(condition, dtype=bool)
        return np.where(condition, a, b), condition

    @staticmethod
    def backward(condition, g, needs):
        ga = g * condition if needs[1] else None
        gb = g * ~condition if needs[2] else None
        return None, ga, gb
