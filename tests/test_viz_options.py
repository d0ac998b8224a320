"""The options of every public viz function (each documented one works, an unknown or
inapplicable one raises a named error) and the legend (only what the picture shows)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.viz import animate, style
from autograd_lite.viz.options import DRAW_OPTIONS


@pytest.fixture(autouse=True)
def no_system_dot(monkeypatch, tmp_path):
    """Hide any `dot` program: frames are drawn by the pygraphviz wheel alone."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def frame_sources(monkeypatch):
    """The DOT text of every frame render_backward draws."""
    sources = []
    real_pipe = animate.pipe

    def recording_pipe(source, fmt):
        sources.append(source)
        return real_pipe(source, fmt)

    monkeypatch.setattr(animate, "pipe", recording_pipe)
    return sources


def apple():
    a = ag.Tensor(100.0, name="apple")
    n = ag.Tensor(2.0, name="apple_num")
    t = ag.Tensor(1.1, name="tax")
    price = a * n * t
    price.name = "price"
    return price


def scoped_net():
    x = np.array([[1.0, -0.5], [0.25, 2.0]])
    W = ag.Tensor([[0.5, -1.0], [1.5, 0.25]], name="W")
    b = ag.Tensor([0.1, -0.2], name="b")
    with ag.name_scope("layer1"):
        h = ag.affine(x, W, b).relu()
    loss = h.sum()
    loss.name = "loss"
    return loss, W


def legend_rows(source: str) -> list:
    match = re.search(r"^\t\tlegend \[label=(.*)\]$", source, re.M)
    assert match, "no legend in the DOT"
    return re.findall(r'ALIGN="LEFT">([^<]+)<', match.group(1))


KIND_TEXT = {kind: entry[4] for kind, entry in style.KINDS.items()}


# ----- render_backward takes the documented options -------------------------------------------


def test_render_backward_title_heads_every_frame(tmp_path, frame_sources):
    result = ag.render_backward(apple(), tmp_path / "f", title="Buying 2 apples", gif=False)
    assert len(frame_sources) == len(result.frames) == 6  # forward + 5 tensors with gradients
    for k, source in enumerate(frame_sources):
        assert source.count("<B>Buying 2 apples</B>") == 1
        assert ("forward pass" in source) == (k == 0)
        assert (f"step {k} of 5" in source) == (k > 0)


def test_render_backward_drawing_options_reach_every_frame(tmp_path, frame_sources):
    loss, W = scoped_net()
    ag.render_backward(loss, tmp_path / "f", gif=False, collapse="layer", legend=True,
                       values=False, rankdir="TB", grads=True)
    assert all("rankdir=TB" in s and "cluster_legend" in s for s in frame_sources)
    assert all(re.search(r"^\ts0 \[", s, re.M) for s in frame_sources)  # the layer box
    assert all("min " not in s and "[1, -0.5]" not in s for s in frame_sources)  # no values
    # the steps inside the layer light up its box, since the box hides the tensor itself
    lit = [bool(re.search(r"^\ts0 \[.*penwidth=3", s, re.M)) for s in frame_sources]
    assert lit[0] is False and any(lit)
    fresh, W_fresh = scoped_net()
    fresh.backward()
    assert np.array_equal(W.grad, W_fresh.grad)


def test_render_backward_max_nodes_and_check(tmp_path, frame_sources):
    x = ag.Tensor(0.5, name="x")
    y = x
    for _ in range(12):
        y = y * 1.01
    y.name = "y"
    report = ag.check_graph(y)
    ag.render_backward(y, tmp_path / "f", gif=False, max_nodes=12, check=report)
    assert all("nodes summarised" in s for s in frame_sources)
    lit = [bool(re.search(r"^\tc0 \[.*penwidth=3", s, re.M)) for s in frame_sources]
    assert any(lit) and not lit[0]
    assert x.grad == pytest.approx(1.01 ** 12)


