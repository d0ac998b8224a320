"""``numerical_gradient`` and ``gradcheck``: numerical differentiation of whole functions.

Both work on private float64 copies: the caller's arrays are never perturbed, not even for a
moment, so a function that raises midway leaves every input exactly as it was.
"""

from __future__ import annotations

import inspect
import time

import numpy as np

from .. import checks as checks_
from ..engine import topological_order
from ..errors import DTypeError, GradcheckError, InvalidArgumentError, ShapeError
from ..modes import enable_grad, no_grad
from ..tensor import Tensor
from .contract import contract_checks
from .numeric import (
    Context,
    lowest_precision,
    precision_for,
    unit_directions,
    upstream,
    validate_settings,
)
from .perturb import directional, elementwise
from .progress import Progress
from .report import GradcheckReport, compare
from .second_order import along_first_derivative

MODES = ("full", "fast")


def numerical_gradient(f, x, eps: float = 1e-6) -> np.ndarray:
    """Central differences ``(f(x + eps e_i) - f(x - eps e_i)) / 2 eps`` of a scalar function.

    Like the book's ``numerical_gradient``, but ``f`` receives a float64 copy of ``x`` (a Tensor
    if ``x`` is one), so the caller's array is never changed, even if ``f`` raises. ``f`` must
    read its argument: the book's ``lambda W: net.loss(x, t)`` ignores it and gets zeros here;
    use ``ag.gradcheck`` for whole models. Returns a float64 array shaped like ``x``.
    """
    validate_settings("numerical_gradient", eps, 0.0, 0.0)
    if not callable(f):
        raise InvalidArgumentError(
            f"numerical_gradient: f must be callable, got {type(f).__name__}"
        )
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if data.dtype.kind not in "biuf":
        raise DTypeError(f"numerical_gradient: x must be numeric, got dtype {data.dtype}")
    work = np.array(data, dtype=np.float64)
    arg = Tensor._wrap(work, False, x.name) if isinstance(x, Tensor) else work

    def value() -> float:
        with no_grad():
            result = f(arg)
        return _scalar(result)

    grad = np.zeros(work.shape)
    flat, out = work.reshape(-1), grad.reshape(-1)
    for j in range(flat.size):
        original = flat[j]
        try:
            flat[j] = original + eps
            plus = value()
            flat[j] = original - eps
            minus = value()
        finally:
            flat[j] = original
        out[j] = (plus - minus) / (2 * eps)
    return grad


def _scalar(result) -> float:
    array = result.data if isinstance(result, Tensor) else np.asarray(result)
    if array.dtype.kind not in "biuf":
        raise DTypeError(f"numerical_gradient: f must return a number, got {type(result).__name__}")
    if array.size != 1:
        raise ShapeError(
            f"numerical_gradient: f must return a scalar (one element), got shape {array.shape}; "
            "reduce it, e.g. with .sum()"
        )
    return float(array.reshape(()))


