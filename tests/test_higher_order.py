"""Gradients of gradients: create_graph, ag.grad and the helpers, checked against closed forms and
central differences of the first derivative; NumPy code on Tensors; in-place refusal; memory."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest
from book_reference import cross_entropy_error as book_cross_entropy_error
from book_reference import softmax as book_softmax

import autograd_lite as ag


def _numeric_derivative(f, x, eps=1e-5):
    """Central differences of an array-valued f at x, one element of x at a time."""
    x = np.array(x, dtype=np.float64)
    out = np.zeros(np.shape(f(x)) + x.shape)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        out[(...,) + i] = (np.asarray(f(x + d)) - np.asarray(f(x - d))) / (2 * eps)
    return out


def test_newton_on_the_quartic_reaches_1_in_7_steps_as_in_dezero():
    x = ag.Tensor(np.array(2.0), name="x")
    path = []
    for _ in range(7):
        y = x**4 - 2 * x**2
        y.backward(create_graph=True)
        gx = x.grad
        assert isinstance(gx, ag.Tensor) and gx.requires_grad
        x.zero_grad()
        gx.backward()
        gx2 = x.grad
        assert isinstance(gx2, np.ndarray)  # the second pass was first order
        np.testing.assert_allclose(gx.data, 4 * x.data**3 - 4 * x.data)  # from the formula
        np.testing.assert_allclose(gx2, 12 * x.data**2 - 4)
        x.zero_grad()
        with ag.no_grad():
            x -= gx.data / gx2
        path.append(x.item())
    assert abs(path[5] - 1) > 1e-12 and path[6] == pytest.approx(1.0, abs=1e-15)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _tanh_derivatives(t):
    """d^n/dx^n tanh(x) for n = 1..4, as polynomials in t = tanh(x) (from d t/dx = 1 - t^2)."""
    d1 = 1 - t**2
    d2 = -2 * t * d1
    d3 = (6 * t**2 - 2) * d1
    d4 = (-24 * t**3 + 16 * t) * d1
    return [d1, d2, d3, d4]


def test_tanh_derivatives_to_the_fourth_order_match_the_closed_forms():
    x = ag.Tensor(np.linspace(-3, 3, 41), name="x")
    y = ag.tanh(x)
    expected = _tanh_derivatives(np.tanh(x.data))
    for n in range(4):
        (y,) = ag.grad(y.sum(), x, create_graph=True)
        np.testing.assert_allclose(y.data, expected[n], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "f, d1, d2",
    [
        (lambda x: ag.exp(x), np.exp, np.exp),
        (lambda x: ag.log(x), lambda x: 1 / x, lambda x: -1 / x**2),
        (lambda x: ag.sigmoid(x), lambda x: _sig(x) * (1 - _sig(x)),
         lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x))),
        (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
        (lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
        (lambda x: np.sqrt(x), lambda x: 0.5 / np.sqrt(x), lambda x: -0.25 * x**-1.5),
        (lambda x: np.logaddexp(0.0, x), _sig, lambda x: _sig(x) * (1 - _sig(x))),
        (lambda x: ag.relu(x) ** 2, lambda x: 2 * np.maximum(x, 0), lambda x: 2.0 * (x > 0)),
    ],
    ids=["exp", "log", "sigmoid", "cube", "reciprocal", "sqrt", "softplus", "relu_squared"],
)
def test_second_derivatives_of_elementary_functions(f, d1, d2):
    values = np.array([0.3, 0.7, 1.3, 2.9])
    x = ag.Tensor(values, name="x")
    (g,) = ag.grad(f(x).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(g.data, d1(values), rtol=1e-12)
    np.testing.assert_allclose(h, d2(values), rtol=1e-12, atol=1e-15)


def test_hessian_of_a_two_layer_network_loss_matches_differences_of_its_gradient():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    labels = np.array([0, 1, 2, 1, 0])
    W2 = rng.normal(size=(4, 3))

    def loss(W1_flat):
        W1 = W1_flat.reshape(3, 4)
        return ag.softmax_with_loss(ag.tanh(x @ W1) @ W2, labels)

    def gradient(w):
        t = ag.Tensor(w)
        (g,) = ag.grad(loss(t), t)
        return g

    w = rng.normal(size=12)
    H = ag.hessian(loss, w)
    assert H.shape == (12, 12)
    np.testing.assert_allclose(H, H.T, atol=1e-12)  # a Hessian is symmetric
    np.testing.assert_allclose(H, _numeric_derivative(gradient, w), rtol=1e-6, atol=1e-8)
    v = rng.normal(size=12)
    np.testing.assert_allclose(ag.hvp(loss, w, v), H @ v, rtol=1e-10, atol=1e-12)


def test_jacobian_shape_and_values():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.1, -0.3]])
    J = ag.jacobian(lambda t: ag.softmax(t, axis=1), x)
    assert J.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(
        J, _numeric_derivative(lambda v: np.exp(v) / np.exp(v).sum(1, keepdims=True), x),
        rtol=1e-7, atol=1e-9)


def test_create_graph_through_broadcasting_reductions_and_reused_nodes():
    rng = np.random.default_rng(1)
    a0, b0 = rng.uniform(0.5, 2, size=(3, 4)), rng.uniform(0.5, 2, size=(4,))

    def program(a, b):
        c = a * b  # broadcast
        d = c.sum(axis=0) * c.mean() + ag.exp(-c).max(axis=1).sum()
        return (d * d).sum() + (c / b).sum()  # c reused

    def first(a_values):
        a = ag.Tensor(a_values)
        (g,) = ag.grad(program(a, ag.Tensor(b0)), a)
        return g

    a, b = ag.Tensor(a0), ag.Tensor(b0)
    ga, gb = ag.grad(program(a, b), [a, b], create_graph=True)
    u = rng.normal(size=a0.shape)
    (h,) = ag.grad((ga * u).sum(), a)
    expected = np.tensordot(u, _numeric_derivative(first, a0), axes=2)
    np.testing.assert_allclose(h, expected, rtol=1e-6, atol=1e-8)


def test_third_derivative_matches_differences_of_the_second():
    def second(v):
        x = ag.Tensor(v)
        (g,) = ag.grad((ag.sigmoid(x) * x**2).sum(), x, create_graph=True)
        (h,) = ag.grad(g.sum(), x)
        return h

    v = np.array([-1.2, 0.4, 2.0])
    x = ag.Tensor(v)
    (g,) = ag.grad((ag.sigmoid(x) * x**2).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x, create_graph=True)
    (k,) = ag.grad(h.sum(), x)
    np.testing.assert_allclose(k, np.diagonal(_numeric_derivative(second, v)), rtol=1e-6)


class _DetachedSquare(ag.Op):
    """A planted bug: y = x^2 whose backward reads x's value, not its Tensor, so under
    create_graph the second derivative silently loses the x term (2 g instead of 2 g')."""

    label = "DetachedSquare"

    @staticmethod
    def forward(x):
        return x * x, x

    @staticmethod
    def backward(x, g):
        return (g * 2 * (x.data if isinstance(x, ag.Tensor) else x),)


def test_a_backward_that_uses_a_detached_value_is_caught_by_the_second_derivative():
    x = ag.Tensor(np.array([1.5, -0.5]))
    (g,) = ag.grad((ag.apply(_DetachedSquare, x) ** 2).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    correct = 12 * x.data**2  # d^2/dx^2 x^4
    assert not np.allclose(h, correct)  # what the planted bug gives is wrong, and visibly so


def test_gradient_graphs_render_like_any_other(tmp_path):
    x = ag.Tensor(np.array(0.5), name="x")
    y = ag.tanh(x)
    for _ in range(3):
        (y,) = ag.grad(y, x, create_graph=True)
    source = ag.to_dot(y).source
    assert "Tanh" in source and "Mul" in source
    ag.render(y, tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


# ----- bad input ------------------------------------------------------------------------------

def test_grad_errors_name_the_tensor_and_change_nothing():
    x = ag.Tensor([1.0, 2.0], name="x")
    unused = ag.Tensor([3.0], name="unused")
    y = x * 3.0
    with pytest.raises(ag.BackwardError, match=r"output 0 has shape \(2,\); only a single"):
        ag.grad(y, x)
    with pytest.raises(ag.BackwardError, match=r"input 1 \('unused'\) is not part of the graph"):
        ag.grad(y.sum(), [x, unused])
    assert x.grad is None and not y.node.freed  # nothing changed by the refused calls
    gx, gu = ag.grad(y.sum(), [x, unused], allow_unused=True)
    np.testing.assert_array_equal(gx, [3.0, 3.0])
    assert gu is None and x.grad is None and y.node.freed
    with pytest.raises(ag.BackwardError, match="already freed"):
        ag.grad(y.sum(), x, create_graph=True)
    with pytest.raises(ag.BackwardError, match="does not require a gradient"):
        ag.grad(ag.Tensor([1.0], requires_grad=False).sum(), x)
    with pytest.raises(ag.InvalidArgumentError, match="inputs must be a Tensor"):
        ag.grad((x * 2).sum(), 5)


def test_create_graph_is_refused_through_a_freed_graph():
    x = ag.Tensor([1.0, 2.0], name="x")
    y = (x * x).sum()
    y.backward()
    with pytest.raises(ag.BackwardError, match="already freed"):
        y.backward(create_graph=True)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])  # the failed pass left .grad alone


def test_without_create_graph_grad_holds_arrays_and_nothing_records():
    x = ag.Tensor([1.0, 2.0], name="x")
    (x * x).sum().backward()
    assert type(x.grad) is np.ndarray
    (g,) = ag.grad((x * x).sum(), x)
    assert type(g) is np.ndarray


# ----- NumPy code on Tensors ------------------------------------------------------------------

def book_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def book_relu(x):
    return np.maximum(0, x)


def test_the_books_functions_run_unchanged_and_match_the_built_in_ops():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 5))
    a[0, 0] = 0.0  # ReLU's kink: np.maximum(0, x) gives 0 there, like ReLU
    labels = np.array([1, 0, 4, 2])
    for ours, built_in in [(book_sigmoid, ag.sigmoid), (book_relu, ag.relu),
                           (book_softmax, lambda t: ag.softmax(t, axis=-1))]:
        x1, x2 = ag.Tensor(a), ag.Tensor(a)
        y1, y2 = ours(x1), built_in(x2)
        np.testing.assert_allclose(y1.data, y2.data, rtol=1e-13)
        g = rng.normal(size=a.shape)
        y1.backward(g)
        y2.backward(g)
        np.testing.assert_allclose(x1.grad, x2.grad, rtol=1e-12, atol=1e-15)
    x1, x2 = ag.Tensor(a), ag.Tensor(a)
    loss = book_cross_entropy_error(book_softmax(x1), labels)
    loss.backward()
    p = np.exp(a) / np.exp(a).sum(1, keepdims=True)
    picked = p[np.arange(4), labels]
    assert loss.item() == pytest.approx(-np.mean(np.log(picked + 1e-7)), rel=1e-13)
    ag.softmax_with_loss(x2, labels).backward()
    np.testing.assert_allclose(x1.grad, x2.grad, rtol=1e-5)  # differ only by the book's 1e-7


