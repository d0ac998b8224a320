"""A reader's chapter 5 and 6 scripts, in the book's style, run with ag.book.

Each script is the book's (or the users' note's) with the imports changed, run at a tiny size
on the embedded digits (8x8 images, so input_size=64 instead of 784). The only other edit:
randomness comes from ``rng = np.random.default_rng(seed)`` so the test is deterministic.
"""

from __future__ import annotations

import contextlib
import io
import textwrap

import numpy as np
import pytest

from autograd_lite.book import Trainer, TwoLayerNet, shuffle_dataset, smooth_curve
from autograd_lite.errors import InvalidArgumentError, ShapeError

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"

pytest.importorskip("sklearn")  # load_digits reads the digits that ship with scikit-learn


def run_script(source: str) -> tuple[dict, str]:
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(textwrap.dedent(source), "<book script>", "exec"), namespace)
    return namespace, out.getvalue()


GRADIENT_CHECK = """
    import numpy as np
    from autograd_lite.data import load_digits as load_mnist
    from autograd_lite.book import TwoLayerNet

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    rng = np.random.default_rng(0)
    network = TwoLayerNet(input_size=64, hidden_size=50, output_size=10, rng=rng)

    x_batch = x_train[:3]
    t_batch = t_train[:3]

    grad_numerical = network.numerical_gradient(x_batch, t_batch)
    grad_backprop = network.gradient(x_batch, t_batch)

    for key in grad_numerical.keys():
        diff = np.average( np.abs(grad_backprop[key] - grad_numerical[key]) )
        print(key + ":" + str(diff))
"""


def test_gradient_check_script_prints_differences_around_1e_10():
    namespace, output = run_script(GRADIENT_CHECK)
    lines = output.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["W1", "b1", "W2", "b2"]
    diffs = [float(line.split(":")[1]) for line in lines]
    # The book's numerical gradient differentiates its loss with the 1e-7 inside the log and
    # its backward ignores the 1e-7: about 1e-7 of difference on b2 comes from that alone (the
    # same numbers as the book's code: tests/test_book_same_numbers.py). The engine's exact
    # agreement with central differences is checked in test_book_networks.py.
    assert all(d < 1e-8 for d in diffs[:3]) and diffs[3] < 1e-6, diffs
    assert max(diffs) > 0  # they are real differences, not a copy of one gradient


TRAIN_NEURALNET = """
    import numpy as np
    from autograd_lite.data import load_digits as load_mnist
    from autograd_lite.book import TwoLayerNet

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    rng = np.random.default_rng(0)
    network = TwoLayerNet(input_size=64, hidden_size=50, output_size=10, rng=rng)

    iters_num = 600
    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.5

    train_loss_list = []
    train_acc_list = []
    test_acc_list = []

    iter_per_epoch = max(train_size // batch_size, 1)

    for i in range(iters_num):
        batch_mask = rng.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)

        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] -= learning_rate * grad[key]

        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)

        if i % iter_per_epoch == 0:
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            train_acc_list.append(train_acc)
            test_acc_list.append(test_acc)
            print(train_acc, test_acc)
"""


def test_train_neuralnet_script_learns():
    namespace, output = run_script(TRAIN_NEURALNET)
    assert len(output.strip().splitlines()) == len(namespace["test_acc_list"]) == 43
    losses = namespace["train_loss_list"]
    assert np.mean(losses[-20:]) < 0.25 * np.mean(losses[:20])
    assert namespace["test_acc_list"][0] < 0.3
    assert namespace["test_acc_list"][-1] > 0.9


BATCH_NORM_TEST = """
    import numpy as np
    from autograd_lite.data import load_digits as load_mnist
    from autograd_lite.book import MultiLayerNetExtend
    from autograd_lite.book import SGD, Adam

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    rng = np.random.default_rng(0)

    # 学習データを削減
    x_train = x_train[:300]
    t_train = t_train[:300]

    max_epochs = 8
    train_size = x_train.shape[0]
    batch_size = 50
    learning_rate = 0.01


    def __train(weight_init_std):
        bn_network = MultiLayerNetExtend(input_size=64, hidden_size_list=[30, 30, 30, 30, 30],
                                         output_size=10, weight_init_std=weight_init_std,
                                         use_batchnorm=True, rng=rng)
        network = MultiLayerNetExtend(input_size=64, hidden_size_list=[30, 30, 30, 30, 30],
                                      output_size=10, weight_init_std=weight_init_std, rng=rng)
        optimizer = SGD(lr=learning_rate)

        train_acc_list = []
        bn_train_acc_list = []

        iter_per_epoch = max(train_size / batch_size, 1)
        epoch_cnt = 0

        for i in range(1000000000):
            batch_mask = rng.choice(train_size, batch_size)
            x_batch = x_train[batch_mask]
            t_batch = t_train[batch_mask]

            for _network in (bn_network, network):
                grads = _network.gradient(x_batch, t_batch)
                optimizer.update(_network.params, grads)

            if i % iter_per_epoch == 0:
                train_acc = network.accuracy(x_train, t_train)
                bn_train_acc = bn_network.accuracy(x_train, t_train)
                train_acc_list.append(train_acc)
                bn_train_acc_list.append(bn_train_acc)

                print("epoch:" + str(epoch_cnt) + " | " + str(train_acc) + " - "
                      + str(bn_train_acc))

                epoch_cnt += 1
                if epoch_cnt >= max_epochs:
                    break

        return train_acc_list, bn_train_acc_list


    weight_scale_list = [0.01, 0.1]
    results = {}
    for i, w in enumerate(weight_scale_list):
        print( "============== " + str(i+1) + "/2" + " ==============")
        train_acc_list, bn_train_acc_list = __train(w)
        results[w] = (train_acc_list, bn_train_acc_list)
"""


