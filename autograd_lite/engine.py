"""The backward pass: the chain rule, newest node first.

A tensor made by an op records its node in its own fields: the op, its inputs (tensors, or plain
arrays for constants), the residuals ``saved`` and which inputs need a gradient; ``t.node`` shows
them as a ``Node``. Nothing points back from an input to the tensors made from it, so the graph
has no reference cycles and is freed by reference counting when its last tensor goes.

``chain_rule`` is the whole algorithm. ``backward`` (``t.backward()``) stores its result in
``.grad``; ``autograd_lite.grad`` returns it instead. With ``create_graph=True`` every op's
backward runs on Tensors, so the gradients are recorded too and can be differentiated again.
"""

from __future__ import annotations

import numpy as np

from .errors import AnomalyError, BackwardError, ShapeError
from .modes import ANOMALY, GRAD_ENABLED

#: ``node.saved`` after a backward pass without ``retain_graph``: the residuals are released.
FREED = object()


class Node:
    """How a tensor was made: ``op`` applied to ``inputs`` with keyword ``params``.

    ``t.node`` returns one of these for an op result. It is a view of fields that live on the
    tensor itself (``Tensor._op``, ``._inputs``, ...): one Python object per recorded op, not two.
    ``inputs`` holds Tensors, and plain ``numpy.ndarray`` for constants (data, labels, numbers);
    ``needs`` says which inputs need a gradient; ``scope`` is the ``name_scope`` it was made in.
    """

    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor

    op = property(lambda self: self.tensor._op, doc="The op class (``Mul``, ``Affine``, ...).")
    inputs = property(lambda self: self.tensor._inputs, doc="The inputs, in order.")
    saved = property(lambda self: self.tensor._saved, doc="The residuals, or ``FREED``.")
    needs = property(lambda self: self.tensor._needs, doc="Which inputs need a gradient.")
    scope = property(lambda self: self.tensor._scope, doc="The name scope, ``a/b`` or ``\"\"``.")

    @property
    def params(self) -> dict:
        """The op's keyword parameters (a new dict; empty for most ops)."""
        return dict(self.tensor._params or {})

    @property
    def label(self) -> str:
        """The op's label, as the graph picture shows it (``"Mul"``, ``"Affine"``, ...)."""
        return self.tensor._op.label

    @property
    def freed(self) -> bool:
        """True once a backward pass without ``retain_graph`` released the residuals."""
        return self.tensor._saved is FREED

    def __eq__(self, other) -> bool:
        return isinstance(other, Node) and other.tensor is self.tensor

    def __hash__(self) -> int:
        return hash(id(self.tensor))

    def __repr__(self) -> str:
        return f"<Node {self.label} of {len(self.inputs)} input(s)>"


def topological_order(roots, constants: bool = False) -> list:
    """Everything that leads to ``roots`` (a tensor or a list), each input before its users.

    By default only tensors that need a gradient (what the backward pass visits); with
    ``constants=True`` also tensors that need none and constant arrays (what a picture draws,
    inputs in argument order, so the same computation always gives the same picture).
    Depth-first with an explicit stack, never recursion, so a 100,000-node chain is fine.
    """
    roots = [roots] if hasattr(roots, "_op") else list(roots)
    order, seen = [], set()
    stack = roots[::-1]
    while stack:
        obj = stack.pop()
        if obj is _INPUTS_DONE:  # the object below it has all its inputs in ``order``
            order.append(stack.pop())
            continue
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        stack.append(obj)
        stack.append(_INPUTS_DONE)
        if constants:
            if getattr(obj, "_op", None) is not None:
                stack.extend(obj._inputs[::-1])
        elif obj._op is not None:
            for inp, need in zip(obj._inputs, obj._needs):
                if need:
                    stack.append(inp)
    return order


#: A marker on the stack of ``topological_order``.
_INPUTS_DONE = object()


def chain_rule(roots, seeds, create_graph: bool = False) -> tuple[list, dict]:
    """The backward pass: the gradient of every tensor that leads to ``roots``.

    ``seeds`` are the gradients of the roots themselves (1 for a scalar loss). Walking the graph
    newest node first, each op turns the gradient of its output ``g`` into one gradient per
    input (its ``backward``); an input used by several ops sums what each passes back. When a
    node comes up, every op that used it has already passed its share, so its sum is complete.

    Returns the topological order and ``id(tensor) -> gradient``. Nothing is changed: the
    callers store the result (``backward``) or return it (``autograd_lite.grad``).
    """
    order = topological_order(roots)
    grads = {}
    for root, seed in zip(roots, seeds):
        _accumulate(grads, root, seed)
    anomaly = ANOMALY.get()
    token = GRAD_ENABLED.set(create_graph)  # record the gradients' graph only when asked
    try:
        for tensor in reversed(order):
            g = grads.get(id(tensor))
            if g is None or tensor._op is None:
                continue  # a leaf only collects; a tensor no root depends on has no gradient
            op = tensor._op
            input_grads = _vjp(tensor, g, create_graph)
            for i, (inp, need, gi) in enumerate(zip(tensor._inputs, tensor._needs, input_grads)):
                if need:
                    gi = _conform(gi, inp, op, i, create_graph)
                    if anomaly:
                        _check_finite(gi, f"{op.label}: the gradient for input {i}")
                    _accumulate(grads, inp, gi)
    finally:
        GRAD_ENABLED.reset(token)
    return order, grads


