"""Weight initialisation with the book's conventions.

``init`` is a float standard deviation, or a name:

- ``"xavier"`` / ``"sigmoid"``: std = sqrt(1 / n_in)   (the book's Xavier initial value)
- ``"he"`` / ``"relu"``:        std = sqrt(2 / n_in)   (He initial value, for ReLU)

Weights are ``std * N(0, 1)`` drawn from a ``numpy.random.Generator``; biases start at zero.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError

__all__ = ["weight_std", "normal_weight", "as_rng", "INIT_NAMES"]

INIT_NAMES = ("xavier", "sigmoid", "he", "relu")


def weight_std(init, n_in: int) -> float:
    """The standard deviation ``init`` means for a layer with ``n_in`` inputs."""
    if isinstance(init, str):
        key = init.lower()
        if key in ("xavier", "sigmoid"):
            return math.sqrt(1.0 / n_in)
        if key in ("he", "relu"):
            return math.sqrt(2.0 / n_in)
        raise InvalidArgumentError(
            f"init: unknown initialiser {init!r}; use a float standard deviation or one of "
            f"{', '.join(repr(n) for n in INIT_NAMES)}"
        )
    is_number = isinstance(init, numbers.Real) and not isinstance(init, bool)
    if is_number and math.isfinite(init) and init >= 0:
        return float(init)
    raise InvalidArgumentError(
        f"init: expected a non-negative float standard deviation or one of "
        f"{', '.join(repr(n) for n in INIT_NAMES)}, got {init!r}"
    )


def as_rng(rng, owner: str) -> np.random.Generator:
    """The package's randomness policy (:func:`autograd_lite.checks.rng`): None gives a fresh
    Generator, an int seeds one, a Generator is used as it is."""
    return checks.rng(owner, rng)


def normal_weight(n_in: int, n_out: int, init, rng: np.random.Generator, dtype=np.float64):
    """An ``(n_in, n_out)`` weight matrix: ``weight_std(init, n_in) * N(0, 1)``."""
    std = weight_std(init, n_in)
    return (std * rng.standard_normal((n_in, n_out))).astype(dtype, copy=False)