def test_render_backward_refuses_grads_false_and_bad_own_options(tmp_path):
    for bad, pattern in [
        (dict(grads=False), r"grads=False cannot apply.*leave grads out"),
        (dict(gif="yes"), r"gif must be True or False, got str 'yes'"),
        (dict(frame_ms=0), r"frame_ms must be a positive int, got 0"),
        (dict(max_steps=2.5), r"max_steps must be a positive int, got 2.5"),
        (dict(title=["a"]), r"render_backward: title must be a str or None, got list"),
        (dict(rankdir="XY"), r"render_backward: rankdir must be one of"),
    ]:
        price = apple()
        with pytest.raises(ag.InvalidArgumentError, match=pattern):
            ag.render_backward(price, tmp_path / "f", **bad)
        assert not price.node.freed and price.grad is None  # nothing ran
    assert not (tmp_path / "f").exists()  # and no folder was made


# ----- unknown options: a named error naming the option and the accepted ones ----------------


def _calls(tmp_path):
    return {
        "to_dot": lambda **o: ag.to_dot(apple(), **o),
        "render": lambda **o: ag.render(apple(), tmp_path / "g.png", **o),
        "render_backward": lambda **o: ag.render_backward(apple(), tmp_path / "f", **o),
        "Tensor.to_dot": lambda **o: apple().to_dot(**o),
        "Tensor.render": lambda **o: apple().render(tmp_path / "g.svg", **o),
        "draw_network": lambda **o: ag.draw_network([2, 3], tmp_path / "n.png", **o),
    }


@pytest.mark.parametrize("who", ["to_dot", "render", "render_backward", "Tensor.to_dot",
                                 "Tensor.render", "draw_network"])
@pytest.mark.parametrize("option", ["colour", "highlight", "grad_map", "caption", "who"])
def test_unknown_options_are_named_with_the_accepted_ones(tmp_path, who, option):
    call = _calls(tmp_path)[who]
    with pytest.raises(ag.InvalidArgumentError) as info:
        call(**{option: 1})
    message = str(info.value)
    expected_who = who.split(".")[-1]
    assert message.startswith(f"{expected_who}: unknown option {option!r}")
    accepted = {"draw_network": ("rankdir", "title"),
                "render_backward": DRAW_OPTIONS + ("gif", "max_steps", "retain_graph",
                                                   "frame_ms")}.get(who, DRAW_OPTIONS)
    assert message.endswith("the options are " + ", ".join(accepted))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin"]  # nothing written


def test_a_typo_gets_a_suggestion():
    with pytest.raises(ag.InvalidArgumentError, match=r"'grad' \(did you mean 'grads'\?\)"):
        ag.to_dot(apple(), grad=True)
    with pytest.raises(ag.InvalidArgumentError, match=r"unknown options 'a', 'b';"):
        ag.to_dot(apple(), b=1, a=2)


def test_draw_network_names_graph_options_that_cannot_apply(tmp_path):
    with pytest.raises(ag.InvalidArgumentError,
                       match=r"draw_network: 'legend', 'values' cannot apply.*rankdir, title"):
        ag.draw_network([2, 3], legend=True, values=True)
    with pytest.raises(ag.InvalidArgumentError, match=r"draw_network: title must be a str"):
        ag.draw_network([2, 3], title=3)
    assert "<B>net</B>" in ag.draw_network([2, 3], title="net").source


@pytest.mark.parametrize("option", ["values", "grads", "legend"])
def test_flags_must_be_bools(tmp_path, option):
    with pytest.raises(ag.InvalidArgumentError, match=rf"to_dot: {option} must be True or False"):
        ag.to_dot(apple(), **{option: "no"})
    with pytest.raises(ag.InvalidArgumentError, match=rf"render: {option} must be True or"):
        ag.render(apple(), tmp_path / "g.dot", **{option: "no"})
    assert ag.to_dot(apple(), **{option: np.bool_(True)}).source  # NumPy's bool is a bool


