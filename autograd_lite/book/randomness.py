"""Where ``ag.book`` draws its random numbers: NumPy's global state, as the book, or a Generator.

With ``rng=None`` (the default) every draw is the call the book's code makes, with the same
shapes and in the same order, so a script run after ``np.random.seed(s)`` prints the book's
numbers:

- initial weights:   ``np.random.randn(n_in, n_out)`` (scaled by the caller)
- dropout masks:     ``np.random.rand(*x.shape)``
- Trainer batches:   ``np.random.choice(train_size, batch_size)``
- shuffle_dataset:   ``np.random.permutation(n)``

With a ``numpy.random.Generator`` the same four draws come from it instead
(``standard_normal``, ``random``, ``choice``, ``permutation``): a run that touches nothing
global, repeatable with ``np.random.default_rng(seed)``.
"""

from __future__ import annotations

import numpy as np

from .. import checks

__all__ = ["check_rng", "randn", "rand", "choice", "permutation", "get_state", "set_state"]


def check_rng(rng, owner: str) -> np.random.Generator | None:
    """None stays None (NumPy's global state, as the book); anything else follows the library's
    one policy (an int seed or a Generator, ``checks.rng``)."""
    return None if rng is None else checks.rng(owner, rng)


def randn(rng: np.random.Generator | None, shape: tuple) -> np.ndarray:
    """Standard normal numbers of ``shape``: the book's ``np.random.randn(*shape)``."""
    return np.random.randn(*shape) if rng is None else rng.standard_normal(shape)


def rand(rng: np.random.Generator | None, shape: tuple) -> np.ndarray:
    """Uniform numbers in [0, 1) of ``shape``: the book's ``np.random.rand(*shape)``."""
    return np.random.rand(*shape) if rng is None else rng.random(shape)


def choice(rng: np.random.Generator | None, n: int, size: int) -> np.ndarray:
    """``size`` indices below ``n``, with replacement: the book's ``np.random.choice(n, size)``."""
    return np.random.choice(n, size) if rng is None else rng.choice(n, size)


def permutation(rng: np.random.Generator | None, n: int) -> np.ndarray:
    """A random order of ``range(n)``: the book's ``np.random.permutation(n)``."""
    return np.random.permutation(n) if rng is None else rng.permutation(n)


def get_state(rng: np.random.Generator | None):
    """The state to hand back to :func:`set_state` (to replay the same draws)."""
    return np.random.get_state() if rng is None else rng.bit_generator.state


def set_state(rng: np.random.Generator | None, state) -> None:
    if rng is None:
        np.random.set_state(state)
    else:
        rng.bit_generator.state = state
