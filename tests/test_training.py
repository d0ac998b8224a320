"""ag.fit and History: the loop, accuracy for every label kind, modes, output, checks first."""

import io
import sys

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.training import accuracy, evaluate


def xor_data(m=200, seed=0):
    return ag.data.xor(m, noise=0.25, rng=np.random.default_rng(seed))


def mlp(sizes, seed=0, **kw):
    return ag.nn.MLP(sizes, rng=np.random.default_rng(seed), **kw)


def snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def assert_same_state(model, before):
    after = model.state_dict()
    assert after.keys() == before.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)


def test_fit_trains_and_records_every_epoch():
    x, t = xor_data()
    model = mlp([2, 16, 2])
    h = ag.fit(
        model,
        ag.optim.Adam(model.parameters(), lr=0.05),
        (x, t),
        epochs=8,
        batch_size=32,
        rng=np.random.default_rng(1),
    )
    assert h.epoch == list(range(1, 9)) and len(h) == 8
    assert len(h.step_loss) == 8 * 7  # ceil(200 / 32) = 7 steps per epoch
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert h.train_acc[-1] > 0.95
    assert h.test_acc == [None] * 8 and h.test_loss == [None] * 8
    assert all(s >= 0 for s in h.time)
    # The recorded train accuracy is the model's accuracy on the whole set, in eval mode.
    _, acc = evaluate(model, x, t)
    assert acc == pytest.approx(h.train_acc[-1])


def test_same_seed_same_history():
    x, t = xor_data()
    runs = []
    for _ in range(2):
        model = mlp([2, 8, 2], seed=3)
        runs.append(
            ag.fit(
                model,
                ag.optim.SGD(model.parameters(), lr=0.1),
                (x, t),
                epochs=3,
                batch_size=50,
                rng=7,
            ).step_loss
        )
    assert runs[0] == runs[1]


def test_one_hot_labels_give_the_same_run_as_class_indices():
    x, t = xor_data()
    histories = []
    for labels in (t, ag.data.one_hot(t, 2)):
        model = mlp([2, 8, 2], seed=2)
        histories.append(
            ag.fit(
                model,
                ag.optim.SGD(model.parameters(), lr=0.1),
                (x, labels),
                (x[:50], labels[:50]),
                epochs=3,
                batch_size=40,
                rng=5,
            )
        )
    np.testing.assert_allclose(histories[0].step_loss, histories[1].step_loss, rtol=1e-12)
    assert histories[0].test_acc == histories[1].test_acc


@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_single_logit_sigmoid_model(label_shape):
    X, Y = ag.data.planar(m=200, rng=np.random.default_rng(0))
    x = X.T
    t = Y[0] if label_shape == "flat" else Y.T
    model = mlp([2, 8, 1], activation="tanh")
    h = ag.fit(
        model,
        ag.optim.Adam(model.parameters(), lr=0.05),
        (x, t),
        (x, t),
        epochs=30,
        batch_size=200,
        loss="sigmoid_with_loss",
        rng=0,
    )
    assert h.train_acc[-1] > 0.8
    logits = model(x).data.ravel()
    assert h.test_acc[-1] == pytest.approx(np.mean((logits > 0) == (Y[0] == 1)))


def test_a_callable_loss():
    x, t = xor_data()
    calls = []

    def loss(logits, labels):
        calls.append(labels.shape)
        return ag.softmax_with_loss(logits, labels) * 2.0

    model = mlp([2, 8, 2])
    h = ag.fit(
        model,
        ag.optim.SGD(model.parameters(), lr=0.05),
        (x, t),
        epochs=2,
        batch_size=100,
        loss=loss,
        rng=0,
    )
    assert len(h) == 2 and (100,) in calls