def _vjp(tensor, g, create_graph: bool) -> tuple:
    """One op's backward: its output's gradient ``g`` -> one gradient per input.

    Under ``create_graph`` the residuals are recomputed by running ``forward`` on the input
    Tensors, so values like softmax's output become Tensors whose graph leads back to the
    inputs (an op that saved its own output gets the output Tensor), and the op's NumPy
    backward, now running on Tensors, is recorded.
    """
    op, saved = tensor._op, tensor._saved
    if saved is FREED:
        raise BackwardError(
            f"backward: the graph through {op.label} was already freed by an earlier backward(); "
            "pass retain_graph=True (or create_graph=True) to the first call to run it again"
        )
    if create_graph:
        if saved is tensor.data:  # the op saved its output (Exp, Tanh, ...): the Tensor is it
            saved = tensor
        elif _holds_values(saved):
            inputs = [x.data if i in op.nondiff and hasattr(x, "_op") else x
                      for i, x in enumerate(tensor._inputs)]
            saved = op.forward(*inputs, **(tensor._params or {}))[1]
    if op.backward_takes_needs:
        grads = op.backward(saved, g, tensor._needs)
    else:
        grads = op.backward(saved, g)
    if type(grads) is not tuple or len(grads) != len(tensor._inputs):
        got = len(grads) if isinstance(grads, tuple) else type(grads).__name__
        raise BackwardError(
            f"{op.label}: backward must return a tuple with one gradient per input "
            f"({len(tensor._inputs)}), got {got}"
        )
    return grads


def _holds_values(saved) -> bool:
    """Whether residuals hold floating-point arrays (recomputed under ``create_graph``); masks,
    shapes and indices are constants of the graph and are used as they are."""
    if isinstance(saved, (np.ndarray, np.generic)):  # NumPy gives scalars for 0-d results
        return saved.dtype.kind in "fc"
    if type(saved) is tuple or type(saved) is list:
        return any(_holds_values(s) for s in saved)
    return False


def _accumulate(grads: dict, tensor, g) -> None:
    """Add ``g`` to ``tensor``'s gradient sum: a + b builds a new array, never ``+=``."""
    key = id(tensor)
    previous = grads.get(key)
    grads[key] = g if previous is None else _add(previous, g)


def _add(a, b):
    """a + b as an array (NumPy returns a scalar for two 0-d arrays; a gradient is an array)."""
    total = a + b
    return np.asarray(total) if isinstance(total, np.generic) else total


def _conform(gi, inp, op, index: int, create_graph: bool):
    """An op's gradient for one input, summed back to the input's shape and in its dtype.

    Binary ops return gradients at the broadcast output shape; this is the one place that sums
    them back (``unbroadcast``). Any other shape is the op's bug and raises, naming the op.
    """
    data = inp.data
    if type(gi) is np.ndarray:
        if create_graph:
            raise BackwardError(f"{op.label}: backward returned a plain array for input {index} "
                                "under create_graph; it must compute with the Tensors it is "
                                "given, or the second derivative is cut")
        if gi.shape == data.shape and gi.dtype is data.dtype:
            return gi  # the usual case (NumPy reuses one dtype object per type)
    elif gi is None:
        raise BackwardError(f"{op.label}: backward returned None for input {index}, which needs "
                            "a gradient")
    elif hasattr(gi, "_op"):  # a Tensor: kept under create_graph, its value otherwise
        if not create_graph:
            gi = gi.data
    elif create_graph:
        raise BackwardError(f"{op.label}: backward returned a {type(gi).__name__} for input "
                            f"{index} under create_graph; it must compute with the Tensors it is "
                            "given, or the second derivative is cut")
    else:
        gi = np.asarray(gi)
    if gi.shape != data.shape:
        gi = unbroadcast(gi, data.shape, op.label, index)
    if gi.dtype != data.dtype:
        gi = gi.astype(data.dtype)
    return gi