def test_batch_norm_comparison_script_from_the_users_note():
    namespace, output = run_script(BATCH_NORM_TEST)
    assert output.count("epoch:") == 16
    for w, (plain, normed) in namespace["results"].items():
        assert len(plain) == len(normed) == 8
        # The book's figure: batch normalisation learns faster in the early epochs.
        assert normed[-1] > plain[-1] + 0.15, (w, plain, normed)
        assert sum(normed) > sum(plain), (w, plain, normed)


OVERFIT_DROPOUT = """
    import numpy as np
    from autograd_lite.data import load_digits as load_mnist
    from autograd_lite.book import MultiLayerNetExtend
    from autograd_lite.book import Trainer

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    rng = np.random.default_rng(0)
    x_train = x_train[:300]
    t_train = t_train[:300]

    use_dropout = True
    dropout_ratio = 0.2

    network = MultiLayerNetExtend(input_size=64, hidden_size_list=[40, 40, 40],
                                  output_size=10, use_dropout=use_dropout,
                                  dropout_ration=dropout_ratio, rng=rng)
    trainer = Trainer(network, x_train, t_train, x_test, t_test,
                      epochs=6, mini_batch_size=100,
                      optimizer='sgd', optimizer_param={'lr': 0.1}, verbose=True, rng=rng)
    trainer.train()

    train_acc_list, test_acc_list = trainer.train_acc_list, trainer.test_acc_list
"""


def test_overfit_dropout_script_with_the_trainer():
    namespace, output = run_script(OVERFIT_DROPOUT)
    trainer = namespace["trainer"]
    assert trainer.max_iter == 18 and len(trainer.train_loss_list) == 18
    assert len(namespace["train_acc_list"]) == len(namespace["test_acc_list"]) == 6
    assert output.count("train loss:") == 18
    assert "=== epoch:6, train acc:" in output
    assert "=============== Final Test Accuracy ===============" in output
    assert np.mean(trainer.train_loss_list[-3:]) < np.mean(trainer.train_loss_list[:3])


def test_trainer_options_and_errors():
    rng = np.random.default_rng(0)
    x, t = rng.random((40, 6)), rng.integers(0, 3, 40)
    net = TwoLayerNet(6, 5, 3, rng=rng)
    trainer = Trainer(net, x, t, x[:10], t[:10], epochs=2, mini_batch_size=15,
                      optimizer="Adam", optimizer_param={"lr": 0.01},
                      evaluate_sample_num_per_epoch=5, verbose=False, rng=rng)
    trainer.train()
    assert trainer.optimizer.lr == 0.01 and trainer.optimizer.iter == trainer.max_iter == 5
    # as the book's: 40 / 15 is not a whole number, so current_iter % 2.67 == 0 at step 0 only
    assert len(trainer.train_acc_list) == 1
    assert all(acc in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0) for acc in trainer.train_acc_list)
    with pytest.raises(InvalidArgumentError, match="unknown optimizer 'lbfgs'"):
        Trainer(net, x, t, x, t, optimizer="lbfgs")
    with pytest.raises(ShapeError, match="t_train"):
        Trainer(net, x, t[:5], x, t)


def test_smooth_curve_and_shuffle_dataset():
    curve = np.r_[np.zeros(20), np.ones(20)]
    smooth = smooth_curve(curve)
    assert smooth.shape == curve.shape
    assert np.all(np.diff(smooth) >= -1e-12)  # a step stays monotone
    assert 0 < smooth[19] < 1 and smooth[0] == pytest.approx(0) and smooth[-1] == pytest.approx(1)
    np.testing.assert_allclose(smooth_curve(np.full(30, 2.5)), 2.5)
    x, t = np.arange(10)[:, None] * np.ones((1, 2)), np.arange(10)
    xs, ts = shuffle_dataset(x, t, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(xs[:, 0], ts)
    assert sorted(ts) == list(range(10)) and list(ts) != list(range(10))