def test_numpy_functions_record_their_ops_with_gradients():
    rng = np.random.default_rng(3)
    xv, Wv = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    cases = {
        "dot": lambda x, W: np.dot(x, W).sum(),
        "matmul": lambda x, W: (np.matmul(x, W) ** 2).sum(),
        "at": lambda x, W: np.tanh(x @ W).sum(),
        "sum_axis": lambda x, W: (np.sum(x, axis=0, keepdims=True) * W.T).sum(),
        "mean_max": lambda x, W: np.mean(np.max(W, axis=1)) + np.min(x),
        "where_clip": lambda x, W: np.where(x > 0, x, 0.1 * x).sum() + np.clip(W, -0.5, 0.5).sum(),
        "abs_sqrt": lambda x, W: np.sqrt(np.abs(x) + 1).sum() + np.exp(W).mean(),
        "shapes": lambda x, W: (np.transpose(x)[1:, ::-1] * np.reshape(W, (3, 4))[[0, 2], :2])
        .sum() + np.squeeze(np.expand_dims(x, 0)).sum() + np.outer(x[0], W[0]).sum(),
        "log_square": lambda x, W: np.log(np.square(x) + 1).sum() + np.swapaxes(W, 0, 1)[0].sum(),
    }
    for name, f in cases.items():
        x, W = ag.Tensor(xv), ag.Tensor(Wv)
        out = f(x, W)
        assert isinstance(out, ag.Tensor) and out.requires_grad, name
        out.backward()
        for t, value, which in ((x, xv, 0), (W, Wv, 1)):
            def numeric_f(v, which=which, f=f):
                args = [xv, Wv]
                args[which] = v
                return f(*args)
            np.testing.assert_allclose(
                t.grad, _numeric_derivative(numeric_f, value), rtol=1e-6, atol=1e-8,
                err_msg=name)