def test_accuracy_rules():
    y = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(y, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(y, np.eye(2)[[0, 1, 0]]) == 1.0
    assert accuracy(np.array([[0.5], [-1.0]]), np.array([1, 1])) == 0.5
    assert accuracy(ag.Tensor([0.5, -1.0]), np.array([[1], [0]])) == 1.0
    assert accuracy(np.array([[0.5], [-1.0]]), np.array([0.3, 2.0])) is None  # a regression


def test_optimizer_without_zero_grad_still_gets_fresh_gradients():
    x, t = xor_data()

    class StepOnly:
        def __init__(self, params):
            self.inner = ag.optim.SGD(params, lr=0.1)

        def step(self):
            self.inner.step()

    results = []
    for opt_of in (lambda p: ag.optim.SGD(p, lr=0.1), StepOnly):
        model = mlp([2, 8, 2], seed=4)
        results.append(
            ag.fit(
                model, opt_of(model.parameters()), (x, t), epochs=2, batch_size=64, rng=3
            ).step_loss
        )
    assert results[0] == results[1]


def test_train_and_eval_modes_are_used():
    x, t = xor_data(40)
    inner = mlp([2, 4, 2])
    modes = []

    class Spy:
        def __call__(self, xb):
            modes.append("train" if inner.training else "eval")
            return inner(xb)

        def parameters(self):
            return inner.parameters()

        def train(self):
            inner.train()

        def eval(self):
            inner.eval()

    ag.fit(Spy(), ag.optim.SGD(inner.parameters(), lr=0.1), (x, t), (x, t), epochs=2, batch_size=20)
    # Probes of train and test (eval), then per epoch: 2 steps (train), and the train and test
    # measurements in batches of the same size (2 + 2 calls, eval).
    assert modes == ["eval", "eval"] + (["train"] * 2 + ["eval"] * 4) * 2
    assert not inner.training


def test_verbose_prints_a_table_row_per_epoch(capsys):
    x, t = xor_data()
    model = mlp([2, 8, 2])
    h = ag.fit(
        model,
        ag.optim.SGD(model.parameters(), lr=0.1),
        (x, t),
        (x, t),
        epochs=3,
        batch_size=100,
        verbose=True,
        progress=False,
        rng=0,
    )
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == [
        "epoch",
        "loss",
        "train",
        "acc",
        "test",
        "loss",
        "test",
        "acc",
        "time",
    ]
    assert len(lines) == 4 and lines[1:] == str(h).splitlines()[1:]
    assert err == ""


def test_quiet_by_default_when_stderr_is_not_a_terminal(capsys):
    x, t = xor_data()
    model = mlp([2, 8, 2])
    ag.fit(model, ag.optim.SGD(model.parameters(), lr=0.1), (x, t), epochs=2, batch_size=100)
    assert capsys.readouterr() == ("", "")


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_and_when_forced(monkeypatch):
    x, t = xor_data()
    for progress, stream in ((None, FakeTerminal()), (True, io.StringIO())):
        monkeypatch.setattr(sys, "stderr", stream)
        model = mlp([2, 8, 2])
        ag.fit(
            model,
            ag.optim.SGD(model.parameters(), lr=0.1),
            (x, t),
            epochs=2,
            batch_size=100,
            progress=progress,
        )
        text = stream.getvalue()
        assert "fit" in text and "4/4" in text and "loss" in text


def test_progress_true_without_tqdm_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    x, t = xor_data()
    model = mlp([2, 8, 2])
    with pytest.raises(ag.InvalidArgumentError, match=r"tqdm.*autograd-lite\[demo\]"):
        ag.fit(
            model, ag.optim.SGD(model.parameters()), (x, t), epochs=1, batch_size=10, progress=True
        )


def test_a_diverging_loss_warns():
    x, t = xor_data()
    model = mlp([2, 4, 2])
    with pytest.warns(RuntimeWarning, match="loss became nan in epoch 1"):
        ag.fit(
            model,
            ag.optim.SGD(model.parameters()),
            (x, t),
            epochs=1,
            batch_size=100,
            loss=lambda y, tb: ag.sum(y) * np.nan,
        )


def test_history_table_and_repr():
    h = ag.training.History(has_test=True)
    h.record(1, 0.5, 0.8, 0.6, None, 0.25)
    h.record(2, 0.25, 0.9, 0.4, 0.85, 0.5)
    lines = str(h).splitlines()
    assert len(lines) == 3
    assert lines[1].split() == ["1", "0.5000", "0.8000", "0.6000", "-", "0.25s"]
    assert lines[2].split() == ["2", "0.2500", "0.9000", "0.4000", "0.8500", "0.50s"]
    assert repr(h) == "History(2 epochs; last: loss 0.2500, train acc 0.9000, test acc 0.8500)"
    d = h.as_dict()
    d["loss"].append(9)
    assert h.loss == [0.5, 0.25]
    assert str(ag.training.History()) == "History (no epochs)"


# ----- bad input: a clear error before any training, and nothing changed ----------------------
def bad_calls(x, t):
    """(kwargs overrides, exception, message pattern)."""
    return [
        ({"train": (x, t[:-1])}, ag.ShapeError, r"train t has 199 labels.*train x has 200"),
        ({"train": (x[:, :1], t)}, ag.ShapeError, r"model does not accept train x.*\(1,\)"),
        (
            {"test": (np.ones((5, 3)), np.zeros(5, int))},
            ag.ShapeError,
            r"test x has examples of shape \(3,\).*train x has \(2,\)",
        ),
        ({"test": (x[:5], t[:4])}, ag.ShapeError, "test t has 4 labels"),
        ({"train": (x, t + 1)}, ag.InvalidArgumentError, r"train t holds labels 1..2.*0..1"),
        ({"train": (x, ag.data.one_hot(t, 3))}, ag.ShapeError, "train t .* does not fit"),
        ({"train": (x, t.astype(float) + 0.5)}, ag.DTypeError, "integer class indices"),
        ({"epochs": 0}, ag.InvalidArgumentError, "epochs must be an int >= 1"),
        ({"batch_size": 2.5}, ag.InvalidArgumentError, "batch_size"),
        ({"loss": "cross_entropy"}, ag.InvalidArgumentError, "loss must be one of"),
        ({"optimizer": object()}, ag.InvalidArgumentError, "step"),
        ({"progress": "yes"}, ag.InvalidArgumentError, "progress"),
        ({"rng": "seed"}, ag.InvalidArgumentError, "rng"),
        ({"train": x}, ag.InvalidArgumentError, r"pair \(x, t\)"),
    ]


@pytest.mark.parametrize("case", range(14))
def test_bad_input_raises_first_and_changes_nothing(case):
    x, t = xor_data()
    model = mlp([2, 6, 2], batchnorm=True)  # BatchNorm has running statistics to protect
    opt = ag.optim.Momentum(model.parameters(), lr=0.1)
    overrides, error, pattern = bad_calls(x, t)[case]
    kwargs = {
        "model": model,
        "optimizer": opt,
        "train": (x, t),
        "test": None,
        "epochs": 2,
        "batch_size": 20,
    }
    kwargs.update(overrides)
    arrays = [a for v in kwargs.values() if isinstance(v, tuple) for a in v]
    copies = [a.copy() for a in arrays]
    state = snapshot(model)
    with pytest.raises(error, match=pattern):
        ag.fit(**kwargs)
    assert_same_state(model, state)
    assert model.training  # still in training mode, as before the call
    assert all(p.grad is None for p in model.parameters())
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)


