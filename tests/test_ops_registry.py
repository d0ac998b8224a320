"""Registry-driven property tests: every built-in op is checked by construction.

Each test is parametrised over ``ag.REGISTRY`` and draws inputs with hypothesis from the op's
``domain`` through ``autograd_lite.testing.op_inputs`` (declarative domains are real strategies
that shrink; domains with a ``sample`` function draw a seed). Gradients are verified by the
public checker ``ag.check_op``, so every op, present and future, passes the same check users run
on their own ops. The only per-op entry is its NumPy reference below.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.engine import topological_order
from autograd_lite.testing import op_inputs


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
    "Abs": lambda a, p: np.abs(a[0]),
    "Sqrt": lambda a, p: a[0] ** 0.5,
    "Maximum": lambda a, p: np.where(a[0] >= a[1], a[0], a[1]),
    "Minimum": lambda a, p: np.where(a[0] <= a[1], a[0], a[1]),
    "Where": lambda a, p: np.where(a[0], a[1], a[2]),
    "LogAddExp": lambda a, p: np.log(np.exp(a[0]) + np.exp(a[1])),
    "Cast": lambda a, p: a[0].astype(p["dtype"]),
    "ScatterAdd": lambda a, p: _scatter_add(a[0], p["shape"], p["index"]),
    "Im2Col": lambda a, p: _im2col(a[0], p["filter_h"], p["filter_w"], p["stride"], p["pad"]),
    "Col2Im": lambda a, p: _col2im(a[0], p["input_shape"], p["filter_h"], p["filter_w"],
                                   p["stride"], p["pad"]),
    "Convolution": lambda a, p: _conv(*a, **p),
    "ConvTranspose": lambda a, p: _conv_transpose(*a, **p),
    "Pooling": lambda a, p: _pool(a[0], np.max, -np.inf, **p),
    "AvgPooling": lambda a, p: _pool(a[0], np.mean, 0.0, **p),
    "Unpool": lambda a, p: _scatter_add(a[0], p["shape"], np.unravel_index(p["index"], p["shape"])),
    "LogSoftmax": lambda a, p: np.log(_softmax(a[0], p["axis"])),
    "SumTo": lambda a, p: _sum_to(a[0], p["shape"]),
}


# ----- convolution references: direct loops over output positions, from the definitions -----

def _hw(v):
    return (v, v) if np.isscalar(v) else tuple(v)


def _padded(x, pad, fill=0.0):
    ph, pw = _hw(pad)
    n, c, h, w = x.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), fill)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _im2col(x, fh, fw, stride, pad):
    """Row (n, p, q) = the window at (p * sh, q * sw) of the zero-padded x, ordered (c, i, j)."""
    (sh, sw), xp = _hw(stride), _padded(x, pad)
    oh, ow = (xp.shape[2] - fh) // sh + 1, (xp.shape[3] - fw) // sw + 1
    rows = []
    for n in range(x.shape[0]):
        for p in range(oh):
            for q in range(ow):
                rows.append(xp[n, :, p * sh:p * sh + fh, q * sw:q * sw + fw].ravel())
    return np.array(rows)


def _col2im(col, shape, fh, fw, stride, pad):
    """Each row added back onto its window of a zero padded image, which is then cropped."""
    (sh, sw), (ph, pw) = _hw(stride), _hw(pad)
    n_, c, h, w = shape
    img = np.zeros((n_, c, h + 2 * ph, w + 2 * pw))
    oh, ow = (h + 2 * ph - fh) // sh + 1, (w + 2 * pw - fw) // sw + 1
    k = 0
    for n in range(n_):
        for p in range(oh):
            for q in range(ow):
                img[n, :, p * sh:p * sh + fh, q * sw:q * sw + fw] += col[k].reshape(c, fh, fw)
                k += 1
    return img[:, :, ph:ph + h, pw:pw + w]


def _conv(x, W, b=None, stride=1, pad=0):
    """y[n, f, p, q] = sum_{c, i, j} W[f, c, i, j] xpad[n, c, p sh + i, q sw + j] + b[f]."""
    (sh, sw), xp = _hw(stride), _padded(x, pad)
    fn, _, fh, fw = W.shape
    oh, ow = (xp.shape[2] - fh) // sh + 1, (xp.shape[3] - fw) // sw + 1
    y = np.zeros((x.shape[0], fn, oh, ow))
    for n in range(x.shape[0]):
        for f in range(fn):
            for p in range(oh):
                for q in range(ow):
                    window = xp[n, :, p * sh:p * sh + fh, q * sw:q * sw + fw]
                    y[n, f, p, q] = np.sum(window * W[f]) + (0.0 if b is None else b[f])
    return y


def _conv_transpose(x, W, b=None, stride=1, pad=0):
    """Each input pixel scatters x[n, c, p, q] * W[c] onto the window at (p sh, q sw) of a
    padded output, which is then cropped by pad on every side."""
    (sh, sw), (ph, pw) = _hw(stride), _hw(pad)
    n_, c_in, h, w = x.shape
    _, c_out, fh, fw = W.shape
    full = np.zeros((n_, c_out, (h - 1) * sh + fh, (w - 1) * sw + fw))
    for n in range(n_):
        for c in range(c_in):
            for p in range(h):
                for q in range(w):
                    full[n, :, p * sh:p * sh + fh, q * sw:q * sw + fw] += x[n, c, p, q] * W[c]
    y = full[:, :, ph:full.shape[2] - ph, pw:full.shape[3] - pw]
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def _pool(x, reduce, fill, pool_h, pool_w=None, stride=None, pad=0):
    pool_w = pool_h if pool_w is None else pool_w
    (sh, sw) = _hw((pool_h, pool_w) if stride is None else stride)
    xp = _padded(x, pad, fill)
    oh, ow = (xp.shape[2] - pool_h) // sh + 1, (xp.shape[3] - pool_w) // sw + 1
    y = np.zeros(x.shape[:2] + (oh, ow))
    for p in range(oh):
        for q in range(ow):
            window = xp[:, :, p * sh:p * sh + pool_h, q * sw:q * sw + pool_w]
            y[:, :, p, q] = reduce(window, axis=(2, 3))
    return y


def _sum_to(x, shape):
    """Sum over the leading axes, then over each axis the target has as 1."""
    while x.ndim > len(shape):
        x = x.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1:
            x = x.sum(axis=axis, keepdims=True)
    return x


def _scatter_add(g, shape, index):
    """The sum over repeated indices written as a loop over the index's places."""
    out = np.zeros(shape)
    places = np.arange(out.size).reshape(shape)[index]
    for place, value in zip(np.ravel(places), np.ravel(np.broadcast_to(g, places.shape))):
        out.flat[place] += value
    return out

