"""ag.book's chapters 7 and 8: SimpleConvNet, DeepConvNet, the Convolution and Pooling layers,
im2col/col2im, and weights files (``.npz`` always written; the book's pickles read safely).

References come from the book's formulas: the NumPy layers in benchmarks/baselines/book_convnet.py
and the book's initialisation order written out below."""

from __future__ import annotations

import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.book import (
    BatchNormalization,
    Convolution,
    DeepConvNet,
    Pooling,
    SimpleConvNet,
    col2im,
    im2col,
)
from autograd_lite.book.gradient import numerical_gradient
from benchmarks.baselines import book_convnet as book

SMALL = {"filter_num": 4, "filter_size": 3, "pad": 0, "stride": 1}


def _small_net(seed, std=0.01, **kw):
    return SimpleConvNet(input_dim=(1, 8, 8), conv_param=dict(SMALL), hidden_size=6,
                         output_size=10, weight_init_std=std, rng=np.random.default_rng(seed),
                         **kw)


# ----- the book's random draws -----------------------------------------------------------------

def test_simple_convnet_draws_the_books_weights_from_the_global_seed():
    np.random.seed(42)
    net = SimpleConvNet()
    np.random.seed(42)
    expected = {  # the book's order and scales: W1, W2, W3 from np.random.randn
        "W1": 0.01 * np.random.randn(30, 1, 5, 5),
        "W2": 0.01 * np.random.randn(30 * 12 * 12, 100),
        "W3": 0.01 * np.random.randn(100, 10),
    }
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for key, value in expected.items():
        np.testing.assert_array_equal(net.params[key], value)
    for key, n in (("b1", 30), ("b2", 100), ("b3", 10)):
        np.testing.assert_array_equal(net.params[key], np.zeros(n))


def test_deep_convnet_draws_the_books_weights_with_he_scales():
    np.random.seed(7)
    net = DeepConvNet()
    np.random.seed(7)
    fan_in = [1 * 9, 16 * 9, 16 * 9, 32 * 9, 32 * 9, 64 * 9, 64 * 4 * 4, 50]  # the book's list
    shapes = [(16, 1, 3, 3), (16, 16, 3, 3), (32, 16, 3, 3), (32, 32, 3, 3), (64, 32, 3, 3),
              (64, 64, 3, 3), (64 * 4 * 4, 50), (50, 10)]
    for i, (n_in, shape) in enumerate(zip(fan_in, shapes), 1):
        expected = np.sqrt(2.0 / n_in) * np.random.randn(*shape)
        np.testing.assert_array_equal(net.params[f"W{i}"], expected)
        assert net.params[f"b{i}"].shape == shape[:1] if i <= 6 else (shape[1],)


# ----- gradients ---------------------------------------------------------------------------------

def _margins(net, x):
    """The smallest |pre-activation| of each ReLU and the smallest gap between the two largest
    values of a pooling window: a numerical step smaller than these crosses no kink."""
    P = net.params
    conv = book.Convolution(P["W1"], P["b1"]).forward(x)
    windows = book.im2col(np.maximum(conv, 0), 2, 2, 2).reshape(-1, 4)
    top2 = np.sort(windows, axis=1)[:, -2:]
    pooled = np.max(windows, axis=1).reshape(x.shape[0], 6, 6, -1).transpose(0, 3, 1, 2)
    hidden = pooled.reshape(x.shape[0], -1) @ P["W2"] + P["b2"]
    live = top2[:, 1] > 0  # a window of ReLU zeros passes no gradient, whichever wins
    gaps = (top2[:, 1] - top2[:, 0])[live]
    return min(np.min(np.abs(conv)), np.min(gaps, initial=1.0), np.min(np.abs(hidden)))


