"""The look of the pictures in one place: fonts, a calm palette, and per-kind node styles.

Kinds of graph vertex: ``param`` (a leaf that needs a gradient), ``data`` (a named tensor that
needs none), ``const`` (a plain array or number in an expression), ``inter`` (an intermediate
result), ``output`` (a root), ``op``, ``scope`` (a collapsed name scope) and ``chain`` (a
summarised run of repeated nodes); ``cut`` stands for the inputs beyond the walk's limit.
"""

from __future__ import annotations

FONT = "Helvetica"
MONO = "Courier"

TEXT = "#2B2B2B"
MUTED = "#767676"
VALUE = "#22415F"
GRAD = "#A8441B"
BAD = "#C62828"
EDGE = "#8C8C8C"
HIGHLIGHT_FILL = "#FFE3A3"
HIGHLIGHT_BORDER = "#D9822B"
#: the widest picture that fits a screen, in inches (1,584 pixels at the 144 dpi of PNG output):
#: the backward animation and the picture of ``autograd-lite train`` are scaled down to it
SCREEN_WIDTH_INCHES = 11
#: fully transparent: text that keeps its space but is not seen (a gradient not known yet)
HIDDEN = "#FFFFFF00"

#: kind -> (fill colour, border colour, extra style, shape, legend text)
KINDS = {
    "param": ("#E4EEF8", "#4F7CAC", "", "box", "parameter (needs a gradient)"),
    "data": ("#EFEFEC", "#9B9B94", "", "box", "data (no gradient)"),
    "const": ("#F6F6F4", "#B5B5AE", "dashed", "box", "constant"),
    "inter": ("#FFFFFF", "#BDBDBD", "", "box", "intermediate result"),
    "output": ("#E3F1E1", "#4E8F4E", "", "box", "output"),
    "op": ("#FFF4DC", "#C99A3A", "", "ellipse", "operation"),
    "scope": ("#F2ECF7", "#8A68AE", "", "box", "layer / name scope"),
    "chain": ("#FFFFFF", "#9E9E9E", "dashed", "box", "summarised repeated nodes"),
    "cut": ("#FFFFFF", "#9E9E9E", "dashed", "box", "earlier part of the graph, not drawn"),
}

LEGEND_ORDER = ("param", "data", "const", "op", "inter", "output", "scope", "chain", "cut")

GRAPH_ATTRS = {
    "bgcolor": "white",
    "fontname": FONT,
    "fontsize": "12",
    "nodesep": "0.3",
    "pad": "0.2",
    "ranksep": "0.35",
}
NODE_ATTRS = {
    "color": "#9E9E9E",
    "fontcolor": TEXT,
    "fontname": FONT,
    "fontsize": "11",
    "margin": "0.08,0.04",
    "penwidth": "1.2",
}
EDGE_ATTRS = {"arrowsize": "0.6", "color": EDGE, "penwidth": "1.0"}


def node_style(kind: str) -> dict:
    """Graphviz attributes of a vertex of ``kind`` (the label is added by the caller)."""
    fill, border, extra, shape, _ = KINDS[kind]
    style = "filled" if shape == "ellipse" else "rounded,filled"
    if extra:
        style += "," + extra
    attrs = {"color": border, "fillcolor": fill, "shape": shape, "style": style}
    if kind == "output":
        attrs["penwidth"] = "1.8"
    if shape == "ellipse":
        attrs["margin"] = "0.05,0.02"
    return attrs
