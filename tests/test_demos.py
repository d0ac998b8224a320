"""Every demo in demos/ runs at its tiny size and produces what it promises.

Each test imports a demo's ``main(...)``, runs it with ``tiny=True`` into ``tmp_path`` and checks
its pictures (real PNG files) and its numbers (the book's apple gradients exactly, falling costs,
accuracies in range). The full-size runs are for people; these keep the demos from rotting.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"

DEMOS = Path(__file__).resolve().parents[1] / "demos"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytest.importorskip("matplotlib", reason="the demos need the demo extra")


def load(name: str):
    """Import ``demos/NAME.py`` as a module (the demos import their shared ``demo_kit``)."""
    if str(DEMOS) not in sys.path:
        sys.path.append(str(DEMOS))
    return importlib.import_module(name)


def assert_png(path, min_side: int = 100) -> None:
    """``path`` is a complete PNG image of a sensible size."""
    from PIL import Image

    path = Path(path)
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    with Image.open(path) as image:
        image.verify()  # raises on a truncated or corrupt file
    with Image.open(path) as image:
        width, height = image.size
    assert min(width, height) >= min_side, f"{path} is only {width}x{height} pixels"


# ----- 1. apple -------------------------------------------------------------------------------
def test_apple_gradients_are_the_books_numbers(tmp_path):
    result = load("apple").main(out=tmp_path, tiny=True)
    # The book's section 5.4 prints exactly these floats (1.1 * 100 == 110.00000000000001).
    apple = result["apple"]
    assert apple["price"] == 220.00000000000003
    assert apple["grads"] == {"apple": 2.2, "apple_num": 110.00000000000001, "tax": 200.0}
    both = result["apple_orange"]
    assert both["price"] == 715.0000000000001
    assert both["grads"] == {
        "apple": 2.2,
        "apple_num": 110.00000000000001,
        "orange": 3.3000000000000003,
        "orange_num": 165.0,
        "tax": 650.0,
    }
    for part in (apple, both):
        assert_png(part["figure"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["apple.png", "apple_orange.png"]


# ----- 2. logistic regression -----------------------------------------------------------------
def _write_cat_files(folder: Path, rng: np.random.Generator) -> None:
    """Small stand-ins for the course's .h5 files: "cats" are redder, the rest bluer."""
    h5py = pytest.importorskip("h5py")
    for part, m in (("train", 40), ("test", 16)):
        y = np.tile([0, 1], m // 2)
        x = rng.integers(0, 120, size=(m, 8, 8, 3))
        x[..., 0] += 120 * y[:, None, None]
        x[..., 2] += 120 * (1 - y)[:, None, None]
        with h5py.File(folder / f"{part}_catvnoncat.h5", "w") as f:
            f[f"{part}_set_x"] = x.astype(np.uint8)
            f[f"{part}_set_y"] = y.astype(np.int64)
            f["list_classes"] = np.array([b"non-cat", b"cat"])


@pytest.mark.parametrize("dataset", ["breast_cancer", "digits01"])
def test_logistic_regression_costs_fall_and_faster_rates_fall_further(tmp_path, dataset):
    demo = load("logistic_regression")
    result = demo.main(out=tmp_path, tiny=True, dataset=dataset)
    runs = result[dataset]["runs"]
    assert list(runs) == list(demo.LEARNING_RATES)
    for run in runs.values():
        costs = run["costs"]
        assert costs[0] == pytest.approx(np.log(2))  # w = 0, b = 0: every a = 0.5
        assert np.all(np.diff(costs) < 0), "gradient descent on a convex cost must descend"
        assert 0.5 < run["train_acc"] <= 1 and 0.5 < run["test_acc"] <= 1
    finals = [run["costs"][-1] for run in runs.values()]
    assert finals == sorted(finals), "larger learning rates should end lower here"
    for figure in result["figures"]:
        assert_png(figure)


def test_logistic_regression_on_the_course_cat_files(tmp_path):
    cat_dir = tmp_path / "datasets"
    cat_dir.mkdir()
    _write_cat_files(cat_dir, np.random.default_rng(1))
    result = load("logistic_regression").main(out=tmp_path / "out", tiny=True, cat_dir=cat_dir)
    assert result["cat"]["description"].startswith("cat vs non-cat")
    best = result["cat"]["runs"][0.01]
    assert best["costs"][-1] < best["costs"][0]
    assert best["train_acc"] > 0.9  # the stand-in cats are separable by colour
    assert_png(tmp_path / "out" / "learning_rates_cat.png")


# ----- 3. planar ------------------------------------------------------------------------------
def test_planar_trains_every_hidden_size_and_draws_the_grid(tmp_path):
    result = load("planar").main(out=tmp_path, tiny=True, hidden=(1, 3, 20))
    assert list(result["accuracy"]) == [0, 1, 3, 20]  # 0 is the logistic-regression baseline
    for n_h, costs in result["costs"].items():
        assert costs[-1] < costs[0], f"hidden size {n_h}: cost did not fall"
    assert all(0.0 <= acc <= 1.0 for acc in result["accuracy"].values())
    # a tanh layer bends the boundary: some network beats the straight line of the baseline
    assert max(result["accuracy"][n] for n in (1, 3, 20)) > result["accuracy"][0]
    for figure in result["figures"]:
        assert_png(figure)


# ----- 5. chapter 6 ---------------------------------------------------------------------------
def test_chapter6_optimizers_reach_the_minimum_of_the_books_function(tmp_path, capsys):
    chapter6 = load("chapter6")
    result = chapter6.main(parts=["optimizers"], out=tmp_path, tiny=True)["optimizers"]
    # each learning rate is printed beside the result it produced (two experiments, two lrs)
    out = capsys.readouterr().out
    assert "path lr" in out and "network lr" in out
    for name in chapter6.OPTIMIZERS:
        row = next(line.split() for line in out.splitlines() if line.split()[:1] == [name])
        assert float(row[1]) == chapter6.PATH_LRS[name]
        assert float(row[4]) == chapter6.OPTIMIZERS[name]
    # nothing clipped: the loss figure's y-range holds every plotted (smoothed) loss
    low, high = result["loss_ylim"]
    for losses in result["losses"].values():
        smoothed = chapter6.smooth(losses)
        assert low <= smoothed.min() and smoothed.max() <= high
    assert list(result["paths"]) == ["SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"]
    for name, path in result["paths"].items():
        assert path.shape == (31, 2) and tuple(path[0]) == (-7.0, 2.0)
        assert np.hypot(*path[-1]) < 1.0, f"{name} did not approach the minimum at (0, 0)"
    for name, losses in result["losses"].items():
        assert losses.shape == (40,) and np.all(np.isfinite(losses)), name
    for figure in result["figures"]:
        assert_png(figure)


def test_chapter6_init_histograms_show_vanishing_and_healthy_activations(tmp_path):
    result = load("chapter6").main(parts=["init"], out=tmp_path, tiny=True)["init"]
    std = result["std"]
    assert std["sigmoid, std 1"][-1] > 0.3  # saturated at 0 and 1
    assert std["sigmoid, std 0.01"][-1] < 0.05  # everything collapses onto 0.5
    assert 0.05 < std["sigmoid, Xavier"][-1] < 0.3
    assert std["ReLU, std 0.01"][-1] < 1e-3  # activations vanish layer by layer
    assert std["ReLU, He"][-1] > 0.3 * std["ReLU, He"][0]  # He keeps their spread
    assert set(result["losses"]) == {"std 0.01", "Xavier", "He"}
    # the book's ReLU histograms stop at 7,000 of 1000 x 100 activations (here 200 x 100)
    assert result["hist_ylim"] == {key: pytest.approx(0.07 * 200 * 100)
                                   for key in ("ReLU, std 0.01", "ReLU, Xavier", "ReLU, He")}
    for figure in result["figures"]:
        assert_png(figure)


def test_chapter6_batchnorm_and_regularization_curves(tmp_path):
    results = load("chapter6").main(parts=["batchnorm", "regularization"], out=tmp_path, tiny=True)
    curves = results["batchnorm"]["curves"]
    assert len(curves) == 4 and max(curves) == 1.0 and min(curves) == pytest.approx(1e-4)
    for runs in curves.values():
        for acc in runs.values():  # BatchNorm on (True) and off (False), one value per epoch
            assert acc.shape == (2,) and np.all((acc >= 0) & (acc <= 1))
    # the book's figure 6-19 setup (batch_norm_test.py), at full size
    setup = load("chapter6").BATCHNORM
    assert setup == {"train_size": 1000, "batch_size": 100, "lr": 0.01, "epochs": 20,
                     "scales": 16}
    assert results["batchnorm"]["setup"]["train_size"] == 1000
    regs = results["regularization"]["curves"]
    assert len(regs) == 4
    for name, c in regs.items():
        assert c["train"].shape == c["test"].shape == (11,), name  # 10 tiny epochs + start
        assert c["train"][-1] > c["train"][0] + 0.1, f"{name}: training accuracy did not rise"
    for part in results.values():
        for figure in part["figures"]:
            assert_png(figure)


# ----- 4. two-layer network -------------------------------------------------------------------
def test_two_layer_net_gradient_check_passes_and_training_learns(tmp_path, capsys):
    result = load("two_layer_net").main(out=tmp_path, tiny=True, iterations=200)
    out = capsys.readouterr().out
    assert "nan" not in out.lower()  # the first row (before any step) has a loss too
    check = result["check"]
    assert check["report"].ok
    assert [row.name for row in check["report"].inputs] == ["W1", "b1", "W2", "b2"]
    for key, diff in check["book"].items():
        assert diff < 1e-6, f"{key}: backprop and numerical gradients differ by {diff}"
        assert check["backprop"][key].shape == check["numerical"][key].shape
    history = result["history"]
    assert len(history["loss"]) == 200 and np.all(np.isfinite(history["loss"]))
    assert history["loss"][-10:].mean() < history["loss"][:10].mean() - 0.3
    assert history["train"][-1] > history["train"][0] + 0.2
    assert len(history["train"]) == len(history["test"]) == len(history["epoch_iteration"])
    for figure in result["figures"]:
        assert_png(figure)


# ----- 6. your own op -------------------------------------------------------------------------
def test_custom_op_checks_pass_and_planted_bugs_are_caught(tmp_path):
    result = load("custom_op").main(out=tmp_path, tiny=True)
    reports = result["reports"]
    assert reports["Softplus"].ok and reports["Swish"].ok
    forgets, writes = reports["SoftplusForgetsG"], reports["SoftplusWritesG"]
    assert not forgets.ok and not writes.ok
    failed = {name: {c.name for c in r.checks if not c.ok} for name, r in reports.items()}
    assert "linear in g" in failed["SoftplusForgetsG"]
    assert "g not mutated" in failed["SoftplusWritesG"]
    properties = result["properties"]
    assert properties[("Softplus", "test_backward_passes_check_op")]
    assert properties[("Swish", "test_backward_passes_check_op")]
    assert properties[("Softplus", "odd part")]
    # the bug is in backward only: its forward property passes, its gradient property fails
    assert properties[("SoftplusForgetsG", "test_forward_matches_reference")]
    assert not properties[("SoftplusForgetsG", "test_backward_passes_check_op")]
    for figure in result["figures"]:
        assert_png(figure)


# ----- 7. backward animation ------------------------------------------------------------------
def test_backward_animation_frames_gif_and_the_chain_rule(tmp_path):
    from PIL import Image

    result = load("backward_animation").main(out=tmp_path, tiny=True)
    logistic = result["logistic"]
    for key, value in logistic["formula"].items():  # dw = x (a - y), db = a - y
        assert logistic["grads"][key] == pytest.approx(value, rel=1e-12)
    assert result["apple"]["grads"] == {"apple": 2.2, "apple_num": 110.00000000000001, "tax": 200.0}
    assert logistic["gif"] is None  # tiny: frames only for the longer graph
    for part in result.values():
        assert len(part["frames"]) >= 4
        for frame in part["frames"]:
            assert_png(frame)
        assert_png(part["storyboard"])
    with Image.open(result["apple"]["gif"]) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(result["apple"]["frames"])


# ----- 8. gradients of gradients --------------------------------------------------------------
def test_higher_order_tanh_derivatives_match_their_closed_forms(tmp_path, capsys):
    result = load("higher_order").main(parts=["tanh"], out=tmp_path, tiny=True)["tanh"]
    t = np.tanh(result["x"])
    d1 = 1 - t**2  # written from d tanh/dx = 1 - tanh^2, differentiated by hand
    expected = [t, d1, -2 * t * d1, (6 * t**2 - 2) * d1, (-24 * t**3 + 16 * t) * d1]
    assert len(result["curves"]) == 7
    for n, reference in enumerate(expected):
        np.testing.assert_allclose(result["curves"][n], reference, rtol=1e-12, atol=1e-12)
    # the Taylor series tanh x = x - x^3/3 + 2x^5/15 - ... gives the derivatives at 0
    np.testing.assert_allclose(result["at_zero"], [0, 1, 0, -2, 0, 16, 0], atol=1e-12)
    t1 = np.tanh(1.0)
    assert result["third"] == pytest.approx((6 * t1**2 - 2) * (1 - t1**2), rel=1e-12)
    assert result["graph_ops"] > 10  # the graph of a gradient is drawn, not one opaque node
    out = capsys.readouterr().out
    assert "d3 tanh/dx3 at x = 1: 0.6216266808" in out
    for figure in result["figures"]:
        assert_png(figure)
    from PIL import Image

    with Image.open(result["figures"][1]) as image:  # drawn left to right: wider than tall
        assert image.size[0] > image.size[1]


def test_higher_order_newton_takes_the_formula_steps_and_beats_gradient_descent(tmp_path, capsys):
    result = load("higher_order").main(parts=["newton"], out=tmp_path, tiny=True)["newton"]
    newton = result["newton"]
    assert len(newton) == 8 and newton[0] == 2.0
    for a, b in zip(newton, newton[1:]):  # x - f'(x) / f''(x) for f = x^4 - 2x^2
        assert b == pytest.approx(a - (4 * a**3 - 4 * a) / (12 * a**2 - 4), rel=1e-13, abs=1e-15)
    assert abs(newton[6] - 1) > 1e-12 and newton[7] == pytest.approx(1.0, abs=1e-15)
    descent = result["descent"]
    assert abs(descent[-1] - 1) < 1e-10 <= abs(descent[-2] - 1)
    assert len(descent) - 1 > 100  # gradient descent with lr 0.01 is far slower
    assert f"needs {len(descent) - 1} steps" in capsys.readouterr().out

    def gradient(v):
        return np.array([-400 * v[0] * (v[1] - v[0] ** 2) + 2 * (v[0] - 1),
                         200 * (v[1] - v[0] ** 2)])

    def hessian(v):
        return np.array([[1200 * v[0] ** 2 - 400 * v[1] + 2, -400 * v[0]], [-400 * v[0], 200]])

    path = result["newton_path"]
    assert tuple(path[0]) == (0.0, 2.0) and len(path) <= 10
    for a, b in zip(path, path[1:]):
        np.testing.assert_allclose(b, a - np.linalg.solve(hessian(a), gradient(a)), atol=1e-12)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-10)
    walk = result["descent_path"]
    np.testing.assert_allclose(walk[1:], walk[:-1] - 0.001 * np.array([gradient(v) for v in
                                                                       walk[:-1]]), atol=1e-12)
    assert np.linalg.norm(walk[-1] - 1) < np.linalg.norm(walk[0] - 1)
    assert np.linalg.norm(walk[-1] - 1) > 1e-3  # ... but still short of (1, 1)
    for figure in result["figures"]:
        assert_png(figure)


