"""``batches``: minibatches of (x, t) with an optional shuffle from a passed Generator."""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import InvalidArgumentError, ShapeError


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
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or (batch_size < 1)
    ):
        raise InvalidArgumentError(f"batches: batch_size must be an int >= 1, got {batch_size!r}")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise InvalidArgumentError(f"batches: shuffle must be True or False, got {shuffle!r}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise InvalidArgumentError(
            f"batches: rng must be a numpy.random.Generator or None, got {type(rng).__name__}"
        )
    order = None
    if shuffle:
        order = (rng if rng is not None else np.random.default_rng()).permutation(x.shape[0])
    return _generate(x, t, int(batch_size), order)


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
