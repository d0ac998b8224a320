"""docs/errors.md quotes every message the hardening added, as the user sees it."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from test_docs import _catalogue_lines, output_matches

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.cli.main import main

T = ag.Tensor


def _model_state_with_none():
    model = nn.MLP([3, 4, 2], rng=0)
    state = model.state_dict()
    state["Affine2.b"] = None
    model.load_state_dict(state)


def _step_with_string_grad():
    b = T([1.0, 2.0], name="b")
    b.grad = np.array(["a", "b"])
    ag.optim.SGD([b]).step()


PYTHON_CASES = [
    lambda: ag.reshape(T(np.ones((2, 3))), (2.0, 3)),
    lambda: ag.apply(ag.REGISTRY["BroadcastTo"], T(np.ones(3)), shape=(2, "a")),
    lambda: ag.transpose(T(np.ones((2, 3))), "ab"),
    lambda: ag.sum(T(np.ones((2, 3))), keepdims="yes"),
    lambda: ag.softmax(T(np.ones((2, 3))), axis=1.5),
    lambda: ag.softmax(T(np.ones((2, 3))), axis=5),
    lambda: ag.softmax(T(np.zeros(0))),
    lambda: ag.apply(ag.REGISTRY["BatchNorm"], np.zeros((0, 3)), np.ones(3), np.zeros(3)),
    lambda: ag.softmax_with_loss(T(np.zeros((0, 3))), np.zeros(0, int)),
    lambda: ag.softmax_with_loss(T(np.zeros((2, 0))), np.zeros(2, int)),
    lambda: ag.sigmoid_with_loss(T([0.1]), np.array(["a"])),
    lambda: nn.Affine(3, 2, dtype=np.int32),
    lambda: nn.Affine(3, 2, rng=np.random.RandomState(0)),
    lambda: nn.Affine(0, 2),
    lambda: nn.MLP(5),
    lambda: nn.MLP([3, 2], activation=["relu"]),
    lambda: nn.MLP([3, 2], batchnorm="yes"),
    lambda: nn.Dropout(1.0),
    lambda: nn.BatchNorm(3, momentum=1.5),
    lambda: nn.BatchNorm(3, eps=0),
    lambda: nn.LeakyReLU("a"),
    _model_state_with_none,
    lambda: nn.MLP([2, 2]).save(5),
    lambda: ag.render((T([1.0]) * 2).sum(), "/tmp/a\0.png"),
    _step_with_string_grad,
    lambda: ag.book.SGD().update({"W1": np.ones(2), "W2": np.ones(2)},
                                 {"W1": np.ones(2), "W2": np.array(["a", "b"])}),
    lambda: ag.book.Adam().update({"W2": np.array([1, 2])}, {"W2": np.ones(2)}),
    lambda: ag.book.MultiLayerNetExtend(3, [4], 2, use_batchnorm="yes"),
    lambda: ag.book.Trainer("net", np.ones((2, 3)), np.zeros(2), np.ones((2, 3)), np.zeros(2)),
    lambda: ag.book.Trainer(ag.book.TwoLayerNet(3, 2, 2, rng=0), np.ones((2, 3)), np.zeros(2),
                            np.ones((2, 3)), np.zeros(2), evaluate_sample_num_per_epoch=1.5),
    lambda: ag.book.Trainer(ag.book.TwoLayerNet(3, 2, 2, rng=0), np.ones((2, 3)), np.zeros(2),
                            np.ones((2, 3)), np.zeros(2), optimizer_param={"rate": 0.1}),
    lambda: ag.book.Relu().forward("a"),
    lambda: ag.gradcheck(lambda a: a.sum(), [np.ones(2)], directions=0),
    lambda: ag.gradcheck(lambda a: a.sum(), [np.ones(2)], eps=1e-20),
    lambda: ag.gradcheck(lambda a: a.sum(), [np.ones(2)], seed=-1),
    lambda: ag.gradcheck(lambda a: a.sum(), [np.ones(2)], raise_on_failure="yes"),
    lambda: ag.check_op(ag.REGISTRY["Tanh"], rng="0"),
    lambda: ag.check_layer(ag.book.Relu(), np.ones(2), forward_kwargs=5),
    lambda: ag.check_layer(ag.book.Relu(), np.ones(2), forward_kwargs={"flg": 1}),
    lambda: ag.data.load_digits(seed=1.5),
    lambda: ag.data.stratified_split(np.zeros((2, 2)), 0.5),
    lambda: ag.data.one_hot(np.array([0, 1]), 2.5),
    lambda: list(ag.data.batches(np.ones((4, 2)), np.zeros(4), 2, rng=1.5)),
    lambda: ag.fit(nn.MLP([3, 3], rng=0), ag.optim.SGD(nn.MLP([3, 3], rng=0).parameters()),
                   (np.ones((4, 3)), np.array([0, 1, 2, 1])), epochs=1, batch_size=2, rng="x"),
    lambda: ag.fit(nn.MLP([3, 3], rng=0), ag.optim.SGD(nn.MLP([3, 3], rng=0).parameters()),
                   (np.ones((4, 3)), np.array([0, 1, 2, 1])), epochs=1, batch_size=2,
                   loss=lambda y, t: 1.0),
]


@pytest.mark.parametrize("index", range(len(PYTHON_CASES)))
def test_the_catalogue_quotes_each_new_message(index):
    with pytest.raises(ag.AutogradLiteError) as info:
        PYTHON_CASES[index]()
    message = str(info.value)
    assert any(output_matches(line, message) for line in _catalogue_lines()), message


CLI_CASES = [
    ["graph", "sigmod(x)", "--input", "x=2"],
    ["graph", "x.sm()", "--input", "x=2"],
    ["graph", "relu(wieghts)", "--input", "weights=2"],
    ["graph", "np.exp(x)", "--input", "x=2"],
    ["graph", "1" * 309 + " + x", "--input", "x=1"],
    ["graph", "broadcast_to(x, (2, 2) * 2)", "--input", "x=1"],
    ["graph", "broadcast_to(x,(100000,100000))", "--input", "x=1"],
    ["graph", "(a*b).sum()", "--input", "a=1000000,1", "--input", "b=1,1000000"],
    ["graph", " + ".join(["x"] * 30), "--input", "x=1000,1000"],
    ["check", "x.sum()", "--input", "x=1000,1000"],
    ["graph", "(a@b@b@b).sum()", "--input", "a=1000,1000", "--input", "b=1000,1000"],
    ["graph", "(a@b).sum()", "--input", "a=1000,1000", "--input", "b=1000,1000", "--check"],
    ["check", "(x ** 0.5).sum()", "--input", "x=3"],
    ["grpah", "x"],
    ["train", "--model", "mlp", "--hidden", "100000", "100000", "--epochs", "1"],
    ["train", "--hidden", "20000", "--batch-size", "5000", "--epochs", "1"],
    ["graph", "x", "--input", "x=2", "--seed", "-1"],
]


@pytest.mark.parametrize("argv", CLI_CASES, ids=[" ".join(a)[:40] for a in CLI_CASES])
def test_the_catalogue_quotes_each_new_command_line_message(argv, capsys):
    assert main(copy.copy(argv)) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert any(output_matches(line, first) for line in _catalogue_lines()), first