def test_without_shuffling_the_run_needs_no_rng():
    x, t = xor_data()
    runs = []
    for _ in range(2):
        model = mlp([2, 8, 2], seed=1)
        runs.append(
            ag.fit(
                model,
                ag.optim.SGD(model.parameters(), lr=0.1),
                (x, t),
                epochs=2,
                batch_size=64,
                shuffle=False,
            ).step_loss
        )
    assert runs[0] == runs[1] and len(runs[0]) == 8


@pytest.mark.parametrize("loss", ["mean_squared_error", "softmax_with_loss"])
def test_evaluated_loss_does_not_depend_on_the_batch_size(loss):
    rng = np.random.default_rng(5)
    model = ag.nn.MLP([4, 6, 3], rng=rng)
    x = rng.normal(size=(50, 4))
    t = np.eye(3)[rng.integers(0, 3, size=50)]
    values = [evaluate(model, x, t, loss=loss, batch_size=size)[0] for size in (7, 10, 50, 1000)]
    np.testing.assert_allclose(values, values[0], rtol=1e-12)
    logits = model(ag.Tensor(x, requires_grad=False))
    full = getattr(ag, loss)(logits, t).item()
    per_example = full / len(x) if loss == "mean_squared_error" else full
    assert values[0] == pytest.approx(per_example, rel=1e-12)
