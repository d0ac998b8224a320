"""The book's numerical gradient (``common/gradient.py``): central differences with h = 1e-4.

    grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)

``x`` is changed in place one element at a time and every value is restored afterwards, even
when ``f`` raises. For the careful checker (float64 tolerances, reports, random projections)
use ``ag.gradcheck``; this function is the book's, for reproducing its chapter 4 and 5 scripts.
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError

__all__ = ["numerical_gradient"]


def numerical_gradient(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """The gradient of the scalar function ``f(x)`` at ``x`` by central differences."""
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise DTypeError(
            f"numerical_gradient: x must be a floating-point numpy array (it is perturbed in "
            f"place), got {got}"
        )
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        try:
            x[idx] = float(original) + h
            f_plus = f(x)
            x[idx] = float(original) - h
            f_minus = f(x)
        finally:
            x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
