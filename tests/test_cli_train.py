"""``autograd-lite train`` at tiny sizes: every artefact is written and valid."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.cli import main

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ARTEFACTS = ("learning_curves.png", "graph.png", "gradcheck.txt", "weights.npz",
             "input_scaling.npz")


def train(capsys, tmp_path, *argv):
    status = main(["train", "--out", str(tmp_path), "--no-progress", *argv])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out


def check_artefacts(folder, out, parameter_names):
    for name in ARTEFACTS:
        assert (folder / name).is_file(), name
        assert str(folder / name) in out
    for name in ("learning_curves.png", "graph.png"):
        assert (folder / name).read_bytes()[:8] == PNG_MAGIC, name
    # the graph fits a screen: at most 11 inches at 144 dpi (it was 2,995 pixels wide)
    width = int.from_bytes((folder / "graph.png").read_bytes()[16:20], "big")
    assert width <= 11 * 144 + 1, width
    with np.load(folder / "weights.npz", allow_pickle=False) as weights:
        assert set(parameter_names) <= set(weights.files)
        for key in parameter_names:
            assert np.isfinite(weights[key]).all()
    text = (folder / "gradcheck.txt").read_text()
    for name in parameter_names:
        # the book's chapter 5 line, e.g. "Affine1.W:2.6e-13", well below 1e-6
        match = re.search(rf"^{re.escape(name)}:(\S+)$", text, re.MULTILINE)
        assert match, f"no line for {name} in\n{text}"
        assert float(match.group(1)) < 1e-6
    assert "PASSED" in text
    return text


def test_train_on_a_digits_subset_writes_every_artefact(capsys, tmp_path):
    out = train(capsys, tmp_path, "--epochs", "2", "--limit", "200", "--hidden", "20")
    names = ["Affine1.W", "Affine1.b", "Affine2.W", "Affine2.b"]
    check_artefacts(tmp_path, out, names)
    lines = out.splitlines()
    assert any(re.match(r"\s+1\s+\d+\.\d+", line) for line in lines)  # the epoch table
    assert any(re.match(r"\s+2\s+\d+\.\d+", line) for line in lines)
    match = re.search(r"test accuracy: (\d+\.\d+)% \((\d+) / (\d+)\)", out)
    assert match
    assert float(match.group(1)) == pytest.approx(100 * int(match.group(2)) / int(match.group(3)),
                                                  abs=0.01)


def test_the_saved_weights_reproduce_the_printed_accuracy(capsys, tmp_path):
    out = train(capsys, tmp_path, "--epochs", "3", "--hidden", "16", "--seed", "1")
    printed = int(re.search(r"test accuracy: \S+ \((\d+) / \d+\)", out).group(1))
    model = ag.nn.MLP([64, 16, 10]).load(tmp_path / "weights.npz")
    model.eval()
    with np.load(tmp_path / "input_scaling.npz", allow_pickle=False) as scaling:
        mean, scale = scaling["mean"], scaling["scale"]
    _, (x_test, t_test) = ag.data.load_digits(seed=1)
    logits = model(ag.Tensor((x_test.astype(np.float64) - mean) / scale, requires_grad=False))
    assert int(np.sum(logits.data.argmax(axis=1) == t_test)) == printed


def test_train_mlp_with_batchnorm_and_dropout_on_spiral(capsys, tmp_path):
    out = train(capsys, tmp_path, "--dataset", "spiral", "--model", "mlp", "--hidden", "8", "8",
                "--batchnorm", "--dropout", "0.1", "--epochs", "1", "--optimizer", "momentum",
                "--activation", "tanh")
    names = ["Affine1.W", "Affine1.b", "BatchNorm1.gamma", "BatchNorm1.beta", "Affine2.W",
             "Affine2.b", "BatchNorm2.gamma", "BatchNorm2.beta", "Affine3.W", "Affine3.b"]
    check_artefacts(tmp_path, out, names)
    assert "2 -> 8 -> 8 -> 3" in out


def test_train_on_planar_with_sgd(capsys, tmp_path):
    out = train(capsys, tmp_path, "--dataset", "planar", "--hidden", "4", "--epochs", "1",
                "--optimizer", "sgd", "--lr", "0.5")
    check_artefacts(tmp_path, out, ["Affine1.W", "Affine1.b", "Affine2.W", "Affine2.b"])
    assert "sgd lr=0.5" in out


def test_train_reads_mnist_from_a_folder(capsys, tmp_path):
    """A tiny MNIST-format mnist.npz (the Keras layout) is read from the folder given."""
    rng = np.random.default_rng(0)
    data = tmp_path / "mnist"
    data.mkdir()
    arrays = {
        "x_train": rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        "y_train": np.arange(40, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "y_test": np.arange(20, dtype=np.uint8) % 10,
    }
    np.savez(data / "mnist.npz", **arrays)
    out = train(capsys, tmp_path / "out", "--dataset", "mnist", str(data), "--hidden", "5",
                "--epochs", "1")
    assert "40 train / 20 test, 784 features" in out
    assert (tmp_path / "out" / "graph.png").read_bytes()[:8] == PNG_MAGIC


def test_two_layer_model_takes_one_hidden_size(capsys, tmp_path):
    status = main(["train", "--out", str(tmp_path), "--hidden", "10", "10"])
    err = capsys.readouterr().err
    assert status == 2
    assert "use --model mlp" in err
    assert not (tmp_path / "weights.npz").exists()


def test_without_matplotlib_train_stops_before_training(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    status = main(["train", "--out", str(tmp_path), "--epochs", "1", "--no-progress"])
    captured = capsys.readouterr()
    assert status == 2
    assert "matplotlib" in captured.err
    assert 'pip install "autograd-lite[demo]"' in captured.err
    assert "epoch" not in captured.out
    assert not (tmp_path / "weights.npz").exists()
