"""ag.book networks: backprop agrees with the book's numerical gradient; bad input is a clear
error that changes nothing; params/npz persistence; the book's semantics."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.book import MultiLayerNet, MultiLayerNetExtend, TwoLayerNet
from autograd_lite.errors import DTypeError, InvalidArgumentError, ShapeError, WeightsError


def _data(n=6, d=12, k=4, seed=0, one_hot=False):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, k, n)
    return rng.random((n, d)), (np.eye(k)[t] if one_hot else t)


def _extend(activation="relu", bn=False, dropout=False, wd=0.0, seed=1):
    init = "relu" if activation == "relu" else "sigmoid"
    return MultiLayerNetExtend(12, [7, 6], 4, activation=activation, weight_init_std=init,
                               weight_decay_lambda=wd, use_dropout=dropout, dropout_ration=0.3,
                               use_batchnorm=bn, rng=np.random.default_rng(seed))


NETWORKS = {
    "TwoLayerNet": lambda: TwoLayerNet(12, 9, 4, weight_init_std=0.5, rng=np.random.default_rng(1)),
    "MultiLayerNet-relu": lambda: MultiLayerNet(12, [7, 6], 4, rng=np.random.default_rng(1)),
    "MultiLayerNet-sigmoid-decay": lambda: MultiLayerNet(
        12, [7, 6], 4, activation="sigmoid", weight_init_std="xavier", weight_decay_lambda=0.1,
        rng=np.random.default_rng(1)),
    **{f"Extend-{a}{'-bn' if bn else ''}{'-dropout' if do else ''}": (
        lambda a=a, bn=bn, do=do: _extend(a, bn, do, wd=0.05))
       for a in ("relu", "sigmoid", "tanh") for bn in (False, True) for do in (False, True)},
}  # fmt: skip


def _engine_numerical_gradient(net, x, t) -> dict:
    """Central differences (h = 1e-4) of the loss the graph computes: log-softmax, without the
    book's ``+ 1e-7`` inside the log. ``gradient`` returns its exact gradient (the book's
    backward ignores the 1e-7 too), while ``net.numerical_gradient`` is the book's: it
    differentiates ``loss``, 1e-7 included, and differs by up to ~1e-7 (as the book's prints).
    The dropout masks and running statistics are restored for every evaluation."""
    train = isinstance(net, MultiLayerNetExtend)
    rng_state = net.rng.bit_generator.state
    stats = {key: array.copy() for key, array in net._stats.items()}

    def f(_):
        net.rng.bit_generator.state = rng_state
        with ag.no_grad():
            return net.loss_tensor(x, t, train_flg=train).item()

    grads = {key: ag.book.numerical_gradient(f, array) for key, array in net.params.items()}
    net.rng.bit_generator.state = rng_state
    for key, array in stats.items():
        np.copyto(net._stats[key], array)
    return grads


def _state(net):
    return {k: v.copy() for k, v in {**net.params, **net._stats}.items()}


def _assert_unchanged(net, before):
    now = _state(net)
    assert list(now) == list(before)
    for key in before:
        np.testing.assert_array_equal(now[key], before[key], err_msg=key)


@pytest.mark.parametrize("one_hot", [False, True], ids=["labels", "one-hot"])
@pytest.mark.parametrize("make", NETWORKS.values(), ids=NETWORKS.keys())
def test_backprop_agrees_with_the_numerical_gradient(make, one_hot):
    net = make()
    x, t = _data(one_hot=one_hot)
    numerical = _engine_numerical_gradient(net, x, t)
    backprop = net.gradient(x, t)  # the same dropout masks: the helper restores the rng
    assert sorted(backprop) == sorted(net.params)
    for key in numerical:
        assert backprop[key].shape == net.params[key].shape
        diff = np.abs(backprop[key] - numerical[key])
        assert np.mean(diff) < 1e-8, f"{key}: mean abs difference {np.mean(diff):.2e}"
        assert np.max(diff) < 1e-7, f"{key}: max abs difference {np.max(diff):.2e}"
        assert np.any(backprop[key] != 0)


def test_the_books_gradient_check_numbers_for_two_layer_net():
    # The book's chapter 5 check (weight_init_std=0.01): around 1e-10 per parameter. ReLU's
    # kink must not fall within h of a pre-activation, or central differences are meaningless.
    net = TwoLayerNet(30, 10, 5, rng=np.random.default_rng(4))
    x, t = _data(n=3, d=30, k=5, seed=2, one_hot=True)
    pre = x @ net.params["W1"] + net.params["b1"]
    assert np.min(np.abs(pre)) > 1e-3
    numerical, backprop = _engine_numerical_gradient(net, x, t), net.gradient(x, t)
    for key in numerical:
        assert np.average(np.abs(backprop[key] - numerical[key])) < 1e-9


def test_numerical_gradient_leaves_the_network_as_it_found_it():
    net = _extend("tanh", bn=True, dropout=True)
    x, t = _data()
    net.gradient(x, t)  # move the running statistics away from zero
    before = _state(net)
    rng_state = net.rng.bit_generator.state
    net.numerical_gradient(x, t)
    _assert_unchanged(net, before)
    assert net.rng.bit_generator.state == rng_state


def test_dropout_and_weight_decay_reach_the_gradient():
    x, t = _data()
    plain = _extend("tanh").gradient(x, t)
    dropped = _extend("tanh", dropout=True).gradient(x, t)
    assert not np.allclose(plain["W1"], dropped["W1"])
    net = _extend("tanh", wd=0.3)
    decayed = net.gradient(x, t)
    for key in plain:
        extra = 0.3 * net.params[key] if key.startswith("W") else 0.0
        np.testing.assert_allclose(decayed[key], plain[key] + extra, rtol=1e-10, atol=1e-14)


def test_loss_includes_the_books_weight_decay_term():
    x, t = _data()
    net = MultiLayerNet(12, [7, 6], 4, weight_decay_lambda=0.2, rng=np.random.default_rng(1))
    plain = MultiLayerNet(12, [7, 6], 4, rng=np.random.default_rng(1))
    decay = sum(0.5 * 0.2 * np.sum(net.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    assert net.loss(x, t) == pytest.approx(plain.loss(x, t) + decay, rel=1e-12)


def test_predict_loss_and_accuracy_match_a_numpy_forward():
    net = TwoLayerNet(12, 9, 4, weight_init_std=0.5, rng=np.random.default_rng(1))
    x, t = _data(n=20)
    p = net.params
    scores = np.maximum(x @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    np.testing.assert_allclose(net.predict(x), scores, rtol=1e-12)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    # the book's cross_entropy_error: the 1e-7 inside the log
    book_loss = -np.sum(np.log(probs[np.arange(20), t] + 1e-7)) / 20
    assert net.loss(x, t) == pytest.approx(book_loss, rel=1e-12)
    expected = np.mean(scores.argmax(axis=1) == t)
    assert net.accuracy(x, t) == net.accuracy(x, np.eye(4)[t]) == pytest.approx(expected)


def test_in_place_updates_and_reassigned_params_are_seen():
    net = TwoLayerNet(12, 9, 4, rng=np.random.default_rng(1))
    x, t = _data()
    grads = net.gradient(x, t)
    before = net.loss(x, t)
    for key in net.params:
        net.params[key] -= 0.5 * grads[key]  # the book's train_neuralnet.py update
    assert net.loss(x, t) < before
    net.params["W2"] = np.zeros_like(net.params["W2"])
    np.testing.assert_array_equal(net.predict(x), np.broadcast_to(net.params["b2"], (6, 4)))


def test_batchnorm_running_statistics_follow_the_book():
    net = _extend("relu", bn=True)
    x, t = _data(n=10)
    assert not np.any(net.running_stats["running_var1"])  # zeros at the start, as the book
    net.gradient(x, t)  # one training-mode pass
    a1 = x @ net.params["W1"] + net.params["b1"]
    np.testing.assert_allclose(net.running_stats["running_mean1"], 0.1 * a1.mean(axis=0))
    np.testing.assert_allclose(net.running_stats["running_var1"], 0.1 * a1.var(axis=0))
    predicted = net.predict(x)  # test mode: the running statistics are not moved
    np.testing.assert_allclose(net.running_stats["running_mean1"], 0.1 * a1.mean(axis=0))
    assert predicted.shape == (10, 4)


def test_books_dropout_does_not_rescale_and_scales_at_test_time():
    net = MultiLayerNetExtend(5, [200], 3, use_dropout=True, dropout_ration=0.25,
                              rng=np.random.default_rng(0))
    net.params["W1"][:] = np.abs(net.params["W1"])  # every hidden unit positive
    net.params["W2"] = np.eye(200, 3)  # pass the first three hidden units straight through
    x = np.abs(np.random.default_rng(1).normal(size=(1, 5)))
    hidden = np.maximum(x @ net.params["W1"], 0)[0, :3]
    np.testing.assert_allclose(net.predict(x)[0], 0.75 * hidden)
    train = net.predict(np.repeat(x, 400, axis=0), train_flg=True)
    kept = train[:, 0] != 0
    np.testing.assert_allclose(train[kept, 0], hidden[0])  # no 1 / (1 - ratio) factor
    assert 0.65 < kept.mean() < 0.85


# ----- bad input: a clear error, and nothing changes --------------------------------------
@pytest.mark.parametrize("method", ["gradient", "loss", "accuracy", "numerical_gradient"])
def test_bad_input_names_the_argument_and_changes_nothing(method):
    net = _extend("relu", bn=True, dropout=True)
    x, t = _data()
    net.gradient(x, t)
    before, rng_state = _state(net), net.rng.bit_generator.state
    call = getattr(net, method)
    with pytest.raises(ShapeError, match=rf"MultiLayerNetExtend.{method}: x has shape \(6, 11\)"
                                         r".*input_size=12"):
        call(x[:, :11], t)
    with pytest.raises(ShapeError, match=rf"{method}: t has shape \(5,\); x has 6 example"):
        call(x, t[:5])
    with pytest.raises(ShapeError, match=r"t has shape \(6, 3\)"):
        call(x, np.eye(3)[t % 3])
    with pytest.raises(InvalidArgumentError, match=rf"{method}: t: label 7 is out of range"):
        call(x, np.where(t == t[0], 7, t))
    with pytest.raises(DTypeError, match="labels t must be integers"):
        call(x, t + 0.5)
    with pytest.raises(ShapeError, match=r"predict: x has shape \(6, 13\)"):
        net.predict(np.ones((6, 13)), train_flg=True)
    _assert_unchanged(net, before)
    assert net.rng.bit_generator.state == rng_state


def test_image_shaped_input_is_flattened_like_the_books_affine():
    net = TwoLayerNet(12, 5, 3, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).random((4, 1, 3, 4))
    np.testing.assert_array_equal(net.predict(x), net.predict(x.reshape(4, 12)))


@pytest.mark.parametrize("kwargs, match", [
    ({"activation": "softplus"}, "activation 'softplus'"),
    ({"weight_init_std": "glorot"}, "glorot"),
    ({"weight_decay_lambda": -1}, "weight_decay_lambda"),
    ({"hidden_size_list": 5}, "hidden_size_list"),
    ({"dropout_ration": 1.0}, "dropout_ration"),
    ({"rng": "3"}, "rng must be None, an int seed >= 0 or a numpy.random.Generator"),
    ({"rng": -3}, "rng must be None, an int seed >= 0 or a numpy.random.Generator, got -3"),
])  # fmt: skip
def test_bad_constructor_arguments(kwargs, match):
    args = {"input_size": 4, "hidden_size_list": [3], "output_size": 2, **kwargs}
    with pytest.raises(InvalidArgumentError, match=match):
        MultiLayerNetExtend(**args)


# ----- save_params / load_params ------------------------------------------------------------
def test_save_and_load_params_round_trip(tmp_path):
    x, t = _data()
    source = _extend("relu", bn=True, seed=1)
    source.gradient(x, t)
    target = _extend("relu", bn=True, seed=2)
    arrays = dict(target.params)
    path = tmp_path / "params.npz"
    source.save_params(path)
    target.load_params(path)
    _assert_unchanged(target, _state(source))
    assert all(target.params[k] is arrays[k] for k in arrays)  # loaded in place
    np.testing.assert_array_equal(target.predict(x), source.predict(x))


def test_load_params_from_another_architecture_changes_nothing(tmp_path):
    path = tmp_path / "other.npz"
    MultiLayerNet(12, [8, 6], 4, rng=np.random.default_rng(0)).save_params(path)
    net = MultiLayerNet(12, [7, 6], 4, rng=np.random.default_rng(1))
    before = _state(net)
    with pytest.raises(WeightsError, match=r"'W1' has shape \(12, 8\), the model needs \(12, 7\)"):
        net.load_params(path)
    _assert_unchanged(net, before)
    bn_net = _extend("relu", bn=True)
    with pytest.raises(WeightsError, match="missing keys.*gamma1"):
        bn_net.load_params(path)


def test_load_params_from_a_corrupt_file_changes_nothing(tmp_path):
    path = tmp_path / "params.npz"
    net = TwoLayerNet(12, 9, 4, rng=np.random.default_rng(1))
    net.save_params(path)
    path.write_bytes(path.read_bytes()[:200])
    before = _state(net)
    with pytest.raises(WeightsError, match=r"params\.npz"):
        net.load_params(path)
    _assert_unchanged(net, before)


def test_float32_networks_stay_float32():
    net = TwoLayerNet(12, 9, 4, rng=np.random.default_rng(1), dtype=np.float32)
    x, t = _data()
    grads = net.gradient(x.astype(np.float32), t)
    assert all(g.dtype == np.float32 for g in grads.values())
    ag.book.SGD().update(net.params, grads)
    assert all(p.dtype == np.float32 for p in net.params.values())


def test_loss_tensor_shows_the_layers_as_scopes():
    from autograd_lite.engine import topological_order

    net = _extend("relu", bn=True, dropout=True, wd=0.1)
    x, t = _data()
    state = net.rng.bit_generator.state
    loss = net.loss_tensor(x, t, train_flg=True)
    net.rng.bit_generator.state = state  # the same dropout masks again
    scores = net.predict(x, train_flg=True)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    decay = sum(0.5 * 0.1 * np.sum(net.params[f"W{i}"] ** 2) for i in (1, 2, 3))
    # the graph's loss: log-softmax, without the book's 1e-7 (which loss() prints)
    assert loss.item() == pytest.approx(-np.mean(log_probs[np.arange(6), t]) + decay, rel=1e-12)
    nodes = [(n.node.label, n.node.scope) for n in topological_order(loss) if n.node]
    scopes = [scope for _, scope in nodes]
    for scope in ["Affine1", "BatchNorm1", "Relu1", "Dropout1", "Affine2", "Affine3",
                  "WeightDecay"]:
        assert scope in scopes
    assert ("BatchNorm", "BatchNorm2") in nodes and ("SoftmaxWithLoss", "") in nodes
    leaves = {n.name for n in topological_order(loss) if n.node is None}
    assert leaves == set(net.params)


def test_a_deep_copy_is_independent():
    import copy

    net = _extend("relu", bn=True, dropout=True)
    twin = copy.deepcopy(net)
    x, t = _data()
    before = _state(net)
    twin.gradient(x, t)
    ag.book.SGD(lr=0.5).update(twin.params, twin.gradient(x, t))
    _assert_unchanged(net, before)
    assert np.any(twin.running_stats["running_mean1"] != 0)
