"""Gradients of gradients as a learner meets them: what the demo and the tutorials ran into.

The first three were bugs in the core (viz, optim, import layering) found while writing
``demos/higher_order.py`` and the docs, each a strict xfail until it was fixed.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import op_inputs


def test_graph_picture_with_grads_after_backward_create_graph():
    a = ag.Tensor(1.5, name="a")
    y = a**3
    y.backward(create_graph=True)
    assert isinstance(a.grad, ag.Tensor)
    source = ag.to_dot(y, grads=True).source
    assert "6.75" in source  # dy/da = 3 a^2 = 6.75, drawn on the leaf a


def test_optimizer_step_after_backward_create_graph_uses_the_gradient_values():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    W0 = rng.normal(size=(3, 2))
    W = ag.Tensor(W0.copy(), name="W")
    opt = ag.optim.SGD([W], lr=0.1)
    loss = ag.softmax_with_loss(x @ W, labels)
    loss.backward(create_graph=True)
    expected = W0 - 0.1 * W.grad.data
    opt.step()
    np.testing.assert_allclose(W.data, expected, rtol=1e-12)


def test_importing_the_engine_loads_no_pictures_or_extras():
    code = (
        "import sys\n"
        "import autograd_lite.engine, autograd_lite.tensor\n"
        "heavy = ('graphviz', 'pygraphviz', 'matplotlib', 'sklearn', 'autograd_lite.viz')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]", out


# ----- what works, as the tutorials and the demo use it ----------------------------------------
def test_jacobian_vector_product_by_the_double_backward_trick():
    """J v from two reverse passes: g(u) = J^T u is linear in u, so d(g . v)/du = J v."""
    values = np.array([0.1, 0.5, -0.3])
    x = ag.Tensor(values, name="x")
    y = np.tanh(x) * x  # elementwise: J = diag(tanh x + x (1 - tanh^2 x))
    u = ag.Tensor(np.zeros(3), name="u")
    (g,) = ag.grad(y, x, u, create_graph=True)
    v = np.array([1.0, 2.0, 3.0])
    (jv,) = ag.grad(g, u, v)
    t = np.tanh(values)
    np.testing.assert_allclose(jv, (t + values * (1 - t**2)) * v, rtol=1e-13)


def test_backward_with_create_graph_twice_accumulates_differentiable_gradients():
    x = ag.Tensor(2.0, name="x")
    y = x**3
    y.backward(create_graph=True)
    y.backward(create_graph=True)  # .grad is now 3x^2 + 3x^2, still a Tensor with a graph
    g = x.grad
    assert isinstance(g, ag.Tensor) and g.item() == 24.0
    x.zero_grad()
    g.backward()
    assert x.grad == 24.0  # d/dx 6x^2 = 12x


def test_newton_in_float32_stays_float32_and_reaches_1():
    x = ag.Tensor(np.float32(2.0), name="x")
    for _ in range(7):
        (x**4 - 2 * x**2).backward(create_graph=True)
        gx = x.grad
        x.zero_grad()
        gx.backward()
        assert gx.dtype == np.float32 and x.grad.dtype == np.float32
        with ag.no_grad():
            x -= gx.data / x.grad
        x.zero_grad()
    assert x.dtype == np.float32 and abs(x.item() - 1) < 1e-6


def test_the_books_numpy_functions_have_the_softmax_cross_entropy_hessian():
    def softmax(x):  # the book's common/functions.py, unchanged
        x = x - np.max(x, axis=-1, keepdims=True)
        return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)

    def cross_entropy_error(y, t):
        batch_size = y.shape[0]
        return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size

    z = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]])
    labels = np.array([2, 0])
    H = ag.hessian(lambda logits: cross_entropy_error(softmax(logits), labels), z)
    assert H.shape == (2, 3, 2, 3)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    for n in range(2):  # rows are independent; each block is (diag(p) - p p^T) / batch
        expected = (np.diag(p[n]) - np.outer(p[n], p[n])) / 2
        np.testing.assert_allclose(H[n, :, n, :], expected, atol=1e-6)  # 1e-7 inside the log
        np.testing.assert_array_equal(H[n, :, 1 - n, :], 0)


# ----- every op's second derivative, against differences of its first -------------------------
def _first_along(op, arrays, params, diff, g, u, create_graph):
    """sum_i <d(sum y g)/dx_i, u_i>: the first derivative along u, as a Tensor under
    create_graph (so it can be differentiated), as a float otherwise."""
    ts = [ag.Tensor(a) if i in diff else a for i, a in enumerate(arrays)]
    y = ag.apply(op, *ts, **params)
    grads = ag.grad((y * g).sum(), [ts[i] for i in diff], create_graph=create_graph,
                    allow_unused=True)
    terms = [(gi * ui).sum() for gi, ui in zip(grads, u) if gi is not None]
    if not create_graph:
        return float(sum(terms))
    live = [t for t in terms if isinstance(t, ag.Tensor) and t.requires_grad]
    if not live:  # the op is linear: its first derivative does not depend on the inputs
        return ts, diff, None
    return ts, diff, sum(live[1:], live[0])


def _second_order_errors(op, arrays, params, seed, eps=1e-5):
    """The largest |analytic - numerical| of d/dx_i [first derivative along u] per input."""
    arrays = [np.array(a) for a in arrays]
    diff = [i for i, a in enumerate(arrays) if i not in op.domain.nondiff and a.dtype.kind == "f"]
    rng = np.random.default_rng(seed)
    g = rng.normal(size=np.shape(op.forward(*[a.copy() for a in arrays], **params)[0]))
    u = [rng.normal(size=arrays[i].shape) for i in diff]
    ts, diff, f = _first_along(op, arrays, params, diff, g, u, create_graph=True)
    analytic = [np.zeros(arrays[i].shape) for i in diff] if f is None else [
        np.zeros(arrays[i].shape) if h is None else h
        for i, h in zip(diff, ag.grad(f, [ts[i] for i in diff], allow_unused=True))]
    errors = []
    for k, i in enumerate(diff):
        numeric = np.zeros(arrays[i].shape)
        for idx in np.ndindex(arrays[i].shape):
            plus, minus = [a.copy() for a in arrays], [a.copy() for a in arrays]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            numeric[idx] = (_first_along(op, plus, params, diff, g, u, False)
                            - _first_along(op, minus, params, diff, g, u, False)) / (2 * eps)
        scale = 1 + np.max(np.abs(numeric), initial=0)
        errors.append(float(np.max(np.abs(analytic[k] - numeric), initial=0)) / scale)
    return errors


@pytest.mark.parametrize("op", [ag.REGISTRY[k] for k in sorted(ag.REGISTRY)],
                         ids=lambda op: op.label)
@settings(max_examples=8, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_every_registered_op_has_the_second_derivative_of_its_first(op, data, seed):
    arrays, params = data.draw(op_inputs(op), label="case")
    errors = _second_order_errors(op, arrays, params, seed)
    assert all(e < 1e-5 for e in errors), f"{op.label}: second-derivative errors {errors}"


class _TanhDetached(ag.Op):
    """A planted bug: tanh whose backward reads the saved output's value, not its Tensor, so
    under create_graph its second derivative loses the -2 y (1 - y^2) term."""

    label = "TanhDetached"
    domain = ag.Domain(arity=1)

    @staticmethod
    def forward(x):
        y = np.tanh(x)
        return y, y

    @staticmethod
    def backward(y, g):
        values = y.data if isinstance(y, ag.Tensor) else y
        return (g * (1 - values * values),)


def test_the_second_order_check_catches_a_backward_that_cuts_the_graph():
    x = np.array([0.3, -1.2, 0.8])
    assert max(_second_order_errors(ag.REGISTRY["Tanh"], [x], {}, seed=0)) < 1e-6
    assert max(_second_order_errors(_TanhDetached, [x], {}, seed=0)) > 1e-2
