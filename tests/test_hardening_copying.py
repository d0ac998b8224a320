"""copy.deepcopy, copy.copy and pickle of tensors whose graphs are deep: no RecursionError,
values, gradients and shared inputs kept."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import autograd_lite as ag

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"


def _chain(n):
    x = ag.Tensor([1.0, 2.0], name="x")
    y = x
    for i in range(n):
        y = y * 1.0001 if i % 2 else y + 0.5
    return x, y


@pytest.mark.parametrize("n", [150, 20_000])
@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_deep_chain_copies_without_recursion(n, how):
    x, y = _chain(n)
    z = copy.deepcopy(y) if how == "deepcopy" else pickle.loads(pickle.dumps(y))
    np.testing.assert_array_equal(z.data, y.data)
    assert z is not y and z.node.label == y.node.label
    # the copy's graph is whole: backward reaches the copy of x
    leaves = [t for t in ag.engine.topological_order(z) if t.node is None]
    assert len(leaves) == 1 and leaves[0] is not x and leaves[0].name == "x"
    z.sum().backward()
    # d/dx of the chain: every "* 1.0001" multiplies the slope, "+ 0.5" keeps it
    expected = 1.0001 ** (n // 2)
    np.testing.assert_allclose(leaves[0].grad, [expected, expected], rtol=1e-9)
    assert x.grad is None


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_shared_inputs_stay_shared(how):
    a = ag.Tensor([1.0, 2.0], name="a")
    b = a * 2
    c = a * 3
    d = b + c
    for items in ([a, b, c, d], [d, a, b], [b, d]):
        got = copy.deepcopy(items) if how == "deepcopy" else pickle.loads(pickle.dumps(items))
        by_name = {id(orig): new for orig, new in zip(items, got)}
        for orig, new in zip(items, got):
            if orig.node is None:
                continue
            for inp, new_inp in zip(orig.node.inputs, new.node.inputs):
                if id(inp) in by_name:
                    assert new_inp is by_name[id(inp)]
                assert new_inp is not inp
        copied_d = got[next(i for i, item in enumerate(items) if item is d)]
        leaves = {id(t) for t in ag.engine.topological_order(copied_d) if t.node is None}
        assert len(leaves) == 1  # b and c still share one a


def test_shallow_copy_shares_the_inputs():
    a = ag.Tensor([1.0, 2.0])
    b = a * 2
    c = copy.copy(b)
    assert c is not b and c.node.inputs[0] is a and c.data is b.data


def test_a_model_and_its_parameters_deep_copy():
    model = ag.nn.MLP([3, 4, 2], rng=0)
    clone = copy.deepcopy(model)
    for p, q in zip(model.parameters(), clone.parameters()):
        assert type(q) is ag.nn.Parameter and q is not p
        np.testing.assert_array_equal(p.data, q.data)
    clone.parameters()[0].data[...] = 0
    assert model.parameters()[0].data.any()
