"""ag.nn persistence: state_dict / load_state_dict and model.save / model.load."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.errors import InvalidArgumentError, WeightsError


def _model(seed=0, sizes=(4, 6, 3), dtype=np.float64):
    model = nn.MLP(list(sizes), batchnorm=True, rng=np.random.default_rng(seed), dtype=dtype)
    model(np.random.default_rng(seed).normal(size=(5, sizes[0])))  # move the running stats
    return model


def _snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def _assert_same(state, model):
    now = model.state_dict()
    assert list(now) == list(state)
    for key in state:
        np.testing.assert_array_equal(now[key], state[key])


def test_state_dict_keys_order_and_copies():
    model = _model()
    state = model.state_dict()
    assert list(state) == [
        "Affine1.W", "Affine1.b",
        "BatchNorm1.gamma", "BatchNorm1.beta", "BatchNorm1.running_mean", "BatchNorm1.running_var",
        "Affine2.W", "Affine2.b",
    ]  # fmt: skip
    state["Affine1.W"][:] = 0.0  # a copy: the model is not changed
    assert np.any(model.Affine1.W.data != 0.0)


def test_load_state_dict_round_trip_in_place():
    source, target = _model(1), _model(2)
    W = target.Affine1.W
    target.load_state_dict(source.state_dict())
    _assert_same(source.state_dict(), target)
    assert target.Affine1.W is W  # the same Parameter objects: an optimizer keeps working
    x = np.random.default_rng(3).normal(size=(4, 4))
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_load_state_dict_names_every_mismatch_and_changes_nothing():
    model = _model()
    before = _snapshot(model)
    state = _model(5).state_dict()
    state["Affine1.W"] = np.zeros((3, 3))  # wrong shape
    state["Affine2.b"] = state["Affine2.b"].astype(np.float32)  # wrong dtype
    del state["BatchNorm1.running_var"]  # missing
    state["Affine3.W"] = np.zeros((2, 2))  # unexpected
    with pytest.raises(WeightsError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    for part in ["missing keys ['BatchNorm1.running_var']", "unexpected keys ['Affine3.W']",
                 "'Affine1.W' has shape (3, 3), the model needs (4, 6)",
                 "'Affine2.b' has dtype float32, the model needs float64"]:
        assert part in message
    _assert_same(before, model)


def test_load_state_dict_needs_a_dict():
    with pytest.raises(InvalidArgumentError, match="dict"):
        _model().load_state_dict([np.zeros(2)])


def test_save_and_load_a_file(tmp_path):
    source, target = _model(1), _model(2)
    path = tmp_path / "model.npz"
    assert source.save(path) == str(path)
    assert os.listdir(tmp_path) == ["model.npz"]
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(source.state_dict())
    assert target.load(path) is target
    _assert_same(source.state_dict(), target)


def test_loading_another_architecture_is_a_weights_error_and_changes_nothing(tmp_path):
    path = tmp_path / "other.npz"
    _model(1, sizes=(4, 8, 3)).save(path)
    model = _model(2)
    before = _snapshot(model)
    with pytest.raises(WeightsError, match=r"other\.npz.*'Affine1.W' has shape \(4, 8\)"):
        model.load(path)
    _assert_same(before, model)
    plain = nn.MLP([4, 6, 3], rng=np.random.default_rng(0))
    with pytest.raises(WeightsError, match="unexpected keys"):
        plain.load(path)


def test_loading_a_different_dtype_is_a_weights_error(tmp_path):
    path = tmp_path / "f32.npz"
    _model(1, dtype=np.float32).save(path)
    model = _model(2)
    before = _snapshot(model)
    with pytest.raises(WeightsError, match="dtype float32, the model needs float64"):
        model.load(path)
    _assert_same(before, model)


@pytest.mark.parametrize("corrupt", ["garbage", "truncated", "empty"])
def test_loading_a_corrupt_file_is_a_weights_error_and_changes_nothing(tmp_path, corrupt):
    path = tmp_path / "model.npz"
    _model(1).save(path)
    data = path.read_bytes()
    path.write_bytes({"garbage": b"\x00not npz" * 10, "truncated": data[: len(data) // 2],
                      "empty": b""}[corrupt])  # fmt: skip
    model = _model(2)
    before = _snapshot(model)
    with pytest.raises(WeightsError, match=r"model\.npz"):
        model.load(path)
    _assert_same(before, model)


def test_training_continues_after_load(tmp_path):
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(16, 4)), rng.integers(0, 3, 16)
    model = _model(1)
    opt = ag.optim.Adam(model.parameters(), lr=0.01)
    model.save(tmp_path / "m.npz")
    model.load(tmp_path / "m.npz")
    loss = ag.softmax_with_loss(model(x), t)
    loss.backward()
    W_before = model.Affine1.W.data.copy()
    opt.step()
    assert np.any(model.Affine1.W.data != W_before)


_configs = st.tuples(
    st.lists(st.integers(1, 5), min_size=2, max_size=4),  # sizes
    st.booleans(),  # batchnorm
    st.sampled_from(["relu", "tanh", "sigmoid"]),
)


@settings(max_examples=15)
@given(_configs, _configs)
def test_any_architecture_round_trips_and_rejects_any_other(tmp_path_factory, a, b):
    folder = tmp_path_factory.mktemp("w")
    (sizes_a, bn_a, act_a), (sizes_b, bn_b, act_b) = a, b
    source = nn.MLP(sizes_a, activation=act_a, batchnorm=bn_a, rng=np.random.default_rng(1))
    source(np.random.default_rng(2).normal(size=(3, sizes_a[0])))
    source.eval()
    path = folder / "m.npz"
    source.save(path)
    twin = nn.MLP(sizes_a, activation=act_a, batchnorm=bn_a, rng=np.random.default_rng(3)).eval()
    twin.load(path)
    x = np.random.default_rng(4).normal(size=(2, sizes_a[0]))
    np.testing.assert_array_equal(twin(x).data, source(x).data)
    other = nn.MLP(sizes_b, activation=act_b, batchnorm=bn_b, rng=np.random.default_rng(5))
    before = _snapshot(other)
    # BatchNorm sits after hidden layers only: with two sizes there is none to add.
    has_bn_a, has_bn_b = bn_a and len(sizes_a) > 2, bn_b and len(sizes_b) > 2
    if (sizes_a, has_bn_a) == (sizes_b, has_bn_b):
        other.load(path)  # the activation has no parameters: the same state fits
    else:
        with pytest.raises(WeightsError):
            other.load(path)
        _assert_same(before, other)
