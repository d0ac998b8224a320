"""Derivatives as functions: ``grad`` (PyTorch's ``torch.autograd.grad``), ``jacobian``,
``hessian`` and ``hvp`` (a Hessian-vector product by reverse-over-reverse).

``grad`` runs the engine's ``chain_rule`` and returns the gradients instead of adding them to
``.grad``. With ``create_graph=True`` they are Tensors whose graph leads back to the inputs, so
they can be differentiated again: the Hessian is the gradient of the gradient.
"""

from __future__ import annotations

import numpy as np

from . import engine
from .errors import BackwardError, DTypeError, InvalidArgumentError, ShapeError
from .tensor import Tensor


def grad(outputs, inputs, grad_outputs=None, *, retain_graph=None, create_graph=False,
         allow_unused=False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``: one per input, in order.

    ``outputs`` and ``inputs`` are a Tensor or a sequence of them. A single-element output gets
    the gradient 1; any other needs ``grad_outputs`` (one array or Tensor per output, of its
    shape): the result is then the vector-Jacobian product. ``.grad`` is not touched.

    With ``create_graph=True`` the gradients are Tensors that can be differentiated again (to any
    order); otherwise NumPy arrays. The graph is freed afterwards unless ``retain_graph`` (which
    defaults to ``create_graph``). An input that the outputs do not depend on raises, unless
    ``allow_unused=True``, which gives None for it.
    """
    outputs = _tensors("outputs", outputs)
    inputs = _tensors("inputs", inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)) or np.isscalar(grad_outputs):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise InvalidArgumentError(
            f"grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs; give one per "
            "output (None for a single-element one)"
        )
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise BackwardError(f"grad: input {i}{_named(x)} does not require a gradient")
    seeds = []
    for i, (y, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None and y.size != 1:
            raise BackwardError(
                f"grad: output {i}{_named(y)} has shape {y.shape}; only a single-element output "
                "gets an implicit gradient of 1. Pass grad_outputs with its shape, or reduce it"
            )
        seeds.append(engine.seed(y, g, create_graph))
    order, grads = engine.chain_rule(outputs, seeds, create_graph)
    result = []
    owners = set()
    for i, x in enumerate(inputs):
        g = grads.get(id(x))
        if g is None and not allow_unused:
            raise BackwardError(
                f"grad: input {i}{_named(x)} is not part of the graph of the outputs (they do not "
                "depend on it); pass allow_unused=True to get None for it"
            )
        result.append(engine.own(g, owners) if type(g) is np.ndarray else g)
    if not (create_graph if retain_graph is None else retain_graph):
        engine.free(order)
    return tuple(result)


def jacobian(f, x) -> np.ndarray:
    """The Jacobian of ``f`` at ``x``: ``J[i..., j...] = d f(x)[i...] / d x[j...]``.

    ``x`` is a Tensor or an array (its value is used; the Tensor is not changed); the result
    has shape ``f(x).shape + x.shape``. One backward pass per output element.
    """
    leaf = _leaf("jacobian", x)
    y = f(leaf)
    if not isinstance(y, Tensor) or not y.requires_grad:
        return np.zeros(np.shape(getattr(y, "data", y)) + leaf.shape, leaf.dtype)
    return _rows(y, leaf)


def hessian(f, x) -> np.ndarray:
    """The Hessian of a scalar ``f`` at ``x``, of shape ``x.shape + x.shape``: the Jacobian of
    the gradient, which is recorded with ``create_graph=True`` (reverse over reverse)."""
    leaf = _leaf("hessian", x)
    y = f(leaf)
    if not isinstance(y, Tensor) or not y.requires_grad:
        if np.size(getattr(y, "data", y)) != 1:
            raise ShapeError(f"hessian: f must return a single value, got shape {np.shape(y)}")
        return np.zeros(leaf.shape + leaf.shape, leaf.dtype)
    if y.size != 1:
        raise ShapeError(f"hessian: f must return a single value, got shape {y.shape}")
    (g,) = grad(y, leaf, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:  # f is linear in x: its gradient is a constant
        return np.zeros(leaf.shape + leaf.shape, leaf.dtype)
    return _rows(g, leaf)


def hvp(f, x, v) -> np.ndarray:
    """The Hessian of a scalar ``f`` at ``x`` times ``v`` (shape ``x.shape``), without forming
    the Hessian: the gradient of ``sum(grad f(x) * v)``, two backward passes."""
    leaf = _leaf("hvp", x)
    v = np.asarray(v.data if isinstance(v, Tensor) else v, dtype=leaf.dtype)
    if v.shape != leaf.shape:
        raise ShapeError(f"hvp: v has shape {v.shape}, but x has shape {leaf.shape}")
    y = f(leaf)
    if not isinstance(y, Tensor) or not y.requires_grad:
        return np.zeros(leaf.shape, leaf.dtype)
    if y.size != 1:
        raise ShapeError(f"hvp: f must return a single value, got shape {y.shape}")
    (g,) = grad(y, leaf, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:
        return np.zeros(leaf.shape, leaf.dtype)
    (h,) = grad((g * v).sum(), leaf, allow_unused=True)
    return np.zeros(leaf.shape, leaf.dtype) if h is None else h


def _rows(y: Tensor, leaf: Tensor) -> np.ndarray:
    """Row by row, the gradient of each element of ``y`` with respect to ``leaf``."""
    out = np.zeros((y.size,) + leaf.shape, leaf.dtype)
    for i in range(y.size):
        onehot = np.zeros(y.size, y.dtype)
        onehot[i] = 1.0
        (g,) = grad(y, leaf, onehot.reshape(y.shape), retain_graph=True, allow_unused=True)
        if g is not None:
            out[i] = g
    return out.reshape(y.shape + leaf.shape)


def _leaf(who: str, x) -> Tensor:
    values = x.data if isinstance(x, Tensor) else x
    try:
        values = np.array(values, dtype=None, copy=True)
    except (TypeError, ValueError) as e:
        raise DTypeError(f"{who}: x must be a numeric array or Tensor: {e}") from None
    if values.dtype.kind != "f":
        if values.dtype.kind not in "biu":
            raise DTypeError(f"{who}: x must be real numbers, got dtype {values.dtype}")
        values = values.astype(np.float64)
    return Tensor(values, requires_grad=True, name=getattr(x, "name", None) or "x")


def _tensors(what: str, value) -> list:
    items = [value] if isinstance(value, Tensor) else value
    try:
        items = list(items)
    except TypeError:
        raise InvalidArgumentError(
            f"grad: {what} must be a Tensor or a sequence of Tensors, got {type(value).__name__}"
        ) from None
    if not items:
        raise InvalidArgumentError(f"grad: {what} is empty")
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise InvalidArgumentError(
                f"grad: {what}[{i}] must be a Tensor, got {type(t).__name__}"
            )
    if what == "outputs":
        for i, t in enumerate(items):
            if not t.requires_grad:
                raise BackwardError(
                    f"grad: output {i}{_named(t)} does not require a gradient (made from "
                    "constants only, inside no_grad(), or with requires_grad=False)"
                )
    return items


def _named(t) -> str:
    return f" ({t.name!r})" if t.name else ""