def test_higher_order_network_hessian_matches_the_softmax_formula(tmp_path):
    result = load("higher_order").main(parts=["hessian"], out=tmp_path, tiny=True)["hessian"]
    H, n1, hidden, w = result["H"], result["n1"], result["hidden"], result["w"]
    assert H.shape == (40, 40) and n1 == 16
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    # The W2 block from the formula: with logits z = h W2 and p = softmax(z), the mean
    # cross-entropy has d2L / dW2[i,k] dW2[j,l] = mean_n h_i h_j (diag(p) - p p^T)_kl.
    h = np.tanh(result["x"] @ w[:n1].reshape(2, hidden))
    z = h @ w[n1:].reshape(hidden, 3)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    block = np.mean([np.kron(np.outer(hn, hn), np.diag(pn) - np.outer(pn, pn))
                     for hn, pn in zip(h, p)], axis=0)
    np.testing.assert_allclose(H[n1:, n1:], block, rtol=1e-9, atol=1e-12)
    # softmax ignores a shift shared by the classes: W2 + c 1^T changes nothing, for any c
    shift = np.concatenate([np.zeros(n1), np.outer(np.arange(1.0, hidden + 1), np.ones(3)).ravel()])
    np.testing.assert_allclose(H @ shift, 0, atol=1e-12)
    eigs2 = result["w2_eigenvalues"]
    assert eigs2.min() > -1e-12 and np.sum(np.abs(eigs2) < 1e-12) >= hidden
    assert result["eigenvalues"].min() < -1e-6  # the whole Hessian is not positive semi-definite
    assert result["hvp_error"] < 1e-12
    for figure in result["figures"]:
        assert_png(figure)
