"""``check_op``: one op's local backward against finite differences and the op contract.

A local check calls ``forward`` and ``backward`` directly, with a random upstream gradient
``g``, and verifies every part of the op contract: one gradient per input, reducible to the
input's shape, of the right dtype, equal to the central differences of ``sum(g * forward)``,
linear in ``g``, the same when only one input ``needs`` a gradient, and nothing written into
the inputs, ``g`` or ``saved``. ``check_graph`` (graph.py) runs it at every node of a graph.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from .. import checks
from ..engine import unbroadcast
from ..errors import InvalidArgumentError, ShapeError
from ..op import Op
from ..tensor import Tensor, apply
from .contract import same_nested
from .function import gradcheck
from .numeric import (
    Context,
    lowest_precision,
    precision_for,
    unit_directions,
    upstream,
)
from .perturb import directional, elementwise
from .report import Check, GradcheckReport, compare

#: mode="auto" perturbs inputs up to this size element by element, larger ones along random
#: directions
AUTO_FULL_LIMIT = 256
LINEARITY = (1.7, -0.6)


def check_op(op, *arrays, rng: np.random.Generator | None = None, order: int = 1,
             **params) -> GradcheckReport:
    """Check an op's ``backward`` against finite differences and the op contract.

    ``order=2`` checks the op's second derivative instead: ``gradcheck(..., order=2)`` of the
    op applied to its differentiable inputs (a backward that is not differentiable fails it).

    ``arrays`` are the op's inputs (float arrays are differentiated; integer arrays and the
    positions in ``op.domain.nondiff`` are not); ``params`` go to ``forward``. Without arrays,
    one case is drawn from ``op.domain``. ``rng`` (a ``numpy.random.Generator``, seeded 0 when
    None) draws the upstream gradient. Returns a :class:`GradcheckReport`; call
    ``.assert_ok()`` on it in a test.
    """
    if not (isinstance(op, type) and issubclass(op, Op)):
        raise InvalidArgumentError(
            f"check_op: op must be an Op subclass (the class itself), got {op!r}"
        )
    rng = checks.rng("check_op", 0 if rng is None else rng)  # seeded 0 by default
    if not arrays:
        if op.domain is None:
            raise InvalidArgumentError(
                f"check_op: {op.label} has no domain to draw inputs from; pass the input arrays: "
                f"check_op({op.__name__}, x, ...)"
            )
        drawn, drawn_params = op.domain.draw(rng)
        arrays, params = drawn, {**drawn_params, **params}
    arrays = [np.asarray(a) for a in arrays]
    try:
        inspect.signature(op.forward).bind(*arrays, **params)
    except TypeError as e:
        raise InvalidArgumentError(
            f"check_op: {op.label}.forward cannot take {len(arrays)} array(s) and parameters "
            f"{sorted(params)}: {e}"
        ) from None
    nondiff = op.domain.nondiff if op.domain is not None else ()
    needs = tuple(a.dtype.kind == "f" and i not in nondiff for i, a in enumerate(arrays))
    if not any(needs):
        raise InvalidArgumentError(
            f"check_op: {op.label} got no float input to differentiate (dtypes "
            f"{[str(a.dtype) for a in arrays]})"
        )
    if isinstance(order, bool) or order not in (1, 2):
        raise InvalidArgumentError(f"check_op: order must be 1 or 2, got {order!r}")
    if order == 2:
        return _second_order(op, arrays, params, needs, rng)
    return check_local(op, arrays, params, needs, rng)


def _second_order(op, arrays, params, needs, rng) -> GradcheckReport:
    diff = [i for i, need in enumerate(needs) if need]
    names = input_names(op, len(arrays))

    def applied(*xs):
        full = list(arrays)
        for i, x in zip(diff, xs):
            full[i] = x
        return apply(op, *full, **params)

    tensors = [Tensor(arrays[i], name=names[i]) for i in diff]
    report = gradcheck(applied, tensors, order=2, seed=rng)
    report.title = f"check_op({op.label}, order=2)"
    return report


def input_names(op, arity: int) -> list[str]:
    try:
        params = list(inspect.signature(op.forward).parameters.values())
    except (TypeError, ValueError):
        params = []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params if p.kind in kinds][:arity]
    names += [f"input {i}" for i in range(len(names), arity)]
    return [n if names.count(n) == 1 else f"{n} ({i})" for i, n in enumerate(names)]


def _backward(op, saved, g, needs):
    if op.backward_takes_needs:
        return op.backward(saved, g, needs)
    return op.backward(saved, g)


def check_local(
    op,
    arrays,
    params,
    needs,
    rng,
    *,
    eps=1e-6,
    atol=1e-8,
    rtol=1e-6,
    mode="full",
    directions=3,
    recorded=None,
) -> GradcheckReport:
    """The local check behind ``check_op`` and ``check_graph`` (see the module docstring)."""
    label = op.label
    names = input_names(op, len(arrays))
    arrays = [np.array(a, copy=True) for a in arrays]  # the caller's arrays are never touched
    before = [a.copy() for a in arrays]
    y, saved = op.forward(*arrays, **params)
    y = np.asarray(y)
    checks, notes = [], []
    if recorded is not None and not np.allclose(y, recorded, rtol=1e-6, atol=1e-9, equal_nan=True):
        notes.append(
            "recomputing the forward gave values other than the recorded output "
            "(an input changed after the graph was built, e.g. an optimizer step)"
        )
    if y.dtype.kind != "f" or not np.all(np.isfinite(y)):
        checks.append(Check("forward", False, "the output is not finite floating-point data"))
    g = upstream(rng, y.shape, y.dtype if y.dtype.kind == "f" else np.float64)
    g_before, saved_before = g.copy(), copy.deepcopy(saved)
    grads = _backward(op, saved, g, needs)
    checks.append(
        Check(
            "g not mutated",
            bool(np.array_equal(g, g_before)),
            "backward left g unchanged"
            if np.array_equal(g, g_before)
            else "backward wrote into the upstream gradient g (build a new array: "
            "g * mask, not g[mask] = 0)",
        )
    )
    saved_ok = same_nested(saved, saved_before)
    checks.append(
        Check(
            "saved not mutated",
            saved_ok,
            "backward left saved unchanged" if saved_ok else "backward wrote into its saved values",
        )
    )
    arity = len(arrays)
    if not isinstance(grads, tuple) or len(grads) != arity:
        got = f"{len(grads)} entries" if isinstance(grads, tuple) else type(grads).__name__
        checks.append(
            Check(
                "one gradient per input",
                False,
                f"backward must return a tuple of {arity} gradient(s), got {got}",
            )
        )
        return _finish(label, mode, eps, atol, rtol, arrays, before, names, [], checks, notes)
    reduced = _reduce_gradients(op, arrays, grads, needs, names, checks, notes)

    # central differences of sum(g * forward) on float64 copies: a float32 op is checked
    # against its own float64 evaluation when its forward computes in the input's dtype.
    # C order: the perturbations go through work.reshape(-1), which must be a view
    works = [np.array(a, dtype=np.float64, order="C") if a.dtype.kind == "f" else a.copy()
             for a in arrays]
    g64 = g.astype(np.float64)

    def evaluate():
        return np.asarray(op.forward(*works, **params)[0])

    def record():
        return [np.array(evaluate(), dtype=np.float64)], [[]]

    base = np.array(evaluate(), dtype=np.float64)
    dtypes = [a.dtype for a in arrays if a.dtype.kind == "f"] + [y.dtype]
    prec = precision_for(lowest_precision([base.dtype]), eps, atol, rtol, lowest_precision(dtypes))
    amax = max((float(np.abs(r).max(initial=0.0)) for r in reduced.values()), default=0.0)
    ctx = Context(g64, base, float(np.sum(np.abs(g64 * base))), prec, amax)
    inputs = []
    for i, grad in reduced.items():
        work, name = works[i], names[i]
        grad = np.asarray(grad, dtype=np.float64)
        full = mode == "full" or work.size <= (AUTO_FULL_LIMIT if mode == "auto" else 0)
        if full:
            entries = elementwise(work, evaluate, grad, ctx, record)
            inputs.append(compare(name, grad, entries, "element", arrays[i].dtype))
        else:
            dirs = unit_directions(rng, directions, work.size)
            projected = dirs @ grad.reshape(-1)
            entries = directional(work, evaluate, projected, ctx, dirs, record)
            inputs.append(
                compare(name, projected, entries, "direction", arrays[i].dtype, work.shape)
            )
    checks.extend(_linearity(op, arrays, params, needs, reduced, g, rng, prec, names))
    checks.extend(_needs_respected(op, arrays, params, needs, reduced, g, names))
    return _finish(label, mode, eps, atol, rtol, arrays, before, names, inputs, checks, notes, prec)


def _reduce_gradients(op, arrays, grads, needs, names, checks, notes) -> dict:
    """Each needed gradient summed back to its input's shape (as the engine does), or a
    failed check naming the input."""
    reduced = {}
    problems = []
    for i, (a, gi, need) in enumerate(zip(arrays, grads, needs)):
        if not need:
            continue
        where = f"input {i} ({names[i]})"
        if gi is None:
            problems.append(f"{where} needs a gradient, but backward returned None")
            continue
        gi = np.asarray(gi)
        if gi.dtype.kind != "f":
            problems.append(f"{where}: the gradient has dtype {gi.dtype}, not a float dtype")
            continue
        if np.finfo(gi.dtype).eps > np.finfo(a.dtype).eps:
            problems.append(f"{where}: a {gi.dtype} gradient for {a.dtype} data loses precision")
        elif gi.dtype != a.dtype:
            notes.append(
                f"{where}: the gradient is {gi.dtype} for {a.dtype} data (the engine casts it)"
            )
        try:
            reduced[i] = unbroadcast(gi, a.shape, op.label, i)
        except ShapeError:
            problems.append(
                f"{where} has shape {a.shape}, but its gradient has shape "
                f"{gi.shape}, which does not reduce to it"
            )
    if problems:
        checks.append(
            Check("one gradient per input, shapes and dtypes", False, "; ".join(problems))
        )
    else:
        checks.append(
            Check(
                "one gradient per input, shapes and dtypes",
                True,
                f"{sum(needs)} gradient(s) of the right shapes and dtypes",
            )
        )
    return reduced


def _linearity(op, arrays, params, needs, reduced, g, rng, prec, names) -> list[Check]:
    """backward(a g + b g2) == a backward(g) + b backward(g2), each on a fresh forward."""
    if not reduced:
        return []
    a, b = LINEARITY
    g2 = upstream(rng, g.shape, g.dtype)

    def run(upstream_g):
        _, saved = op.forward(*[x.copy() for x in arrays], **params)
        out = _backward(op, saved, upstream_g, needs)
        return {i: unbroadcast(np.asarray(out[i]), arrays[i].shape, op.label, i) for i in reduced}

    try:
        combined, second = run((a * g + b * g2).astype(g.dtype)), run(g2)
    except Exception as e:  # noqa: BLE001 - any error here is the finding
        return [Check("linear in g", False, f"backward raised {type(e).__name__}: {e}")]
    bad = []
    for i, first in reduced.items():
        expected = a * first.astype(np.float64) + b * second[i].astype(np.float64)
        if not _close(
            combined[i],
            expected,
            abs(a) * _norm(first) + abs(b) * _norm(second[i]),
            prec.analytic_eps,
        ):
            bad.append(f"input {i} ({names[i]})")
    if bad:
        return [
            Check(
                "linear in g",
                False,
                f"the gradient of {', '.join(bad)} is not linear in "
                "the upstream gradient g (is g ignored, or used twice?)",
            )
        ]
    return [Check("linear in g", True, "backward is linear in the upstream gradient")]


def _norm(x) -> float:
    return float(np.linalg.norm(np.asarray(x, dtype=np.float64)))


def _close(actual, expected, scale: float, machine_eps: float) -> bool:
    """Norm-wise closeness to sqrt(machine eps) of ``scale``: rounding inside a backward with
    cancellation (BatchNorm) stays far below it; an ignored or doubled g is O(1) off."""
    diff = _norm(np.asarray(actual, dtype=np.float64) - expected)
    return bool(np.isfinite(diff) and diff <= np.sqrt(machine_eps) * scale + 1e-300)


def _needs_respected(op, arrays, params, needs, reduced, g, names) -> list[Check]:
    """Asking for one input's gradient alone gives the same gradient as asking for all."""
    if not op.backward_takes_needs or len(reduced) < 2:
        return []
    bad = []
    for i in reduced:
        only = tuple(j == i for j in range(len(arrays)))
        _, saved = op.forward(*[x.copy() for x in arrays], **params)
        out = op.backward(saved, g.copy(), only)
        gi = out[i] if isinstance(out, tuple) and len(out) == len(arrays) else None
        if gi is None or not _close(
            unbroadcast(np.asarray(gi), arrays[i].shape, op.label, i),
            reduced[i],
            _norm(reduced[i]),
            float(np.finfo(reduced[i].dtype).eps),
        ):
            bad.append(f"input {i} ({names[i]})")
    if bad:
        return [
            Check(
                "needs respected",
                False,
                f"with needs for {', '.join(bad)} alone, "
                "backward returns a different gradient (needs indices mixed up?)",
            )
        ]
    return [Check("needs respected", True, "each gradient is the same when asked for alone")]


def _finish(
    label, mode, eps, atol, rtol, arrays, before, names, inputs, checks, notes, prec=None
) -> GradcheckReport:
    changed = [
        f"input {i} ({names[i]})"
        for i, (a, b) in enumerate(zip(arrays, before))
        if not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    ]
    checks.append(
        Check(
            "inputs not mutated",
            not changed,
            "forward and backward left the inputs unchanged"
            if not changed
            else f"forward or backward wrote into {', '.join(changed)}",
        )
    )
    if prec is None:
        prec = precision_for(np.float64, eps, atol, rtol)
    return GradcheckReport(f"check_op {label}", mode, prec, inputs, checks, notes)
