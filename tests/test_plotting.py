"""ag.plot_history and ag.plot_decision_boundary: real image files, atomic, clear errors."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.history import History

PNG = b"\x89PNG\r\n\x1a\n"


def history(epochs=4, test=True):
    h = History(has_test=test)
    for e in range(1, epochs + 1):
        h.record(
            e, 1.0 / e, 1 - 0.5 / e, 1.2 / e if test else None, 1 - 0.6 / e if test else None, 0.1
        )
    return h


def png_size(path):
    from PIL import Image

    with Image.open(path) as im:
        return im.size


def test_plot_history_writes_a_png_and_returns_its_path(tmp_path):
    target = tmp_path / "curves.png"
    out = ag.plot_history(history(), target, title="run")
    assert out == str(target)
    data = target.read_bytes()
    assert data.startswith(PNG)
    width, height = png_size(target)
    assert width > 1.8 * height  # two panels side by side
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]  # no temporary file left


def test_plot_history_without_accuracy_is_one_panel(tmp_path):
    h = history(test=False)
    h.train_acc = [None] * len(h)
    path = ag.plot_history(h, tmp_path / "loss.png")
    width, height = png_size(path)
    assert width < 1.6 * height


def test_plot_history_compares_runs_in_svg_and_pdf(tmp_path):
    runs = {"BatchNorm": history(), "plain": history(test=False)}
    svg = ag.plot_history(runs, tmp_path / "cmp.svg")
    text = Path(svg).read_text()
    assert text.lstrip().startswith("<?xml") and "BatchNorm: train" in text
    assert "plain: test" not in text  # no test curve for a run without one
    pdf = ag.plot_history(runs, str(tmp_path / "cmp.pdf"))
    assert Path(pdf).read_bytes()[:5] == b"%PDF-"


def test_plot_history_on_a_real_fit(tmp_path):
    x, t = ag.data.spiral(30, rng=np.random.default_rng(0))
    model = ag.nn.MLP([2, 16, 3], rng=np.random.default_rng(0))
    h = ag.fit(
        model,
        ag.optim.Adam(model.parameters(), lr=0.02),
        (x, t),
        (x, t),
        epochs=5,
        batch_size=30,
        rng=0,
    )
    assert Path(ag.plot_history(h, tmp_path / "h.png")).read_bytes()[:8] == PNG


def test_overwriting_is_atomic_and_keeps_the_old_file_on_error(tmp_path, monkeypatch):
    target = tmp_path / "curves.png"
    ag.plot_history(history(), target)
    before = target.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ag.RenderError, match="cannot write .*curves.png.*No space"):
        ag.plot_history(history(epochs=6), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]


@pytest.mark.parametrize(
    "args, error, pattern",
    [
        (("curves.gif",), ag.RenderError, r"\.png, \.svg or \.pdf"),
        (("no/such/dir/c.png",), ag.RenderError, "folder .* does not exist"),
        ((3,), ag.InvalidArgumentError, "path must be"),
    ],
)
def test_plot_history_bad_path(tmp_path, monkeypatch, args, error, pattern):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=pattern):
        ag.plot_history(history(), *args)
    assert list(tmp_path.iterdir()) == []


def test_plot_history_bad_history(tmp_path):
    with pytest.raises(ag.InvalidArgumentError, match="History returned by ag.fit"):
        ag.plot_history([0.1, 0.2], tmp_path / "h.png")
    with pytest.raises(ag.InvalidArgumentError, match="no epochs"):
        ag.plot_history(History(), tmp_path / "h.png")


def test_without_matplotlib_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ag.RenderError, match=r"matplotlib.*autograd-lite\[demo\]"):
        ag.plot_history(history(), tmp_path / "h.png")


def test_no_pyplot_no_window():
    # Drawing never imports pyplot, so no GUI backend can be chosen or a window opened.
    import subprocess

    code = (
        "import sys, tempfile, os, autograd_lite as ag\n"
        "from autograd_lite.history import History\n"
        "h = History(); h.record(1, 0.5, 0.9, None, None, 0.1)\n"
        "d = tempfile.mkdtemp(); ag.plot_history(h, os.path.join(d, 'h.png'))\n"
        "print('matplotlib.pyplot' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MPLBACKEND": "TkAgg"},
    )
    assert done.stdout.strip() == "False"


# ----- decision boundaries ----------------------------------------------------------------------
def test_decision_boundary_of_a_known_rule_rows_and_columns(tmp_path):
    x, t = ag.data.xor(100, noise=0.1, rng=np.random.default_rng(0))
    calls = []

    def predict(grid):
        calls.append(grid.shape)
        return (grid[:, 0] * grid[:, 1] < 0).astype(int)

    path = ag.plot_decision_boundary(predict, x, t, tmp_path / "xor.png", resolution=50)
    assert Path(path).read_bytes()[:8] == PNG
    assert (2500, 2) in calls and (100, 2) in calls  # the grid, then the points
    ag.plot_decision_boundary(predict, x.T, t[None, :], tmp_path / "xor_course.png", resolution=50)
    assert (tmp_path / "xor_course.png").stat().st_size > 1000


def test_decision_boundary_title_reports_accuracy(tmp_path):
    x, t = ag.data.xor(100, noise=0.1, rng=np.random.default_rng(0))
    path = ag.plot_decision_boundary(
        lambda g: np.zeros(len(g), int), x, t, tmp_path / "b.svg", resolution=20
    )
    assert f"accuracy {np.mean(t == 0):.1%}".replace("%", "") in Path(path).read_text()


def test_decision_boundary_with_a_model(tmp_path):
    x, t = ag.data.spiral(20, rng=np.random.default_rng(0))
    model = ag.nn.MLP([2, 8, 3], rng=np.random.default_rng(0))
    ag.plot_decision_boundary(model, x, t, tmp_path / "s.png", resolution=40)  # scores (M, 3)
    one = ag.nn.MLP([2, 4, 1], rng=np.random.default_rng(0))
    ag.plot_decision_boundary(
        lambda g: one(g).data > 0, x, t % 2, tmp_path / "b.png", resolution=40
    )
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize(
    "predict, x, t, error, pattern",
    [
        (lambda g: g[:, 0] > 0, np.ones((5, 3)), np.zeros(5), ag.ShapeError, r"\(m, 2\)"),
        (lambda g: g[:, 0] > 0, np.ones((5, 2)), np.zeros(4), ag.ShapeError, r"t has shape \(4,\)"),
        (lambda g: g[:, 0], np.ones((5, 2)), np.zeros(5), ag.InvalidArgumentError, "non-integer"),
        (lambda g: g[:3, 0] > 0, np.ones((5, 2)), np.zeros(5), ag.ShapeError, "predict returned"),
        ("model", np.ones((5, 2)), np.zeros(5), ag.InvalidArgumentError, "callable"),
    ],
)
def test_decision_boundary_errors(tmp_path, predict, x, t, error, pattern):
    x0, t0 = x.copy(), t.copy()
    with pytest.raises(error, match=pattern):
        ag.plot_decision_boundary(predict, x, t, tmp_path / "b.png", resolution=20)
    assert list(tmp_path.iterdir()) == []
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(t, t0)
