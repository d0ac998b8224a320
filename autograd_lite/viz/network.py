"""The layered neuron diagram learners draw by hand: inputs, hidden layers and outputs as
columns of circles, every neuron joined to every neuron of the next layer.

``draw_network([2, 3, 2, 2], "net.png")`` or ``draw_network(model)`` where ``model`` is a list
of weight matrices, a book-style ``params`` dict (``W1, b1, W2, ...``), or an object whose
layers (``.layers``, or attributes in definition order) hold a weight ``W`` of shape (in, out).
"""

from __future__ import annotations

import re

import graphviz
import numpy as np

from ..errors import InvalidArgumentError, ShapeError
from ..tensor import Tensor
from . import style
from .dot import DotGraph
from .format import html
from .options import DRAW_OPTIONS, check_title, named_options

#: a layer wider than this is drawn as its first neurons, a "⋮", and its last neuron
MAX_DRAWN = 8

COLOURS = {  # fill, border per column kind
    "input": ("#E4EEF8", "#4F7CAC"),
    "hidden": ("#FFF4DC", "#C99A3A"),
    "output": ("#E3F1E1", "#4E8F4E"),
}


def _array(w):
    return w.data if isinstance(w, Tensor) else np.asarray(w)


def _weights_of_layers(layers) -> list:
    out = []
    for layer in layers:
        w = getattr(layer, "W", None)
        if w is not None and _array(w).ndim == 2:
            out.append(_array(w))
    return out


def layer_sizes(spec) -> list:
    """Neuron counts per column from a list of sizes, weight arrays, a params dict or a model."""
    if isinstance(spec, dict):
        keys = sorted((k for k in spec if re.fullmatch(r"W\d+", str(k))), key=lambda k: int(k[1:]))
        if not keys:
            raise InvalidArgumentError(
                f"draw_network: a params dict needs weights named W1, W2, ...; got keys "
                f"{sorted(map(str, spec))}"
            )
        weights = [_array(spec[k]) for k in keys]
        names = keys
    elif isinstance(spec, (list, tuple)) and all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in spec
    ):
        if len(spec) < 2 or any(s < 1 for s in spec):
            raise InvalidArgumentError(
                f"draw_network: layer sizes must be at least two positive ints, got {list(spec)}"
            )
        return [int(s) for s in spec]
    elif isinstance(spec, (list, tuple)) and all(
        isinstance(w, (np.ndarray, Tensor)) for w in spec
    ):
        weights = [_array(w) for w in spec]
        names = [f"weight {i}" for i in range(len(weights))]
    else:
        layers = getattr(spec, "layers", None)
        if isinstance(layers, dict):
            layers = list(layers.values())
        if layers is None and callable(getattr(spec, "modules", None)):
            layers = list(spec.modules())  # an nn.Module: every sub-module in definition order
        if layers is None:
            layers = []
            for value in vars(spec).values() if hasattr(spec, "__dict__") else ():
                layers.extend(value if isinstance(value, (list, tuple)) else [value])
        weights = _weights_of_layers(layers)
        if not weights and isinstance(getattr(spec, "params", None), dict):
            return layer_sizes(spec.params)
        if not weights:
            raise InvalidArgumentError(
                "draw_network: expected layer sizes like [2, 3, 2], a list of weight matrices, a "
                "params dict with W1, W2, ..., or a model whose layers have a weight W of shape "
                f"(in, out); got {type(spec).__name__}"
            )
        names = [f"layer {i}" for i in range(len(weights))]
    for name, w in zip(names, weights):
        if w.ndim != 2:
            raise ShapeError(
                f"draw_network: {name} must be a matrix (in, out), got shape {w.shape}"
            )
    for (n0, w0), (n1, w1) in zip(zip(names, weights), zip(names[1:], weights[1:])):
        if w0.shape[1] != w1.shape[0]:
            raise ShapeError(
                f"draw_network: {n0} has shape {w0.shape}, so {n1} needs {w0.shape[1]} rows, "
                f"but it has shape {w1.shape}"
            )
    return [int(weights[0].shape[0])] + [int(w.shape[1]) for w in weights]