def test_comparisons_are_plain_and_unsupported_functions_are_named():
    x = ag.Tensor([-1.0, 2.0], name="x")
    assert type(x > 0) is np.ndarray and (x > 0).dtype == bool
    assert type(np.equal(x, 2.0)) is np.ndarray and np.argmax(x) == 1
    with pytest.raises(ag.NotDifferentiableError, match="np.sin has no differentiable op"):
        np.sin(x)
    with pytest.raises(ag.NotDifferentiableError, match="np.concatenate has no differentiable"):
        np.concatenate([x, x])
    with pytest.raises(ag.NotDifferentiableError, match=r"tensor 'x' requires a gradient"):
        np.asarray(x)
    np.testing.assert_array_equal(np.asarray(x.detach()), [-1.0, 2.0])  # no gradient: values
    with pytest.raises(ag.NotDifferentiableError, match="out="):
        np.add(x, 1.0, out=np.zeros(2))


def test_in_place_changes_to_a_tensor_that_requires_grad_are_refused():
    W = ag.Tensor([1.0, 2.0], name="W")
    W.grad = np.array([0.5, 0.5])
    for change in (lambda: W.__isub__(0.1 * W.grad), lambda: W.__iadd__(1.0),
                   lambda: W.__imul__(2.0), lambda: W.__setitem__(0, 0.0)):
        with pytest.raises(ag.InPlaceError, match="with ag.no_grad\\(\\): W -= lr"):
            change()
        np.testing.assert_array_equal(W.data, [1.0, 2.0])  # unchanged
        assert W.is_leaf
    with ag.no_grad():
        W -= 0.1 * W.grad
    assert W.is_leaf and W.requires_grad
    np.testing.assert_allclose(W.data, [0.95, 1.95])
    W.data -= 0.05  # on the data, always allowed
    x = ag.Tensor([1.0, 2.0], requires_grad=False)
    x += 1
    x[0] = 7
    np.testing.assert_array_equal(x.data, [7.0, 3.0])


