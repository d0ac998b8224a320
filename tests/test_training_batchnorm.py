"""What must be shown: batch normalisation makes a deep network learn faster (the book's 6-18).

The book's experiment on the digits: 5 hidden layers of 100 ReLU units, weights drawn with a
small standard deviation (0.01), plain SGD with lr 0.01, batches of 100, all 1,438 training
images. Without BatchNorm the signal vanishes through the layers and the network stays at chance
(about 10%) for the first epochs; with BatchNorm after each hidden Affine it learns. Accuracies
are the book's: measured on the whole set in evaluation mode after each epoch.
"""

import contextlib

import numpy as np
import pytest

import autograd_lite as ag

SIZES = [64, 100, 100, 100, 100, 100, 10]
EPOCHS = 5


@pytest.fixture(autouse=True)
def one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        limit = contextlib.nullcontext()
    else:
        limit = threadpool_limits(1)
    with limit:
        yield


def train(batchnorm: bool, seed: int, data):
    (x, t), (xt, tt) = data
    rng = np.random.default_rng(seed)
    model = ag.nn.MLP(SIZES, init=0.01, batchnorm=batchnorm, rng=rng)
    return ag.fit(
        model,
        ag.optim.SGD(model.parameters(), lr=0.01),
        (x, t),
        (xt, tt),
        epochs=EPOCHS,
        batch_size=100,
        rng=rng,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batchnorm_trains_faster_in_early_epochs(seed):
    data = ag.data.load_digits()
    bn, plain = train(True, seed, data), train(False, seed, data)
    print(
        f"\nseed {seed}: train accuracy per epoch, BatchNorm "
        f"{[round(a, 3) for a in bn.train_acc]} (test {bn.test_acc[-1]:.3f}); without "
        f"{[round(a, 3) for a in plain.train_acc]} (test {plain.test_acc[-1]:.3f})"
    )
    assert bn.train_acc[-1] >= 0.9
    assert bn.train_acc[-1] >= plain.train_acc[-1] + 0.6
    assert bn.test_acc[-1] >= plain.test_acc[-1] + 0.6
    assert bn.loss[-1] < 0.5 * plain.loss[-1]
    assert max(plain.train_acc) < 0.2  # still at chance: the vanishing signal