def _neurons(n: int) -> list:
    """Indices drawn for a layer of n neurons (1-based); None marks the "⋮"."""
    if n <= MAX_DRAWN:
        return list(range(1, n + 1))
    return list(range(1, MAX_DRAWN - 1)) + [None, n]


def _sub(letter: str, index) -> str:
    return f"<<I>{letter}</I><SUB>{index}</SUB>>"


#: layout in inches: distance between columns and between neurons of one column
COLUMN_GAP, NEURON_GAP = 1.7, 0.62


def _pos(c: int, row: float, rankdir: str) -> str:
    x, y = c * COLUMN_GAP, -row * NEURON_GAP
    if rankdir == "TB":
        x, y = -y, -x
    return f"{x:.3f},{y:.3f}!"


def network_dot(spec, rankdir: str = "LR", title: str | None = None) -> DotGraph:
    """The diagram as DOT with every neuron at a fixed position (drawn by ``neato -n``), so
    neurons stay in order: x1 at the top, as on paper."""
    sizes = layer_sizes(spec)
    if rankdir not in ("LR", "TB"):
        raise InvalidArgumentError(f"draw_network: rankdir must be 'LR' or 'TB', got {rankdir!r}")
    g = graphviz.Digraph("network")
    g.attr("graph", layout="neato", splines="false", outputorder="edgesfirst",
           fontname=style.FONT, fontsize="13", bgcolor="white", pad="0.3")
    g.attr("node", shape="circle", fixedsize="true", width="0.44", fontname=style.FONT,
           fontsize="12", fontcolor=style.TEXT, style="filled", penwidth="1.3", label="")
    g.attr("edge", arrowhead="none", color="#C4C4C4", penwidth="0.7")
    if title:
        g.attr("graph", label=f"<<B>{html(title)}</B>>", labelloc="t")
    columns = [_neurons(n) for n in sizes]
    tallest = max(len(col) for col in columns)
    last = len(sizes) - 1
    ids = []
    for c, (n, neurons) in enumerate(zip(sizes, columns)):
        kind = "input" if c == 0 else "output" if c == last else "hidden"
        hidden = f"hidden {c}" if len(sizes) > 3 else "hidden"
        caption = {"input": "input", "output": "output"}.get(kind, hidden)
        fill, border = COLOURS[kind]
        offset = (tallest - len(neurons)) / 2
        g.node(f"caption{c}", label=f'<{caption} <FONT COLOR="{style.MUTED}">({n})</FONT>>',
               shape="plaintext", style="solid", fixedsize="false", pos=_pos(c, -1.1, rankdir))
        column = []
        for row, i in enumerate(neurons):
            vid = f"n{c}_{i if i is not None else 'more'}"
            pos = _pos(c, offset + row, rankdir)
            if i is None:
                g.node(vid, label="⋮", shape="plaintext", style="solid", fontsize="20",
                       fontcolor=style.MUTED, pos=pos)
                continue
            letter = {"input": "x", "output": "y"}.get(kind)
            g.node(vid, label=_sub(letter, i) if letter else "", fillcolor=fill, color=border,
                   pos=pos)
            column.append(vid)
        ids.append(column)
    for left, right in zip(ids, ids[1:]):
        for a in left:
            for b in right:
                g.edge(a, b)
    return DotGraph(g)


def _graph_options(unknown: dict) -> None:
    graph_options = sorted(k for k in unknown if k in DRAW_OPTIONS)
    if graph_options:
        raise InvalidArgumentError(
            f"draw_network: {', '.join(map(repr, graph_options))} cannot apply: the neuron "
            "diagram has no tensors, values or gradients (that option belongs to "
            "ag.to_dot/ag.render); the options of draw_network are rankdir, title"
        )


@named_options("draw_network", explain=_graph_options)
def draw_network(spec, path=None, *, rankdir="LR", title=None):
    """The neuron diagram of a network as a :class:`DotGraph`, or written to ``path`` (PNG,
    SVG, PDF or DOT by extension), in which case the path is returned.

    The options are ``rankdir`` ("LR" or "TB") and ``title``; any other raises
    InvalidArgumentError (the computational-graph options belong to ``to_dot``/``render``)."""
    check_title("draw_network", title)
    graph = network_dot(spec, rankdir=rankdir, title=title)
    if path is None:
        return graph
    return graph.render(path)