def test_gradient_agrees_with_numerical_gradient_to_1e_6_away_from_kinks():
    rng = np.random.default_rng(0)
    checked = 0
    for seed in range(40):
        net = _small_net(seed, std=0.3)
        x = rng.random((2, 1, 8, 8))
        t = rng.integers(0, 10, size=2)
        if _margins(net, x) < 2e-3:  # the step h = 1e-4 moves no value by more than ~1e-3
            continue
        backprop = net.gradient(x, t)
        # the book's loss has + 1e-7 inside the log and its backward ignores it, so the exact
        # loss (loss_tensor, without it) is what backprop's gradient is compared with to 1e-6
        def exact_loss(_, net=net, x=x, t=t):
            return net.loss_tensor(x, t).item()

        exact = {key: numerical_gradient(exact_loss, value) for key, value in net.params.items()}
        books = net.numerical_gradient(x, t)
        for key in net.params:
            assert np.max(np.abs(exact[key] - backprop[key])) < 1e-6, (seed, key)
            assert np.max(np.abs(books[key] - backprop[key])) < 1e-5, (seed, key)
        checked += 1
        if checked == 3:
            break
    assert checked == 3


GRADIENT_CHECK = """
import numpy as np
from autograd_lite.book import SimpleConvNet

network = SimpleConvNet(input_dim=(1, 10, 10),
                        conv_param={'filter_num': 10, 'filter_size': 3, 'pad': 0, 'stride': 1},
                        hidden_size=10, output_size=10, weight_init_std=0.01)

X = np.random.rand(100).reshape((1, 1, 10, 10))
T = np.array([1]).reshape((1, 1))

grad_num = network.numerical_gradient(X, T)
grad = network.gradient(X, T)

for key, val in grad_num.items():
    print(key, np.abs(grad_num[key] - grad[key]).mean())
"""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_books_gradient_check_prints_what_the_books_layers_print(seed, capsys):
    np.random.seed(seed)
    namespace = {"__name__": "__main__"}
    exec(compile(GRADIENT_CHECK, "ch07/gradient_check.py", "exec"), namespace)
    ours = {line.split()[0]: float(line.split()[1]) for line in
            capsys.readouterr().out.strip().splitlines()}
    assert list(ours) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    network, X = namespace["network"], namespace["X"]
    reference = book.BookSimpleConvNet({k: v.copy() for k, v in network.params.items()})
    T = np.array([1])
    num, grad = reference.numerical_gradient(X, T), reference.gradient(X, T)
    for key, diff in ours.items():
        books = np.abs(num[key] - grad[key]).mean()
        # as small as the book's (its 1e-7 inside the log makes its own W2..b3 rows larger)
        assert diff <= books * 1.001 + 1e-12, (key, diff, books)
    assert ours["W1"] == pytest.approx(
        np.abs(num["W1"] - grad["W1"]).mean(), rel=1e-3)  # the kinks cost both the same


def test_layers_match_the_books_layers_forward_and_backward():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 7, 6))
    W, b = rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    ours, theirs = Convolution(W, b, stride=2, pad=1), book.Convolution(W, b, stride=2, pad=1)
    y = ours.forward(x)
    np.testing.assert_allclose(y, theirs.forward(x), rtol=1e-12)
    dout = rng.normal(size=y.shape)
    np.testing.assert_allclose(ours.backward(dout), theirs.backward(dout.copy()), rtol=1e-12)
    np.testing.assert_allclose(ours.dW, theirs.dW, rtol=1e-12)
    np.testing.assert_allclose(ours.db, theirs.db, rtol=1e-12)
    pool, their_pool = Pooling(2, 2, stride=2), book.Pooling(2, 2, stride=2)
    y = pool.forward(x)
    np.testing.assert_array_equal(y, their_pool.forward(x))
    dout = rng.normal(size=y.shape)
    np.testing.assert_allclose(pool.backward(dout), their_pool.backward(dout), rtol=1e-15)
    assert Pooling(2, 2).stride == 1  # the book's default stride


