"""Argument checks at the public boundary, shared by every entry point.

Each function takes the value, the ``owner`` (the function or class the user called, as it
appears in the message) and the argument's ``name``, and returns the value in its canonical form
(an ``int``, a ``float``, a tuple of ints, a ``numpy.random.Generator``) or raises a named error
that says which function, which argument, what was expected and what came::

    n = checks.positive_int("MLP", "sizes[0]", 5)
    ratio = checks.number("Dropout", "ratio", 0.5, low=0, high=1, high_open=True)
    rng = checks.rng("Affine", seed_or_generator)

The randomness policy lives here too: ``rng`` accepts None (fresh entropy), an int seed or a
``numpy.random.Generator`` (used as it is, so a caller can share one stream). ``ag.book`` is the
one exception: with no ``rng`` it draws from NumPy's global state, as the book does.

This module is in the core layer: it imports only NumPy and ``errors``.
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from .errors import DTypeError, InvalidArgumentError

__all__ = [
    "describe", "integer", "ints", "positive_int", "number", "ratio", "boolean", "choice", "shape",
    "axis", "float_dtype", "rng", "callable_", "mapping", "string",
]


def describe(value) -> str:
    """A short, safe description of ``value`` for a message: its repr when short, else its type."""
    if isinstance(value, type):
        return value.__name__
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not hide the real error
        text = ""
    if not text or len(text) > 60:
        return type(value).__name__
    return text


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def integer(owner: str, name: str, value, minimum: int | None = None) -> int:
    """``value`` as a Python int (NumPy integers accepted; bool and floats refused)."""
    if not _is_int(value) or (minimum is not None and value < minimum):
        rule = "an int" if minimum is None else f"an int >= {minimum}"
        raise InvalidArgumentError(f"{owner}: {name} must be {rule}, got {describe(value)}")
    return int(value)


def positive_int(owner: str, name: str, value) -> int:
    """``value`` as an int >= 1."""
    return integer(owner, name, value, minimum=1)


def number(owner: str, name: str, value, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite float inside the interval given by ``low``/``high``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    ok = ok and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        if low is None and high is None:
            rule = "a finite number"
        else:
            left = "-inf" if low is None else f"{low:g}"
            right = "inf" if high is None else f"{high:g}"
            rule = (f"a number in {'(' if low_open or low is None else '['}{left}, "
                    f"{right}{')' if high_open or high is None else ']'}")
        raise InvalidArgumentError(f"{owner}: {name} must be {rule}, got {describe(value)}")
    return float(value)


def ratio(owner: str, name: str, value) -> float:
    """A dropout-style ratio in [0, 1)."""
    return number(owner, name, value, low=0.0, high=1.0, high_open=True)


def boolean(owner: str, name: str, value) -> bool:
    """``value`` when it is True or False (a NumPy bool too); strings such as "yes" are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(
            f"{owner}: {name} must be True or False, got {describe(value)}"
        )
    return bool(value)


def string(owner: str, name: str, value, allow_none: bool = False):
    """``value`` when it is a str (or None when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        extra = " or None" if allow_none else ""
        raise InvalidArgumentError(
            f"{owner}: {name} must be a string{extra}, got {type(value).__name__}"
        )
    return value


def choice(owner: str, name: str, value, options) -> str:
    """``value`` (a string, compared without case) when it is one of ``options``."""
    key = value.lower() if isinstance(value, str) else None
    if key not in options:
        listed = ", ".join(repr(o) for o in options)
        raise InvalidArgumentError(
            f"{owner}: {name} must be one of {listed}, got {describe(value)}"
        )
    return key


def shape(owner: str, name: str, value, allow_minus_one: bool = False) -> tuple:
    """``value`` as a tuple of ints >= 0 (an int is a 1-D shape); ``-1`` once when allowed."""
    items = (value,) if _is_int(value) else value
    ok = isinstance(items, (tuple, list)) and all(_is_int(d) for d in items)
    if ok:
        dims = tuple(int(d) for d in items)
        low = -1 if allow_minus_one else 0
        ok = all(d >= low for d in dims) and dims.count(-1) <= 1
    if not ok:
        rule = "ints >= 0" + (" (one may be -1)" if allow_minus_one else "")
        raise InvalidArgumentError(
            f"{owner}: {name} must be an int or a tuple of {rule}, got {describe(value)}"
        )
    return dims


def ints(owner: str, name: str, value) -> tuple:
    """``value`` (a tuple or list of ints, negative allowed) as a tuple of ints."""
    if not isinstance(value, (tuple, list)) or not all(_is_int(v) for v in value):
        raise InvalidArgumentError(
            f"{owner}: {name} must be a tuple of ints, got {describe(value)}"
        )
    return tuple(int(v) for v in value)


def axis(owner: str, name: str, value, ndim: int | None = None, allow_none: bool = True,
         allow_tuple: bool = True):
    """An axis (int or, when allowed, tuple of ints or None), checked against ``ndim`` if given.
    Negative axes count from the end and are returned as given."""
    if value is None and allow_none:
        return None
    single = _is_int(value)
    items = (value,) if single else value
    ok = single or (allow_tuple and isinstance(items, tuple) and all(_is_int(a) for a in items))
    if not ok:
        rule = "an int" + (" or a tuple of ints" if allow_tuple else "")
        rule += " or None" if allow_none else ""
        raise InvalidArgumentError(f"{owner}: {name} must be {rule}, got {describe(value)}")
    if ndim is not None:
        for a in items:
            if not -max(ndim, 1) <= a < max(ndim, 1):
                raise InvalidArgumentError(
                    f"{owner}: {name} {a} is out of range for an input with {ndim} dimension(s)"
                )
    return operator.index(value) if single else tuple(int(a) for a in items)


def float_dtype(owner: str, name: str, value) -> np.dtype:
    """``value`` as a floating-point NumPy dtype (float16/32/64); parameters must be trainable."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind != "f" or value is None:
        raise DTypeError(
            f"{owner}: {name} must be a floating-point dtype (np.float32 or np.float64) because "
            f"parameters are trained by gradients, got {describe(value)}"
        )
    return dtype


def rng(owner: str, value, name: str = "rng") -> np.random.Generator:
    """The randomness policy: None -> a fresh Generator, an int seed -> ``default_rng(seed)``,
    a Generator -> itself (shared, so successive calls continue one stream)."""
    if value is None:
        return np.random.default_rng()
    if isinstance(value, np.random.Generator):
        return value
    if _is_int(value):
        if value < 0:
            raise InvalidArgumentError(
                f"{owner}: {name} must be None, an int seed >= 0 or a numpy.random.Generator, "
                f"got {int(value)}"
            )
        return np.random.default_rng(int(value))
    raise InvalidArgumentError(
        f"{owner}: {name} must be None, an int seed >= 0 or a numpy.random.Generator "
        f"(np.random.default_rng(seed)), got {type(value).__name__}"
    )


def callable_(owner: str, name: str, value, allow_none: bool = False):
    """``value`` when it can be called."""
    if (value is None and allow_none) or callable(value):
        return value
    raise InvalidArgumentError(
        f"{owner}: {name} must be callable{' or None' if allow_none else ''}, "
        f"got {type(value).__name__}"
    )


def mapping(owner: str, name: str, value, allow_none: bool = True) -> dict:
    """``value`` as a dict (None -> {} when allowed)."""
    if value is None and allow_none:
        return {}
    if not isinstance(value, dict):
        raise InvalidArgumentError(
            f"{owner}: {name} must be a dict{' or None' if allow_none else ''}, "
            f"got {type(value).__name__}"
        )
    return value
