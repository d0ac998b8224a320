"""Empty batches and inputs with no meaning: a named error, and nothing the user passed (arrays,
running statistics) is changed. Also the dtype rule for parameters and the K = 1 target."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.errors import DTypeError, InvalidArgumentError

empty_batches = st.integers(1, 5).map(lambda d: np.zeros((0, d)))


@given(empty_batches)
def test_batchnorm_training_on_an_empty_batch_refuses_and_keeps_the_running_statistics(x):
    layer = nn.BatchNorm(x.shape[1])
    layer.running_mean[...] = 0.25
    layer.running_var[...] = 2.0
    with pytest.raises(InvalidArgumentError, match=r"BatchNorm: the batch is empty"):
        layer(x)
    np.testing.assert_array_equal(layer.running_mean, 0.25)
    np.testing.assert_array_equal(layer.running_var, 2.0)
    layer.eval()
    assert layer(x).shape == x.shape  # evaluation of no examples is defined: no rows


@given(empty_batches)
def test_batchnorm_op_and_book_layer_refuse_an_empty_batch(x):
    d = x.shape[1]
    with pytest.raises(InvalidArgumentError, match="BatchNorm: the batch is empty"):
        ag.apply(ag.REGISTRY["BatchNorm"], x, np.ones(d), np.zeros(d))
    book = ag.book.BatchNormalization(np.ones(d), np.zeros(d))
    with pytest.raises(InvalidArgumentError, match="the batch is empty"):
        book.forward(x, train_flg=True)
    assert book.running_mean is None or not np.isnan(book.running_mean).any()


@given(empty_batches, st.booleans())
def test_softmax_with_loss_of_an_empty_batch_is_a_named_error(x, one_hot):
    labels = np.zeros(x.shape, dtype=float) if one_hot else np.zeros(0, dtype=int)
    with pytest.raises(InvalidArgumentError, match=r"SoftmaxWithLoss: the batch is empty"):
        ag.softmax_with_loss(ag.Tensor(x), labels)


def test_softmax_with_loss_with_no_classes_is_a_named_error():
    with pytest.raises(InvalidArgumentError, match="there are no classes"):
        ag.softmax_with_loss(ag.Tensor(np.zeros((2, 0))), np.zeros(2, dtype=int))


@given(st.lists(st.integers(0, 3), min_size=1, max_size=3).filter(lambda s: 0 in s))
def test_softmax_of_an_empty_tensor_is_a_named_error(shape):
    with pytest.raises(InvalidArgumentError, match=r"Softmax: input is empty"):
        ag.softmax(ag.Tensor(np.zeros(shape)))


@pytest.mark.parametrize("axis", [1.5, "1", (0, 1), None, True])
def test_softmax_axis_must_be_one_int(axis):
    with pytest.raises(InvalidArgumentError, match="Softmax: axis must be an int"):
        ag.softmax(ag.Tensor(np.ones((2, 3))), axis=axis)


# ----- K = 1: a probability target is a target, not an index ----------------------------------
@pytest.mark.parametrize("p", [0.3, 1.0, 0.0])
def test_k1_probability_target_is_read_as_a_target(p):
    logits = ag.Tensor([0.3])
    loss = ag.softmax_with_loss(logits, np.array([p]))
    # softmax of one logit is 1, so the cross-entropy -p log 1 is 0 for every target p
    assert loss.item() == 0.0
    loss.backward()
    # gradient softmax(x) * sum(t) - t = p - p = 0
    np.testing.assert_allclose(logits.grad, [0.0])


def test_k1_float_target_of_two_classes_is_still_a_target_vector():
    logits = np.array([0.3, -0.2])
    t = np.array([0.25, 0.75])
    y = np.exp(logits) / np.exp(logits).sum()
    expected = -(t * np.log(y)).sum()
    np.testing.assert_allclose(ag.softmax_with_loss(ag.Tensor(logits), t).item(), expected)


def test_integer_class_index_for_one_d_logits_still_works():
    logits = np.array([0.3, -0.2, 1.0])
    y = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(ag.softmax_with_loss(ag.Tensor(logits), np.array([2])).item(),
                               -np.log(y[2]))


# ----- parameters are floats -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int32, np.int64, bool, np.complex128, "U3", object, None])
@pytest.mark.parametrize("build", [
    lambda d: nn.Affine(3, 2, dtype=d),
    lambda d: nn.BatchNorm(3, dtype=d),
    lambda d: nn.MLP([3, 2], dtype=d),
])  # fmt: skip
def test_parameters_refuse_non_float_dtypes(build, dtype):
    with pytest.raises(DTypeError, match=r"dtype must be a floating-point dtype"):
        build(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32"])
def test_parameters_take_float_dtypes(dtype):
    layer = nn.Affine(3, 2, dtype=dtype, rng=0)
    assert layer.W.data.dtype == np.dtype(dtype) and layer.b.data.dtype == np.dtype(dtype)


def test_sigmoid_with_loss_refuses_string_targets():
    with pytest.raises(DTypeError, match=r"SigmoidWithLoss: input 1 \(t\) must be numeric"):
        ag.sigmoid_with_loss(ag.Tensor([0.1, 0.2]), np.array(["a", "b"]))
