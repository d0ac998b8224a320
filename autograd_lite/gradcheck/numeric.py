"""The numerical core: one slope, its own error, and what to do at a kink.

Every checker in this package reduces its question to the same one. ``phi(t)`` is the output
array after moving one element (or one random direction) of an input by ``t``; the objective is
``sum(G * phi(t))`` for a random upstream gradient ``G``. Is the analytic slope ``a`` at
``t = 0`` the derivative? :func:`judge` answers it for one entry, as a function of the callable
``phi`` only, so a second-order check can later pass the first derivative as ``phi``.

1. Central difference ``D(h)`` with a step ``h`` scaled to the element (``eps * max(1, |x|)``).
   Differences are taken between output arrays before they are weighted and summed, so an
   unchanged large output element adds no rounding error to the slope of a small one.
   If ``a`` agrees with ``D(h)`` within the rounding noise of the estimate, the entry passes.
2. Otherwise the step is halved. A smooth function halves the gap between its one-sided
   slopes and the central differences converge: the Richardson value ``(4 D(h/2) - D(h)) / 3``
   is the estimate and ``|D(h) - D(h/2)|`` its error. ``a`` fails when it is further away than
   that error, the rounding noise and the floors ``atol + rtol * |estimate|`` explain.
3. At a kink the one-sided slopes disagree and do not converge. ``a`` is then judged against
   them: it passes between the left and the right derivative (ReLU's 0 at 0 is the left one, a
   tie in ``max`` shares them), and fails outside.
4. Before an entry fails, the function's intermediate values (when the checker can record
   them) are examined for kinks hidden inside: two kinks crossed at once (a random direction
   through several ReLUs at 0) or kinks that cancel (``relu(x) - relu(-x)``). There the chain
   rule's subgradients need not be a derivative of anything, so the entry is *not judged*
   (counted and listed), never silently passed and never falsely failed.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError

SMOOTH, KINK, UNJUDGED, UNDEFINED = 0, 1, 2, 3
#: the smallest finite-difference step: below it x + eps rounds to x for values near 1
MIN_EPS = 1e-12
#: rounding noise of one objective value, in units of machine eps times its scale: a bound
NOISE = 8.0
#: the analytic gradient's own rounding, in units of its dtype's eps times its scale
ANALYTIC_NOISE = 16.0
#: a smooth one-sided gap halves with the step; within this fraction of its size it "halves"
HALVING = 0.25
#: how many entries of one check may be examined for hidden kinks (each costs 5 evaluations)
INNER_BUDGET = 64
#: non-finite values next to x: the step is shrunk by 10 up to this many times
SHRINKS = 3
#: an entry that disagrees is judged again with steps this many times smaller, this often
RETRY_FACTOR, RETRIES = 16.0, 2
#: a miss within this many times its estimated error is a near miss: the error estimates are
#: good to a small factor, so it fails only if no smaller step agrees with the analytic value
NEAR_MISS = 4.0


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
    """The step and floors used, the dtype the numerical derivative was computed in (float64
    whenever the function can be evaluated so) and the dtype of the analytic gradients."""

    dtype: np.dtype
    eps: float
    atol: float
    rtol: float
    analytic_dtype: np.dtype = np.dtype(np.float64)

    @property
    def machine_eps(self) -> float:
        return float(np.finfo(self.dtype).eps)

    @property
    def analytic_eps(self) -> float:
        return float(np.finfo(self.analytic_dtype).eps)

    @property
    def limited(self) -> bool:
        """True when the numerical derivative itself is computed in less than float64."""
        return self.machine_eps > float(np.finfo(np.float64).eps)

    def describe(self) -> str:
        """One sentence for the report: which precision the check used, and why."""
        if self.limited:
            return (
                f"f computes in {self.dtype} inside, so the numerical derivative is {self.dtype} "
                f"too: step {self.eps:.1e} (its eps^(1/3)) and tolerances from {self.dtype}'s "
                "rounding"
            )
        if self.analytic_dtype != np.float64:
            return (
                f"the numerical derivative was computed in float64; the analytic gradients are "
                f"{self.analytic_dtype}, and their rounding is allowed for"
            )
        return "the numerical derivative was computed in float64"


def precision_for(dtype, eps: float, atol: float, rtol: float, analytic_dtype=None) -> Precision:
    """The settings for a numerical derivative computed in ``dtype``: float64 keeps ``eps``;
    a lower precision raises it to ``machine_eps^(1/3)`` (the best central-difference step)."""
    dtype = np.dtype(dtype)
    analytic = np.dtype(analytic_dtype if analytic_dtype is not None else dtype)
    machine = float(np.finfo(dtype).eps)
    if machine > float(np.finfo(np.float64).eps):
        eps = max(eps, machine ** (1 / 3))
    return Precision(dtype, eps, atol, rtol, analytic)


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


def unit_directions(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """``count`` random directions of unit length in ``size`` dimensions (Gaussian, normalised)."""
    v = rng.standard_normal((count, size))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class Context:
    """What :func:`judge` needs besides ``phi``: the weights ``G``, the output at ``t = 0``,
    the rounding scale of the objective, the precision, the analytic gradients' scale and a
    budget for examining hidden kinks."""

    def __init__(self, weights, base, scale: float, prec: Precision, analytic_scale: float):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.base = np.asarray(base, dtype=np.float64)
        self.prec = prec
        self.noise_value = NOISE * prec.machine_eps * scale  # rounding of one objective value
        self.analytic_scale = analytic_scale
        self.budget = INNER_BUDGET

    def diff(self, y1, y2) -> float:
        """``sum(G * (y1 - y2))``: the difference first, so unchanged elements add nothing."""
        return float(np.sum(self.weights * (np.asarray(y1, np.float64) - y2)))

    def floor(self, value) -> float:
        return self.prec.atol + self.prec.rtol * abs(value)

    def analytic_noise(self, a: float) -> float:
        return ANALYTIC_NOISE * self.prec.analytic_eps * (abs(a) + self.analytic_scale)


@dataclass
class Entry:
    """The verdict on one entry (an element, or a direction in fast mode)."""

    kind: int  # SMOOTH, KINK, UNJUDGED or UNDEFINED
    numerical: float  # the best estimate (smooth) or the nearer one-sided derivative (kink)
    error: float  # what the comparison allowed: the estimate's error, noise and floors
    ok: bool
    left: float = float("nan")  # the one-sided derivatives, where they were needed
    right: float = float("nan")
    kinks_inside: int = 0  # kinks found among the intermediate values (hidden kinks)


def _finite_pair(phi, h):
    """``phi(h)``, ``phi(-h)`` and the steps actually taken, shrinking ``h`` while a value is
    NaN or inf (a log next to 0); None when even the smallest step gives no finite values."""
    for _ in range(SHRINKS + 1):
        plus, hp = phi(h)
        minus, hm = phi(-h)
        if np.all(np.isfinite(plus)) and np.all(np.isfinite(minus)) and hp > 0 and -hm > 0:
            return h, plus, hp, minus, -hm
        h /= 10.0
    return None


def judge(phi, a: float, h: float, ctx: Context, inner=None) -> Entry:
    """Is ``a`` the slope at 0 of ``t -> sum(G * phi(t))``? (See the module docstring.)

    ``phi(t)`` returns ``(output array, step actually taken)``; ``inner(ts)``, when given,
    returns the intermediate values at the steps ``ts`` for the hidden-kink examination.
    An entry that disagrees is looked at again with smaller steps (a kink closer than the
    step spoils both sides' slopes; a smaller step gets past it) before it can fail.
    """
    a = float(a)
    if not math.isfinite(a):
        return Entry(SMOOTH, float("nan"), 0.0, False)
    entry = _judge_at(phi, a, h, ctx)
    step, tries = h, [entry]
    for _ in range(RETRIES):
        if entry.ok or entry.kind == UNDEFINED:
            break
        step /= RETRY_FACTOR
        again = _judge_at(phi, a, step, ctx)
        tries.append(again)
        # a smaller step has more rounding noise: away from a kink its verdict counts only
        # if it is as precise as the first one (else a noisy float32 step passes anything)
        if again.ok and (entry.kind == KINK or again.error <= entry.error):
            return again
    if entry.ok:
        return entry
    judged = [t for t in tries if t.kind in (SMOOTH, KINK)]
    changes = any(
        abs(t.numerical - u.numerical) > t.error + u.error for t in judged for u in judged
    )
    # a smaller (noisier) step agrees with a: that does not confirm a near miss, nor a miss
    # where one of the steps saw a kink within reach (the larger step straddled it)
    unconfirmed = any(t.ok for t in tries) and (
        abs(a - entry.numerical) <= NEAR_MISS * entry.error
        or any(t.kind == KINK for t in tries)
    )
    if changes or unconfirmed:
        # the slope itself changes with the step beyond its error, or cannot be pinned down:
        # a kink too close to resolve (max of x^2 and y^2 with x, y far below the step)
        entry.kind, entry.ok = UNJUDGED, True
        return entry
    if inner is None or ctx.budget <= 0:
        return entry
    ctx.budget -= 1
    found = hidden_kinks(inner, h, ctx.prec.machine_eps)
    if found >= 2 or (found == 1 and entry.kind == SMOOTH):
        entry.kind, entry.ok, entry.kinks_inside = UNJUDGED, True, found
    else:
        entry.kinks_inside = found
    return entry


def _judge_at(phi, a: float, h: float, ctx: Context) -> Entry:
    """One judgement of ``a`` with the step ``h`` (and ``h / 2`` where it is needed)."""
    with np.errstate(all="ignore"):
        pair = _finite_pair(phi, h)
        if pair is None:
            return Entry(UNDEFINED, float("nan"), 0.0, True)
        h, plus, hp, minus, hm = pair
        d1 = ctx.diff(plus, minus) / (hp + hm)
        noise1 = 2 * ctx.noise_value / (hp + hm)
        allowed = ctx.floor(d1) + noise1 + ctx.analytic_noise(a)
        right0, left0 = ctx.diff(plus, ctx.base) / hp, ctx.diff(ctx.base, minus) / hm
        # the one-sided slopes of a smooth function differ by h * phi'': tiny next to them.
        # A large gap may be a kink, which is looked at more closely even when a agrees
        bent = abs(right0 - left0) > 1e-3 * max(abs(right0), abs(left0)) + 4 * noise1
        if abs(a - d1) <= allowed and not bent:
            return Entry(SMOOTH, d1, allowed, True)
        # refine: the half step gives the estimate's error and tells kinks from curvature
        plus2, hp2 = phi(h / 2)
        minus2, hm2 = phi(-h / 2)
        hm2 = -hm2
        if not (np.all(np.isfinite(plus2)) and np.all(np.isfinite(minus2))):
            return Entry(UNDEFINED, d1, allowed, True)
        d2 = ctx.diff(plus2, minus2) / (hp2 + hm2)
        right1, left1 = ctx.diff(plus, ctx.base) / hp, ctx.diff(ctx.base, minus) / hm
        right2, left2 = ctx.diff(plus2, ctx.base) / hp2, ctx.diff(ctx.base, minus2) / hm2
    noise2 = 2 * ctx.noise_value / (hp2 + hm2)
    one_sided_noise = 2 * ctx.noise_value / min(hp2, hm2)
    smooth = _smooth(right1, left1, right2, left2, 4 * one_sided_noise)
    if smooth:
        estimate = (4 * d2 - d1) / 3
        # what is left of the smoothness test (zero for a smooth function, up to h^2 terms)
        # measures a small kink that curvature hides: max(x^2, y^2) with x, y << h
        residual = abs((right2 - left2) - (right1 - left1) / 2) + abs(
            (right1 - right2) - (left2 - left1)
        )
        allowed = (
            ctx.floor(estimate) + abs(d1 - d2) + 2 * residual + 2 * noise2 + ctx.analytic_noise(a)
        )
        entry = Entry(SMOOTH, estimate, allowed, abs(a - estimate) <= allowed, left2, right2)
    else:
        # one-sided differences converge linearly: the half step is off by about |D(h) - D(h/2)|
        err_r = 2 * abs(right1 - right2) + 2 * one_sided_noise
        err_l = 2 * abs(left1 - left2) + 2 * one_sided_noise
        slack = ctx.floor(max(abs(left2), abs(right2))) + ctx.analytic_noise(a)
        low = min(left2 - err_l, right2 - err_r) - slack
        high = max(left2 + err_l, right2 + err_r) + slack
        nearer = left2 if abs(a - left2) <= abs(a - right2) else right2
        allowed = max(err_l, err_r) + slack
        entry = Entry(KINK, nearer, allowed, low <= a <= high, left2, right2)
    return entry


def _smooth(right1, left1, right2, left2, noise):
    """Whether one-sided slopes at steps h and h/2 look like a smooth function's.

    Smooth: the gap between the sides halves with the step (it is ``h * phi''``), and each
    side moves towards the middle by the same amount (``h * phi'' / 4``). A kink at 0 keeps
    the gap; a kink between 0 and h moves one side only. Works elementwise on arrays too.
    """
    gap1, gap2 = right1 - left1, right2 - left2
    moved_right, moved_left = right1 - right2, left2 - left1
    halves = np.abs(gap2 - gap1 / 2) <= HALVING * np.abs(gap1) + noise
    even = np.abs(moved_right - moved_left) <= (
        HALVING * (np.abs(moved_right) + np.abs(moved_left)) + noise
    )
    return halves & even


def hidden_kinks(inner, h: float, machine_eps: float) -> int:
    """How many kinks the intermediate values cross between ``-h`` and ``h``.

    ``inner(ts)`` returns, for each step, the list of intermediate arrays and each one's
    parents (indices into that list). An element is kink-like when its one-sided slopes
    disagree and the gap does not halve with the step; it counts only where the kink starts
    (no parent is kink-like), so ReLU's kink is counted once, not again in every later node.
    """
    ts = (-h, -h / 2, 0.0, h / 2, h)
    try:
        runs = inner(ts)
    except Exception:  # noqa: BLE001 - a function that cannot be recorded hides nothing we see
        return 0
    if runs is None:
        return 0
    values, parents = runs
    count = widest = 0
    kinked = []
    for k in range(len(parents)):
        ym, ym2, y0, yp2, yp = (np.asarray(run[k], dtype=np.float64) for run in values)
        with np.errstate(all="ignore"):
            right1, left1 = (yp - y0) / h, (y0 - ym) / h
            right2, left2 = (yp2 - y0) / (h / 2), (y0 - ym2) / (h / 2)
            # rounding is relative to the node's whole array: log(1 + d) near 0 has an
            # absolute error of eps, not eps * |log(1 + d)|
            scale = np.abs(ym) + np.abs(yp) + np.abs(y0)
            scale = np.maximum(scale, scale.max(initial=0.0))
            noise = 4 * NOISE * machine_eps * scale / (h / 2)
            slopes = [np.abs(right1), np.abs(left1), np.abs(right2), np.abs(left2)]
            noise = noise + 1e-6 * np.maximum.reduce(slopes)
            like = ~_smooth(right1, left1, right2, left2, noise) & np.isfinite(noise)
        kinked.append(bool(like.any()))
        if like.any() and not any(kinked[p] for p in parents[k]):
            count += int(like.sum())
        widest = max(widest, int(like.sum()))
    # a kink passed on unchanged (ReLU, then a Mul) shows in every later node once; two
    # kinks in one node (a ReLU over a row) count twice even below a doubtful parent
    return max(count, widest)
