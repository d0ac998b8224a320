"""PyTorch as an oracle for second and third derivatives, where it is installed.

CI does not install PyTorch (its default wheel pulls gigabytes of CUDA libraries); there the
numerical ``order=2`` checks (tests/test_higher_order*.py and the registry tests) carry the suite.
Random programs mix every kind of op (elementwise, broadcasting, reductions, matmul, softmax,
losses, indexing) and reuse nodes; the same program runs in both libraries on float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag

torch = pytest.importorskip("torch")


def _lib(name):
    """The same operations in both libraries."""
    if name == "ag":
        return {
            "exp": ag.exp, "tanh": ag.tanh, "sigmoid": ag.sigmoid, "relu": ag.relu,
            "log1p_sq": lambda a: ag.log(a * a + 1.0), "sqrt1p_sq": lambda a: np.sqrt(a * a + 1.0),
            "softmax": lambda a: ag.softmax(a, axis=-1),
            "sum0": lambda a: a.sum(axis=0, keepdims=True),
            "mean1": lambda a: a.mean(axis=-1, keepdims=True),
            "max1": lambda a: a.max(axis=-1, keepdims=True),
            "matmul": lambda a, b: a @ b.T, "mul": lambda a, b: a * b, "add": lambda a, b: a + b,
            "div": lambda a, b: a / (b * b + 1.0), "pow3": lambda a: a**3,
            "getitem": lambda a: a[::-1] * 1.0, "logaddexp": lambda a, b: np.logaddexp(a, b),
            "abs": lambda a: np.abs(a), "where": lambda a, b: np.where(a.data > 0, a, b),
        }
    F = torch
    return {
        "exp": F.exp, "tanh": F.tanh, "sigmoid": F.sigmoid, "relu": F.relu,
        "log1p_sq": lambda a: F.log(a * a + 1.0), "sqrt1p_sq": lambda a: F.sqrt(a * a + 1.0),
        "softmax": lambda a: F.softmax(a, dim=-1), "sum0": lambda a: a.sum(dim=0, keepdim=True),
        "mean1": lambda a: a.mean(dim=-1, keepdim=True),
        "max1": lambda a: a.max(dim=-1, keepdim=True).values,
        "matmul": lambda a, b: a @ b.T, "mul": lambda a, b: a * b, "add": lambda a, b: a + b,
        "div": lambda a, b: a / (b * b + 1.0), "pow3": lambda a: a**3,
        "getitem": lambda a: a.flip(0) * 1.0, "logaddexp": F.logaddexp, "abs": F.abs,
        "where": lambda a, b: F.where(a.detach() > 0, a, b),
    }


UNARY = ["exp", "tanh", "sigmoid", "relu", "log1p_sq", "sqrt1p_sq", "softmax", "sum0", "mean1",
         "max1", "pow3", "getitem", "abs"]
BINARY = ["matmul", "mul", "add", "div", "logaddexp", "where"]


def _program(rng, steps=6):
    plan = []
    for _ in range(steps):
        if rng.random() < 0.5:
            plan.append((UNARY[rng.integers(len(UNARY))], int(rng.integers(0, 10))))
        else:
            plan.append((BINARY[rng.integers(len(BINARY))], int(rng.integers(0, 10)),
                         int(rng.integers(0, 10))))
    return plan


def _run(plan, lib, x, w):
    ops = _lib(lib)
    values = [x, w]  # every step may reuse any earlier value (nodes used several times)
    for step in plan:
        args = [values[i % len(values)] for i in step[1:]]
        if step[0] == "matmul" and args[0].shape[-1] != args[1].shape[-1]:
            args[1] = args[0]
        y = ops[step[0]](*args)
        if tuple(y.shape) != tuple(x.shape):  # back to x's shape: broadcast, or a scalar times x
            y = y * x if y.shape[-1] in (1, x.shape[-1]) else y.sum() * x
        values.append(y)
    out = values[-1]
    return (out * out).sum() + values[2].sum()


@pytest.mark.parametrize("seed", range(300))
def test_second_and_third_derivatives_match_pytorch(seed):
    rng = np.random.default_rng(seed)
    plan = _program(rng)
    xv, wv = rng.uniform(-1.5, 1.5, size=(3, 4)), rng.uniform(-1.5, 1.5, size=(3, 4))
    u, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))

    x, w = ag.Tensor(xv), ag.Tensor(wv)
    (g,) = ag.grad(_run(plan, "ag", x, w), x, create_graph=True, allow_unused=True)
    tx = torch.tensor(xv, requires_grad=True)
    tw = torch.tensor(wv, requires_grad=True)
    (tg,) = torch.autograd.grad(_run(plan, "torch", tx, tw), tx, create_graph=True,
                                allow_unused=True)
    assert (g is None) == (tg is None), plan  # both see whether the program uses x
    if g is None:
        return
    np.testing.assert_allclose(g.data, tg.detach().numpy(force=True), rtol=1e-7, atol=1e-10,
                               err_msg=str(plan))
    if not g.requires_grad:  # ours knows g is constant (ReLU's mask); PyTorch's must be 0 then
        if tg.requires_grad:
            (th,) = torch.autograd.grad((tg * torch.tensor(u)).sum(), tx, allow_unused=True)
            assert th is None or not np.any(th.numpy(force=True)), plan
        return
    (h,) = ag.grad((g * u).sum(), x, create_graph=True, allow_unused=True)
    third = None
    if h is not None and h.requires_grad:
        (third,) = ag.grad((h * v).sum(), x, allow_unused=True)

    (th,) = torch.autograd.grad((tg * torch.tensor(u)).sum(), tx, create_graph=True,
                                allow_unused=True)
    th_values = np.zeros((3, 4)) if th is None else th.detach().numpy(force=True)
    if not np.all(np.isfinite(th_values)):
        return  # PyTorch overflowed where ours did not (its logaddexp backward at 1e8): no oracle
    h_values = np.zeros((3, 4)) if h is None else h.data
    np.testing.assert_allclose(h_values, th_values, rtol=1e-7, atol=1e-10, err_msg=str(plan))
    if th is not None and th.requires_grad:
        (tt,) = torch.autograd.grad((th * torch.tensor(v)).sum(), tx, allow_unused=True)
        expected = np.zeros((3, 4)) if tt is None else tt.numpy(force=True)
        got = np.zeros((3, 4)) if third is None else third
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-10, err_msg=str(plan))
