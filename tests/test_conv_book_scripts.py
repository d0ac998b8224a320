"""The book's chapter 7 and 8 scripts with only their imports changed, at a small size.

The data are a synthetic MNIST in the book's shapes ((N, 1, 28, 28) with flatten=False, from an
.npz written here: nothing is downloaded), so ``load_mnist`` takes its path; the sizes of the
slices, the epochs and the batch are cut down so each script runs in seconds. Everything else is
the book's code."""

from __future__ import annotations

import contextlib
import io
import os
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"

pytest.importorskip("matplotlib")


@pytest.fixture
def mnist(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    digits = rng.integers(0, 10, size=260)
    images = rng.integers(0, 40, size=(260, 28, 28)).astype(np.uint8)
    for k, d in enumerate(digits):  # a bright bar whose place is the label: learnable
        images[k, 2 + 2 * d:5 + 2 * d, 4:24] = 250
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=images[:200], y_train=digits[:200], x_test=images[200:],
             y_test=digits[200:])
    monkeypatch.chdir(tmp_path)
    import matplotlib

    matplotlib.use("Agg")
    return str(path)


def run(source: str, mnist_path: str) -> tuple[dict, str]:
    namespace = {"__name__": "__main__", "MNIST": mnist_path}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(textwrap.dedent(source), "<book script>", "exec"), namespace)
    return namespace, out.getvalue()


TRAIN_CONVNET = """
    import numpy as np
    import matplotlib.pyplot as plt
    from autograd_lite.data import load_mnist
    from autograd_lite.book import SimpleConvNet
    from autograd_lite.book import Trainer

    (x_train, t_train), (x_test, t_test) = load_mnist(MNIST, flatten=False)
    x_train, t_train = x_train[:200], t_train[:200]
    x_test, t_test = x_test[:60], t_test[:60]

    max_epochs = 4
    network = SimpleConvNet(input_dim=(1,28,28),
                            conv_param = {'filter_num': 30, 'filter_size': 5,
                                          'pad': 0, 'stride': 1},
                            hidden_size=100, output_size=10, weight_init_std=0.01)
    trainer = Trainer(network, x_train, t_train, x_test, t_test,
                      epochs=max_epochs, mini_batch_size=20,
                      optimizer='Adam', optimizer_param={'lr': 0.001},
                      evaluate_sample_num_per_epoch=100)
    trainer.train()
    network.save_params("params.pkl")
    print("Saved Network Parameters!")

    markers = {'train': 'o', 'test': 's'}
    x = np.arange(max_epochs)
    plt.plot(x, trainer.train_acc_list, marker='o', label='train', markevery=2)
    plt.plot(x, trainer.test_acc_list, marker='s', label='test', markevery=2)
    plt.xlabel("epochs")
    plt.ylabel("accuracy")
    plt.ylim(0, 1.0)
    plt.legend(loc='lower right')
    plt.show()
"""

VISUALIZE_FILTER = """
    import numpy as np
    import matplotlib.pyplot as plt
    from autograd_lite.book import SimpleConvNet

    def filter_show(filters, nx=8, margin=3, scale=10):
        FN, C, FH, FW = filters.shape
        ny = int(np.ceil(FN / nx))
        fig = plt.figure()
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1, hspace=0.05, wspace=0.05)
        for i in range(FN):
            ax = fig.add_subplot(ny, nx, i+1, xticks=[], yticks=[])
            ax.imshow(filters[i, 0], cmap=plt.cm.gray_r, interpolation='nearest')
        plt.show()

    network = SimpleConvNet()
    filter_show(network.params['W1'])
    before = network.params['W1'].copy()
    network.load_params("params.pkl")
    filter_show(network.params['W1'])
"""


def test_train_convnet_and_visualize_filter_run_with_only_their_imports_changed(mnist):
    namespace, output = run(TRAIN_CONVNET, mnist)
    assert "Saved Network Parameters!" in output and os.path.exists("params.pkl")
    trainer = namespace["trainer"]
    assert len(trainer.train_acc_list) == 4 and trainer.test_acc_list[-1] > 0.5
    assert trainer.train_loss_list[-1] < trainer.train_loss_list[0]
    trained = namespace["network"].params["W1"]
    namespace, _ = run(VISUALIZE_FILTER, mnist)
    np.testing.assert_array_equal(namespace["network"].params["W1"], trained)
    assert not np.array_equal(namespace["before"], trained)


DEEP = """
    import numpy as np
    from autograd_lite.data import load_mnist
    from autograd_lite.book import DeepConvNet
    from autograd_lite.book import Trainer

    (x_train, t_train), (x_test, t_test) = load_mnist(MNIST, flatten=False)
    x_train, t_train = x_train[:40], t_train[:40]
    network = DeepConvNet()
    trainer = Trainer(network, x_train, t_train, x_test[:20], t_test[:20],
                      epochs=1, mini_batch_size=20,
                      optimizer='Adam', optimizer_param={'lr':0.001},
                      evaluate_sample_num_per_epoch=20)
    trainer.train()
    network.save_params("deep_convnet_params.pkl")
    print("Saved Network Parameters!")

    network = DeepConvNet()
    network.load_params("deep_convnet_params.pkl")
    print("test accuracy:", network.accuracy(x_test, t_test, batch_size=20))
"""


def test_train_deepnet_runs_with_only_its_imports_changed(mnist):
    np.random.seed(0)
    namespace, output = run(DEEP, mnist)
    assert "Saved Network Parameters!" in output and "test accuracy:" in output
    assert len(namespace["trainer"].train_loss_list) == 2
    assert list(namespace["network"].params) == [f"{p}{i}" for i in range(1, 9) for p in "Wb"]