OPS = [ag.REGISTRY[label] for label in sorted(ag.REGISTRY)]
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
CASES = {op: op_inputs(op) for op in OPS}


def _case(op, data):
    arrays, params = data.draw(CASES[op], label="case")
    return [np.array(a) for a in arrays], params


def _check(op, arrays, params, seed):
    return ag.check_op(op, *arrays, rng=np.random.default_rng(seed), **params)


def _diff_inputs(op, arrays):
    return [
        i
        for i, a in enumerate(arrays)
        if i not in op.domain.nondiff and np.asarray(a).dtype.kind == "f"
    ]


def _property(report, name):
    [check] = [c for c in report.checks if c.name == name]
    return check


def test_registry_holds_the_named_nodes():
    expected = {
        "Add", "Sub", "Mul", "Div", "Neg", "Pow", "MatMul", "Affine", "ReLU", "LeakyReLU",
        "Sigmoid", "Tanh", "Exp", "Log", "Sum", "Mean", "Max", "Reshape", "Transpose", "GetItem",
        "BroadcastTo", "Softmax", "SoftmaxWithLoss", "SigmoidWithLoss", "MeanSquaredError",
        "Dropout", "Convolution", "Pooling", "ConvTranspose", "AvgPooling", "Im2Col", "Col2Im",
        "LogSoftmax", "SumTo",
    }  # fmt: skip
    assert expected <= set(ag.REGISTRY)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