def gradcheck(
    f,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    mode: str = "full",
    seed: int = 0,
    raise_on_failure: bool = False,
    directions: int = 3,
    progress: bool | None = None,
    order: int = 1,
) -> GradcheckReport:
    """Compare the gradients backward() computes for ``f(*inputs)`` with numerical ones.

    ``order=2`` checks second derivatives instead: the first derivative along random directions,
    computed with ``create_graph=True``, is differentiated again by ``backward()`` and compared
    with central differences of the first derivative (``second_order.py``).

    ``f`` takes Tensors and returns a Tensor of any shape; the check uses a random upstream
    gradient ``G`` (entries of size 0.5..1.5, random signs) and differentiates ``sum(G * f)``.
    Every input that needs a gradient is checked (arrays always; Tensors with
    ``requires_grad=True``), on float64 copies.

    ``mode="full"`` perturbs every element; ``mode="fast"`` compares ``grad . v`` with the
    numerical slope along ``directions`` random unit vectors ``v`` per input, however large.

    The tolerance of each element comes from the error of its numerical estimate (two step
    sizes and the rounding noise of ``f``); ``atol + rtol * |numerical|`` is a floor on it.
    Elements at a kink are judged against the one-sided derivatives. Each op's backward is
    also called on copies to see that it writes into neither ``g`` nor its saved values.
    ``progress`` (default: when more than 10,000 elements are perturbed one by one) prints
    an estimate of the time and a progress bar. Returns a :class:`GradcheckReport`; with
    ``raise_on_failure=True`` a failure raises :class:`~autograd_lite.GradcheckError`.
    """
    validate_settings("gradcheck", eps, atol, rtol)
    if not isinstance(mode, str) or mode not in MODES:
        raise InvalidArgumentError(
            f"gradcheck: mode must be 'full' or 'fast', got {checks_.describe(mode)}"
        )
    checks_.positive_int("gradcheck", "directions", directions)
    checks_.boolean("gradcheck", "raise_on_failure", raise_on_failure)
    rng = checks_.rng("gradcheck", seed, "seed")
    if isinstance(order, bool) or order not in (1, 2):
        raise InvalidArgumentError(
            f"gradcheck: order must be 1 or 2, got {checks_.describe(order)}"
        )
    if progress not in (None, True, False):
        raise InvalidArgumentError(
            f"gradcheck: progress must be None, True or False, got {progress!r}"
        )
    if not callable(f):
        raise InvalidArgumentError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = (inputs,)
    try:
        inputs = list(inputs)
    except TypeError:
        raise InvalidArgumentError(
            "gradcheck: inputs must be a sequence of Tensors or arrays, got "
            f"{type(inputs).__name__}"
        ) from None
    names = _input_names(f, inputs)
    specs = [_spec(x, name, i) for i, (x, name) in enumerate(zip(inputs, names))]
    if not any(s["check"] for s in specs):
        raise InvalidArgumentError(
            "gradcheck: no input needs a gradient (every input is a Tensor with "
            "requires_grad=False); pass arrays or Tensors that require gradients"
        )
    if order == 2:  # check the first derivative's own gradient: the second derivative
        f = along_first_derivative(f, [s["data"] for s in specs], rng)

    # ----- analytic: one forward and backward on copies -----------------------------------
    leaves = [Tensor._wrap(s["data"].copy(), s["check"], s["name"]) for s in specs]
    started = time.perf_counter()
    with enable_grad():
        out = f(*leaves)
    seconds = time.perf_counter() - started
    _check_output(out)
    G = upstream(rng, out.shape)
    graph = topological_order(out) if out.requires_grad else [out]
    # the dtype f computes in: that of the op results (float32 leaves times float64 ones give
    # float64 results in NumPy, so leaves alone do not make a check precision-limited)
    dtype = lowest_precision([t.data.dtype for t in graph if t._op is not None] + [out.dtype])
    # an int seed gives the contract checks a stream of their own; otherwise one spawned from rng
    contract_rng = (np.random.default_rng([int(seed), 1]) if isinstance(seed, (int, np.integer))
                    else rng.spawn(1)[0])
    checks = contract_checks(graph, contract_rng)
    if out.requires_grad:
        _backward_restoring_foreign_grads(out, G, graph, leaves)
    saved_written = any(c.name == "no op writes into saved" and not c.ok for c in checks)
    for s, leaf in zip(specs, leaves):
        # an op that writes into its saved values may have written into a leaf it saved:
        # that is reported by name above (the leaves are copies; the user's data is safe)
        if not saved_written and not np.array_equal(leaf.data, s["data"], equal_nan=True):
            raise InvalidArgumentError(
                f"gradcheck: f changed its input {s['name']!r} in place; a checked function must "
                "leave its inputs alone (build new Tensors instead)"
            )
    analytic = [
        np.asarray(leaf.grad, dtype=np.float64) if leaf.grad is not None else np.zeros(leaf.shape)
        for leaf in leaves
    ]
    # rounding of the objective: its terms, and every intermediate value times its adjoint
    scale = float(np.sum(np.abs(G * out.data)))
    for t in graph:
        grad = getattr(t, "grad", None)
        if t._op is not None and isinstance(grad, np.ndarray) and grad.shape == t.shape:
            scale += float(np.sum(np.abs(grad * t.data)))
    del graph

    # ----- numerical: perturb private copies ----------------------------------------------
    prec = precision_for(dtype, eps, atol, rtol)
    probes = [Tensor._wrap(s["data"].copy(), s["check"], s["name"]) for s in specs]

    def evaluate():
        with no_grad():
            y = f(*probes)
        if not isinstance(y, Tensor):
            _check_output(y)
        if y.shape != out.shape:
            raise ShapeError(
                f"gradcheck: f returned shape {y.shape} for perturbed inputs but {out.shape} "
                "for the original ones"
            )
        return y.data

    def record():
        with enable_grad():
            y = f(*probes)
        return intermediates(y)

    base = np.array(evaluate(), dtype=np.float64)
    again = np.array(evaluate(), dtype=np.float64)
    reference = np.asarray(out.data, dtype=np.float64)
    tiny = 1e-9 * (np.abs(reference) + np.abs(reference).max(initial=0.0))
    if not (
        np.array_equal(base, again) or np.allclose(base, again, rtol=1e-12, atol=0.0)
    ) or not np.all(np.abs(base - reference) <= tiny + 1e-300):
        raise InvalidArgumentError(
            "gradcheck: f is not deterministic: calls with the same inputs returned different "
            f"values (sums {reference.sum()!r}, {base.sum()!r}, {again.sum()!r}); fix its "
            "randomness (a dropout mask, a Generator created outside f) before checking gradients"
        )
    amax = max((float(np.abs(a).max(initial=0.0)) for a in analytic), default=0.0)
    ctx = Context(G, base, max(scale, float(np.sum(np.abs(G * base)))), prec, amax)
    upstream_scalar = float(G.reshape(-1)[0]) if G.size == 1 else None
    total = sum(s["data"].size for s in specs if s["check"]) if mode == "full" else 0
    bar = Progress.start(total, seconds, progress)
    results = []
    for s, probe, grad in zip(specs, probes, analytic):
        if not s["check"]:
            continue
        work = probe.data
        if mode == "full" or work.size == 0:
            entries = elementwise(work, evaluate, grad, ctx, record, bar.tick)
            results.append(compare(s["name"], grad, entries, "element", s["dtype"], None,
                                   upstream_scalar))
        else:
            dirs = unit_directions(rng, directions, work.size)
            projected = dirs @ grad.reshape(-1)
            entries = directional(work, evaluate, projected, ctx, dirs, record)
            results.append(compare(s["name"], projected, entries, "direction", s["dtype"],
                                   work.shape, upstream_scalar))
    bar.close()

    notes = _notes(specs, prec, mode, directions, upstream_scalar)
    title = "gradcheck" if order == 1 else "gradcheck (order 2)"
    report = GradcheckReport(title, mode, prec, results, checks, notes=notes)
    if raise_on_failure and not report.ok:
        raise GradcheckError(f"{report.summary()}\n{report}", report)
    return report