def test_every_documented_option_is_accepted_by_each_graph_function(tmp_path):
    price = apple()
    price.backward(retain_graph=True)
    options = dict(values=True, grads=True, rankdir="TB", collapse="layer", max_nodes=10,
                   check=ag.check_graph(price), legend=True, title="apples")
    assert set(options) == set(DRAW_OPTIONS)
    source = ag.to_dot(price, **options).source
    assert price.to_dot(**options).source == source
    ag.render(price, tmp_path / "a.dot", **options)
    price.render(tmp_path / "b.dot", **options)
    assert (tmp_path / "a.dot").read_text() == (tmp_path / "b.dot").read_text() == source
    assert "<B>apples</B>" not in source and "apples" in source and "rankdir=TB" in source


# ----- the legend lists only what the picture shows ------------------------------------------


def test_legend_lists_present_kinds_in_a_fixed_order():
    price = apple()
    assert legend_rows(price.to_dot(legend=True).source) == [
        KIND_TEXT[k] for k in ("param", "op", "inter", "output")]
    x = ag.Tensor([1.0, 2.0], requires_grad=False, name="x")
    w = ag.Tensor([0.5, -0.5], name="w")
    y = ((x * w) * 2.0).sum()
    rows = legend_rows(y.to_dot(legend=True).source)
    assert rows == [KIND_TEXT[k] for k in ("param", "data", "const", "op", "inter", "output")]
    only_op = legend_rows((ag.Tensor(3.0) * 2.0).to_dot(legend=True).source)
    assert only_op == [KIND_TEXT[k] for k in ("param", "const", "op", "output")]


def test_legend_gradient_row_only_when_a_gradient_is_drawn():
    price = apple()
    before = legend_rows(price.to_dot(values=True, grads=True, legend=True).source)
    assert "value" in before and "gradient of the output" not in before
    price.backward()
    after = legend_rows(price.to_dot(values=True, grads=True, legend=True).source)
    assert after == before + ["gradient of the output"]
    assert "value" not in legend_rows(price.to_dot(legend=True).source)


@dataclass
class StandInNodeCheck:
    tensor: object
    label: str
    ok: bool
    max_abs_error: float
    max_rel_error: float
    message: str


@dataclass
class StandInReport:
    nodes: list


def test_legend_failed_check_row_only_when_a_node_failed():
    price = apple()
    passing = ag.check_graph(price)
    assert all(nc.ok for nc in passing.nodes)
    assert "failed gradient check" not in legend_rows(
        price.to_dot(check=passing, legend=True).source)
    failing = StandInReport([StandInNodeCheck(price, "Mul", False, 0.5, 0.25, "wrong")])
    rows = legend_rows(price.to_dot(check=failing, legend=True).source)
    assert rows[-1] == "failed gradient check"


def test_legend_nan_row_only_when_nan_or_inf_is_drawn():
    finite = (ag.Tensor([1.0, 2.0], name="x") * 2.0).sum()
    assert "NaN or inf" not in legend_rows(finite.to_dot(values=True, legend=True).source)
    x = ag.Tensor([np.nan, 1.0], name="x")
    y = (x * 2.0).sum()
    for values in (False, True):  # "contains NaN/inf" without values, the red numbers with
        rows = legend_rows(y.to_dot(values=values, legend=True).source)
        assert rows[-1] == "NaN or inf"
    root = ag.Tensor([0.0, 4.0], name="a") ** 0.5  # finite values, an inf gradient at 0
    with np.errstate(divide="ignore"):
        root.sum().backward()
    assert np.isinf(root.node.inputs[0].grad[0]) and np.isfinite(root.data).all()
    assert "NaN or inf" not in legend_rows(root.to_dot(values=True, legend=True).source)
    assert legend_rows(root.to_dot(grads=True, legend=True).source)[-1] == "NaN or inf"


def test_legend_of_backward_frames_is_the_same_in_every_frame(tmp_path, frame_sources):
    # one legend for the whole animation, so that the layout does not move between frames
    ag.render_backward(apple(), tmp_path / "f", gif=False, legend=True)
    rows = [legend_rows(s) for s in frame_sources]
    assert all(r == rows[-1] for r in rows)
    assert "gradient completed in this step" in rows[0]
    assert "gradient of the output" in rows[0]