def test_every_op_has_a_reference(op):
    assert op.label in REFERENCES, f"add a NumPy reference for {op.label} to REFERENCES"


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(data=st.data())
def test_forward_matches_numpy_reference(op, data):
    arrays, params = _case(op, data)
    y, _ = op.forward(*[a.copy() for a in arrays], **params)
    np.testing.assert_allclose(y, REFERENCES[op.label](arrays, params), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(data=st.data(), seed=SEEDS)
def test_backward_matches_central_differences(op, data, seed):
    """ag.check_op: a random upstream gradient g, central differences of sum(g * forward) for
    every input that takes a gradient, kink- and precision-aware."""
    arrays, params = _case(op, data)
    report = _check(op, arrays, params, seed)
    checked = [c.name for c in report.inputs]
    assert len(checked) == len(_diff_inputs(op, arrays)), report
    for c in report.inputs:
        assert c.status == "passed", report
        assert c.max_abs_error <= 1e-5 + 1e-3 * np.max(np.abs(c.numerical), initial=0.0)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(data=st.data(), seed=SEEDS)
def test_backward_is_linear_in_the_upstream_gradient(op, data, seed):
    arrays, params = _case(op, data)
    check = _property(_check(op, arrays, params, seed), "linear in g")
    assert check.ok, f"{op.label}: {check.message}"


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(data=st.data(), seed=SEEDS)
def test_one_gradient_per_input_with_shapes_and_dtypes(op, data, seed):
    arrays, params = _case(op, data)
    report = _check(op, arrays, params, seed)
    check = _property(report, "one gradient per input, shapes and dtypes")
    assert check.ok, f"{op.label}: {check.message}"
    if op.backward_takes_needs and len(_diff_inputs(op, arrays)) > 1:
        assert _property(report, "needs respected").ok, report
    rng = np.random.default_rng(seed)
    for dtype in (np.float64, np.float32):  # through the engine, which casts to the input dtype
        cast = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
        tensors = [
            ag.Tensor(a, dtype=dtype) if i in _diff_inputs(op, cast) else a
            for i, a in enumerate(cast)
        ]
        out = ag.apply(op, *tensors, **params)
        expected = np.dtype(params["dtype"]) if op.label == "Cast" else dtype
        assert out.dtype == expected, f"{op.label}: output dtype {out.dtype} for {dtype} inputs"
        out.backward(rng.normal(size=out.shape).astype(dtype))
        for t in tensors:
            if isinstance(t, ag.Tensor):
                assert t.grad.shape == t.shape and t.grad.dtype == t.dtype == dtype, op.label
    y, saved = op.forward(*arrays, **params)
    needs = tuple(i in _diff_inputs(op, arrays) for i in range(len(arrays)))
    grads = (
        op.backward(saved, np.ones_like(y), needs)
        if op.backward_takes_needs
        else (op.backward(saved, np.ones_like(y)))
    )
    for i in op.domain.nondiff:
        assert grads[i] is None, f"{op.label}: input {i} (labels/mask) takes no gradient"


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(data=st.data(), seed=SEEDS)
def test_nothing_is_mutated(op, data, seed):
    arrays, params = _case(op, data)
    before = [a.copy() for a in arrays]
    report = _check(op, arrays, params, seed)
    for name in ("inputs not mutated", "g not mutated", "saved not mutated"):
        check = _property(report, name)
        assert check.ok, f"{op.label}: {check.message}"
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b, err_msg=f"check_op changed {op.label}'s input")


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
def test_node_appears_in_the_graph(op):
    arrays, params = op.domain.draw(np.random.default_rng(0))
    arrays = [np.asarray(a) for a in arrays]
    tensors = [ag.Tensor(a) if i in _diff_inputs(op, arrays) else a for i, a in enumerate(arrays)]
    out = ag.apply(op, *tensors, **params)
    assert out.node is not None and out.node.op is op and out.node.label == op.label
    assert all(x is y for x, y in zip(out.node.inputs, tensors) if isinstance(y, ag.Tensor))
    order = topological_order(out)
    assert order[-1] is out
    assert {id(t) for t in tensors if isinstance(t, ag.Tensor)} <= {id(t) for t in order}
    assert ag.check_graph(out).ok

