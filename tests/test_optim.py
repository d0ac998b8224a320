"""Optimizers: both calling styles against reference implementations of the book's formulas.

The references (``tests/book_reference.py``) are written from the formulas of the book's
``common/optimizer.py`` (one class per rule, dicts of arrays, the book's defaults),
independently of ``autograd_lite.optim.rules``.
"""

from __future__ import annotations

import book_reference
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import book
from autograd_lite.errors import DTypeError, InvalidArgumentError, ShapeError

# ----- reference implementations: the book's formulas, in tests/book_reference.py -----------

REFERENCES = {name: getattr(book_reference, name)
              for name in ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam")}
CUSTOM = {
    "SGD": {"lr": 0.1}, "Momentum": {"lr": 0.05, "momentum": 0.8},
    "Nesterov": {"lr": 0.05, "momentum": 0.7}, "AdaGrad": {"lr": 0.2},
    "RMSprop": {"lr": 0.02, "decay_rate": 0.9}, "Adam": {"lr": 0.01, "beta1": 0.8, "beta2": 0.99},
}  # fmt: skip


def _problem(seed):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal(3),
              "W2": rng.standard_normal((3, 2))}  # fmt: skip
    grads = [{k: rng.standard_normal(p.shape) for k, p in params.items()} for _ in range(6)]
    return params, grads


def _run_reference(name, hyper, params, grad_steps, weight_decay=0.0):
    params = {k: p.copy() for k, p in params.items()}
    ref = REFERENCES[name](**hyper)
    for grads in grad_steps:
        if weight_decay:
            grads = {k: g + weight_decay * params[k] for k, g in grads.items()}
        ref.update(params, grads)
    return params


@pytest.mark.parametrize("name", list(REFERENCES))
@pytest.mark.parametrize("custom", [False, True], ids=["book-defaults", "custom"])
def test_book_optimizer_matches_reference(name, custom):
    params, grad_steps = _problem(1)
    hyper = CUSTOM[name] if custom else {}
    expected = _run_reference(name, hyper, params, grad_steps)
    ours = {k: p.copy() for k, p in params.items()}
    arrays = dict(ours)  # the same array objects: the update must be in place
    opt = getattr(book, name)(**hyper)
    for grads in grad_steps:
        opt.update(ours, grads)
    for k in expected:
        assert ours[k] is arrays[k], f"{name} replaced params[{k!r}] instead of updating it"
        np.testing.assert_array_equal(ours[k], expected[k])  # bit for bit
        assert not np.allclose(ours[k], params[k])


@pytest.mark.parametrize("name", list(REFERENCES))
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_tensor_optimizer_matches_reference(name, weight_decay):
    params, grad_steps = _problem(2)
    hyper = CUSTOM[name]
    expected = _run_reference(name, hyper, params, grad_steps, weight_decay)
    tensors = {k: ag.nn.Parameter(p, name=k) for k, p in params.items()}
    opt = getattr(ag.optim, name)(tensors.values(), weight_decay=weight_decay, **hyper)
    for grads in grad_steps:
        for k, t in tensors.items():
            t.grad = grads[k].copy()
        opt.step()
    for k in expected:
        np.testing.assert_array_equal(tensors[k].data, expected[k])  # bit for bit


def test_book_optimizer_defaults_are_the_books():
    assert book.SGD().lr == 0.01
    assert (book.Momentum().lr, book.Momentum().momentum) == (0.01, 0.9)
    assert (book.Nesterov().lr, book.Nesterov().momentum) == (0.01, 0.9)
    assert book.AdaGrad().lr == 0.01
    assert (book.RMSprop().lr, book.RMSprop().decay_rate) == (0.01, 0.99)
    adam = book.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-7)


def test_the_rule_lives_in_one_place():
    # Both families inherit the same rule class, so they cannot drift apart.
    for name in REFERENCES:
        rule = getattr(ag.optim, f"{name}Rule")
        assert issubclass(getattr(ag.optim, name), rule)
        assert issubclass(getattr(book, name), rule)


def test_optimizer_trains_a_model_step_and_zero_grad():
    rng = np.random.default_rng(0)
    model = ag.nn.MLP([3, 8, 2], rng=rng)
    x, t = rng.standard_normal((16, 3)), rng.integers(0, 2, 16)
    opt = ag.optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        loss = ag.softmax_with_loss(model(x), t)
        first = loss.item() if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_parameters_without_gradient_are_left_alone():
    a, b = ag.nn.Parameter([1.0, 2.0]), ag.nn.Parameter([3.0])
    a.grad = np.array([1.0, 1.0])
    ag.optim.SGD([a, b], lr=0.5).step()
    np.testing.assert_array_equal(a.data, [0.5, 1.5])
    np.testing.assert_array_equal(b.data, [3.0])


def test_lr_can_change_between_steps():
    p = ag.nn.Parameter([1.0])
    opt = ag.optim.SGD([p], lr=0.1)
    p.grad = np.array([1.0])
    opt.step()
    opt.lr = 0.5
    opt.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.1 - 0.5])