def intermediates(y) -> tuple:
    """Every op result of the graph that made ``y`` (inputs first) as float64 arrays, and for
    each the positions of its inputs among them: what :func:`hidden_kinks` examines."""
    if not isinstance(y, Tensor) or not y.requires_grad:
        return [], []
    tensors = [t for t in topological_order(y) if t._op is not None]
    index = {id(t): i for i, t in enumerate(tensors)}
    parents = [[index[id(x)] for x in t._inputs if id(x) in index] for t in tensors]
    return [np.array(t.data, dtype=np.float64) for t in tensors], parents


def _input_names(f, inputs) -> list[str]:
    """Each input's name: the Tensor's ``name``, else f's parameter name, else ``input i``."""
    params = []
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        try:
            sig.bind(*inputs)
        except TypeError as e:
            raise InvalidArgumentError(
                f"gradcheck: f{sig} cannot be called with {len(inputs)} input(s): {e}"
            ) from None
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        params = [p.name for p in sig.parameters.values() if p.kind in kinds]
    names = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.name:
            name = x.name
        else:
            name = params[i] if i < len(params) else f"input {i}"
        names.append(name if name not in names else f"{name} ({i})")
    return names


def _spec(x, name: str, index: int) -> dict:
    if isinstance(x, Tensor):
        data, check = x.data, x.requires_grad
    else:
        try:
            data = np.asarray(x)
        except (TypeError, ValueError) as e:
            raise DTypeError(f"gradcheck: input {index} ({name}) is not an array: {e}") from None
        check = True
        if data.dtype.kind != "f":
            what = "integer" if data.dtype.kind in "biu" else "non-numeric"
            raise DTypeError(
                f"gradcheck: input {index} ({name}) has {what} dtype {data.dtype} and cannot be "
                "differentiated; pass float data, or keep labels out of the inputs (a closure "
                "or Tensor(..., requires_grad=False))"
            )
    work = np.array(data, dtype=np.float64) if data.dtype.kind == "f" else np.array(data)
    return {"name": name, "data": work, "check": check, "dtype": data.dtype}


def _check_output(out) -> None:
    if not isinstance(out, Tensor):
        raise DTypeError(
            f"gradcheck: f must return a Tensor, got {type(out).__name__}; build the result from "
            "the Tensors f receives (ag.* functions and Tensor operators)"
        )
    if out.data.dtype.kind != "f":
        raise DTypeError(f"gradcheck: f returned a Tensor of dtype {out.dtype}; it must be float")
    if not np.all(np.isfinite(out.data)):
        raise InvalidArgumentError(
            "gradcheck: f returned NaN or inf at the given inputs; gradients can only be checked "
            "where the function is finite"
        )


def _backward_restoring_foreign_grads(out, G, graph, leaves) -> None:
    """Run backward, then give every tensor that is not ours (model parameters f reads from
    a closure) back the ``.grad`` it had, so the check leaves no gradients behind."""
    ours = {id(t) for t in leaves}
    foreign = [(t, t.grad) for t in graph if t.is_leaf and id(t) not in ours]
    try:
        out.backward(G)
    finally:
        for tensor, grad in foreign:
            tensor.grad = grad


def _notes(specs, prec, mode: str, directions: int, upstream_scalar) -> list[str]:
    notes = []
    low = sorted({str(s["dtype"]) for s in specs if s["check"] and s["dtype"] != np.float64})
    if low:
        notes.append(
            f"{', '.join(low)} inputs were checked on float64 copies (yours are unchanged)"
        )
    notes.append(prec.describe())
    if upstream_scalar is None:
        notes.append(
            "slopes are those of sum(G * f) for a random upstream gradient G (entries of size "
            "0.5 to 1.5, random signs), not the derivatives of f's elements themselves"
        )
    else:
        notes.append(
            f"f returns one number; slopes are times the random upstream gradient "
            f"G = {upstream_scalar:.4g} (divide by it for df/dx)"
        )
    if mode == "fast":
        notes.append(f"fast mode: {directions} random unit direction(s) per input")
    return notes
