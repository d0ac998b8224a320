"""The engine's behaviour: construction, graph recording, backward bookkeeping, memory, errors."""

from __future__ import annotations

import gc
import threading
import warnings
import weakref

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.engine import FREED, topological_order

# ----- construction -----------------------------------------------------------------------------


def test_numbers_lists_and_ints_become_float64():
    for data in (3, 2.5, [1, 2], np.array([1, 2], dtype=np.int32), np.array([True, False])):
        t = ag.Tensor(data)
        assert t.dtype == np.float64 and t.requires_grad


def test_float32_stays_and_dtype_overrides():
    assert ag.Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert ag.Tensor([1, 2], dtype=np.float32).dtype == np.float32
    labels = ag.Tensor([1, 2], requires_grad=False, dtype=np.int64)
    assert labels.dtype == np.int64


def test_integer_and_bool_tensors_never_require_a_gradient():
    labels = ag.Tensor([1, 2], dtype=np.int64)  # PyTorch's rule: no gradient for integers
    assert labels.dtype == np.int64 and not labels.requires_grad
    assert not ag.Tensor([True, False], dtype=bool).requires_grad
    assert ag.Tensor([1, 2]).requires_grad  # ints without dtype= become float64, as before
    with pytest.raises(ag.DTypeError, match="requires_grad=True needs floating-point"):
        ag.Tensor([1, 2], dtype=np.int64, requires_grad=True)


def test_non_numeric_data_is_refused():
    with pytest.raises(ag.DTypeError, match="'words': data must be real numbers, got dtype <U1"):
        ag.Tensor(["a", "b"], name="words")
    with pytest.raises(ag.DTypeError, match="real numbers, got dtype complex128"):
        ag.Tensor([1j, 2.0])
    with pytest.raises(TypeError):
        ag.Tensor({"a": 1})


def test_tensor_copies_the_callers_array():
    a = np.ones(3)
    t = ag.Tensor(a)
    t.data -= 1.0
    assert np.all(a == 1.0)


def test_attributes():
    t = ag.Tensor(np.zeros((2, 3)), name="x")
    assert (t.shape, t.ndim, t.size, t.name, t.is_leaf, t.grad) == ((2, 3), 2, 6, "x", True, None)
    assert ag.Tensor(4.0).item() == 4.0
    with pytest.raises(ag.ShapeError):
        t.item()
    d = (t * 2).detach()
    assert d.is_leaf and not d.requires_grad and d.node is None


def test_node_is_inspectable():
    x, W = ag.Tensor([[1.0, 2.0]], name="x"), ag.Tensor([[1.0], [2.0]], name="W")
    y = x @ W
    assert y.node.label == "MatMul" and y.node.inputs[0] is x and y.node.inputs[1] is W
    assert not y.is_leaf and "MatMul" in repr(y)


def test_node_is_a_view_of_the_tensors_fields():
    x = ag.Tensor([1.0, -2.0], name="x")
    s = x.sum(axis=0)
    y = (x * 3.0).relu()
    assert y.node == y.node and hash(y.node) == hash(y.node) and y.node != s.node
    assert y.node.inputs[0].node.needs == (True, False) and y.node.scope == ""
    params = s.node.params
    params["axis"] = 1  # a copy: the recorded parameters stay as they were
    assert s.node.params == {"axis": 0, "keepdims": False} and y.node.params == {}
    assert x.node is None and "ReLU" in repr(y.node)


def test_a_recorded_op_keeps_two_collected_objects_alive():
    # The tensor (holding its node's fields) and its inputs tuple: nothing more per node for
    # Python's garbage collector to scan on a long graph (docs/performance.md).
    x = ag.Tensor(np.linspace(-1.0, 1.0, 8))
    gc.collect()
    before = len(gc.get_objects())
    y = x
    for _ in range(500):
        y = (y * 0.9).tanh()
    gc.collect()
    per_node = (len(gc.get_objects()) - before) / 1000
    assert per_node <= 2.01, per_node
    del y


# ----- constants and operators ------------------------------------------------------------------


