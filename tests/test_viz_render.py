"""Rendering with no system Graphviz: PNG, SVG, PDF and DOT files, silence, atomic writes, the
backend order, the chain-rule animation and the network diagram."""

from __future__ import annotations

import io
import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import autograd_lite as ag
from autograd_lite.viz import animate, backends, style
from autograd_lite.viz.graph import walk

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def no_system_dot(monkeypatch, tmp_path):
    """Hide any `dot` program: the tests must pass with the pygraphviz wheel alone."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def apple():
    a = ag.Tensor(100.0, name="apple")
    n = ag.Tensor(2.0, name="apple_num")
    t = ag.Tensor(1.1, name="tax")
    return a * n * t


def assert_png(path):
    data = Path(path).read_bytes()
    assert data[:8] == PNG_MAGIC
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert im.width > 50 and im.height > 20
        return im.size


def test_png_without_system_dot_is_valid(tmp_path):
    path = ag.render(apple(), tmp_path / "apple.png", values=True)
    assert path == str(tmp_path / "apple.png")
    assert_png(path)


def test_files_get_the_usual_mode_not_the_temp_files_0600(tmp_path):
    old = os.umask(0o022)
    try:
        path = ag.render(apple(), tmp_path / "a.svg")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_svg_is_xml_with_the_labels(tmp_path):
    name = '重み "W" <1>'
    w = ag.Tensor([1.0, 2.0], name=name)
    path = ag.render((w * 3.0).sum(), str(tmp_path / "g.svg"), values=True)
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter() if t.tag.endswith("text") and t.text]
    assert name in texts and "Mul" in texts and "Sum" in texts


def test_pdf_and_dot(tmp_path):
    y = apple()
    assert Path(ag.render(y, tmp_path / "g.pdf")).read_bytes()[:5] == b"%PDF-"
    dot_path = y.render(tmp_path / "g.dot", grads=True)
    assert Path(dot_path).read_text(encoding="utf-8") == ag.to_dot(y, grads=True).source
    assert Path(ag.render([y], tmp_path / "g.gv")).read_text(encoding="utf-8").startswith("digraph")


def test_rendering_prints_nothing(tmp_path, capfd):
    y = apple()
    y.backward()
    ag.render(y, tmp_path / "a.png", values=True, grads=True)
    ag.render(y, tmp_path / "a.svg")
    ag.draw_network([3, 4, 2], tmp_path / "n.png")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_jupyter_display_without_dot():
    bundle = apple().to_dot()._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert ET.fromstring(svg.encode("utf-8")).tag.endswith("svg")


def test_jupyter_display_with_no_backend_explains_itself(monkeypatch):
    def missing(source, fmt):
        raise ImportError("No module named 'pygraphviz'")

    monkeypatch.setattr(backends, "BACKENDS", (("pygraphviz", missing),))
    bundle = apple().to_dot()._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "pip install pygraphviz" in bundle["text/plain"]


def test_a_broken_system_dot_falls_back_to_pygraphviz(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text("#!/bin/sh\necho 'dot: broken install' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert_png(ag.render(apple(), tmp_path / "a.png"))


def test_a_working_system_dot_is_used_first(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"  # stands in for Graphviz: answers with a marker instead of a picture
    fake.write_text("#!/bin/sh\ncat > /dev/null\nprintf '<svg>from system dot</svg>'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    path = ag.render(apple(), tmp_path / "a.svg")
    assert Path(path).read_text() == "<svg>from system dot</svg>"


def test_no_backend_says_what_to_install_and_writes_nothing(tmp_path, monkeypatch):
    def missing(source, fmt):
        raise ImportError("No module named 'pygraphviz'")

    def no_dot(source, fmt):
        raise FileNotFoundError("no `dot` program on PATH")

    monkeypatch.setattr(backends, "BACKENDS", (("system dot", no_dot), ("pygraphviz", missing)))
    target = tmp_path / "a.png"
    target.write_bytes(b"old picture")
    with pytest.raises(ag.RenderError) as info:
        ag.render(apple(), target)
    message = str(info.value)
    assert "pip install pygraphviz" in message and "apt-get install graphviz" in message
    assert "pygraphviz: not installed" in message and "no `dot` program on PATH" in message
    assert target.read_bytes() == b"old picture"
    assert sorted(os.listdir(tmp_path)) == ["a.png", "empty-bin"]


@pytest.mark.parametrize("name, words", [
    ("graph.jpg", "cannot tell the format of"),
    ("graph", "extension '(none)'"),
    ("missing/graph.png", "the folder"),
])
def test_bad_paths_are_named_errors_with_no_file_left(tmp_path, name, words):
    with pytest.raises(ag.RenderError, match=re.escape(words)):
        ag.render(apple(), tmp_path / name)
    assert sorted(os.listdir(tmp_path)) == ["empty-bin"]


def test_a_folder_as_path_is_an_error(tmp_path):
    (tmp_path / "pics.png").mkdir()
    with pytest.raises(ag.RenderError, match="is a folder"):
        ag.render(apple(), tmp_path / "pics.png")


def test_unwritable_folder(tmp_path, monkeypatch):
    # root may write anywhere, so the permission check is simulated through os.access
    monkeypatch.setattr(backends.os, "access", lambda path, mode: False)
    with pytest.raises(ag.RenderError, match="is not writable"):
        ag.render(apple(), tmp_path / "a.png")
    assert sorted(os.listdir(tmp_path)) == ["empty-bin"]


def test_non_tensor_root_in_render(tmp_path):
    with pytest.raises(ag.InvalidArgumentError, match="root 0 must be an autograd_lite.Tensor"):
        ag.render(np.ones(2), tmp_path / "a.png")
    assert sorted(os.listdir(tmp_path)) == ["empty-bin"]


# ----- render_backward ---------------------------------------------------------------------------


def reuse_graph():
    x = ag.Tensor(2.0, name="x")
    w = ag.Tensor([0.5, -1.0], name="w")
    a = x * 3.0
    return x, w, ((x + a) * w).sum()


def test_render_backward_frames_gif_and_grads(tmp_path):
    x, w, loss = reuse_graph()
    result = ag.render_backward(loss, tmp_path / "frames")
    n_grad = sum(1 for t in walk([loss]) if isinstance(t, ag.Tensor) and t.requires_grad)
    assert len(result.frames) == n_grad + 1
    sizes = {assert_png(p) for p in result.frames}
    assert sizes
    with Image.open(result.gif) as gif:
        assert gif.n_frames == len(result.frames)
    # loss = sum((x + 3x) * w): x is used twice, so dx = 4 * sum(w) and dw = 4x
    assert x.grad == pytest.approx(4 * (0.5 - 1.0))
    assert np.allclose(w.grad, [8.0, 8.0])
    result_again = ag.render_backward(reuse_graph()[2], tmp_path / "again", gif=False)
    assert result_again.gif is None and len(result_again.frames) == len(result.frames)


def test_render_backward_gives_the_grads_of_backward_and_frees_like_it(tmp_path):
    y = apple()
    ag.render_backward(y, tmp_path / "a", gif=False, retain_graph=True)
    leaves = [t for t in walk([y]) if isinstance(t, ag.Tensor) and t.is_leaf]
    drawn = [float(t.grad) for t in leaves]
    for t in leaves:
        t.zero_grad()
    y.backward()  # allowed: retain_graph=True kept the residuals
    assert drawn == pytest.approx([float(t.grad) for t in leaves])
    assert drawn == pytest.approx([2.2, 110, 200])
    z = apple()
    ag.render_backward(z, tmp_path / "b", gif=False)
    with pytest.raises(ag.BackwardError, match="freed"):
        z.backward()


def test_render_backward_frames_follow_the_chain_rule(tmp_path, monkeypatch):
    sources = []
    real_pipe = animate.pipe

    def recording_pipe(source, fmt):
        sources.append(source)
        return real_pipe(source, fmt)

    monkeypatch.setattr(animate, "pipe", recording_pipe)
    x, w, loss = reuse_graph()
    ag.render_backward(loss, tmp_path / "f", gif=False)
    order = [t for t in walk([loss]) if isinstance(t, ag.Tensor) and t.requires_grad]
    # a gradient not known yet keeps its place, drawn transparent
    pending = [len(re.findall(rf"^\t(v\d+) \[.*{style.HIDDEN}", s, re.M)) for s in sources]
    assert pending[0] == len(order)
    assert pending == sorted(pending, reverse=True) and pending[-1] == 0
    assert all(a - b == 1 for a, b in zip(pending, pending[1:]))
    highlighted = [re.findall(r"^\t(v\d+) \[.*penwidth=3", s, re.M) for s in sources[1:]]
    assert highlighted[0] == ["v" + str(len(walk([loss])) - 1)]  # the loss first
    indices = [int(h[0][1:]) for h in highlighted]
    assert indices == sorted(indices, reverse=True)  # consumers before their inputs
    assert "step 1 of" in sources[1] and "forward pass" in sources[0]


def test_render_backward_lays_the_graph_out_once(tmp_path, monkeypatch):
    # issue 16: each frame was laid out anew, so the graph jumped from frame to frame
    sources = []
    real_pipe = animate.pipe

    def recording_pipe(source, fmt):
        sources.append(source)
        return real_pipe(source, fmt)

    monkeypatch.setattr(animate, "pipe", recording_pipe)
    x = ag.Tensor(1.5, name="x")
    w = ag.Tensor([0.5, -1.0, 2.0], name="w")
    loss = ((x * w).sigmoid().log() * 3.0 + w * w).sum()
    result = ag.render_backward(loss, tmp_path / "f", gif=False)

    def layout_text(source):  # what decides the layout: everything but colours and caption
        source = re.sub(r'(?:fill)?color="?#[0-9A-Fa-f]+"?|COLOR="#[0-9A-Fa-f]+"', "", source)
        source = re.sub(r"penwidth=[^\s\]]+", "", source)
        source = re.sub(r"step \d+ of \d+[^<]*|forward pass[^<]*", "", source)
        return re.sub(r"[\s\[\]]", "", source)

    assert len({layout_text(s) for s in sources}) == 1
    assert len(set(sources)) == len(sources)  # and yet every frame is different
    sizes = {assert_png(p) for p in result.frames}
    assert len(sizes) == 1, sizes


def test_render_backward_frames_fit_a_screen(tmp_path):
    h = ag.Tensor(0.5, name="x")
    for _ in range(25):  # a long chain: laid out left to right it is metres wide
        h = (h * 1.01).tanh()
    result = ag.render_backward(h, tmp_path / "chain", gif=False)
    width, _ = assert_png(result.frames[-1])
    assert width <= animate.MAX_WIDTH_INCHES * backends.PNG_DPI + 1


def test_render_backward_errors(tmp_path):
    with pytest.raises(ag.InvalidArgumentError, match="loss must be an autograd_lite.Tensor"):
        ag.render_backward(np.ones(1), tmp_path)
    v = ag.Tensor([1.0, 2.0]) * 2.0
    with pytest.raises(ag.BackwardError, match=r"single-element tensor.*shape \(2,\)"):
        ag.render_backward(v, tmp_path)
    with pytest.raises(ag.RenderError, match="cannot create the folder"):
        ag.render_backward(apple(), tmp_path / "a" / "b")
    y = apple()
    y.backward()
    with pytest.raises(ag.BackwardError, match="already freed"):
        ag.render_backward(y, tmp_path / "c")


# ----- draw_network ------------------------------------------------------------------------------


def circles(source: str) -> int:
    return len(re.findall(r"^\tn\d+_\d+ \[", source, re.M))


def test_draw_network_from_sizes_png(tmp_path):
    path = ag.draw_network([2, 3, 2, 2], tmp_path / "net.png")
    assert_png(path)
    src = ag.draw_network([2, 3, 2, 2]).source
    assert circles(src) == 9
    assert len(re.findall(r"^\tn\d+_\d+ -> n\d+_\d+", src, re.M)) == 2 * 3 + 3 * 2 + 2 * 2
    assert "input" in src and "hidden 1" in src and "hidden 2" in src and "output" in src
    one_hidden = ag.draw_network([4, 5, 3]).source
    assert "<hidden <FONT" in one_hidden and "hidden 1" not in one_hidden


def test_draw_network_from_weights_params_and_models():
    rng = np.random.default_rng(0)
    W1, W2 = rng.normal(size=(4, 5)), rng.normal(size=(5, 3))
    expected = ag.draw_network([4, 5, 3]).source
    assert ag.draw_network([W1, W2]).source == expected
    assert ag.draw_network({"W1": W1, "b1": np.zeros(5), "W2": W2, "b2": np.zeros(3)}).source \
        == expected

    class Layer:
        def __init__(self, W):
            self.W = W

    class BookNet:
        def __init__(self):
            self.layers = {"Affine1": Layer(W1), "Relu1": object(), "Affine2": Layer(W2)}

    assert ag.draw_network(BookNet()).source == expected
    mlp = ag.nn.MLP([4, 5, 3], rng=rng)
    assert ag.draw_network(mlp).source == expected


def test_wide_layers_are_elided():
    src = ag.draw_network([784, 50, 10]).source
    assert circles(src) < 30 and "⋮" in src and "<SUB>784</SUB>" in src and "(784)" in src


@pytest.mark.parametrize("spec, error, words", [
    ([3], ag.InvalidArgumentError, "at least two positive ints"),
    ([3, 0, 2], ag.InvalidArgumentError, "at least two positive ints"),
    ("abc", ag.InvalidArgumentError, "expected layer sizes like [2, 3, 2]"),
    ({"b1": np.zeros(3)}, ag.InvalidArgumentError, "weights named W1, W2"),
    ([np.zeros((2, 3)), np.zeros((4, 2))], ag.ShapeError, "needs 3 rows"),
    ([np.zeros(3)], ag.ShapeError, "must be a matrix"),
])
def test_draw_network_bad_input(spec, error, words):
    with pytest.raises(error, match=re.escape(words)):
        ag.draw_network(spec)
