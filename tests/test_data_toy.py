"""Generated toy sets (spiral, planar, xor) and ag.data.batches."""

import numpy as np
import pytest

import autograd_lite as ag


def test_spiral_shapes_labels_and_geometry():
    x, t = ag.data.spiral(50, 4, rng=np.random.default_rng(1))
    assert x.shape == (200, 2) and t.shape == (200,) and t.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(t), [50] * 4)
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius[:50], np.linspace(0, 1, 50))  # noise moves only the angle


def test_spiral_noise_free_arms_follow_the_formula():
    x, t = ag.data.spiral(5, 2, noise=0.0)
    theta = np.linspace(4.0, 8.0, 5)
    r = np.linspace(0, 1, 5)
    np.testing.assert_allclose(x[t == 1], np.stack([r * np.sin(theta), r * np.cos(theta)], 1))


def test_toy_sets_are_repeatable_and_rng_driven():
    a, _ = ag.data.spiral()
    b, _ = ag.data.spiral()
    c, _ = ag.data.spiral(rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_planar_course_layout_and_rows_layout():
    X, Y = ag.data.planar()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    np.testing.assert_array_equal(np.bincount(Y[0]), [200, 200])
    x, t = ag.data.planar(layout="rows")
    np.testing.assert_array_equal(x, X.T)
    np.testing.assert_array_equal(t, Y[0])
    assert np.abs(x).max() < 4.0 + 1.5  # petals of radius about 4


def test_xor_labels_follow_the_quadrant_for_small_noise():
    x, t = ag.data.xor(400, noise=0.1)
    np.testing.assert_array_equal(t, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(int))
    assert 0.35 < t.mean() < 0.65
    X, Y = ag.data.xor(10, layout="columns")
    assert X.shape == (2, 10) and Y.shape == (1, 10)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ag.data.spiral(0), "n_per_class"),
        (lambda: ag.data.spiral(10, 1), "n_classes"),
        (lambda: ag.data.planar(noise=-1), "noise"),
        (lambda: ag.data.xor(layout="cols"), "layout"),
        (lambda: ag.data.xor(rng="seed"), "rng"),
    ],
)
def test_toy_argument_errors(call, match):
    with pytest.raises(ag.InvalidArgumentError, match=match):
        call()


def test_batches_cover_each_example_once_keeping_the_last_partial_batch():
    x = np.arange(23 * 2, dtype=float).reshape(23, 2)
    t = np.arange(23)
    got = list(ag.data.batches(x, t, 5, rng=np.random.default_rng(0)))
    assert [len(tb) for _, tb in got] == [5, 5, 5, 5, 3]
    seen = np.concatenate([tb for _, tb in got])
    assert sorted(seen) == list(range(23)) and not np.array_equal(seen, t)
    for xb, tb in got:
        np.testing.assert_array_equal(xb, x[tb])  # rows stay paired with their labels


def test_batches_in_order_and_repeatable_shuffle():
    x, t = np.arange(10.0)[:, None], np.arange(10)
    ordered = [tb.tolist() for _, tb in ag.data.batches(x, t, 4, shuffle=False)]
    assert ordered == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    a = [tb for _, tb in ag.data.batches(x, t, 3, rng=np.random.default_rng(7))]
    b = [tb for _, tb in ag.data.batches(x, t, 3, rng=np.random.default_rng(7))]
    np.testing.assert_array_equal(np.concatenate(a), np.concatenate(b))


def test_batches_errors_come_at_the_call_and_change_nothing():
    x, t = np.ones((10, 3)), np.arange(9)
    x0, t0 = x.copy(), t.copy()
    with pytest.raises(ag.ShapeError, match="x has 10 examples.*t has 9"):
        ag.data.batches(x, t, 4)  # no next(): checked before the first batch
    with pytest.raises(ag.InvalidArgumentError, match="batch_size"):
        ag.data.batches(x, np.arange(10), 0)
    with pytest.raises(ag.InvalidArgumentError, match="rng"):
        ag.data.batches(x, np.arange(10), 2, rng=3.5)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(t, t0)
