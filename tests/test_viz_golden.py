"""Golden DOT files: representative graphs must export to exactly the stored text.

The DOT is deterministic (ids from the graph walk, sorted attributes, fixed number formatting),
so any change to a picture shows up here as a diff. After an intended change, regenerate with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_viz_golden.py

which rewrites the files and fails on purpose, naming them, so nothing is regenerated silently:
review ``git diff tests/golden`` and run the tests again without UPDATE_GOLDEN.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pygraphviz
import pytest

import autograd_lite as ag

GOLDEN = Path(__file__).resolve().parent / "golden"


def check_golden(name: str, source: str) -> None:
    path = GOLDEN / f"{name}.dot"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(source, encoding="utf-8")
        pytest.fail(f"rewrote {path}; review `git diff tests/golden`, then rerun without "
                    "UPDATE_GOLDEN")
    if not path.exists():
        pytest.fail(f"{path} is missing; create it with UPDATE_GOLDEN=1 pytest {__file__}")
    assert source == path.read_text(encoding="utf-8"), (
        f"{name}: the DOT differs from {path}; if the change is intended, regenerate with "
        "UPDATE_GOLDEN=1 (see this file's docstring)"
    )


def apple_graph():
    """The book's first graph: 2 apples at 100 yen each, with 10% tax."""
    apple = ag.Tensor(100.0, name="apple")
    apple_num = ag.Tensor(2.0, name="apple_num")
    tax = ag.Tensor(1.1, name="tax")
    apple_price = apple * apple_num
    apple_price.name = "apple_price"
    price = apple_price * tax
    price.name = "price"
    return price


def apple_orange_graph():
    """2 apples at 100 and 3 oranges at 150, with 10% tax: Mul, Mul, Add, Mul."""
    apple, apple_num = ag.Tensor(100.0, name="apple"), ag.Tensor(2.0, name="apple_num")
    orange, orange_num = ag.Tensor(150.0, name="orange"), ag.Tensor(3.0, name="orange_num")
    tax = ag.Tensor(1.1, name="tax")
    price = (apple * apple_num + orange * orange_num) * tax
    price.name = "price"
    return price


def two_layer_net():
    x = np.array([[1.0, 0.5], [-1.0, 2.0], [0.0, -0.5]])
    t = np.array([0, 1, 1])
    W1 = ag.Tensor([[0.5, -0.25, 1.0], [0.75, 0.5, -0.5]], name="W1")
    b1 = ag.Tensor([0.0, 0.5, -0.5], name="b1")
    W2 = ag.Tensor([[1.0, -1.0], [0.5, 0.25], [-0.5, 0.75]], name="W2")
    b2 = ag.Tensor([0.25, -0.25], name="b2")
    with ag.name_scope("layer1"):
        h = ag.affine(x, W1, b1).relu()
    with ag.name_scope("layer2"):
        y = ag.affine(h, W2, b2)
    loss = ag.softmax_with_loss(y, t)
    loss.name = "loss"
    return loss


def reuse_broadcast_graph():
    """x is used three times; b (3,) is broadcast against (2, 3); a named data tensor."""
    x = ag.Tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.5]], name="x")
    b = ag.Tensor([0.5, 1.0, -1.0], name="b")
    scale = ag.Tensor(2.0, requires_grad=False, name="scale")
    y = x * x + b * scale
    z = (y - x).sum(axis=0)
    return z.mean()


def test_apple_forward():
    check_golden("apple", apple_graph().to_dot(values=True).source)


def test_apple_with_grads_and_legend():
    price = apple_graph()
    price.backward()
    check_golden("apple_grads", ag.to_dot(price, values=True, grads=True, legend=True).source)


def test_apple_orange():
    price = apple_orange_graph()
    price.backward()
    check_golden("apple_orange", ag.to_dot(price, values=True, grads=True).source)


def test_two_layer_net():
    check_golden("two_layer_net", ag.to_dot(two_layer_net(), rankdir="TB").source)


def test_two_layer_net_collapsed():
    loss = two_layer_net()
    loss.backward()
    check_golden("two_layer_net_collapsed",
                 ag.to_dot(loss, collapse="layer", values=True, grads=True).source)


def test_two_layer_net_collapsed_legend_lists_only_what_is_drawn():
    """Before backward: layer boxes, a constant batch and labels, no gradient yet, so the key has
    no parameter, intermediate, data or gradient rows."""
    check_golden("two_layer_net_collapsed_legend",
                 ag.to_dot(two_layer_net(), collapse="layer", grads=True, legend=True).source)


def test_reuse_and_broadcasting():
    loss = reuse_broadcast_graph()
    loss.backward()
    check_golden("reuse_broadcast", ag.to_dot(loss, values=True, grads=True).source)


def test_network_diagram():
    check_golden("network_2_3_2_2", ag.draw_network([2, 3, 2, 2]).source)


def op_case(label: str, seed: int = 0):
    """One application of a registered op to inputs its domain draws."""
    op = ag.REGISTRY[label]
    arrays, params = op.domain.draw(np.random.default_rng(seed))
    inputs = [a if i in op.domain.nondiff else ag.Tensor(a, name=f"in{i}")
              for i, a in enumerate(arrays)]
    return ag.apply(op, *inputs, **params)


@pytest.mark.parametrize("label", sorted(ag.REGISTRY))
def test_every_registered_op_appears_with_its_label(label):
    y = op_case(label)
    source = y.to_dot().source
    assert y.node.label == label
    assert source.count(f"<B>{label}</B>") == 1
    # op nodes are f<n>, value nodes v<n>: exactly one op, and one value per input plus the output
    assert len(re.findall(r"^\tf\d+ \[", source, re.M)) == 1
    assert len(re.findall(r"^\tv\d+ \[", source, re.M)) == len(y.node.inputs) + 1
    assert source == op_case(label).to_dot().source
    y.sum().backward()
    full = ag.to_dot(y, values=True, grads=True).source
    first = min(set(range(len(y.node.inputs))) - set(ag.REGISTRY[label].nondiff))
    assert "not computed" not in full.split(f"<B>in{first}</B>")[1].split("\tf")[0]
    assert len(pygraphviz.AGraph(string=full).nodes()) == len(y.node.inputs) + 2
