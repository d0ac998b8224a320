"""Registry-driven property tests: every built-in op is checked by construction.

Each test is parametrised over ``ag.REGISTRY`` and draws inputs from the op's ``domain``, so a new
built-in op is covered the moment it is defined. The only per-op entry is its NumPy reference below.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.engine import topological_order


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_with_loss(x, labels):
    p = _softmax(x, axis=1)
    t = labels if labels.shape == x.shape else np.eye(x.shape[1])[labels]
    return -np.sum(t * np.log(p)) / x.shape[0]


def _batchnorm(x, gamma, beta, eps=1e-7):
    mu = x.mean(axis=0)
    xc = x - mu
    return gamma * xc / np.sqrt((xc**2).mean(axis=0) + eps) + beta


#: label -> reference(arrays, params) written independently of the op's own code.
REFERENCES = {
    "Add": lambda a, p: a[0] + a[1],
    "Sub": lambda a, p: a[0] - a[1],
    "Mul": lambda a, p: a[0] * a[1],
    "Div": lambda a, p: a[0] / a[1],
    "Neg": lambda a, p: -a[0],
    "Pow": lambda a, p: np.power(a[0], a[1]),
    "Exp": lambda a, p: np.exp(a[0]),
    "Log": lambda a, p: np.log(a[0]),
    "MatMul": lambda a, p: a[0] @ a[1],
    "Affine": lambda a, p: a[0] @ a[1] + a[2],
    "ReLU": lambda a, p: np.maximum(a[0], 0),
    "LeakyReLU": lambda a, p: np.where(a[0] > 0, a[0], p["slope"] * a[0]),
    "Sigmoid": lambda a, p: 1 / (1 + np.exp(-a[0])),
    "Tanh": lambda a, p: np.tanh(a[0]),
    "Softmax": lambda a, p: _softmax(a[0], p["axis"]),
    "Sum": lambda a, p: np.sum(a[0], axis=p["axis"], keepdims=p["keepdims"]),
    "Mean": lambda a, p: np.mean(a[0], axis=p["axis"], keepdims=p["keepdims"]),
    "Max": lambda a, p: np.max(a[0], axis=p["axis"], keepdims=p["keepdims"]),
    "Reshape": lambda a, p: np.reshape(a[0], p["shape"]),
    "Transpose": lambda a, p: np.transpose(a[0], p["axes"]),
    "BroadcastTo": lambda a, p: np.broadcast_to(a[0], p["shape"]),
    "GetItem": lambda a, p: a[0][p["index"]],
    "SoftmaxWithLoss": lambda a, p: _softmax_with_loss(a[0], a[1]),
    "SigmoidWithLoss": lambda a, p: np.mean(
        -a[1] * np.log(1 / (1 + np.exp(-a[0]))) - (1 - a[1]) * np.log(1 - 1 / (1 + np.exp(-a[0])))
    ),
    "MeanSquaredError": lambda a, p: 0.5 * np.sum((a[0] - a[1]) ** 2),
    "Dropout": lambda a, p: a[0] * a[1],
    "BatchNorm": lambda a, p: _batchnorm(a[0], a[1], a[2], **p),
}

OPS = [ag.REGISTRY[label] for label in sorted(ag.REGISTRY)]
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def _case(op, seed):
    arrays, params = op.domain.draw(np.random.default_rng(seed))
    return [np.asarray(a) for a in arrays], params


def _diff_inputs(op, arrays):
    return [
        i
        for i, a in enumerate(arrays)
        if i not in op.domain.nondiff and np.asarray(a).dtype.kind == "f"
    ]


def _central_difference(op, arrays, params, g, i, eps=1e-6):
    """d sum(g * forward(...)) / d arrays[i], element by element, on float64 copies."""
    base = [np.array(a, dtype=np.float64) if a.dtype.kind == "f" else a for a in arrays]
    grad = np.zeros_like(base[i])
    flat = base[i].reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        plus = np.sum(g * op.forward(*base, **params)[0])
        flat[k] = old - eps
        minus = np.sum(g * op.forward(*base, **params)[0])
        flat[k] = old
        grad.reshape(-1)[k] = (plus - minus) / (2 * eps)
    return grad


def _local_backward(op, saved, g, arrays):
    needs = tuple(i in _diff_inputs(op, arrays) for i in range(len(arrays)))
    if op.backward_takes_needs:
        return op.backward(saved, g, needs)
    return op.backward(saved, g)


def test_registry_holds_the_named_nodes():
    expected = {
        "Add", "Sub", "Mul", "Div", "Neg", "Pow", "MatMul", "Affine", "ReLU", "LeakyReLU",
        "Sigmoid", "Tanh", "Exp", "Log", "Sum", "Mean", "Max", "Reshape", "Transpose", "GetItem",
        "BroadcastTo", "Softmax", "SoftmaxWithLoss", "SigmoidWithLoss", "MeanSquaredError",
        "Dropout",
    }  # fmt: skip
    assert expected <= set(ag.REGISTRY)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
def test_every_op_has_a_reference(op):
    assert op.label in REFERENCES, f"add a NumPy reference for {op.label} to REFERENCES"


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(seed=SEEDS)
def test_forward_matches_numpy_reference(op, seed):
    arrays, params = _case(op, seed)
    y, _ = op.forward(*arrays, **params)
    np.testing.assert_allclose(y, REFERENCES[op.label](arrays, params), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(seed=SEEDS)
def test_backward_matches_central_differences(op, seed):
    arrays, params = _case(op, seed)
    rng = np.random.default_rng(seed + 1)
    y, saved = op.forward(*arrays, **params)
    g = rng.normal(size=np.shape(y))
    grads = _local_backward(op, saved, g, arrays)
    for i in _diff_inputs(op, arrays):
        analytic = ag.engine.unbroadcast(np.asarray(grads[i]), arrays[i].shape, op.label, i)
        numeric = _central_difference(op, arrays, params, g, i)
        np.testing.assert_allclose(
            analytic, numeric, rtol=1e-5, atol=1e-6, err_msg=f"{op.label}: input {i}"
        )


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(seed=SEEDS)
def test_backward_is_linear_in_the_upstream_gradient(op, seed):
    arrays, params = _case(op, seed)
    rng = np.random.default_rng(seed + 2)
    y, saved = op.forward(*arrays, **params)
    g1, g2 = rng.normal(size=np.shape(y)), rng.normal(size=np.shape(y))
    a, b = 1.7, -0.3
    combined = _local_backward(op, saved, a * g1 + b * g2, arrays)
    first = _local_backward(op, saved, g1, arrays)
    second = _local_backward(op, saved, g2, arrays)
    for i in _diff_inputs(op, arrays):
        np.testing.assert_allclose(
            combined[i], a * np.asarray(first[i]) + b * np.asarray(second[i]), rtol=1e-9, atol=1e-12
        )


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(seed=SEEDS)
def test_one_gradient_per_input_with_shapes_and_dtypes(op, seed):
    arrays, params = _case(op, seed)
    rng = np.random.default_rng(seed + 3)
    for dtype in (np.float64, np.float32):
        cast = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
        tensors = [
            ag.Tensor(a, dtype=dtype) if i in _diff_inputs(op, cast) else a
            for i, a in enumerate(cast)
        ]
        out = ag.apply(op, *tensors, **params)
        assert out.dtype == dtype, f"{op.label}: output dtype {out.dtype} for {dtype} inputs"
        out.backward(rng.normal(size=out.shape).astype(dtype))
        y, saved = op.forward(*cast, **params)
        grads = _local_backward(op, saved, np.ones_like(y), cast)
        assert isinstance(grads, tuple) and len(grads) == len(arrays)
        for i, t in enumerate(tensors):
            if isinstance(t, ag.Tensor):
                assert t.grad.shape == t.shape and t.grad.dtype == dtype, op.label
            elif i in op.domain.nondiff:
                assert grads[i] is None, f"{op.label}: input {i} (labels/mask) takes no gradient"


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(seed=SEEDS)
def test_nothing_is_mutated(op, seed):
    arrays, params = _case(op, seed)
    before = [a.copy() for a in arrays]
    y, saved = op.forward(*arrays, **params)
    saved_before = copy.deepcopy(saved)
    g = np.random.default_rng(seed).normal(size=np.shape(y))
    g_before = g.copy()
    _local_backward(op, saved, g, arrays)
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b, err_msg=f"{op.label} wrote into an input")
    np.testing.assert_array_equal(g, g_before, err_msg=f"{op.label} wrote into g")
    _assert_same(saved, saved_before, op.label)


def _assert_same(a, b, label):
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=f"{label} wrote into saved")
    elif isinstance(a, (tuple, list)):
        for x, y in zip(a, b):
            _assert_same(x, y, label)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
def test_node_appears_in_the_graph(op):
    arrays, params = _case(op, 0)
    tensors = [ag.Tensor(a) if i in _diff_inputs(op, arrays) else a for i, a in enumerate(arrays)]
    out = ag.apply(op, *tensors, **params)
    assert out.node is not None and out.node.op is op and out.node.label == op.label
    assert all(x is y for x, y in zip(out.node.inputs, tensors) if isinstance(y, ag.Tensor))
    order = topological_order(out)
    assert order[-1] is out
    assert {id(t) for t in tensors if isinstance(t, ag.Tensor)} <= {id(t) for t in order}
