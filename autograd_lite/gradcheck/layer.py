"""``check_layer``: check a hand-written, book-style layer object.

The book's layers (chapter 5) have ``forward(x, ...)`` returning an array and
``backward(dout)`` returning ``dx`` (or a tuple, one per input) and storing parameter
gradients as attributes: ``W``/``dW``, ``b``/``db``, ``gamma``/``dgamma``, ``beta``/``dbeta``,
or a ``params`` dict with the gradients in a ``grads`` dict or ``d<name>`` attributes.
"""

from __future__ import annotations

import inspect

import numpy as np

from .. import checks
from ..errors import GradcheckError, InvalidArgumentError
from .local import input_names
from .numeric import (
    Context,
    lowest_precision,
    precision_for,
    upstream,
    validate_settings,
)
from .perturb import elementwise
from .report import Check, GradcheckReport, compare

PARAMETER_NAMES = ("W", "b", "gamma", "beta")
SCALE = 2.5


def check_layer(
    layer,
    *inputs,
    eps: float = 1e-6,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    seed: int = 0,
    forward_kwargs: dict | None = None,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check a book-style layer: ``backward(dout)`` against numerical differentiation of
    ``sum(dout * forward(*inputs))`` for every float input and parameter, ``backward`` scaling
    with ``dout``, and ``dout`` and the inputs left unchanged.

    ``dout`` is random (entries of size 0.5..1.5, random signs), so a backward that ignores it
    is caught. Parameters are perturbed in place (the layer reads them from itself) and the
    layer's whole state is restored afterwards, also when it raises.
    """
    validate_settings("check_layer", eps, atol, rtol)
    for method in ("forward", "backward"):
        if not callable(getattr(layer, method, None)):
            raise InvalidArgumentError(
                f"check_layer: a layer needs forward(...) and backward(dout) methods; "
                f"{type(layer).__name__} has no {method}()"
            )
    if not inputs:
        raise InvalidArgumentError(
            "check_layer: pass the layer's forward inputs, e.g. check_layer(layer, x)"
        )
    kwargs = dict(checks.mapping("check_layer", "forward_kwargs", forward_kwargs))
    checks.boolean("check_layer", "raise_on_failure", raise_on_failure)
    rng = checks.rng("check_layer", seed, "seed")
    cls = type(layer).__name__
    names = input_names(layer, len(inputs))
    arrays = [np.asarray(x) for x in inputs]
    for i, a in enumerate(arrays):
        if a.dtype.kind not in "biuf":
            raise InvalidArgumentError(
                f"check_layer: input {i} ({names[i]}) must be numeric, got dtype {a.dtype}"
            )
    try:
        inspect.signature(layer.forward).bind(*arrays, **kwargs)
    except TypeError as e:
        raise InvalidArgumentError(
            f"check_layer: {cls}.forward cannot take {len(arrays)} input(s) and "
            f"forward_kwargs {sorted(map(str, kwargs))}: {e}"
        ) from None
    except ValueError:  # a builtin without a signature: let the call itself speak
        pass
    params = _find_parameters(layer)
    state = _snapshot(layer)
    try:
        return _check(
            layer, cls, names, arrays, params, kwargs, rng, eps, atol, rtol, raise_on_failure
        )
    finally:
        _restore(layer, state)


def _check(layer, cls, names, arrays, params, kwargs, rng, eps, atol, rtol, raise_on_failure):
    works = [np.array(a, dtype=np.float64) if a.dtype.kind == "f" else a.copy() for a in arrays]
    fresh = [w.copy() for w in works]
    out = np.asarray(layer.forward(*fresh, **kwargs))
    if out.dtype.kind != "f" or not np.all(np.isfinite(out)):
        raise InvalidArgumentError(
            f"check_layer: {cls}.forward returned non-finite or non-float "
            f"values (dtype {out.dtype})"
        )
    dout = upstream(rng, out.shape, out.dtype)
    dout_before = dout.copy()
    dx = layer.backward(dout)
    checks = []
    kept = np.array_equal(dout, dout_before)
    changed = [names[i] for i, (a, b) in enumerate(zip(fresh, works)) if not np.array_equal(a, b)]
    checks.append(
        Check(
            "inputs not mutated",
            not changed,
            "forward and backward left the inputs unchanged"
            if not changed
            else f"the layer wrote into {changed}",
        )
    )
    problems = []
    analytic = _input_gradients(dx, works, names, problems)
    analytic.update(_parameter_gradients(layer, params, problems))
    # scaling with dout
    layer.forward(*[w.copy() for w in works], **kwargs)
    dx2 = layer.backward(SCALE * dout_before)
    scaled = _input_gradients(dx2, works, names, [])
    scaled.update(_parameter_gradients(layer, params, []))
    not_linear = [
        k
        for k, g in analytic.items()
        if k in scaled and not np.allclose(scaled[k], SCALE * g, rtol=1e-6, atol=1e-12)
    ]
    # a loss layer whose backward ignores dout (the book's SoftmaxWithLoss) returns the
    # gradient for dout = 1: its derivative is then checked with dout = 1
    ignores = bool(not_linear) and out.size == 1 and all(
        np.allclose(scaled[k], g, rtol=1e-9, atol=1e-15) for k, g in analytic.items() if k in scaled
    )
    if ignores:
        dout_before = np.ones_like(dout_before)
        layer.forward(*[w.copy() for w in works], **kwargs)
        analytic = _input_gradients(layer.backward(dout_before.copy()), works, names, [])
        analytic.update(_parameter_gradients(layer, params, []))
    checks.insert(0, _dout_check(cls, kept))
    checks.append(_scaling_check(cls, not_linear, ignores))
    checks.append(
        Check(
            "gradients stored, with the right shapes",
            not problems,
            "; ".join(problems) if problems else "every gradient has its input's shape",
        )
    )

    # numerical differentiation of sum(dout * forward)
    dout64 = dout_before.astype(np.float64)

    def evaluate() -> float:
        return float(np.sum(dout64 * np.asarray(layer.forward(*works, **kwargs))))

    base, again = evaluate(), evaluate()
    if not np.isclose(base, again, rtol=1e-12, atol=0.0):
        raise InvalidArgumentError(
            f"check_layer: {cls}.forward is not deterministic (two calls gave {base!r} and "
            f"{again!r}); switch off dropout or pass forward_kwargs={{'train_flg': False}}"
        )
    dtypes = [p.dtype for p in params.values()] + [out.dtype]
    low = lowest_precision(dtypes)
    prec = precision_for(low, eps, atol, rtol, low)
    amax = max((float(np.abs(v).max(initial=0.0)) for v in analytic.values()), default=0.0)
    base_y = np.array(layer.forward(*works, **kwargs), dtype=np.float64)
    ctx = Context(dout64, base_y, float(np.sum(np.abs(dout64 * out))), prec, amax)

    def output():
        return np.asarray(layer.forward(*works, **kwargs))

    def record():
        return [np.array(output(), dtype=np.float64)], [[]]

    results = []
    targets = [(names[i], works[i]) for i in range(len(works))] + list(params.items())
    for name, target in targets:
        if name not in analytic:
            continue
        entries = elementwise(target, output, analytic[name], ctx, record)
        results.append(compare(name, analytic[name], entries, "element", target.dtype))
    report = GradcheckReport(f"check_layer {cls}", "full", prec, results, checks)
    if raise_on_failure and not report.ok:
        raise GradcheckError(f"{report.summary()}\n{report}", report)
    return report


def _dout_check(cls: str, kept: bool) -> Check:
    if kept:
        return Check("dout not mutated", True, "backward left dout unchanged")
    return Check(
        "dout not mutated",
        False,
        f"{cls}.backward writes into dout, as the book's Relu does on purpose (dout[mask] = 0) "
        "to save memory. In the book's networks nothing reads dout after that, so the book's "
        "results are right. In a graph where one value feeds two layers, both share one "
        "dout and the other layer would get a corrupted gradient; autograd_lite's ops build "
        "a new array instead: np.where(mask, 0, dout)",
        deviation=True,
    )


def _scaling_check(cls: str, not_linear: list, ignores: bool) -> Check:
    if not not_linear:
        return Check("scales with dout", True, "backward(c * dout) = c * backward(dout)")
    if ignores:
        return Check(
            "scales with dout",
            False,
            f"{cls}.backward ignores dout and returns the gradient for dout = 1, as the book's "
            "SoftmaxWithLoss does on purpose: it is always the last layer, where dout is 1, so "
            "the book's results are right (the derivative above was checked with dout = 1). "
            "Anywhere but last, the gradient must be multiplied by dout",
            deviation=True,
        )
    return Check(
        "scales with dout",
        False,
        f"the gradient of {', '.join(not_linear)} does not scale with dout (is dout ignored?)",
    )


def _find_parameters(layer) -> dict[str, np.ndarray]:
    """name -> the layer's own parameter array (perturbed in place during the check)."""
    found = {}
    table = getattr(layer, "params", None)
    if isinstance(table, dict):
        found = {k: v for k, v in table.items() if isinstance(v, np.ndarray)}
    else:
        for name in PARAMETER_NAMES:
            value = getattr(layer, name, None)
            if isinstance(value, np.ndarray):
                found[name] = value
    for name, value in found.items():
        if value.dtype.kind != "f" or not value.flags.c_contiguous or not value.flags.writeable:
            raise InvalidArgumentError(
                f"check_layer: parameter {name} must be a writeable, contiguous float array "
                f"(got dtype {value.dtype})"
            )
    return found


def _input_gradients(dx, works, names, problems) -> dict[str, np.ndarray]:
    """Input name -> dx. A single array is the gradient of input 0; a tuple has one per input."""
    grads = dx if isinstance(dx, tuple) else (dx,)
    if isinstance(dx, tuple) and len(dx) != len(works):
        problems.append(f"backward returned {len(dx)} gradients for {len(works)} inputs")
        return {}
    found = {}
    for name, w, g in zip(names, works, grads):
        if g is None or w.dtype.kind != "f":
            continue
        g = np.asarray(g)
        if g.shape != w.shape:
            problems.append(
                f"{name}: the gradient has shape {g.shape}, but {name} has shape {w.shape}"
            )
            continue
        found[name] = g.astype(np.float64)
    return found


def _parameter_gradients(layer, params, problems) -> dict[str, np.ndarray]:
    table = getattr(layer, "grads", None)
    found = {}
    for name, value in params.items():
        if isinstance(table, dict):
            g, where = table.get(name), f"grads[{name!r}]"
        else:
            g, where = getattr(layer, "d" + name, None), "d" + name
        if g is None:
            problems.append(f"{name}: backward stored no gradient in {where}")
            continue
        g = np.asarray(g)
        if g.shape != value.shape:
            hint = " (a missing sum over the batch axis?)" if g.ndim > value.ndim else ""
            problems.append(
                f"{name}: {where} has shape {g.shape}, but {name} has shape {value.shape}{hint}"
            )
            continue
        found[name] = np.array(g, dtype=np.float64)
    return found


def _snapshot(layer) -> dict:
    try:
        attrs = vars(layer)
    except TypeError:
        return {}
    state = {}
    for key, value in attrs.items():
        if isinstance(value, np.ndarray):
            state[key] = (value, value.copy())
        elif isinstance(value, dict):
            state[key] = (
                value,
                {k: (v, v.copy() if isinstance(v, np.ndarray) else None) for k, v in value.items()},
            )
        else:
            state[key] = (value, None)
    return state


def _restore(layer, state: dict) -> None:
    """Put every attribute back: arrays in place (other objects may share them)."""
    if not state:
        return
    for key in [k for k in vars(layer) if k not in state]:
        delattr(layer, key)
    for key, (obj, saved) in state.items():
        if isinstance(obj, np.ndarray):
            if obj.flags.writeable:
                np.copyto(obj, saved)
        elif isinstance(obj, dict):
            obj.clear()
            for k, (v, copy) in saved.items():
                if copy is not None and v.flags.writeable:
                    np.copyto(v, copy)
                obj[k] = v
        setattr(layer, key, obj)