def test_im2col_and_col2im_keep_the_books_names_and_results():
    x = np.random.default_rng(2).normal(size=(2, 3, 7, 7))
    np.testing.assert_array_equal(im2col(x, 5, 5, stride=1, pad=0), book.im2col(x, 5, 5, 1, 0))
    np.testing.assert_array_equal(im2col(x, 3, 3, 2, 1), book.im2col(x, 3, 3, 2, 1))
    col = book.im2col(x, 3, 3, 2, 1)
    np.testing.assert_allclose(col2im(col, x.shape, 3, 3, 2, 1),
                               book.col2im(col, x.shape, 3, 3, 2, 1), rtol=1e-13)
    assert im2col(x[:1, :1], 5, 5).shape == (9, 25)  # the book's example sizes


def test_deep_convnet_gradient_matches_a_directional_difference_with_the_same_masks():
    net = DeepConvNet(input_dim=(1, 12, 12), hidden_size=8, rng=np.random.default_rng(3))
    rng = np.random.default_rng(4)
    x, t = rng.random((2, 1, 12, 12)), np.array([3, 7])
    state = net.rng.bit_generator.state
    grads = net.gradient(x, t)
    d = {k: rng.normal(size=v.shape) for k, v in net.params.items()}
    eps = 1e-6

    def loss_at(sign):
        saved = {k: v.copy() for k, v in net.params.items()}
        for k in net.params:
            net.params[k] += sign * eps * d[k]
        net.rng.bit_generator.state = state  # the same dropout masks as the gradient saw
        value = net.loss(x, t)
        for k in net.params:
            np.copyto(net.params[k], saved[k])
        return value

    numerical = (loss_at(1) - loss_at(-1)) / (2 * eps)
    analytic = sum(np.sum(grads[k] * d[k]) for k in grads)
    assert analytic == pytest.approx(numerical, rel=1e-5, abs=1e-8)
    assert set(grads) == {f"{p}{i}" for p in "Wb" for i in range(1, 9)}


def test_accuracy_counts_every_example_in_batches():
    net = _small_net(5)
    rng = np.random.default_rng(5)
    x, t = rng.random((7, 1, 8, 8)), rng.integers(0, 10, size=7)
    predicted = np.argmax(net.predict(x), axis=1)
    expected = np.mean(predicted == t)
    assert net.accuracy(x, t, batch_size=3) == pytest.approx(expected)
    assert net.accuracy(x, np.eye(10)[t], batch_size=100) == pytest.approx(expected)


def test_batch_normalization_keeps_the_books_behaviour_on_4d_input():
    x = np.random.default_rng(6).normal(size=(5, 2, 3, 3))
    layer = BatchNormalization(np.ones(18), np.zeros(18))
    y = layer.forward(x)
    flat = x.reshape(5, -1)  # the book flattens (C, H, W) into 18 features
    expected = (flat - flat.mean(0)) / np.sqrt(flat.var(0) + 1e-6)
    np.testing.assert_allclose(y, expected.reshape(x.shape), rtol=1e-10)


# ----- weights files ---------------------------------------------------------------------------

def test_save_params_writes_npz_whatever_the_name_and_load_reads_it_back(tmp_path):
    net = _small_net(0)
    path = tmp_path / "params.pkl"
    net.save_params(str(path))
    assert zipfile.is_zipfile(path) and sorted(os.listdir(tmp_path)) == ["params.pkl"]
    other = _small_net(1)
    other.load_params(str(path))
    for key in net.params:
        np.testing.assert_array_equal(other.params[key], net.params[key])


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_load_params_reads_the_books_pickles(tmp_path, protocol):
    net = _small_net(0)
    params = OrderedDict((k, np.random.default_rng(9).normal(size=v.shape))
                         for k, v in net.params.items())
    path = tmp_path / "params.pkl"
    with open(path, "wb") as f:  # as the book's save_params writes it
        pickle.dump(dict(params) if protocol != 4 else params, f, protocol=protocol)
    net.load_params(str(path))
    for key, value in params.items():
        np.testing.assert_array_equal(net.params[key], value)


