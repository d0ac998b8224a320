"""Second derivatives checked like first ones: ``gradcheck(f, inputs, order=2)``.

The first derivative along fixed random directions is itself a function of the inputs,

    h(x) = sum_i  w_i . grad_i( u . f(x) ),

whose gradient is a column of the Hessian (a Hessian-vector product). ``h`` is computed with
``ag.grad(..., create_graph=True)``, so its own ``backward()`` runs every op's backward again, on
Tensors; the first-order checker then compares that with central differences of ``h`` (first
derivatives computed at shifted inputs). A backward that reads a detached value, or whose second
derivative is wrong, fails there, named by input like any first-order failure.
"""

from __future__ import annotations

import numpy as np

from ..derivatives import grad
from ..modes import enable_grad
from ..tensor import Tensor


def along_first_derivative(f, inputs, rng: np.random.Generator):
    """``h(*xs) = sum_i w_i . grad_i(u . f(xs))`` for random ``u`` and ``w_i``; see above.

    ``u`` has the shape of ``f``'s output and each ``w_i`` the shape of input ``i``, entries of
    size 0.5..1.5 with random signs (as the first-order upstream gradient).
    """
    with enable_grad():
        probe = f(*[_leaf(x) for x in inputs])
    u = _weights(rng, np.shape(probe.data if isinstance(probe, Tensor) else probe))
    ws = [_weights(rng, np.shape(x.data if isinstance(x, Tensor) else x)) for x in inputs]

    def h(*xs):
        with enable_grad():
            leaves = [x if isinstance(x, Tensor) and x.requires_grad else _leaf(x) for x in xs]
            out = f(*leaves)
            if not isinstance(out, Tensor) or not out.requires_grad:
                return Tensor(0.0, requires_grad=False)
            grads = grad((out * u).sum(), leaves, create_graph=True, allow_unused=True)
            terms = [(g * w).sum() for g, w in zip(grads, ws) if g is not None]
            return sum(terms[1:], terms[0]) if terms else Tensor(0.0, requires_grad=False)

    return h


def _leaf(x) -> Tensor:
    values = x.data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor(np.array(values, dtype=np.float64 if values.dtype.kind != "f" else None),
                  requires_grad=values.dtype.kind == "f")


def _weights(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
