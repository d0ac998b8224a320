"""The DOT export: labels, values and gradients, styles, escaping, determinism, big graphs,
collapsing, summaries, check marks and bad input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygraphviz
import pytest

import autograd_lite as ag
from autograd_lite.viz import style
from autograd_lite.viz.format import fmt_array, fmt_number, html

# ----- numbers and arrays as a person writes them ----------------------------------------------


@pytest.mark.parametrize("value, text", [
    (-3.75, "-3.75"), (715.0, "715"), (1.1, "1.1"), (100 * 2 * 1.1, "220"), (0.1 + 0.2, "0.3"),
    (2.0, "2"), (-0.0, "0"), (0.0, "0"), (1.5e-7, "1.5e-7"), (-2.5e12, "-2.5e12"),
    (123456.5, "123456.5"), (0.00012, "0.00012"), (3, "3"), (np.int64(-7), "-7"),
    (float("nan"), "NaN"), (float("inf"), "inf"), (-float("inf"), "-inf"), (np.float32(0.1), "0.1"),
])
def test_numbers_read_as_written(value, text):
    assert fmt_number(value) == text


def test_arrays_small_in_full_large_summarised():
    assert fmt_array(np.float64(2.5)) == ["2.5"]
    assert fmt_array(np.array([1.0, -0.5, 3.0])) == ["[1, -0.5, 3]"]
    assert fmt_array(np.array([[1.0, 22.0], [-3.5, 4.0]])) == ["[[   1, 22],", " [-3.5,  4]]"]
    big = np.arange(20.0).reshape(4, 5)
    assert fmt_array(big) == ["min 0 · mean 9.5 · max 19"]
    with_nan = np.arange(30.0)
    with_nan[3] = np.nan
    with_nan[4] = np.inf
    (line,) = fmt_array(with_nan)
    assert line.endswith("1 NaN · 1 inf") and line.startswith("min 0 ·")


def test_html_escapes_the_four_special_characters():
    assert html('a"b<c>&d{e}') == "a&quot;b&lt;c&gt;&amp;d{e}"
    assert html("tab\there\x07") == "tab here\\x07"


# ----- what the picture shows ----------------------------------------------------------------


def node_attrs(source: str, vid: str) -> str:
    match = re.search(rf"^\t{vid} \[(.*)\]$", source, re.M)
    assert match, f"no node {vid} in the DOT"
    return match.group(1)


def fill_of(source: str, vid: str) -> str:
    return re.search(r'fillcolor="(#\w+)"', node_attrs(source, vid)).group(1)


def apple():
    a = ag.Tensor(100.0, name="apple")
    n = ag.Tensor(2.0, name="apple_num")
    t = ag.Tensor(1.1, name="tax")
    return a, n, t, a * n * t


def test_tensor_nodes_show_name_shape_dtype_and_ops_their_label():
    x = ag.Tensor(np.ones((2, 3), dtype=np.float32), name="x")
    W = ag.Tensor(np.ones((3, 4), dtype=np.float32), name="W")
    y = (x @ W).relu()
    src = ag.to_dot(y).source
    assert "<B>x</B>" in src and "(2, 3) float32" in src and "(3, 4) float32" in src
    assert "<B>MatMul</B>" in src and "<B>ReLU</B>" in src
    assert "(2, 4) float32" in src


def test_kinds_are_styled_differently():
    w = ag.Tensor([1.0, 2.0], name="w")
    data = ag.Tensor([3.0, 4.0], requires_grad=False, name="batch")
    out = ((w * data) * np.array([2.0, 2.0])).sum()
    src = ag.to_dot(out).source
    # walk order: w v0, batch v1, Mul f2/v2, constant v3, Mul f4/v4, Sum f5/v5 (the output)
    fills = {kind: fill_of(src, vid) for kind, vid in
             [("param", "v0"), ("data", "v1"), ("inter", "v2"), ("const", "v3"), ("op", "f2"),
              ("output", "v5")]}
    assert len(set(fills.values())) == len(fills)
    for kind, fill in fills.items():
        assert fill == style.KINDS[kind][0]
    assert "<B>batch</B>" in node_attrs(src, "v1")
    assert "constant" in node_attrs(src, "v3") and "dashed" in node_attrs(src, "v3")


def test_scalar_constants_show_their_value():
    x = ag.Tensor(3.0, name="x")
    src = ag.to_dot(x * 1.1).source
    assert "<B>1.1</B>" in node_attrs(src, "v1")


def test_values_scalars_exact_small_full_large_summarised():
    s = ag.Tensor(-3.75, name="s")
    small = ag.Tensor([1.0, 2.5], name="small")
    big = ag.Tensor(np.arange(100.0).reshape(10, 10), name="big")
    out = s * small.sum() + big.mean()
    src = ag.to_dot(out, values=True).source
    assert ">-3.75<" in node_attrs(src, "v0")
    assert "[1, 2.5]" in src
    assert "min 0 · mean 49.5 · max 99" in src
    assert "min 0" not in ag.to_dot(out).source  # values are off by default


def test_grads_not_computed_then_shown():
    a, n, t, price = apple()
    before = ag.to_dot(price, grads=True).source
    assert before.count("grad: not computed") == 5  # 3 leaves, 1 intermediate, the output
    price.backward()
    after = ag.to_dot(price, grads=True).source
    assert "not computed" not in after
    assert "grad 110<" in node_attrs(after, "v1") and "grad 2.2<" in node_attrs(after, "v0")
    assert "grad 200<" in node_attrs(after, "v3")


def test_nan_and_inf_drawn_in_red():
    x = ag.Tensor([0.0, 1.0], name="x")
    with np.errstate(divide="ignore"):
        y = x.log()  # log(0) = -inf
        src = ag.to_dot(y.sum(), values=True).source
        assert style.BAD in node_attrs(src, "v2") and "-inf" in node_attrs(src, "v2")
        assert style.BAD not in node_attrs(src, "v0")
        y.sum().backward()
    grads = ag.to_dot(y.sum(), grads=True).source
    assert style.BAD in node_attrs(grads, "v0") and "inf" in node_attrs(grads, "v0")
    assert "contains NaN/inf" in ag.to_dot(y.sum()).source  # flagged even without values


def test_op_params_are_shown():
    x = ag.Tensor(np.ones((2, 3)), name="x")
    src = ag.to_dot(x.sum(axis=0)).source
    assert "axis=0" in src and "keepdims" not in src


def test_legend_only_when_asked_and_lists_present_kinds():
    *_, price = apple()
    assert "legend" not in ag.to_dot(price).source
    src = ag.to_dot(price, legend=True).source
    assert "cluster_legend" in src and "parameter (needs a gradient)" in src
    assert "constant" not in src  # no constant in this graph


# ----- escaping --------------------------------------------------------------------------------

HOSTILE = ['say "hi"', "{braces}", "<b>not bold</b>", "a\nb", "back\\slash", "amp & co",
           "重み W1", "損失 (loss) ≥ 0", "]; digraph { x -> y", ""]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_and_japanese_names_give_valid_dot(name):
    t = ag.Tensor([1.0, 2.0], name=name or None)
    out = (t * 2.0).sum()
    out.name = name or None
    src = ag.to_dot(out, values=True).source
    graph = pygraphviz.AGraph(string=src)  # parses, or raises
    assert len(graph.nodes()) == 6
    label = graph.get_node("v0").attr["label"]
    for line in name.split("\n"):
        assert html(line) in label


# ----- determinism and size --------------------------------------------------------------------


def build_sample():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))
    W = ag.Tensor(rng.normal(size=(3, 2)), name="W")
    b = ag.Tensor(np.zeros(2), name="b")
    h = ag.affine(x, W, b).tanh()
    loss = ag.softmax_with_loss(h * h + h, np.array([0, 1, 1, 0]))
    loss.backward(retain_graph=True)
    return loss


def test_same_graph_same_bytes():
    a = ag.to_dot(build_sample(), values=True, grads=True).source
    b = ag.to_dot(build_sample(), values=True, grads=True).source
    assert a == b


def test_same_bytes_across_processes():
    code = ("import sys; sys.path.insert(0, 'tests'); from test_viz import build_sample; "
            "import autograd_lite as ag; "
            "sys.stdout.write(ag.to_dot(build_sample(), values=True, grads=True).source)")
    outs = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, check=True,
                              cwd=str(Path(__file__).parent.parent))
        outs.append(done.stdout)
    assert outs[0] == outs[1] == ag.to_dot(build_sample(), values=True, grads=True).source


def long_chain(n_ops: int):
    x = ag.Tensor(1.0, name="x")
    y = x
    for i in range(n_ops):
        y = y * 1.0001 if i % 2 == 0 else y + 0.5
    return y


def test_five_thousand_nodes_export_without_recursion():
    limit = sys.getrecursionlimit()
    y = long_chain(2500)  # 2,500 ops, 2,500 results, 2,500 constants, x: 7,501 vertices
    sys.setrecursionlimit(200)
    try:
        src = ag.to_dot(y).source
    finally:
        sys.setrecursionlimit(limit)
    assert len(re.findall(r"^\t[vf]\d+ \[", src, re.M)) == 7501
    assert src.count("<B>Mul</B>") == 1250 and src.count("<B>Add</B>") == 1250


def test_max_nodes_summarises_long_repeated_chains():
    y = long_chain(2000)
    src = ag.to_dot(y, max_nodes=40).source
    n_nodes = len(re.findall(r"^\t\w+ \[", src, re.M))
    assert n_nodes <= 40
    assert "summarised" in src and "× (Mul → Add)" in src
    assert "<B>x</B>" in src  # the start of the chain is kept
    assert re.search(r"^\tv\d+ \[.*<B>output</B>", src, re.M)  # and its end
    assert ag.to_dot(y, max_nodes=40).source == src


def test_max_nodes_leaves_small_graphs_alone():
    *_, price = apple()
    assert ag.to_dot(price, max_nodes=10).source == ag.to_dot(price).source


def test_collapse_layer_draws_each_scope_as_one_box():
    rng = np.random.default_rng(1)
    W1 = ag.Tensor(rng.normal(size=(2, 3)), name="W1")
    b1 = ag.Tensor(np.zeros(3), name="b1")
    W2 = ag.Tensor(rng.normal(size=(3, 2)), name="W2")
    with ag.name_scope("layer1"):
        h = ag.affine(rng.normal(size=(4, 2)), W1, b1).relu()
    with ag.name_scope("layer2"):
        y = h @ W2
    loss = ag.softmax_with_loss(y, np.array([0, 1, 0, 1]))
    src = ag.to_dot(loss, collapse="layer").source
    boxes = re.findall(r"^\t(s\d+) \[", src, re.M)
    assert boxes == ["s0", "s1"]
    assert "<B>layer1</B>" in node_attrs(src, "s0") and "Affine → ReLU" in node_attrs(src, "s0")
    assert "W1 (2, 3)" in node_attrs(src, "s0") and "W2 (3, 2)" in node_attrs(src, "s1")
    assert re.findall(r"^\tf\d+ \[", src, re.M) == ["\tf8 ["]  # only the loss op is outside
    assert "\ts0 -> s1\n" in src
    assert "<B>W1</B>" not in src


def test_collapse_without_scopes_changes_nothing():
    *_, price = apple()
    assert ag.to_dot(price, collapse="layer").source == ag.to_dot(price).source


# ----- gradient-check marks --------------------------------------------------------------------


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


def test_check_marks_failing_nodes_red_with_their_error():
    a, n, t, price = apple()
    inner = price.node.inputs[0]
    report = StandInReport([
        StandInNodeCheck(inner, "Mul", True, 1e-10, 1e-11, ""),
        StandInNodeCheck(price, "Mul", False, 0.5, 0.25, "gradient of input 1 is wrong"),
    ])
    src = ag.to_dot(price, check=report, legend=True).source
    bad, good = node_attrs(src, "f4"), node_attrs(src, "f2")
    assert f'color="{style.BAD}"' in bad and "penwidth=2.5" in bad
    assert "abs err 0.5" in bad and "gradient of input 1 is wrong" in bad
    assert style.BAD not in good
    assert "failed gradient check" in src


def test_check_marks_the_layer_box_that_hides_a_failing_node():
    W = ag.Tensor([[1.0, -1.0], [0.5, 2.0]], name="W")
    with ag.name_scope("layer1"):
        h = (ag.Tensor([[1.0, 2.0]], requires_grad=False, name="x") @ W).relu()
    loss = h.sum()
    report = StandInReport([StandInNodeCheck(h, "ReLU", False, 1.0, 1.0, "wrong")])
    src = ag.to_dot(loss, collapse="layer", check=report).source
    box = node_attrs(src, "s0")
    assert f'color="{style.BAD}"' in box and "gradient check failed in ReLU" in box
    assert style.BAD not in node_attrs(src, "f4")  # the Sum outside the box passed


def test_real_check_graph_report_marks_nothing_on_a_correct_graph():
    check_graph = getattr(ag, "check_graph", None)
    if check_graph is None:
        pytest.fail("ag.check_graph is not exported yet")
    x = ag.Tensor([0.5, -1.0, 2.0], name="x")
    loss = (x.sigmoid() * x).sum()
    report = check_graph(loss)
    src = ag.to_dot(loss, check=report).source
    assert style.BAD not in src
    assert len(report.nodes) >= 2


class ForgetsAFactor(ag.Op):
    """y = x * x with a broken backward (g * x instead of 2 * g * x)."""

    label = "BrokenSquare"

    @staticmethod
    def forward(x):
        return x * x, x

    @staticmethod
    def backward(x, g):
        return (g * x,)


def test_real_check_graph_marks_the_broken_node():
    x = ag.Tensor([0.5, -1.0, 2.0], name="x")
    square = ag.apply(ForgetsAFactor, x)
    loss = (square.sigmoid()).sum()
    report = ag.check_graph(loss)
    src = ag.to_dot(loss, check=report).source
    broken = re.search(r"^\t(f\d+) \[.*BrokenSquare", src, re.M).group(1)
    assert f'color="{style.BAD}"' in node_attrs(src, broken)
    assert "gradient check failed" in node_attrs(src, broken)
    marked = [line for line in src.splitlines() if style.BAD in line]
    assert len(marked) == src.count("gradient check failed") == 1


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("root, words", [
    (np.ones(3), "root 0 must be an autograd_lite.Tensor, got ndarray (wrap it"),
    (3.0, "root 0 must be an autograd_lite.Tensor, got float"),
])
def test_non_tensor_root_is_a_named_error(root, words):
    with pytest.raises(ag.InvalidArgumentError, match=re.escape(words)):
        ag.to_dot(root)


@pytest.mark.parametrize("options, words", [
    ({"rankdir": "XY"}, "rankdir must be one of"),
    ({"collapse": "scopes"}, "collapse must be None or 'layer'"),
    ({"max_nodes": 3}, "max_nodes must be None or an int of at least 10"),
    ({"max_nodes": True}, "max_nodes must be None"),
    ({"check": object()}, "check must be the report of ag.check_graph"),
])
def test_bad_options_are_named_errors(options, words):
    *_, price = apple()
    with pytest.raises(ag.InvalidArgumentError, match=re.escape(words)):
        ag.to_dot(price, **options)


def test_no_roots_is_an_error():
    with pytest.raises(ag.InvalidArgumentError, match="at least one Tensor"):
        ag.to_dot()


def test_tensor_shortcut_and_several_roots():
    a, n, t, price = apple()
    assert price.to_dot(values=True).source == ag.to_dot(price, values=True).source
    other = a * 3.0
    src = ag.to_dot(price, other).source
    assert src.count("<B>output</B>") == 2
    assert src.count("<B>apple</B>") == 1  # shared leaf drawn once
