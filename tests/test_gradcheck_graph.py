"""check_graph on correct models: every node ok, in topological order, with the interface the
graph picture relies on (.ok, .nodes, .failures, NodeCheck .tensor .label .ok .max_abs_error
.max_rel_error .message). Broken nodes are found in test_tester_planted_bugs.py."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag

RNG = np.random.default_rng(11)


def two_layer(dtype=np.float64, hidden=5):
    x = RNG.uniform(-1, 1, size=(4, 3)).astype(dtype)
    params = {
        "W1": ag.Tensor(RNG.normal(0, 1, (3, hidden)), name="W1", dtype=dtype),
        "b1": ag.Tensor(RNG.normal(0, 0.1, hidden), name="b1", dtype=dtype),
        "W2": ag.Tensor(RNG.normal(0, 1, (hidden, 3)), name="W2", dtype=dtype),
        "b2": ag.Tensor(RNG.normal(0, 0.1, 3), name="b2", dtype=dtype),
    }
    with ag.name_scope("layer1"):
        h = ag.relu(ag.affine(x, params["W1"], params["b1"]))
    with ag.name_scope("layer2"):
        logits = ag.affine(h, params["W2"], params["b2"])
    loss = ag.softmax_with_loss(logits, np.array([0, 2, 1, 2]))
    return loss, params, h


def test_a_correct_model_passes_at_every_node_in_topological_order():
    loss, params, h = two_layer()
    report = ag.check_graph(loss)
    assert report.ok and report.failures == []
    assert [n.label for n in report.nodes] == ["Affine", "ReLU", "Affine", "SoftmaxWithLoss"]
    assert report.nodes[1].tensor is h and report.nodes[-1].tensor is loss
    assert [n.scope for n in report.nodes] == ["layer1", "layer1", "layer2", ""]
    for n in report.nodes:
        assert n.ok and n.max_abs_error < 1e-6 and n.max_rel_error < 1e-3
        assert n.message.startswith(f"{n.label}: ok, max abs error")
    text = str(report)
    assert "4 node(s), ok" in text and "layer1/ReLU" in text
    assert "<table>" in report._repr_html_()
    assert report.assert_ok() is report


def test_before_and_after_backward_give_the_same_result():
    loss, params, _ = two_layer()
    before = [n.max_abs_error for n in ag.check_graph(loss, seed=3).nodes]
    loss.backward()
    after = [n.max_abs_error for n in ag.check_graph(loss, seed=3).nodes]
    assert before == after
    assert all(p.grad is not None for p in params.values())


def test_an_input_changed_after_the_graph_was_built_is_noted():
    loss, params, _ = two_layer()
    loss.backward()
    params["W2"].data -= 0.1 * params["W2"].grad  # an optimizer step
    report = ag.check_graph(loss)
    assert report.ok
    assert any("recomputing the forward" in note for note in report.nodes[2].report.notes)


def test_large_inputs_are_checked_along_random_directions_in_auto_mode():
    loss, _, _ = two_layer(hidden=100)  # W1 has 300 elements, b1 100
    report = ag.check_graph(loss)
    assert report.ok
    first = report.nodes[0].report
    assert first["W"].kind == "direction" and first["b"].kind == "element"
    assert [c.name for c in first.inputs] == ["W", "b"]  # x is data: no gradient needed


def test_a_float32_model_passes_with_dtype_tolerances():
    loss, _, _ = two_layer(np.float32)
    report = ag.check_graph(loss)
    assert report.ok, report
    precision = report.nodes[0].report.precision
    assert precision.analytic_dtype == np.float32 and precision.dtype == np.float64


def test_a_leaf_or_constant_has_no_nodes():
    assert ag.check_graph(ag.Tensor(np.ones(2))).nodes == []
    assert ag.check_graph(ag.Tensor(np.ones(2), requires_grad=False) * 2).ok


def test_bad_arguments():
    with pytest.raises(ag.InvalidArgumentError, match="check_graph: loss must be a Tensor"):
        ag.check_graph(np.ones(2))
    with pytest.raises(ag.InvalidArgumentError, match="check_graph: eps must be"):
        ag.check_graph(ag.Tensor(np.ones(2)), eps=0)
