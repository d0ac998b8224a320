"""Convolution and pooling ops beyond the registry's property tests: second and third
derivatives against central differences of the lower derivative, max pooling ties, the
transposed convolution as conv2d's input gradient, and bad input (named errors, nothing
mutated). Values against PyTorch are in test_conv_torch.py."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag


def _phi(F, values, v, us):
    """<grad of sum(v * F(inputs)^2), us>: a scalar whose gradient is the second derivative
    (the Hessian of the first loss applied to us)."""
    ts = [ag.Tensor(a) for a in values]
    gs = ag.grad((v * F(*ts) ** 2).sum(), ts)
    return sum(float(np.sum(g * u)) for g, u in zip(gs, us))


def _numeric_gradient(fun, values, eps=1e-5):
    out = []
    for j, a in enumerate(values):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in values]
            minus = [b.copy() for b in values]
            plus[j][idx] += eps
            minus[j][idx] -= eps
            g[idx] = (fun(plus) - fun(minus)) / (2 * eps)
        out.append(g)
    return out


def _check_second_order(F, values, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=F(*values).shape)
    us = [rng.normal(size=a.shape) for a in values]
    ts = [ag.Tensor(a) for a in values]
    gs = ag.grad((v * F(*ts) ** 2).sum(), ts, create_graph=True)
    assert all(isinstance(g, ag.Tensor) and g.requires_grad for g in gs)
    hs = ag.grad(sum((g * u).sum() for g, u in zip(gs, us)), ts)
    expected = _numeric_gradient(lambda vals: _phi(F, vals, v, us), values)
    for h, e in zip(hs, expected):
        assert np.max(np.abs(e)) > 1e-3  # the check has something to compare
        np.testing.assert_allclose(h, e, rtol=1e-6, atol=1e-7)


RNG = np.random.default_rng(7)
X = RNG.uniform(-1, 1, size=(2, 2, 5, 4))


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1), ((1, 2), (2, 0))])
def test_conv2d_second_derivatives_in_x_W_and_b(stride, pad):
    W = RNG.uniform(-1, 1, size=(3, 2, 3, 2))
    b = RNG.uniform(-1, 1, size=3)
    _check_second_order(lambda x, W, b: ag.conv2d(x, W, b, stride=stride, pad=pad), [X, W, b])


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1), ((3, 1), (0, 1))])
def test_conv_transpose2d_second_derivatives(stride, pad):
    x = RNG.uniform(-1, 1, size=(2, 2, 3, 2))
    W = RNG.uniform(-1, 1, size=(2, 3, 2, 3))
    b = RNG.uniform(-1, 1, size=3)
    _check_second_order(
        lambda x, W, b: ag.conv_transpose2d(x, W, b, stride=stride, pad=pad), [x, W, b])


def test_without_a_bias_the_ops_take_two_inputs_and_check():
    W = RNG.uniform(-1, 1, size=(3, 2, 3, 2))
    x = ag.Tensor(X)
    y = ag.conv2d(x, W, stride=(2, 1), pad=1)
    assert len(y.node.inputs) == 2
    for op, arrays in (("Convolution", (X, W)), ("ConvTranspose", (X, W.transpose(1, 0, 2, 3)))):
        report = ag.check_op(ag.REGISTRY[op], *arrays, stride=(2, 1), pad=1,
                             rng=np.random.default_rng(0))
        assert report.ok and len(report.inputs) == 2, report
    # W.transpose(...) is a non-contiguous view: check_op perturbed a reshape copy of its own
    # working array and saw a zero numerical gradient until it made its copies C-ordered
    _check_second_order(lambda x, W: ag.conv2d(x, W, stride=2), [X, W])


def test_conv2d_third_derivative_matches_differences_of_the_second():
    W0 = RNG.uniform(-1, 1, size=(2, 2, 2, 2))
    x0 = X[:1]

    def second(W_values):
        W = ag.Tensor(W_values)
        x = ag.Tensor(x0)
        (gx,) = ag.grad((ag.conv2d(x, W, stride=2, pad=1) ** 3).sum(), x, create_graph=True)
        (gW,) = ag.grad(gx.sum(), W)
        return gW

    W, x = ag.Tensor(W0), ag.Tensor(x0)
    (gx,) = ag.grad((ag.conv2d(x, W, stride=2, pad=1) ** 3).sum(), x, create_graph=True)
    (gW,) = ag.grad(gx.sum(), W, create_graph=True)
    u = RNG.normal(size=W0.shape)
    (k,) = ag.grad((gW * u).sum(), W)
    [expected] = _numeric_gradient(lambda vals: float(np.sum(second(vals[0]) * u)), [W0])
    np.testing.assert_allclose(k, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "F",
    [
        lambda x: ag.max_pool2d(x, 2, 2, stride=1, pad=1),
        lambda x: ag.max_pool2d(x, 3, 2, stride=(2, 1)),
        lambda x: ag.avg_pool2d(x, 2, 3, stride=1, pad=(1, 1)),
        lambda x: ag.im2col(x, 3, 2, stride=(2, 1), pad=1),
        lambda x: ag.col2im(ag.im2col(x, 2, 2, stride=1) * 1.5, X.shape, 2, 2, stride=1),
        lambda x: ag.log_softmax(x, axis=1),
        lambda x: ag.sum_to(x, (2, 1, 4)),
    ],
    ids=["maxpool_overlap", "maxpool_rect", "avgpool", "im2col", "col2im", "log_softmax",
         "sum_to"],
)
def test_pooling_im2col_and_friends_second_derivatives(F):
    # distinct values, so every max-pooling window has one maximum
    x = np.linspace(-1, 1, X.size)[np.random.default_rng(3).permutation(X.size)].reshape(X.shape)
    _check_second_order(F, [x])


def test_max_pooling_ties_send_the_gradient_to_the_first_maximum_only():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 2.0  # a tie inside the first window
    t = ag.Tensor(x)
    y = ag.max_pool2d(t, 2)
    y.backward(np.ones((1, 1, 2, 2)))
    expected = np.zeros((1, 1, 4, 4))
    expected[0, 0, 0, 1] = 1.0  # the first in row-major order, as PyTorch
    expected[0, 0, 2, 2] = expected[0, 0, 0, 2] = expected[0, 0, 2, 0] = 1.0  # all-zero windows
    np.testing.assert_array_equal(t.grad, expected)
    assert t.grad.sum() == 4.0  # one unit of gradient per window, never split or doubled


def test_max_pooling_ties_give_no_false_checker_failure():
    x = np.round(np.random.default_rng(0).uniform(-1, 1, size=(2, 2, 6, 6)), 1)  # many ties
    assert ag.check_op(ag.REGISTRY["Pooling"], x, pool_h=2, pool_w=2, stride=1).ok
    assert ag.gradcheck(lambda t: ag.max_pool2d(t, 3, stride=2, pad=1), x).ok


def test_overlapping_windows_that_share_a_maximum_add_their_gradients():
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # 8 is the maximum of all four 2x2 windows... once
    x[0, 0, 1, 1] = 100.0  # the centre is every window's maximum
    t = ag.Tensor(x)
    ag.max_pool2d(t, 2, stride=1).backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    assert t.grad[0, 0, 1, 1] == 10.0 and t.grad.sum() == 10.0


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1), (3, 2), ((2, 1), (0, 2))])
def test_conv_transpose2d_is_the_input_gradient_of_conv2d(stride, pad):
    rng = np.random.default_rng(4)
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (pad, pad) if np.isscalar(pad) else pad
    fh, fw = 3, 2
    oh, ow = 3, 4
    h, w = (oh - 1) * sh + fh - 2 * ph, (ow - 1) * sw + fw - 2 * pw  # sizes that line up
    x = ag.Tensor(rng.normal(size=(2, 3, h, w)))
    W = rng.normal(size=(4, 3, fh, fw))
    g = rng.normal(size=(2, 4, oh, ow))
    ag.conv2d(x, W, stride=stride, pad=pad).backward(g)
    y = ag.conv_transpose2d(g, W, stride=stride, pad=pad)
    assert y.shape == x.shape
    np.testing.assert_allclose(y.data, x.grad, rtol=1e-12, atol=1e-12)


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 7, 6))
    col = ag.im2col(x, 3, 2, stride=(2, 1), pad=(1, 2)).data
    c = rng.normal(size=col.shape)
    back = ag.col2im(c, x.shape, 3, 2, stride=(2, 1), pad=(1, 2)).data
    assert np.sum(col * c) == pytest.approx(np.sum(x * back), rel=1e-12)


def test_log_softmax_stays_finite_where_softmax_underflows():
    x = ag.Tensor([[0.0, -1000.0, 1000.0]])
    y = ag.log_softmax(x)
    np.testing.assert_allclose(y.data, [[-1000.0, -2000.0, 0.0]])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [[1.0, 1.0, -2.0]])


def test_an_empty_batch_goes_through_forward_and_backward():
    x = ag.Tensor(np.zeros((0, 2, 6, 6)))
    W = ag.Tensor(RNG.normal(size=(3, 2, 3, 3)))
    y = ag.max_pool2d(ag.relu(ag.conv2d(x, W, pad=1)), 2)
    z = ag.avg_pool2d(ag.conv_transpose2d(y, np.ones((3, 2, 2, 2)), stride=2), 2)
    assert y.shape == (0, 3, 3, 3) and z.shape == (0, 2, 3, 3)
    (ag.log_softmax(ag.im2col(z, 2, 2), axis=1).sum() + z.sum()).backward()
    assert x.grad.shape == x.shape and W.grad.shape == W.shape and not W.grad.any()
    net = ag.book.SimpleConvNet(input_dim=(1, 8, 8), rng=np.random.default_rng(0),
                                conv_param={"filter_num": 2, "filter_size": 3, "pad": 0,
                                            "stride": 1})
    assert net.predict(np.zeros((0, 1, 8, 8))).shape == (0, 10)


def test_float32_stays_float32():
    x = ag.Tensor(X.astype(np.float32))
    W = ag.Tensor(RNG.normal(size=(3, 2, 2, 2)).astype(np.float32))
    y = ag.max_pool2d(ag.relu(ag.conv2d(x, W, pad=1)), 2)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == W.grad.dtype == np.float32


# ----- bad input ------------------------------------------------------------------------------

def _unchanged(*arrays):
    return [a.copy() for a in arrays]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda x, W: ag.conv2d(x, W[:, :1]), ag.ShapeError,
         r"Convolution: x has shape \(2, 2, 5, 4\) \(2 channels\) but W has shape \(3, 1, 3, 2\)"),
        (lambda x, W: ag.conv2d(x, np.zeros((3, 2, 9, 2))), ag.ShapeError,
         r"Convolution: the filter \(9, 2\) is larger than the padded input \(5, 4\)"),
        (lambda x, W: ag.conv2d(x, W, stride=0), ag.InvalidArgumentError,
         r"Convolution: stride must be an int >= 1 or a pair \(h, w\) of them, got 0"),
        (lambda x, W: ag.conv2d(x, W, pad=-1), ag.InvalidArgumentError, r"Convolution: pad"),
        (lambda x, W: ag.conv2d(x[0], W), ag.ShapeError,
         r"Convolution: x must be 4-D \(N, C, H, W\), got shape \(2, 5, 4\)"),
        (lambda x, W: ag.conv2d(x, W, np.zeros(2)), ag.ShapeError,
         r"Convolution: b has shape \(2,\); W has shape \(3, 2, 3, 2\), so b needs shape \(3,\)"),
        (lambda x, W: ag.conv_transpose2d(x, W), ag.ShapeError,
         r"ConvTranspose: x has shape \(2, 2, 5, 4\) \(2 channels\) but W has shape "
         r"\(3, 2, 3, 2\)"),
        (lambda x, W: ag.max_pool2d(x, 0), ag.InvalidArgumentError,
         r"Pooling: pool_h/pool_w must be an int >= 1"),
        (lambda x, W: ag.max_pool2d(x, 2, stride=(1, 0)), ag.InvalidArgumentError,
         r"Pooling: stride must be"),
        (lambda x, W: ag.max_pool2d(x, 6), ag.ShapeError,
         r"Pooling: the pool \(6, 6\) is larger than the padded input \(5, 4\)"),
        (lambda x, W: ag.avg_pool2d(x.reshape(20, 4), 2), ag.ShapeError,
         r"AvgPooling: x must be 4-D"),
        (lambda x, W: ag.max_pool2d(x, 2, pad=2), ag.InvalidArgumentError,
         r"Pooling: pad \(2, 2\) must be smaller than the pool"),
        (lambda x, W: ag.im2col(x, 6, 1), ag.ShapeError, r"Im2Col: the filter \(6, 1\)"),
        (lambda x, W: ag.col2im(np.zeros((3, 3)), x.shape, 2, 2), ag.ShapeError,
         r"Col2Im: col has shape \(3, 3\); .* it needs shape \(24, 8\)"),
    ],
)
def test_bad_input_raises_a_named_error_and_changes_nothing(call, error, message):
    x = ag.Tensor(X, name="x")
    W = ag.Tensor(RNG.uniform(-1, 1, size=(3, 2, 3, 2)), name="W")
    before = _unchanged(x.data, W.data)
    with pytest.raises(error, match=message):
        call(x, W)
    np.testing.assert_array_equal(x.data, before[0])
    np.testing.assert_array_equal(W.data, before[1])
    assert x.grad is None and W.grad is None and x.is_leaf and W.is_leaf