def test_numpy_arrays_and_numbers_on_either_side_are_constants():
    t = ag.Tensor([1.0, 2.0])
    for expr in (np.ones(2) * t, t * np.ones(2), 2 + t, t - 1, 1 / t, 2**t, t**2, np.eye(2) @ t):
        assert isinstance(expr, ag.Tensor) and expr.requires_grad
    c = np.ones(2) * t
    assert isinstance(c.node.inputs[0], np.ndarray)


def test_python_numbers_keep_float32():
    t = ag.Tensor(np.ones(3, np.float32))
    assert (t * 2.5 + 1).dtype == np.float32
    assert (3 - t / 2).dtype == np.float32


def test_ops_compute_integer_and_bool_inputs_in_floating_point():
    ints = ag.Tensor([1, 2, 3], requires_grad=False, dtype=np.int64)
    np.testing.assert_array_equal((ints * 0.5).data, [0.5, 1.0, 1.5])
    np.testing.assert_array_equal((ints + 2.7).data, np.array([1, 2, 3]) + 2.7)
    assert (ints + 1).dtype == np.float64  # PyTorch and NumPy would keep int64; ops are float
    # the classes of silent integer arithmetic: sigmoid, leaky_relu, division of integer arrays
    np.testing.assert_allclose(ag.sigmoid(np.array([1, 2])).data, 1 / (1 + np.exp([-1.0, -2.0])))
    np.testing.assert_array_equal(ag.leaky_relu(np.array([-2, 2]), 0.5).data, [-1.0, 2.0])
    np.testing.assert_array_equal(ag.div(np.array([1]), np.array([2])).data, [0.5])
    # a float32 tensor sets the float dtype an integer array takes (PyTorch's rule)
    f32 = ag.Tensor(np.ones(2, np.float32))
    assert (f32 * np.array([2, 3])).dtype == np.float32
    with pytest.raises(ag.DTypeError, match=r"Add: input 1 has dtype complex128"):
        ag.Tensor([1.0, 2.0]) + np.array([1j, 0])
    with pytest.raises(ag.DTypeError, match="complex number"):
        ag.Tensor([1.0, 2.0]) * 1j
    flags = ag.Tensor([True, False], requires_grad=False, dtype=bool)
    np.testing.assert_array_equal((flags * 3.5).data, [3.5, 0.0])


def test_all_operators_and_methods_give_the_right_gradients():
    rng = np.random.default_rng(0)
    a0, b0 = rng.uniform(0.5, 2, (2, 3)), rng.uniform(0.5, 2, (2, 3))
    a, b = ag.Tensor(a0), ag.Tensor(b0)
    out = ((a + b) * (a - b) / b - (-a) ** 2).sum() + (a @ b.T).mean() + a.max(axis=1).sum()
    out = out + a.exp().log().sum() + a.relu().sigmoid().tanh().sum() + a.reshape(3, 2).T.sum()
    out = out + a.transpose(1, 0)[0].sum()
    out.backward()

    def f(a_, b_):
        return (
            ((a_ + b_) * (a_ - b_) / b_ - a_**2).sum()
            + (a_ @ b_.T).mean()
            + a_.max(axis=1).sum()
            + a_.sum()
            + np.tanh(1 / (1 + np.exp(-np.maximum(a_, 0)))).sum()
            + a_.sum()
            + a_.T[0].sum()
        )

    eps = 1e-6
    for tensor, base, which in ((a, a0, 0), (b, b0, 1)):
        num = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += eps
            minus[idx] -= eps
            args_p = (plus, b0) if which == 0 else (a0, plus)
            args_m = (minus, b0) if which == 0 else (a0, minus)
            num[idx] = (f(*args_p) - f(*args_m)) / (2 * eps)
        np.testing.assert_allclose(tensor.grad, num, rtol=1e-5, atol=1e-7)


def test_matmul_with_1d_and_batched_operands():
    # Values are checked against central differences by the registry suite (the "matmul" domain
    # draws these layouts); here: the dot product, and every gradient has its input's shape.
    a, b = ag.Tensor([1.0, 2.0]), ag.Tensor([3.0, 4.0])
    (a @ b).backward()
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0])
    rng = np.random.default_rng(3)
    for sa, sb in (((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3, 2)), ((2, 3), (4, 3, 2))):
        a, b = ag.Tensor(rng.normal(size=sa)), ag.Tensor(rng.normal(size=sb))
        (a @ b).sum().backward()
        assert a.grad.shape == sa and b.grad.shape == sb


