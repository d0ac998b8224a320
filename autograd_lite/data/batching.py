"""``batches``: minibatches of (x, t) with an optional shuffle from a passed Generator."""

from __future__ import annotations

import numpy as np

from .. import checks
from ..errors import ShapeError


def batches(x, t, batch_size: int, shuffle: bool = True, rng=None):
    """Yield ``(x_batch, t_batch)`` pairs that cover every example exactly once.

    ``x`` and ``t`` hold one example per row (axis 0) and must have the same length. With
    ``shuffle=True`` the order is a permutation drawn from ``rng`` (a ``numpy.random.Generator``;
    None draws a fresh one, so pass your own for a repeatable order); with ``shuffle=False``
    batches come in order. The last batch keeps the remainder, so it may be smaller than
    ``batch_size``. The arguments are checked at the call, before the first batch, and the
    caller's arrays are never changed (shuffled batches are copies; in-order batches are views).
    """
    x, t = _as_array(x, "x"), _as_array(t, "t")
    if x.shape[0] != t.shape[0]:
        raise ShapeError(
            f"batches: x has {x.shape[0]} examples (shape {x.shape}) but t has {t.shape[0]} "
            f"(shape {t.shape}); they need the same length along axis 0"
        )
    batch_size = checks.positive_int("batches", "batch_size", batch_size)
    shuffle = checks.boolean("batches", "shuffle", shuffle)
    rng = checks.rng("batches", rng)
    order = rng.permutation(x.shape[0]) if shuffle else None
    return _generate(x, t, batch_size, order)


def _generate(x, t, batch_size, order):
    for start in range(0, x.shape[0], batch_size):
        if order is None:
            yield x[start : start + batch_size], t[start : start + batch_size]
        else:
            index = order[start : start + batch_size]
            yield x[index], t[index]


def _as_array(a, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim == 0:
        raise ShapeError(f"batches: {name} must have an example axis, got a scalar")
    return a
