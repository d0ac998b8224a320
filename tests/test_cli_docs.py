"""Every ``$ autograd-lite ...`` command shown in docs/cli.md runs, and the default ``train``
(the README's main job) reaches the accuracy the docs promise.

- Error examples (output starting with ``autograd-lite: error:``) must exit with status 2 and
  print exactly the lines shown.
- Other examples must exit with status 0 and print the first line shown (later lines hold
  measured numbers that depend on the BLAS).
- ``train`` examples other than the default run with ``--epochs 1 --limit 100 --hidden 8``
  appended (later options win), to keep the suite fast; the ``mnist`` example reads a tiny
  generated folder in the same format in place of the user's.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from autograd_lite.cli import main

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"


def _tiny_mnist_folder(folder: Path) -> Path:
    """A small ``mnist.npz`` in the layout the real file has (uint8 28x28 images, labels)."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    np.savez(
        folder / "mnist.npz",
        x_train=rng.integers(0, 256, (60, 28, 28), dtype=np.uint8),
        y_train=np.arange(60, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        y_test=np.arange(20, dtype=np.uint8) % 10,
    )
    return folder

PAGE = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
QUICK = ["--epochs", "1", "--limit", "100", "--hidden", "8", "--no-progress"]


def console_examples():
    """(command line, shown output lines) for each ``$ autograd-lite`` line of the page."""
    examples, current, in_console = [], None, False
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_console = line.strip() == "```console"
            current = None
            continue
        if not in_console:
            continue
        if line.startswith("$ "):
            current = (line[2:], [])
            examples.append(current)
        elif current is not None:
            current[1].append(line)
    return examples


EXAMPLES = [e for e in console_examples() if e[0] != "autograd-lite train"]


def test_the_page_has_examples_of_every_command():
    commands = {shlex.split(cmd)[1] for cmd, _ in console_examples()}
    assert commands == {"train", "graph", "check", "doctor"}


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[e[0][:60] for e in EXAMPLES])
def test_console_example_runs(command, shown, tmp_path, monkeypatch, capsys):
    argv = shlex.split(command)
    assert argv[0] == "autograd-lite"
    argv = argv[1:]
    if argv[0] == "train":
        if "mnist" in argv:  # the user's folder: stand in a tiny one in the same format
            where = argv.index("mnist") + 1
            argv[where] = str(_tiny_mnist_folder(tmp_path / "mnist"))
        argv += QUICK
    monkeypatch.chdir(tmp_path)
    status = main(argv)
    captured = capsys.readouterr()
    if shown and shown[0].startswith("autograd-lite: error:"):
        assert status == 2
        assert captured.err.rstrip("\n").splitlines() == shown
        return
    assert status == 0, captured.err
    if shown and argv[0] != "doctor":
        assert captured.out.splitlines()[0] == shown[0]


def test_the_default_train_reaches_97_percent_on_digits(tmp_path, monkeypatch, capsys):
    """The main job, exactly as the README runs it: defaults, files in out/."""
    monkeypatch.chdir(tmp_path)
    status = main(["train", "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0
    correct, total = map(int, re.search(r"test accuracy: \S+ \((\d+) / (\d+)\)", out).groups())
    assert total == 359
    assert correct / total >= 0.97
    for name in ("learning_curves.png", "graph.png", "gradcheck.txt", "weights.npz",
                 "input_scaling.npz"):
        assert (tmp_path / "out" / name).is_file()
    assert "gradient check: passed" in out