def test_integer_array_indexing_accumulates_repeated_indices():
    x = ag.Tensor(np.arange(4.0))
    x[np.array([0, 0, 3, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3, 0, 0, 1])


def test_functions_match_methods():
    x = ag.Tensor(np.array([[-1.0, 2.0], [3.0, -4.0]]))
    np.testing.assert_array_equal(ag.relu(x).data, x.relu().data)
    np.testing.assert_array_equal(ag.sum(x, axis=0).data, x.sum(axis=0).data)
    np.testing.assert_array_equal(ag.reshape(x, (4,)).data, x.reshape(4).data)
    np.testing.assert_allclose(ag.softmax(x, axis=-1).data.sum(axis=-1), [1, 1])
    np.testing.assert_array_equal(ag.leaky_relu(x, slope=0.1).data, [[-0.1, 2], [3, -0.4]])
    np.testing.assert_array_equal(ag.broadcast_to(ag.Tensor([1.0, 2.0]), (3, 2)).data[2], [1, 2])


def test_affine_is_one_node_and_matches_matmul_plus_bias():
    rng = np.random.default_rng(1)
    x, W, b = (ag.Tensor(rng.normal(size=s)) for s in ((4, 3), (3, 2), (2,)))
    h = ag.affine(x, W, b)
    assert h.node.label == "Affine"
    np.testing.assert_allclose(h.data, (x @ W + b).data)


def test_softmax_with_loss_accepts_int_and_one_hot_labels():
    logits = ag.Tensor(np.random.default_rng(2).normal(size=(4, 3)))
    a = ag.softmax_with_loss(logits, np.array([0, 1, 2, 1]))
    b = ag.softmax_with_loss(logits, np.eye(3)[[0, 1, 2, 1]])
    assert a.item() == pytest.approx(b.item())


def test_dropout_is_identity_at_test_time_and_masks_in_training():
    x = ag.Tensor(np.ones((100, 10)))
    assert ag.dropout(x, 0.5, train=False) is x
    y = ag.dropout(x, 0.5, rng=np.random.default_rng(0))
    assert set(np.unique(y.data)) == {0.0, 2.0}
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)
    with pytest.raises(ag.InvalidArgumentError, match="ratio"):
        ag.dropout(x, 1.5)
    with pytest.raises(ag.InvalidArgumentError, match=r"must be a number in \[0, 1\), got '0.5'"):
        ag.dropout(x, "0.5")
    with pytest.raises(ag.InvalidArgumentError, match="dropout_ratio must be a number"):
        ag.book.Dropout(dropout_ratio="0.5")


# ----- backward bookkeeping ----------------------------------------------------------------------


def test_reused_non_leaf():
    a = ag.Tensor(3.0)
    b = a + a
    c = b * b
    c.backward()
    assert a.grad == pytest.approx(24.0)  # c = 4 a^2
    assert b.grad == pytest.approx(12.0)


def test_input_reached_by_paths_of_different_lengths():
    # x feeds r directly and through a = 3x: x must be finished after both consumers.
    x = ag.Tensor(2.0)
    a = x * 3
    r = x + a
    r.backward()
    assert x.grad == pytest.approx(4.0)
    y = ag.Tensor(1.5)
    z = (y * y).exp() * y + y.sigmoid() * (y * y)
    z.backward()
    s = 1 / (1 + np.exp(-1.5))
    expected = np.exp(2.25) * (2 * 1.5 * 1.5 + 1) + s * (1 - s) * 2.25 + s * 3.0
    assert y.grad == pytest.approx(expected)


def test_topological_order_puts_every_input_before_its_consumers():
    rng = np.random.default_rng(0)
    for _ in range(50):
        pool = [ag.Tensor(rng.normal(size=2)) for _ in range(3)]
        for _ in range(12):
            i, j = rng.integers(len(pool), size=2)
            pool.append(pool[i] * pool[j] if rng.random() < 0.5 else pool[i] + pool[j])
        order = topological_order(pool[-1])
        position = {id(t): k for k, t in enumerate(order)}
        assert len(position) == len(order), "a tensor appears twice"
        for t in order:
            if t.node is not None:
                for inp in t.node.inputs:
                    assert position[id(inp)] < position[id(t)]