# ----- memory ---------------------------------------------------------------------------------

def _penalty_step(model, x, labels):
    loss = ag.softmax_with_loss(model(x), labels)
    params = model.parameters()
    grads = ag.grad(loss, params, create_graph=True)
    penalty = sum((g * g).sum() for g in grads)
    total = loss + 0.1 * penalty
    for p in params:
        p.zero_grad()
    total.backward()
    with ag.no_grad():
        for p in params:
            p -= 0.01 * p.grad


def test_a_gradient_penalty_loop_leaves_no_cycles_and_does_not_grow():
    rng = np.random.default_rng(0)
    model = ag.nn.MLP([4, 8, 3], activation="tanh", rng=rng)
    x, labels = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            _penalty_step(model, x, labels)
        assert gc.collect() == 0  # everything was freed by reference counting: no cycles
        tracemalloc.start()
        for _ in range(300):  # NumPy's and Python's caches fill up in the first steps
            _penalty_step(model, x, labels)
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            _penalty_step(model, x, labels)
        grown = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
    finally:
        gc.enable()
    # one step's graphs hold about 40 kB; keeping any of them would grow by 40 MB here, while
    # NumPy's and the allocator's own bookkeeping moves by a few kB
    assert grown < 200_000, f"memory grew by {grown} bytes over 1,000 steps"