class _Payload:
    """What an attacker pickles: loading calls os.system, which would create the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_malicious_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "params.pkl"
    net = _small_net(0)
    params = {k: v.copy() for k, v in net.params.items()}
    params["W1"] = _Payload(marker)
    with open(path, "wb") as f:
        pickle.dump(params, f)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ag.WeightsError, match=r"names the global (posix|os|nt)\.system"):
        net.load_params(str(path))
    assert not marker.exists()  # nothing ran
    for key in before:
        np.testing.assert_array_equal(net.params[key], before[key])
    with open(path, "wb") as f:  # sanity: the same file through pickle itself would run it
        pickle.dump({"x": _Payload(marker)}, f)
    with open(path, "rb") as f:
        pickle.load(f)
    assert marker.exists()


@pytest.mark.parametrize("content, message", [
    ({"W1": np.array([object()], dtype=object)}, r"names the global builtins\.object"),
    ({"W1": [1.0, 2.0]}, r"entry 'W1' is not a numeric array"),
    ([np.zeros(2)], r"holds a list, not a dict"),
])
def test_other_bad_pickles_are_named_and_change_nothing(tmp_path, content, message):
    path = tmp_path / "p.pkl"
    with open(path, "wb") as f:
        pickle.dump(content, f)
    net = _small_net(0)
    before = net.params["W1"].copy()
    with pytest.raises(ag.WeightsError, match=message):
        net.load_params(str(path))
    np.testing.assert_array_equal(net.params["W1"], before)


def test_a_weights_file_of_another_network_is_refused_whole(tmp_path):
    path = tmp_path / "w.npz"
    _small_net(0).save_params(str(path))
    net = SimpleConvNet(input_dim=(1, 8, 8), conv_param={**SMALL, "filter_num": 5},
                        hidden_size=6, rng=np.random.default_rng(0))
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ag.WeightsError, match=r"'W1' has shape \(4, 1, 3, 3\), the model needs"):
        net.load_params(str(path))
    for key in before:
        np.testing.assert_array_equal(net.params[key], before[key])
    with pytest.raises(ag.WeightsError, match="no weights file"):
        net.load_params(str(tmp_path / "missing.pkl"))


# ----- bad input -------------------------------------------------------------------------------

def test_bad_arguments_and_inputs_are_named():
    with pytest.raises(ag.InvalidArgumentError, match=r"SimpleConvNet: input_dim must be"):
        SimpleConvNet(input_dim=(28, 28))
    with pytest.raises(ag.InvalidArgumentError, match=r"conv_param\['stride'\] must be an int"):
        SimpleConvNet(conv_param={**SMALL, "stride": 0})
    with pytest.raises(ag.ShapeError, match=r"a filter of 9x9 does not fit"):
        SimpleConvNet(input_dim=(1, 8, 8), conv_param={**SMALL, "filter_size": 9})
    net = _small_net(0)
    with pytest.raises(ag.ShapeError, match=r"x has shape \(2, 3, 8, 8\); .*input_dim=\(1, 8, 8\)"):
        net.predict(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ag.InvalidArgumentError, match=r"label 12 is out of range"):
        net.gradient(np.zeros((1, 1, 8, 8)), np.array([12]))
    flat, images = np.zeros((2, 64)), np.zeros((2, 1, 8, 8))
    np.testing.assert_array_equal(net.predict(flat), net.predict(images))


def test_load_params_reads_pickles_written_by_numpy_1(tmp_path):
    """The book's files were written by NumPy 1.x, whose arrays name numpy.core.multiarray."""
    net = _small_net(0)
    params = {k: np.random.default_rng(1).normal(size=v.shape) for k, v in net.params.items()}
    raw = pickle.dumps(params, protocol=2)
    assert b"numpy._core" in raw
    path = tmp_path / "params.pkl"
    path.write_bytes(raw.replace(b"numpy._core", b"numpy.core"))
    net.load_params(str(path))
    for key, value in params.items():
        np.testing.assert_array_equal(net.params[key], value)