def unbroadcast(g, shape: tuple, op_label: str, index: int):
    """Sum ``g`` (at the broadcast output shape) back to an input's ``shape``, or raise."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    ok = extra >= 0 and all(s == 1 or s == gs for s, gs in zip(shape, g.shape[extra:]))
    if not ok:
        raise ShapeError(
            f"{op_label}: the gradient for input {index} has shape {g.shape}, which cannot be "
            f"reduced to the input's shape {shape}"
        )
    axes = tuple(range(extra)) + tuple(
        extra + i for i, s in enumerate(shape) if s == 1 and g.shape[extra + i] != 1
    )
    # keepdims: summing every axis of a 0-d input's gradient still gives an array, not a scalar
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def _check_finite(g, what: str) -> None:
    values = g if type(g) is np.ndarray else g.data
    if not np.all(np.isfinite(values)):
        bad = "NaN" if np.any(np.isnan(values)) else "inf"
        raise AnomalyError(f"{what} contains {bad} (detect_anomaly)")


def backward(root, grad=None, retain_graph=None, create_graph: bool = False) -> None:
    """``root.backward()``: run the chain rule and add each gradient to the tensor's ``.grad``."""
    order, grads = chain_rule([root], [seed(root, grad, create_graph)], create_graph)
    store(order, grads, create_graph if retain_graph is None else retain_graph, create_graph)


def store(order: list, grads: dict, retain_graph: bool, create_graph: bool = False) -> None:
    """Add a finished pass's gradients to ``.grad`` and free the residuals unless retained.

    Only called once every op's backward has succeeded, so a pass that raises (a freed graph, a
    bad op) leaves every ``.grad`` and residual as it was.
    """
    owners = set()  # ids of the arrays (and the arrays they view) that op results keep
    for tensor in order:
        g = grads.get(id(tensor))
        if g is None or tensor._op is None:
            continue
        if create_graph:
            g = g.data  # op results keep the value only, see docs/higher_order.md
        owners.add(id(g))
        if g.base is not None:
            owners.add(id(g.base))
        previous = tensor.grad
        tensor.grad = g if previous is None else _add(previous, g)
    for tensor in order:
        g = grads.get(id(tensor))
        if g is None or tensor._op is not None:
            continue
        if type(g) is np.ndarray:
            g = own(g, owners)  # a leaf's gradient, which an optimizer may update in place
        previous = tensor.grad
        tensor.grad = g if previous is None else _add(previous, g)
    if not retain_graph:
        free(order)


def free(order: list) -> None:
    """Release the residuals of every op result in ``order`` (what ``retain_graph`` keeps)."""
    for tensor in order:
        if tensor._op is not None:
            tensor._saved = FREED


def own(g: np.ndarray, owners: set) -> np.ndarray:
    """``g`` as an array its tensor can own: an optimizer may update ``.grad`` in place, so a
    gradient that is a view, read-only, or already another tensor's (``Add`` passes one array
    to both inputs) is copied. Copying only those keeps a training step free of extra copies."""
    if id(g) in owners or g.base is not None or not g.flags.writeable:
        g = g.copy()
    owners.add(id(g))
    return g


def seed(root, grad, create_graph: bool):
    """The gradient the pass starts from: 1 for a single-element root, else ``grad``, checked."""
    if not root.requires_grad:
        raise BackwardError(
            "backward: this tensor does not require a gradient (it was made from constants only, "
            "inside no_grad(), or with requires_grad=False)"
        )
    if grad is None:
        if root.data.size != 1:
            raise BackwardError(
                f"backward: the output has shape {root.shape}; only a single-element output gets "
                "an implicit gradient of 1. Pass grad= with the same shape, or reduce it first "
                "with .sum()"
            )
        dtype = root.data.dtype
        values = np.array(1.0, dtype) if root.data.ndim == 0 else np.ones(root.shape, dtype)
        return type(root)._wrap(values, False) if create_graph else values
    is_tensor = hasattr(grad, "_op")
    values = grad.data if is_tensor else grad
    if not isinstance(values, np.ndarray) or values.dtype.kind not in "biuf":
        try:
            values = np.asarray(values)
        except (TypeError, ValueError):
            values = np.asarray(values, dtype=object)
        if values.dtype.kind not in "biuf":
            raise BackwardError(
                f"backward: grad must be a real number or array, got dtype {values.dtype} "
                f"({type(grad).__name__})"
            ) from None
    if values.shape != root.shape:
        raise ShapeError(
            f"backward: grad has shape {values.shape}, but the output has shape {root.shape}"
        )
    if not create_graph:
        return np.array(values, dtype=root.dtype)
    if is_tensor:  # kept as it is: the gradients may then be differentiated with respect to it
        return grad if grad.dtype == root.dtype else grad.astype(root.dtype)
    return type(root)._wrap(np.array(values, dtype=root.dtype), False)
