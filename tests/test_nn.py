"""ag.nn: modules, parameters, naming and scopes, initialisers, layers, MLP, training."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.engine import topological_order
from autograd_lite.errors import InvalidArgumentError, ShapeError


def _scopes(root) -> dict:
    """op label -> sorted scopes of the nodes with that label in the graph of ``root``."""
    found: dict[str, set] = {}
    for tensor in topological_order(root):
        if tensor.node is not None:
            found.setdefault(tensor.node.label, set()).add(tensor.node.scope)
    return {label: sorted(scopes) for label, scopes in found.items()}


class Block(nn.Module):
    def __init__(self, rng):
        super().__init__()
        self.scale = nn.Parameter([2.0])
        self.fc1 = nn.Affine(3, 4, rng=rng)
        self.act = nn.ReLU()
        self.offset = nn.Parameter(np.zeros(2))
        self.fc2 = nn.Affine(4, 2, rng=rng)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x * self.scale))) + self.offset


def test_parameters_follow_definition_order():
    block = Block(np.random.default_rng(0))
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "fc1.W", "fc1.b", "offset", "fc2.W", "fc2.b"]
    assert [id(p) for p in block.parameters()] == [id(p) for _, p in block.named_parameters()]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in block.parameters())


def test_parameter_is_a_tensor_that_copies_its_data():
    data = np.array([1.0, 2.0])
    p = nn.Parameter(data, name="w")
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.name == "w"
    p.data[0] = 5.0
    assert data[0] == 1.0


def test_shared_parameter_is_listed_once_and_reassignment_keeps_order():
    shared = nn.Affine(2, 2, rng=np.random.default_rng(0))
    model = nn.Sequential(shared, nn.ReLU())
    model.extra = shared  # the same module under a second name
    assert len(model.parameters()) == 2
    block = Block(np.random.default_rng(0))
    block.scale = nn.Parameter([3.0])
    assert [n for n, _ in block.named_parameters()][0] == "scale"
    block.scale = None  # no longer a parameter
    assert "scale" not in [n for n, _ in block.named_parameters()]


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter([1.0])

    with pytest.raises(InvalidArgumentError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_train_and_eval_reach_every_module():
    block = Block(np.random.default_rng(0))
    assert block.eval() is block
    assert not any(m.training for m in block.modules())
    block.train()
    assert all(m.training for m in block.modules())


def test_zero_grad_clears_every_parameter():
    block = Block(np.random.default_rng(0))
    block(np.ones((2, 3))).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_sequential_names_layers_like_the_book_and_scopes_the_graph():
    model = nn.MLP([3, 5, 5, 2], batchnorm=True, dropout=0.1, rng=np.random.default_rng(0))
    assert [name for name, _ in model.named_children()] == [
        "Affine1", "BatchNorm1", "ReLU1", "Dropout1",
        "Affine2", "BatchNorm2", "ReLU2", "Dropout2", "Affine3",
    ]  # fmt: skip
    loss = ag.softmax_with_loss(model(np.ones((4, 3)) + np.arange(4)[:, None]), [0, 1, 0, 1])
    scopes = _scopes(loss)
    assert scopes["Affine"] == ["Affine1", "Affine2", "Affine3"]
    assert scopes["BatchNorm"] == ["BatchNorm1", "BatchNorm2"]
    assert scopes["ReLU"] == ["ReLU1", "ReLU2"]
    assert scopes["Dropout"] == ["Dropout1", "Dropout2"]
    assert scopes["SoftmaxWithLoss"] == [""]  # the root module opens no scope


def test_attribute_names_become_scopes_and_nest():
    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Affine(3, 3, rng=np.random.default_rng(0)), nn.Tanh())

        def forward(self, x):
            return self.encoder(x)

    out = Outer()(np.ones((2, 3)))
    assert _scopes(out) == {"Affine": ["encoder/Affine1"], "Tanh": ["encoder/Tanh1"]}
    block = Block(np.random.default_rng(0))
    assert _scopes(block(np.ones((2, 3))))["Affine"] == ["fc1", "fc2"]


def test_sequential_indexing_and_bad_layers():
    layers = [nn.Affine(2, 3, rng=np.random.default_rng(0)), nn.Sigmoid()]
    model = nn.Sequential(*layers)
    assert len(model) == 2 and model[1] is layers[1] and list(model) == layers
    with pytest.raises(InvalidArgumentError, match="layer 1 is a ufunc, not an nn.Module"):
        nn.Sequential(nn.ReLU(), np.tanh)


# ----- initialisers -------------------------------------------------------------------------
@pytest.mark.parametrize("init, std", [
    (0.01, 0.01), ("xavier", math.sqrt(1 / 30)), ("sigmoid", math.sqrt(1 / 30)),
    ("he", math.sqrt(2 / 30)), ("ReLU", math.sqrt(2 / 30)),
])  # fmt: skip
def test_initialisers_follow_the_book(init, std):
    layer = nn.Affine(30, 7, init=init, rng=np.random.default_rng(5))
    expected = std * np.random.default_rng(5).standard_normal((30, 7))
    np.testing.assert_array_equal(layer.W.data, expected)
    np.testing.assert_array_equal(layer.b.data, np.zeros(7))
    assert layer.W.shape == (30, 7)  # (in, out), as the book


def test_mlp_default_init_matches_the_activation():
    for activation, factor in (("relu", 2.0), ("sigmoid", 1.0), ("tanh", 1.0)):
        model = nn.MLP([40, 6, 3], activation=activation, rng=np.random.default_rng(3))
        rng = np.random.default_rng(3)
        expected = math.sqrt(factor / 40) * rng.standard_normal((40, 6))
        np.testing.assert_array_equal(model.Affine1.W.data, expected)


@pytest.mark.parametrize("init", ["glorot", -0.1, float("inf"), True, None])
def test_bad_initialiser(init):
    with pytest.raises(InvalidArgumentError, match="init"):
        nn.Affine(3, 2, init=init)


def test_bad_constructor_arguments():
    with pytest.raises(InvalidArgumentError, match="rng must be None, an int seed >= 0 or a numpy"):
        nn.Affine(3, 2, rng=np.random.RandomState(0))
    with pytest.raises(InvalidArgumentError, match="in_features"):
        nn.Affine(0, 2)
    with pytest.raises(InvalidArgumentError, match="sizes"):
        nn.MLP([5])
    with pytest.raises(InvalidArgumentError, match="activation 'softplus'"):
        nn.MLP([5, 2], activation="softplus")
    with pytest.raises(InvalidArgumentError, match="ratio"):
        nn.Dropout(1.0)
    with pytest.raises(InvalidArgumentError, match="momentum"):
        nn.BatchNorm(3, momentum=1.5)


# ----- layers -------------------------------------------------------------------------------
def test_affine_wrong_feature_size_names_the_layer_and_x():
    model = nn.MLP([4, 3, 2], rng=np.random.default_rng(0))
    with pytest.raises(ShapeError, match=r"Affine1: x has shape \(5, 3\).*in_features=4"):
        model(np.ones((5, 3)))


def test_linear_is_affine_and_computes_x_W_plus_b():
    assert nn.Linear is nn.Affine
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(layer(x).data, x @ layer.W.data + layer.b.data)


@pytest.mark.parametrize("layer, reference", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
])  # fmt: skip
def test_activation_layers(layer, reference):
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    np.testing.assert_allclose(layer(x).data, reference(x))


def test_dropout_is_on_in_training_and_off_in_eval():
    x = np.ones((200, 50))
    layer = nn.Dropout(0.3, rng=np.random.default_rng(0))
    y = layer(x).data
    kept = y != 0
    assert 0.65 < kept.mean() < 0.75
    np.testing.assert_allclose(y[kept], 1 / 0.7)  # inverted dropout
    again = nn.Dropout(0.3, rng=np.random.default_rng(0))(x).data
    np.testing.assert_array_equal(y, again)  # the masks come from the Generator passed in
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x)


def _book_batchnorm(x, gamma, beta, eps=1e-6):
    mu = x.mean(axis=0)
    xc = x - mu
    var = np.mean(xc**2, axis=0)
    return gamma * (xc / np.sqrt(var + eps)) + beta, mu, var


def test_batchnorm_train_eval_and_running_statistics():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm(3)
    bn.gamma.data[:] = [1.0, 2.0, 0.5]
    bn.beta.data[:] = [0.0, -1.0, 1.0]
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = rng.normal(2.0, 3.0, size=(8, 3))
        expected, mu, v = _book_batchnorm(x, bn.gamma.data, bn.beta.data)
        np.testing.assert_allclose(bn(x).data, expected, rtol=1e-12)
        mean, var = 0.9 * mean + 0.1 * mu, 0.9 * var + 0.1 * v
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)
    bn.eval()
    x = rng.normal(size=(4, 3))
    expected = bn.gamma.data * (x - mean) / np.sqrt(var + 1e-6) + bn.beta.data
    np.testing.assert_allclose(bn(x).data, expected, rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)  # eval does not move them


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients_agree_with_central_differences(training):
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm(3).train(training)
    bn.gamma.data[:] = rng.uniform(0.5, 2, 3)
    bn.beta.data[:] = rng.uniform(-1, 1, 3)
    bn.running_mean[:] = rng.normal(size=3)
    bn.running_var[:] = rng.uniform(0.5, 2, 3)
    x = ag.Tensor(rng.normal(size=(5, 3)))
    weights = rng.normal(size=(5, 3))
    stats = bn.running_mean.copy(), bn.running_var.copy()

    def f(_):
        bn.running_mean[:], bn.running_var[:] = stats
        with ag.no_grad():
            return float((bn(x).data * weights).sum())

    (bn(x) * weights).sum().backward()
    for tensor in (x, bn.gamma, bn.beta):
        numeric = ag.book.numerical_gradient(f, tensor.data, h=1e-6)
        np.testing.assert_allclose(tensor.grad, numeric, rtol=1e-6, atol=1e-8)


def test_batchnorm_wrong_shape_is_a_shape_error():
    bn = nn.MLP([3, 4, 2], batchnorm=True, rng=np.random.default_rng(0)).BatchNorm1
    with pytest.raises(ShapeError, match=r"BatchNorm1: x has shape \(2, 5\).*\(N, 4\)"):
        bn(np.ones((2, 5)))


# ----- training -----------------------------------------------------------------------------
def _blobs(rng, n=300, d=20, k=4):
    centers = rng.standard_normal((k, d)) * 1.5
    t = rng.integers(0, k, n)
    return centers[t] + rng.standard_normal((n, d)), t


def _accuracy_curve(model, x, t, steps=80, every=20):
    opt = ag.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(2)
    curve = []
    for step in range(1, steps + 1):
        idx = rng.choice(len(x), 32)
        loss = ag.softmax_with_loss(model(x[idx]), t[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % every == 0:
            model.eval()
            with ag.no_grad():
                curve.append(float(np.mean(model(x).data.argmax(axis=1) == t)))
            model.train()
    return curve


def test_batchnorm_mlp_trains_faster_in_early_epochs():
    # The book's figure: with small initial weights (std 0.01) a deep network without batch
    # normalisation barely moves in the first epochs, while the batch-normalised one learns.
    x, t = _blobs(np.random.default_rng(0))
    plain, normed = (
        _accuracy_curve(nn.MLP([20, 50, 50, 50, 50, 4], init=0.01, batchnorm=bn,
                               rng=np.random.default_rng(1)), x, t)
        for bn in (False, True)
    )
    assert normed[-1] >= 0.9
    assert normed[-1] > plain[-1] + 0.3
    assert sum(normed) > sum(plain)


def test_replacing_a_layer_of_a_sequential_is_seen_by_forward():
    model = nn.Sequential(nn.Affine(2, 2, rng=np.random.default_rng(0)), nn.ReLU())
    model.ReLU1 = nn.Tanh()
    x = -np.ones((1, 2))
    np.testing.assert_allclose(model(x).data, np.tanh(model.Affine1(x).data))
    assert [type(m).__name__ for m in model] == ["Affine", "Tanh"]
