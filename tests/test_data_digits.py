"""ag.data.load_digits: shapes, dtypes, scaling, a stratified repeatable split, clear errors."""

import sys

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.data import one_hot, stratified_split


@pytest.fixture(scope="module")
def digits():
    return ag.data.load_digits()


def test_shapes_dtypes_and_scale(digits):
    (x_train, t_train), (x_test, t_test) = digits
    assert x_train.shape == (1438, 64) and x_test.shape == (359, 64)
    assert t_train.shape == (1438,) and t_test.shape == (359,)
    assert x_train.dtype == np.float32 and t_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert set(np.unique(t_train)) == set(range(10))


def test_split_is_stratified_and_a_partition(digits):
    from sklearn.datasets import load_digits as sk_load

    bunch = sk_load()
    (x_train, t_train), (x_test, t_test) = digits
    all_counts = np.bincount(bunch.target, minlength=10)
    test_counts = np.bincount(t_test, minlength=10)
    train_counts = np.bincount(t_train, minlength=10)
    np.testing.assert_array_equal(train_counts + test_counts, all_counts)
    # Each class within one example of its exact share.
    assert np.all(np.abs(test_counts - all_counts * 0.2) < 1.0)
    # Together the two parts are exactly the original images (as multisets of rows).
    original = np.sort((bunch.data / 16).astype(np.float32).view("V256").ravel())
    ours = np.sort(np.concatenate([x_train, x_test]).view("V256").ravel())
    assert np.array_equal(original, ours)


def test_split_is_shuffled_not_sorted_by_class(digits):
    (_, t_train), _ = digits
    assert np.any(np.diff(t_train) < 0)


def test_same_seed_same_split_other_seed_differs():
    (a, _), _ = ag.data.load_digits(seed=3)
    (b, _), _ = ag.data.load_digits(seed=np.random.default_rng(3))
    (c, _), _ = ag.data.load_digits(seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_options_raw_one_hot_images_and_test_size():
    (x, t), (xt, tt) = ag.data.load_digits(
        normalize=False, one_hot_label=True, flatten=False, test_size=0.5
    )
    assert x.shape[1:] == (1, 8, 8) and x.dtype == np.uint8 and x.max() == 16
    assert t.shape == (x.shape[0], 10) and t.dtype == np.float32
    np.testing.assert_array_equal(t.sum(axis=1), 1.0)
    assert abs(x.shape[0] - xt.shape[0]) <= 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"test_size": 0.0}, "load_digits: test_size"),
        ({"test_size": 1.5}, "test_size"),
        ({"test_size": "0.2"}, "test_size"),
        ({"seed": 1.5}, "seed"),
        ({"normalize": "yes"}, "normalize"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ag.InvalidArgumentError, match=match):
        ag.data.load_digits(**kwargs)


def test_without_scikit_learn_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ag.DatasetError, match=r"scikit-learn|sklearn.*autograd-lite\[demo\]"):
        ag.data.load_digits()


def test_one_hot_and_its_errors():
    t = np.array([2, 0, 1])
    np.testing.assert_array_equal(one_hot(t, 4), np.eye(4)[t])
    assert one_hot(t).shape == (3, 3)
    with pytest.raises(ag.InvalidArgumentError, match="0..2"):
        one_hot(np.array([3]), 3)
    with pytest.raises(ag.ShapeError, match="1-D"):
        one_hot(np.zeros((2, 2), dtype=int))


def test_stratified_split_counts_add_up_exactly():
    t = np.array([0] * 7 + [1] * 5 + [2] * 3)
    train, test = stratified_split(t, 0.4, np.random.default_rng(0))
    assert len(test) == 6 and len(train) == 9
    assert sorted(np.concatenate([train, test])) == list(range(15))
    before = t.copy()
    with pytest.raises(ag.InvalidArgumentError, match="empty"):
        stratified_split(t, 0.01, np.random.default_rng(0))
    np.testing.assert_array_equal(t, before)
