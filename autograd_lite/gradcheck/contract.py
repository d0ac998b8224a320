"""The op contract seen from outside: every node's backward, called on copies.

``gradcheck`` cannot trust the values alone. An op that writes into its upstream gradient
(the book's ``dout[mask] = 0``) gives right gradients until another op reads the same ``g``;
one that writes into ``saved`` gives right gradients until the graph is used twice. So before
the real backward pass, each node of the recorded graph (whoever's op it is) gets one extra
call ``op.backward(copy of saved, g)`` with a random ``g``, and the copies are compared with
fingerprints taken before the call. ``saved`` is treated as an opaque nesting of arrays,
tuples, lists and dicts. A second call with ``2 g`` shows whether the op is linear in ``g``.
"""

from __future__ import annotations

import numpy as np

from ..engine import FREED
from .numeric import upstream
from .report import Check

#: a power of two: scaling by it is exact in floating point, so a backward that is linear in
#: g returns exactly twice its result, even where its terms cancel to rounding noise
SCALE = 2.0


def copy_nested(value):
    """Arrays copied, tuples, lists and dicts rebuilt, anything else kept as it is."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (tuple, list)):
        return type(value)(copy_nested(v) for v in value)
    if isinstance(value, dict):
        return {k: copy_nested(v) for k, v in value.items()}
    return value


def same_nested(a, b) -> bool:
    """Deep equality of arrays inside tuples, lists and dicts (other leaves are not compared)."""
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same_nested(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_nested(a[k], b[k]) for k in a)
    return True


def call_backward(op, saved, g, needs):
    if op.backward_takes_needs:
        return op.backward(saved, g, needs)
    return op.backward(saved, g)


def _eps(*arrays) -> float:
    kinds = [np.asarray(x).dtype for x in arrays if np.asarray(x).dtype.kind == "f"]
    return max([float(np.finfo(d).eps) for d in kinds] + [1e-16])


def _linear(first, second, needs, g) -> bool:
    if not isinstance(first, tuple) or not isinstance(second, tuple):
        return True  # a bad return is the engine's error to report
    for gi, gi2, need in zip(first, second, needs):
        if not need or gi is None or gi2 is None:
            continue
        a = np.asarray(gi, dtype=np.float64) * SCALE
        b = np.asarray(gi2, dtype=np.float64)
        if a.shape != b.shape:
            return False
        if np.linalg.norm(a - b) > 64 * _eps(gi, gi2, g) * (np.linalg.norm(a) + 1e-300):
            return False
    return True


def contract_checks(graph, rng: np.random.Generator) -> list[Check]:
    """Checks that no op in ``graph`` (tensors, inputs first) writes into ``g`` or ``saved``
    during backward and that each is linear in ``g``; failures name the op and the node."""
    nodes = [t for t in graph if t._op is not None]
    wrote_g, wrote_saved, not_linear = [], [], []
    for position, tensor in enumerate(nodes):
        op, saved, needs = tensor._op, tensor._saved, tensor._needs
        if saved is FREED:
            continue
        where = f"{op.label} (node {position + 1} of {len(nodes)})"
        g = upstream(rng, tensor.data.shape, tensor.data.dtype)
        g_before = g.copy()
        probe, reference = copy_nested(saved), copy_nested(saved)
        try:
            first = call_backward(op, probe, g, needs)
            scaled = (SCALE * g_before).astype(g.dtype)
            second = call_backward(op, copy_nested(saved), scaled, needs)
        except Exception:  # noqa: BLE001 - the real backward pass reports its own errors
            continue
        if not np.array_equal(g, g_before):
            wrote_g.append(where)
        if not same_nested(probe, reference):
            wrote_saved.append(where)
        if not _linear(first, second, needs, g_before):
            not_linear.append(where)
    checks = [
        Check(
            "no op writes into g",
            not wrote_g,
            "every op's backward left its upstream gradient g unchanged"
            if not wrote_g
            else f"{', '.join(wrote_g)}: backward wrote into its upstream gradient g (as the "
            "book's Relu does with dout[mask] = 0); any other op that reads the same g gets a "
            "corrupted gradient. Build a new array: g * mask",
        ),
        Check(
            "no op writes into saved",
            not wrote_saved,
            "every op's backward left its saved values unchanged"
            if not wrote_saved
            else f"{', '.join(wrote_saved)}: backward wrote into its saved values; a second "
            "backward through the graph would use the changed values",
        ),
        Check(
            "every op linear in g",
            not not_linear,
            "backward(c * g) = c * backward(g) at every node"
            if not not_linear
            else f"{', '.join(not_linear)}: backward is not linear in the upstream gradient g "
            "(is g ignored, as the book's SoftmaxWithLoss ignores dout, or used twice?)",
        ),
    ]
    return checks
