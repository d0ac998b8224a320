"""Central differences that know about kinks and about floating-point precision.

Every checker in this package reduces its question to the same one: for a scalar function
``phi(t)`` (the objective after moving one element, or one random direction, by ``t``), is the
analytic slope at ``t = 0`` equal to the numerical one? This module answers it.

- The slope is the central difference ``(phi(h) - phi(-h)) / 2h``, accurate to ``O(h^2)``.
- Kinks: the one-sided slopes ``(phi(h) - phi(0)) / h`` and ``(phi(0) - phi(-h)) / h`` differ
  by ``h * phi''`` on a smooth function, but by a jump that does not shrink with ``h`` at a kink
  (ReLU at 0, max with ties). When they disagree beyond the tolerance, the halved step tells
  the two apart: a smooth function halves the gap, a kink keeps it. Kinks are counted, not failed.
- Precision: a function that computes in float32 cannot give a float64-accurate slope. The step
  and tolerances follow its dtype, and a disagreement the rounding noise can explain is
  reported as inconclusive instead of failed.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError

#: the smallest finite-difference step: below it x + eps rounds to x for values near 1
MIN_EPS = 1e-12
#: at a kink the one-sided gap keeps (almost) its size when the step is halved; smooth: half
KINK_RATIO = 0.75
#: an error within this many tolerances-plus-noise is "inconclusive" for low-precision functions
INCONCLUSIVE_FACTOR = 10.0


def validate_settings(who: str, eps, atol, rtol) -> None:
    """Raise a named error unless ``eps > 0`` and ``atol, rtol >= 0`` are finite numbers."""
    for name, value, strict in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0 or (strict and value == 0):
            need = "> 0" if strict else ">= 0"
            raise InvalidArgumentError(
                f"{who}: {name} must be a finite number {need}, got {checks.describe(value)}"
            )
        if strict and value < MIN_EPS:
            raise InvalidArgumentError(
                f"{who}: {name} must be at least {MIN_EPS:g}, got {value!r}; a smaller step "
                "vanishes in rounding (x + eps == x), so no difference can be measured"
            )


@dataclass(frozen=True)
class Precision:
    """The step and tolerances actually used, following the dtype the function computes in."""

    dtype: np.dtype
    eps: float
    atol: float
    rtol: float
    machine_eps: float

    @property
    def limited(self) -> bool:
        """True when the function computes in less than float64 precision."""
        return self.machine_eps > float(np.finfo(np.float64).eps)


def precision_for(dtype, eps: float, atol: float, rtol: float) -> Precision:
    """Raise the step to ``machine_eps^(1/3)`` (the best central-difference step) and the
    tolerances to ``machine_eps^(1/2)`` / ``machine_eps^(1/3)`` for low-precision dtypes."""
    dtype = np.dtype(dtype)
    machine = float(np.finfo(dtype).eps)
    if machine <= float(np.finfo(np.float64).eps):
        return Precision(dtype, eps, atol, rtol, machine)
    return Precision(
        dtype,
        max(eps, machine ** (1 / 3)),
        max(atol, machine**0.5),
        max(rtol, machine ** (1 / 3)),
        machine,
    )


def lowest_precision(dtypes) -> np.dtype:
    """The floating dtype with the largest machine epsilon among ``dtypes`` (float64 if none)."""
    worst = np.dtype(np.float64)
    for dtype in dtypes:
        dtype = np.dtype(dtype)
        if dtype.kind == "f" and np.finfo(dtype).eps > np.finfo(worst).eps:
            worst = dtype
    return worst


def upstream(rng: np.random.Generator, shape: tuple, dtype=np.float64) -> np.ndarray:
    """A random upstream gradient with entries of size 0.5..1.5 and random signs.

    Bounded away from 0, so every output element takes part; not 1, so a backward that ignores
    its upstream gradient (the book's ``SoftmaxWithLoss.backward``) is caught even on a loss.
    """
    size = rng.uniform(0.5, 1.5, size=shape)
    sign = np.where(rng.random(size=shape) < 0.5, -1.0, 1.0)
    return np.asarray(size * sign, dtype=dtype)


def slope(phi, h: float, base: float, atol: float, rtol: float, noise: float):
    """The central-difference slope of ``phi`` at 0 and whether 0 is a kink.

    ``phi(t)`` returns ``(value, step)``: the objective after moving by ``t`` and the step
    actually taken (which can differ from ``t`` by rounding). ``noise`` is the rounding error
    of one ``phi`` value.
    """
    plus, hp = phi(h)
    minus, hm = phi(-h)
    hm = -hm
    central = (plus - minus) / (hp + hm)
    gap = (plus - base) / hp - (base - minus) / hm
    if not abs(gap) > atol + rtol * abs(central) + 8.0 * noise / h:
        return central, False
    plus2, hp2 = phi(h / 2)
    minus2, hm2 = phi(-h / 2)
    gap2 = (plus2 - base) / hp2 - (base - minus2) / -hm2
    return central, bool(abs(gap2) > KINK_RATIO * abs(gap))


def elementwise(work: np.ndarray, evaluate, base: float, prec: Precision, noise: float):
    """Slopes of ``evaluate()`` with respect to every element of ``work`` (changed in place
    and restored, also when ``evaluate`` raises). Returns (numerical, kinks) arrays."""
    flat = work.reshape(-1)  # a view: callers pass their own contiguous copies
    numerical = np.zeros(work.shape, dtype=np.float64)
    kinks = np.zeros(work.shape, dtype=bool)
    num_flat, kink_flat = numerical.reshape(-1), kinks.reshape(-1)
    for j in range(flat.size):
        original = flat[j]

        def phi(t, j=j, original=original):
            flat[j] = original + t
            step = float(flat[j]) - float(original)
            try:
                return evaluate(), step
            finally:
                flat[j] = original

        with np.errstate(all="ignore"):  # a NaN next to x is reported, not warned about
            num_flat[j], kink_flat[j] = slope(phi, prec.eps, base, prec.atol, prec.rtol, noise)
    return numerical, kinks


def directional(
    work: np.ndarray, evaluate, base: float, prec: Precision, noise: float, directions: np.ndarray
):
    """Slopes of ``evaluate()`` along each unit direction in ``directions`` (one per row, in
    ``work``'s shape flattened). ``work`` is restored afterwards. Returns (numerical, kinks)."""
    original = work.copy()
    numerical = np.zeros(len(directions))
    kinks = np.zeros(len(directions), dtype=bool)
    for k, v in enumerate(directions):
        v = v.reshape(work.shape)

        def phi(t, v=v):
            np.copyto(work, original + t * v)
            try:
                return evaluate(), t
            finally:
                np.copyto(work, original)

        with np.errstate(all="ignore"):
            numerical[k], kinks[k] = slope(phi, prec.eps, base, prec.atol, prec.rtol, noise)
    return numerical, kinks


def unit_directions(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """``count`` random directions of unit length in ``size`` dimensions (Gaussian, normalised)."""
    v = rng.standard_normal((count, size))
    return v / np.linalg.norm(v, axis=1, keepdims=True)
