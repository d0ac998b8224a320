"""An outside oracle: values and first-order gradients of the convolution family against
PyTorch float64 (rtol 1e-7). Skipped where torch is not installed (CI never downloads it); the
numerical checks in test_conv_ops.py and the registry tests carry the suite without it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_lite as ag

torch = pytest.importorskip("torch")
F = torch.nn.functional

CONFIGS = list(itertools.product([1, 2, 3, (2, 1)], [0, 1, 2, (0, 2)]))


def _t(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _compare(ours, theirs, arrays, rng):
    """Same values; same gradients of sum(g * output) for a random g, for every input."""
    ts = [ag.Tensor(a) for a in arrays]
    y = ours(*ts)
    tt = [_t(a) for a in arrays]
    z = theirs(*tt)
    np.testing.assert_allclose(y.data, z.detach().numpy(), rtol=1e-7, atol=1e-10)
    g = rng.normal(size=y.shape)
    y.backward(g)
    z.backward(torch.tensor(g))
    for a, b in zip(ts, tt):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("stride, pad", CONFIGS)
def test_conv2d_matches_pytorch(stride, pad):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 9, 8))
    W = rng.normal(size=(4, 3, 3, 2))  # rectangular filters, several channels
    b = rng.normal(size=4)
    _compare(lambda x, W, b: ag.conv2d(x, W, b, stride=stride, pad=pad),
             lambda x, W, b: F.conv2d(x, W, b, stride=stride, padding=pad), [x, W, b], rng)
    _compare(lambda x, W: ag.conv2d(x, W, stride=stride, pad=pad),
             lambda x, W: F.conv2d(x, W, stride=stride, padding=pad), [x, W], rng)


@pytest.mark.parametrize("stride, pad", CONFIGS)
def test_conv_transpose2d_matches_pytorch(stride, pad):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4, 5))
    W = rng.normal(size=(3, 2, 3, 4))  # (C_in, C_out, FH, FW)
    b = rng.normal(size=2)
    _compare(lambda x, W, b: ag.conv_transpose2d(x, W, b, stride=stride, pad=pad),
             lambda x, W, b: F.conv_transpose2d(x, W, b, stride=stride, padding=pad),
             [x, W, b], rng)


@pytest.mark.parametrize("pool, stride, pad", [
    (2, None, 0), (3, 2, 1), ((3, 2), (1, 2), (1, 0)), (2, 1, 1), ((2, 3), 3, (0, 1)),
])
def test_pooling_matches_pytorch(pool, stride, pad):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 7, 8))
    ph, pw = (pool, pool) if np.isscalar(pool) else pool
    theirs_stride = pool if stride is None else stride
    _compare(lambda x: ag.max_pool2d(x, ph, pw, stride=stride, pad=pad),
             lambda x: F.max_pool2d(x, pool, theirs_stride, pad), [x], rng)
    _compare(lambda x: ag.avg_pool2d(x, ph, pw, stride=stride, pad=pad),
             lambda x: F.avg_pool2d(x, pool, theirs_stride, pad), [x], rng)


def test_max_pooling_ties_match_pytorch():
    rng = np.random.default_rng(3)
    x = np.round(rng.uniform(-1, 1, size=(2, 2, 6, 6)))  # values in {-1, 0, 1}: ties everywhere
    _compare(lambda x: ag.max_pool2d(x, 2, stride=1), lambda x: F.max_pool2d(x, 2, 1), [x], rng)
    _compare(lambda x: ag.max_pool2d(x, 3, stride=2, pad=1),
             lambda x: F.max_pool2d(x, 3, 2, 1), [x], rng)


@pytest.mark.parametrize("stride, pad", CONFIGS)
def test_im2col_and_col2im_match_unfold_and_fold(stride, pad):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 7, 6))

    def unfold(x):  # torch: (N, C*FH*FW, L); the book: (N*L, C*FH*FW)
        cols = F.unfold(x, (3, 2), stride=stride, padding=pad)
        return cols.transpose(1, 2).reshape(-1, cols.shape[1])

    _compare(lambda x: ag.im2col(x, 3, 2, stride=stride, pad=pad), unfold, [x], rng)
    col = ag.im2col(x, 3, 2, stride=stride, pad=pad).data

    def fold(c):
        rows = c.reshape(2, -1, c.shape[1]).transpose(1, 2)
        return F.fold(rows, (7, 6), (3, 2), stride=stride, padding=pad)

    _compare(lambda c: ag.col2im(c, x.shape, 3, 2, stride=stride, pad=pad), fold,
             [rng.normal(size=col.shape)], rng)


def test_log_softmax_and_sum_to_match_pytorch():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 4, 5)) * 10
    for axis in (0, 1, -1):
        _compare(lambda x, axis=axis: ag.log_softmax(x, axis=axis),
                 lambda x, axis=axis: F.log_softmax(x, dim=axis), [x], rng)
    for shape in [(4, 1), (1, 5), (3, 1, 1), (5,), (1,)]:
        _compare(lambda x, s=shape: ag.sum_to(x, s), lambda x, s=shape: x.sum_to_size(s), [x],
                 rng)


def test_batchnorm2d_matches_pytorch_in_training_and_eval():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 3, 5, 6)) * 2 + 1
    ours = ag.nn.BatchNorm2d(3, eps=1e-5)
    theirs = torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1).double()
    with torch.no_grad():
        gamma, beta = rng.normal(size=3), rng.normal(size=3)
        theirs.weight.copy_(torch.tensor(gamma))
        theirs.bias.copy_(torch.tensor(beta))
    ours.gamma.data[...] = gamma
    ours.beta.data[...] = beta
    _compare(lambda x: ours(x), lambda x: theirs(x), [x], rng)
    np.testing.assert_allclose(ours.gamma.grad, theirs.weight.grad.numpy(), rtol=1e-7)
    np.testing.assert_allclose(ours.beta.grad, theirs.bias.grad.numpy(), rtol=1e-7)
    # the book's momentum 0.9 keeps 0.9 of the old statistic: PyTorch's momentum 0.1. PyTorch
    # moves the running variance with the unbiased batch variance, the book with the biased
    # one, so the running means agree and the variances differ by the factor n / (n - 1).
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-7)
    ours.eval()
    theirs.eval()
    n = x.shape[0] * x.shape[2] * x.shape[3]
    theirs.running_var.copy_(torch.tensor(ours.running_var))
    _compare(lambda x: ours(x), lambda x: theirs(x), [x], rng)
    assert n > 1