def test_gradients_of_0d_tensors_are_arrays():
    x = ag.Tensor(3.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert type(x.grad) is np.ndarray and x.grad.shape == () and x.grad == 12.0
    assert type(y.grad) is np.ndarray


def test_a_0d_leafs_broadcast_gradient_is_a_writeable_array():
    s = ag.Tensor(2.0, name="s")
    W = ag.Tensor(np.ones((2, 3)), name="W")
    (W * s).sum().backward()
    assert type(s.grad) is np.ndarray and s.grad.shape == () and s.grad.flags.writeable
    assert s.grad == 6.0
    s.grad *= 0.5  # an optimizer may update it in place


def test_fan_out_accumulates():
    x = ag.Tensor([1.0, 2.0])
    y = x * 3.0 + x.exp() + x
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 4.0 + np.exp([1.0, 2.0]))


def test_leaf_grad_accumulates_across_backward_calls():
    x = ag.Tensor([1.0, 2.0])
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    x.zero_grad()
    assert x.grad is None


def test_graph_is_freed_after_backward_and_retain_graph_keeps_it():
    x = ag.Tensor([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    assert y.node.saved is FREED
    with pytest.raises(ag.BackwardError, match="already freed"):
        y.backward()


def test_a_failed_backward_changes_nothing():
    x = ag.Tensor([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    before = (x.grad.copy(), y.grad.copy())
    with pytest.raises(ag.BackwardError, match="already freed"):
        y.backward()
    np.testing.assert_array_equal(x.grad, before[0])
    np.testing.assert_array_equal(y.grad, before[1])

    class Broken(ag.Op):
        label = "Broken"

        @staticmethod
        def forward(x):
            return x * 2, None

        @staticmethod
        def backward(saved, g):
            return (np.ones(7),)

    a = ag.Tensor([1.0, 2.0])
    h = a * 3
    out = (ag.apply(Broken, h) * h).sum()
    with pytest.raises(ag.ShapeError, match="Broken"):
        out.backward()
    assert a.grad is None and h.grad is None and out.grad is None
    assert not out.node.freed and not h.node.freed  # the residuals are kept: fix and retry


def test_no_gradient_work_for_inputs_that_need_none():
    seen = []

    class Spy(ag.Op):
        label = "Spy"

        @staticmethod
        def forward(x, W):
            return x @ W, (x, W)

        @staticmethod
        def backward(saved, g, needs):
            seen.append(needs)
            x, W = saved
            return (g @ W.T if needs[0] else None), (x.T @ g if needs[1] else None)

    W = ag.Tensor(np.ones((3, 2)))
    ag.apply(Spy, np.ones((4, 3)), W).sum().backward()
    assert seen == [(False, True)] and W.grad.shape == (3, 2)


def test_constants_only_need_no_gradient_and_backward_refuses():
    y = ag.Tensor([1.0], requires_grad=False) * 2
    assert not y.requires_grad and y.node is None
    with pytest.raises(ag.BackwardError, match="does not require a gradient"):
        y.backward()


def test_a_100k_node_chain_runs_without_recursion():
    x = ag.Tensor(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_non_scalar_backward_needs_grad_of_the_right_shape():
    y = ag.Tensor(np.ones((2, 3))) * 2
    with pytest.raises(ag.BackwardError, match=r"shape \(2, 3\)"):
        y.backward()
    with pytest.raises(ag.ShapeError, match=r"grad has shape \(3,\)"):
        y.backward(np.ones(3))
    y.backward(np.ones((2, 3)))


def test_broadcast_gradients_are_reduced_to_each_input_shape():
    a = ag.Tensor(np.ones((2, 3)))
    b = ag.Tensor(np.ones(3))
    c = ag.Tensor(np.ones((2, 1)))
    (a * b + c).sum().backward()
    assert b.grad.shape == (3,) and np.all(b.grad == 2)
    assert c.grad.shape == (2, 1) and np.all(c.grad == 3)


def test_leaf_gradients_never_share_memory():
    a, b = ag.Tensor([1.0, 2.0]), ag.Tensor([3.0, 4.0])
    s = a + b
    s.sum().backward()
    a.grad *= 10  # an in-place optimizer must not change b's gradient
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(s.grad, [1.0, 1.0])


def _both_views(g):
    gab = np.stack([g, g])
    return gab[0], gab[1]  # a and b both get views of one new array


def _base_and_view(g):
    ga = g * 1.0
    return ga, ga[:]  # a gets an array, b a view of it


@pytest.mark.parametrize("split", [_both_views, _base_and_view])
def test_a_leaf_gradient_that_another_gradient_views_is_copied(split):
    class Split(ag.Op):
        """y = a + b, whose backward shares one array between the two gradients."""

        label = "Split"

        @staticmethod
        def forward(a, b):
            return a + b, None

        @staticmethod
        def backward(saved, g):
            return split(g)

    a, c = ag.Tensor([1.0, 2.0], name="a"), ag.Tensor([3.0, 4.0], name="c")
    b = c * 1.0  # not a leaf: it keeps its gradient, the view
    ag.apply(Split, a, b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    a.grad *= 10  # an in-place optimizer step on the leaf
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_a_leafs_gradient_is_the_array_its_op_returned_when_nothing_else_holds_it():
    returned = []

    class Keep(ag.Op):
        label = "Keep"

        @staticmethod
        def forward(x):
            return 2.0 * x, None

        @staticmethod
        def backward(saved, g):
            gx = 2.0 * g
            returned.append(id(gx))  # not the array: holding it here would force a copy
            return (gx,)

    x = ag.Tensor([1.0, 2.0])
    ag.apply(Keep, x).sum().backward()
    assert id(x.grad) == returned[0]  # no copy: a 784 x 50 one would cost 15 us at batch 1


def test_a_copied_op_result_is_a_node_of_its_own_with_the_right_gradients():
    import copy
    import pickle

    x = ag.Tensor([1.0, 2.0], name="x")
    y = x * 3.0
    (y * copy.copy(y)).sum().backward(retain_graph=True)  # both read x: d(9 x^2)/dx = 18 x
    np.testing.assert_array_equal(x.grad, [18.0, 36.0])
    x.zero_grad()
    for twin in (copy.deepcopy(y), pickle.loads(pickle.dumps(y))):  # twins with their own x
        x.zero_grad()
        (y * twin).sum().backward(retain_graph=True)
        np.testing.assert_array_equal(x.grad, [9.0, 18.0])
        np.testing.assert_array_equal(twin.node.inputs[0].grad, [9.0, 18.0])


def test_errors_name_the_failing_place_of_a_tensor_used_twice():
    class SecondIsNone(ag.Op):
        label = "SecondIsNone"

        @staticmethod
        def forward(a, b):
            return a * b, (a, b)

        @staticmethod
        def backward(saved, g):
            a, b = saved
            return g * b, None

    x = ag.Tensor([1.0, 2.0])
    with pytest.raises(ag.BackwardError, match="returned None for input 1"):
        ag.apply(SecondIsNone, x, x).sum().backward()
    w = ag.Tensor([-1.0])
    expected = pytest.raises(ag.AnomalyError, match="Pow: the gradient for input 1")
    with ag.detect_anomaly(), np.errstate(invalid="ignore"), expected:
        (w**w).sum().backward()  # d/db a^b = a^b log a: NaN at a = -1; d/da is finite


def test_tanh_and_sigmoid_pass_an_infinite_gradient_on_as_infinite():
    for f in (lambda x: x.tanh() ** 0.5, lambda x: (x.sigmoid() - 0.5) ** 0.5):
        x = ag.Tensor([0.0])
        with np.errstate(divide="ignore"):
            f(x).sum().backward()
        assert np.isposinf(x.grad[0])  # g (1 - y^2) with g = inf, not inf - inf * 0


def test_wrong_gradient_shape_from_an_op_is_named():
    class BadShape(ag.Op):
        label = "BadShape"

        @staticmethod
        def forward(x):
            return x * 2, None

        @staticmethod
        def backward(saved, g):
            return (np.ones(7),)

    with pytest.raises(ag.ShapeError, match=r"BadShape: the gradient for input 0 has shape \(7,\)"):
        ag.apply(BadShape, ag.Tensor(np.ones((2, 3)))).sum().backward()


def test_wrong_gradient_count_is_named():
    class TwoGrads(ag.Op):
        label = "TwoGrads"

        @staticmethod
        def forward(x):
            return x, None

        @staticmethod
        def backward(saved, g):
            return g, g

    with pytest.raises(ag.BackwardError, match="TwoGrads: backward must return a tuple with one"):
        ag.apply(TwoGrads, ag.Tensor([1.0])).sum().backward()


# ----- memory -----------------------------------------------------------------------------------


def test_no_reference_cycles_a_training_step_is_freed_without_gc():
    rng = np.random.default_rng(0)
    W = ag.Tensor(rng.normal(size=(5, 4)))
    b = ag.Tensor(np.zeros(4))

    def step():
        h = ag.affine(rng.normal(size=(8, 5)), W, b).relu()
        loss = ag.softmax_with_loss(h, rng.integers(0, 4, size=8))
        loss.backward()
        return weakref.ref(h), weakref.ref(loss)

    gc.disable()
    try:
        refs = step()
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


# ----- modes ------------------------------------------------------------------------------------


def test_no_grad_records_nothing_and_resets_on_error():
    x = ag.Tensor([1.0])
    with ag.no_grad():
        y = x * 2
    assert not y.requires_grad and y.node is None
    with pytest.raises(RuntimeError), ag.no_grad():
        raise RuntimeError("boom")
    assert ag.is_grad_enabled() and (x * 2).requires_grad


def test_grad_mode_does_not_leak_between_threads():
    results = []
    with ag.no_grad():
        thread = threading.Thread(
            target=lambda: results.append((ag.Tensor([1.0]) * 2).requires_grad)
        )
        thread.start()
        thread.join()
    assert results == [True]


def test_name_scope_is_recorded_on_nodes():
    x = ag.Tensor([1.0])
    with ag.name_scope("layer1"):
        with ag.name_scope("inner"):
            y = x * 2
        z = y + 1
    assert y.node.scope == "layer1/inner" and z.node.scope == "layer1" and (z * 1).node.scope == ""


def test_detect_anomaly_names_the_forward_op():
    x = ag.Tensor([-1.0, 1.0])
    with (
        np.errstate(all="ignore"),
        ag.detect_anomaly(),
        pytest.raises(ag.AnomalyError, match="Log: the forward output contains NaN"),
    ):
        x.log()


def test_detect_anomaly_names_the_backward_op_and_input():
    x = ag.Tensor([0.0, 1.0])
    with np.errstate(all="ignore"), ag.detect_anomaly():
        y = (x**0.5).sum()
        with pytest.raises(ag.AnomalyError, match="Pow: the gradient for input 0 contains inf"):
            y.backward()


# ----- numerical stability ----------------------------------------------------------------------


def test_relu_passes_nan_on_as_the_book_and_pytorch_do():
    y = ag.relu(ag.Tensor([np.nan, -1.0, 2.0]))
    assert np.isnan(y.data[0]) and y.data[1] == 0.0 and y.data[2] == 2.0
    with ag.detect_anomaly(), pytest.raises(ag.AnomalyError, match="ReLU.*already held NaN"):
        ag.relu(ag.Tensor([np.nan, 1.0]))


def test_losses_and_sigmoid_are_stable_at_extremes_with_no_warnings():
    # Underflow to 0 is exact enough here and NumPy ignores it by default; everything else raises.
    with warnings.catch_warnings(), np.errstate(divide="raise", over="raise", invalid="raise"):
        warnings.simplefilter("error")
        logits = ag.Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]]))
        loss = ag.softmax_with_loss(logits, np.array([1, 1]))
        loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(logits.grad))
        assert loss.item() == pytest.approx(1e4, rel=1e-6)
        z = ag.Tensor(np.array([1000.0, -1000.0]))
        s = z.sigmoid()
        s.sum().backward()
        np.testing.assert_array_equal(s.data, [1.0, 0.0])
        assert np.all(np.isfinite(z.grad))
        z.zero_grad()
        bce = ag.sigmoid_with_loss(z, np.array([0.0, 1.0]))
        bce.backward()
        assert bce.item() == pytest.approx(1000.0) and np.all(np.isfinite(z.grad))


# ----- errors -----------------------------------------------------------------------------------


def test_errors_derive_from_builtins():
    assert issubclass(ag.ShapeError, ValueError) and issubclass(ag.ShapeError, ag.AutogradLiteError)
    assert issubclass(ag.DTypeError, TypeError) and issubclass(ag.InvalidArgumentError, ValueError)


def test_matmul_and_affine_shape_errors_name_both_shapes():
    with pytest.raises(ag.ShapeError, match=r"MatMul: .*\(4, 5\).*\(3, 2\).*needs 5 rows"):
        ag.Tensor(np.ones((4, 5))) @ ag.Tensor(np.ones((3, 2)))
    with pytest.raises(
        ValueError,
        match=r"Affine: input 1 \(W\) has shape \(3, 2\); x has shape \(4, 5\), so W needs 5 rows",
    ):
        ag.affine(np.ones((4, 5)), ag.Tensor(np.ones((3, 2))), ag.Tensor(np.zeros(2)))
    with pytest.raises(ag.ShapeError, match=r"input 2 \(b\) has shape \(3,\)"):
        ag.affine(np.ones((4, 3)), ag.Tensor(np.ones((3, 2))), ag.Tensor(np.zeros(3)))


def test_label_errors():
    logits = ag.Tensor(np.zeros((3, 4)))
    with pytest.raises(ag.InvalidArgumentError, match="label 7 is out of range for 4 classes"):
        ag.softmax_with_loss(logits, np.array([0, 7, 1]))
    with pytest.raises(ag.ShapeError, match=r"labels\) has shape \(2,\).*need shape \(3,\)"):
        ag.softmax_with_loss(logits, np.array([0, 1]))
    with pytest.raises(ag.DTypeError, match="integers"):
        ag.softmax_with_loss(logits, np.array([0.5, 1, 2]))


def test_bad_axis_and_broadcast_errors():
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(ag.InvalidArgumentError, match="Sum: axis 2 is out of range"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="Softmax"):
        ag.softmax(x, axis=5)
    with pytest.raises(ag.ShapeError, match=r"Add: inputs of shapes \(2, 3\), \(4,\)"):
        x + np.ones(4)
    with pytest.raises(ag.ShapeError, match="Reshape: cannot reshape"):
        x.reshape(4, 2)


def test_bad_input_leaves_user_arrays_untouched():
    data = np.ones((4, 5))
    before = data.copy()
    with pytest.raises(ag.ShapeError):
        ag.affine(data, ag.Tensor(np.ones((3, 2))), ag.Tensor(np.zeros(2)))
    np.testing.assert_array_equal(data, before)


# ----- the op contract --------------------------------------------------------------------------


def test_an_op_without_label_is_refused():
    with pytest.raises(ag.OpDefinitionError, match="label"):

        class NoLabel(ag.Op):
            @staticmethod
            def forward(x):
                return x, None

            @staticmethod
            def backward(saved, g):
                return (g,)


def test_a_built_in_op_without_domain_is_refused():
    body = {
        "__module__": "autograd_lite.ops.fake",
        "label": "Fake",
        "forward": staticmethod(lambda x: (x, None)),
        "backward": staticmethod(lambda saved, g: (g,)),
    }
    with pytest.raises(ag.OpDefinitionError, match="domain"):
        type("Fake", (ag.Op,), body)
    assert "Fake" not in ag.REGISTRY


def test_methods_must_be_static_and_defined():
    with pytest.raises(ag.OpDefinitionError, match="staticmethod"):

        class NotStatic(ag.Op):
            label = "NotStatic"

            def forward(self, x):
                return x, None

            @staticmethod
            def backward(saved, g):
                return (g,)

    with pytest.raises(ag.OpDefinitionError, match="backward` is not defined"):

        class NoBackward(ag.Op):
            label = "NoBackward"

            @staticmethod
            def forward(x):
                return x, None


def test_a_users_op_needs_only_a_label():
    class Square(ag.Op):
        label = "Square"

        @staticmethod
        def forward(x):
            return x * x, x

        @staticmethod
        def backward(x, g):
            return (2 * x * g,)

    x = ag.Tensor([3.0])
    ag.apply(Square, x).sum().backward()
    assert x.grad[0] == 6.0 and "Square" not in ag.REGISTRY
