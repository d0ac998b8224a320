"""What must be shown: a two-layer network on load_digits() reaches at least 97% test accuracy.

Measured on the default split (seed 0, 1,438 train / 359 test images), which is the hardest of
the splits we tried (an RBF SVM gets 98.1% on it, 98.9-99.4% on seeds 1-3). The network:
64-256-10 with ReLU, He initialisation, inputs standardised with the training part's statistics,
Adam (lr 0.001), batches of 32, 30 epochs. Over weight seeds 0-5 it scored 350, 348, 351, 351,
349 and 349 of 359 (97.4% on average); this test pins seed 0.
"""

import contextlib

import numpy as np
import pytest

import autograd_lite as ag

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small matrices run faster on one thread, and much faster when the cores are shared."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        limit = contextlib.nullcontext()
    else:
        limit = threadpool_limits(1)
    with limit:
        yield


def test_two_layer_network_reaches_97_percent_on_digits():
    (x_train, t_train), (x_test, t_test) = ag.data.load_digits()
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0) + 0.1
    x_train, x_test = (x_train - mean) / scale, (x_test - mean) / scale
    rng = np.random.default_rng(0)
    model = ag.nn.MLP([64, 256, 10], rng=rng)
    history = ag.fit(
        model,
        ag.optim.Adam(model.parameters(), lr=0.001),
        (x_train, t_train),
        (x_test, t_test),
        epochs=30,
        batch_size=32,
        rng=rng,
    )
    print(
        f"\ndigits, 64-256-10 MLP: test accuracy {history.test_acc[-1]:.4f} "
        f"({round(history.test_acc[-1] * len(t_test))}/{len(t_test)}), "
        f"train accuracy {history.train_acc[-1]:.4f}"
    )
    assert history.test_acc[-1] >= 0.97
    # The recorded figure is the model's own accuracy on the test images.
    predicted = model(x_test).data.argmax(axis=1)
    assert history.test_acc[-1] == pytest.approx(np.mean(predicted == t_test))