def test_book_optimizer_on_plain_numbers_like_optimizer_compare_naive():
    # The book's optimizer_compare_naive.py keeps floats in params and records a history.
    params = {"x": -7.0, "y": 2.0}
    history = []
    opt = book.Momentum(lr=0.1)
    for _ in range(3):
        history.append(params["x"])
        opt.update(params, {"x": params["x"] / 10.0, "y": 2.0 * params["y"]})
    assert isinstance(params["x"], float)
    assert len(set(history)) == 3  # each entry is its own number, not one shared array


@pytest.mark.parametrize("bad", [
    {"lr": 0.0}, {"lr": -1.0}, {"lr": float("nan")}, {"lr": "0.1"}, {"weight_decay": -0.1},
])  # fmt: skip
def test_bad_hyperparameters(bad):
    with pytest.raises(InvalidArgumentError, match="SGD"):
        book.SGD(**bad)
    with pytest.raises(InvalidArgumentError):
        ag.optim.SGD([ag.nn.Parameter([1.0])], **bad)


@pytest.mark.parametrize("cls", [ag.optim.Momentum, ag.optim.Nesterov])
def test_bad_momentum(cls):
    with pytest.raises(InvalidArgumentError, match="momentum"):
        cls([ag.nn.Parameter([1.0])], momentum=1.5)


def test_bad_params_argument():
    model = ag.nn.Affine(2, 2, rng=np.random.default_rng(0))
    with pytest.raises(InvalidArgumentError, match=r"model\.parameters\(\)"):
        ag.optim.SGD(model)
    with pytest.raises(InvalidArgumentError, match="empty"):
        ag.optim.SGD([])
    with pytest.raises(InvalidArgumentError, match=r"params\[0\]"):
        ag.optim.SGD([np.zeros(2)])
    with pytest.raises(DTypeError, match="requires_grad"):
        ag.optim.SGD([ag.Tensor([1.0], requires_grad=False)])


def test_book_update_with_mismatched_grads_changes_nothing():
    params, grad_steps = _problem(3)
    before = {k: p.copy() for k, p in params.items()}
    opt = book.Adam()
    bad = dict(grad_steps[0])
    bad["W2"] = np.zeros((2, 3))
    with pytest.raises(ShapeError, match=r"grads\['W2'\] has shape \(2, 3\).*\(3, 2\)"):
        opt.update(params, bad)
    missing = {k: g for k, g in grad_steps[0].items() if k != "b1"}
    with pytest.raises(InvalidArgumentError, match="'b1'"):
        opt.update(params, missing)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    assert opt.iter == 0


def test_tensor_step_with_a_wrong_gradient_shape_changes_nothing():
    a, b = ag.nn.Parameter([1.0, 2.0], name="a"), ag.nn.Parameter([3.0], name="b")
    a.grad, b.grad = np.ones(2), np.ones(3)
    with pytest.raises(ShapeError, match="b"):
        ag.optim.SGD([a, b]).step()
    np.testing.assert_array_equal(a.data, [1.0, 2.0])


# ----- property: any hyperparameters, any shapes, both families, bit for bit ---------------

_HYPER = {
    "SGD": {"lr": st.floats(1e-4, 1.0)},
    "Momentum": {"lr": st.floats(1e-4, 1.0), "momentum": st.floats(0.0, 0.99)},
    "Nesterov": {"lr": st.floats(1e-4, 1.0), "momentum": st.floats(0.0, 0.99)},
    "AdaGrad": {"lr": st.floats(1e-4, 1.0)},
    "RMSprop": {"lr": st.floats(1e-4, 1.0), "decay_rate": st.floats(0.0, 0.999)},
    "Adam": {"lr": st.floats(1e-5, 0.1), "beta1": st.floats(0.0, 0.99),
             "beta2": st.floats(0.0, 0.9999)},
}  # fmt: skip


@st.composite
def _cases(draw):
    name = draw(st.sampled_from(sorted(_HYPER)))
    hyper = {k: draw(s) for k, s in _HYPER[name].items()}
    shapes = draw(st.lists(st.lists(st.integers(1, 4), min_size=0, max_size=3), min_size=1,
                           max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    steps = draw(st.integers(1, 5))
    return name, hyper, [tuple(s) for s in shapes], seed, steps


@given(_cases())
def test_both_families_equal_the_books_formulas_for_any_hyperparameters(case):
    name, hyper, shapes, seed, steps = case
    rng = np.random.default_rng(seed)
    params = {f"p{i}": rng.standard_normal(s) for i, s in enumerate(shapes)}
    grad_steps = [{k: rng.standard_normal(p.shape) for k, p in params.items()}
                  for _ in range(steps)]  # fmt: skip
    expected = _run_reference(name, hyper, params, grad_steps)
    dicts = {k: p.copy() for k, p in params.items()}
    book_opt = getattr(book, name)(**hyper)
    tensors = {k: ag.nn.Parameter(p) for k, p in params.items()}
    tensor_opt = getattr(ag.optim, name)(tensors.values(), **hyper)
    for grads in grad_steps:
        book_opt.update(dicts, grads)
        for k, t in tensors.items():
            t.grad = grads[k]
        tensor_opt.step()
    for k in expected:
        np.testing.assert_array_equal(dicts[k], expected[k])
        np.testing.assert_array_equal(tensors[k].data, expected[k])
