"""Dropout as an op: y = x * mask, with the mask drawn outside the op (ops are stateless)."""

from __future__ import annotations

from ..errors import ShapeError
from ..op import Domain, Op


def _dropout_case(rng):
    shape = tuple(int(d) for d in rng.integers(1, 5, size=2))
    ratio = 0.5
    mask = (rng.random(shape) >= ratio) / (1.0 - ratio)
    return (rng.uniform(-2, 2, size=shape), mask), {}


class Dropout(Op):
    """y = x * mask, where mask is 0 for dropped units and 1 / (1 - ratio) for kept ones.

    ``ag.dropout(x, ratio, train, rng)`` draws the mask ("inverted dropout": no rescaling at test
    time). VJP: gx = g * mask; mask: None.
    """

    label = "Dropout"
    domain = Domain(arity=2, sample=_dropout_case, nondiff=(1,))

    @staticmethod
    def forward(x, mask):
        if mask.shape != x.shape:
            raise ShapeError(f"Dropout: mask has shape {mask.shape}, x has shape {x.shape}")
        return x * mask, mask

    @staticmethod
    def backward(mask, g):
        return g * mask, None