def test_the_newton_loop_leaves_no_cycles():
    gc.collect()
    gc.disable()
    try:
        x = ag.Tensor(2.0)
        for _ in range(5):
            (x**4 - 2 * x**2).backward(create_graph=True)
            gx = x.grad
            x.zero_grad()
            gx.backward()
            with ag.no_grad():
                x -= gx.data / x.grad
            x.zero_grad()
            del gx
        assert gc.collect() == 0
    finally:
        gc.enable()


# ----- gradcheck(order=2) and check_op(order=2) -------------------------------------------------

class _ThreeSquared(ag.Op):
    """y = 3 x^2 with a planted wrong backward (5 x instead of 6 x)."""

    label = "ThreeSquared"

    @staticmethod
    def forward(x):
        return 3 * x * x, x

    @staticmethod
    def backward(x, g):
        return (g * 5 * x,)


class _CubeWithWrongSecond(ag.Op):
    """y = x^3: the first derivative is right (3 x^2, computed by ThreeSquared's forward), the
    second is wrong (ThreeSquared's backward), so only an order-2 check can see it."""

    label = "CubeWithWrongSecond"

    @staticmethod
    def forward(x):
        return x * x * x, x

    @staticmethod
    def backward(x, g):
        from autograd_lite.op import call

        return (g * call(_ThreeSquared, x),)


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_gradcheck_order_2_passes_correct_code_and_catches_both_planted_bugs(mode):
    x = np.array([0.3, -1.2, 0.8])
    rng = np.random.default_rng(5)
    W, data = rng.normal(size=(3, 2)), rng.normal(size=(4, 3))
    for f, inputs in [
        (lambda x: ag.tanh(x) * x**2, [x]),
        (lambda x: ag.sigmoid(x).sum() * ag.exp(x), [x]),
        (lambda W: ag.softmax_with_loss(ag.tanh(data @ W), np.array([0, 1, 1, 0])), [W]),
    ]:
        assert ag.gradcheck(f, inputs, order=2, mode=mode).ok
    for bug in (_DetachedSquare, _CubeWithWrongSecond):
        f = lambda x, bug=bug: ag.apply(bug, x) * 2.0  # noqa: E731
        assert ag.gradcheck(f, [x], mode=mode).ok  # first order: nothing to see
        report = ag.gradcheck(f, [x], order=2, mode=mode)
        assert not report.ok and report.title == "gradcheck (order 2)", report


def test_check_op_order_2_on_every_kind_of_op_and_the_planted_bugs():
    for label in ("Tanh", "Softmax", "SoftmaxWithLoss", "BatchNorm", "Pow", "MatMul", "GetItem"):
        report = ag.check_op(ag.REGISTRY[label], order=2)
        assert report.ok, report
    x = np.array([1.5, -0.5])
    assert ag.check_op(_DetachedSquare, x).ok and not ag.check_op(_DetachedSquare, x, order=2).ok
    assert ag.check_op(_CubeWithWrongSecond, x).ok
    assert not ag.check_op(_CubeWithWrongSecond, x, order=2).ok
    with pytest.raises(ag.InvalidArgumentError, match="order must be 1 or 2, got 3"):
        ag.gradcheck(lambda x: x * x, [x], order=3)
