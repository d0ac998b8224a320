"""Deterministic DOT for a computational graph, built with the ``graphviz`` package.

``to_dot(loss)`` returns a :class:`DotGraph`: ``.source`` is the DOT text, and in Jupyter it
displays inline as SVG through the same backends as :func:`autograd_lite.render`, so no system
Graphviz is needed. Ids come from the graph walk and attributes are written sorted, so the same
graph gives byte-identical DOT on every run and machine.
"""

from __future__ import annotations

import graphviz
from graphviz.quoting import a_list, quote

from ..tensor import Tensor
from . import style
from .format import (
    fmt_array,
    fmt_dtype,
    fmt_number,
    fmt_param,
    fmt_shape,
    html,
    html_lines,
    is_finite,
)
from .graph import Graph, build, collapse_scopes, summarise_chains
from .options import check_draw_options, named_options

#: with ``max_nodes``, the walk visits at most max(WALK_PER_NODE * max_nodes, MIN_WALK) objects
WALK_PER_NODE = 50
MIN_WALK = 20_000


class DotGraph:
    """A graph picture as DOT. ``.source`` is the text; ``.render(path)`` writes a file;
    Jupyter shows it inline. ``.digraph`` is the underlying ``graphviz.Digraph``."""

    def __init__(self, digraph: graphviz.Digraph):
        self.digraph = digraph

    @property
    def source(self) -> str:
        return self.digraph.source

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        lines = self.source.count("\n")
        return f"<DotGraph of {lines} DOT lines; .source for the text, .render(path) to draw it>"

    def pipe(self, format: str = "svg") -> bytes:
        """The picture as bytes (``"svg"``, ``"png"``, ``"pdf"``) from the first working backend."""
        from .backends import pipe

        return pipe(self.source, format)

    def render(self, path):
        """Write the picture to ``path`` (.png, .svg, .pdf, .dot or .gv) and return the path."""
        from .backends import write

        return write(self.source, path)

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter shows the SVG; with no working backend it shows why, instead of a traceback."""
        from ..errors import RenderError

        try:
            return {"image/svg+xml": self.pipe("svg").decode("utf-8")}
        except RenderError as e:
            return {"text/plain": f"{self!r}\n{e}"}


@named_options("to_dot")
def to_dot(*roots, values=False, grads=False, rankdir="LR", collapse=None, max_nodes=None,
           check=None, legend=False, title=None) -> DotGraph:
    """The graph that made ``roots`` as DOT.

    - ``values=True``: each tensor's value (scalars exactly, small arrays in full, larger ones
      as min · mean · max); ``grads=True``: its gradient, or "not computed" before backward.
      NaN and inf are drawn in red.
    - ``collapse="layer"``: each ``name_scope`` becomes one box.
    - ``max_nodes``: long runs of repeated nodes are summarised until about this many remain.
    - ``check=ag.check_graph(loss)``: ops that fail their local gradient check get a red border
      and their error.
    - ``legend=True``: a small key of what the picture shows (only the kinds of node and the
      marks that appear in it); ``title``: a caption above the graph.

    An unknown option raises :class:`InvalidArgumentError` naming it and the options.
    """
    return build_dot(roots, values=values, grads=grads, rankdir=rankdir, collapse=collapse,
                     max_nodes=max_nodes, check=check, legend=legend, title=title)


def build_dot(roots, *, values=False, grads=False, rankdir="LR", collapse=None, max_nodes=None,
              check=None, legend=False, title=None, grad_map=None, highlight=(), caption=None,
              hidden=frozenset(), caption_width=None, legend_marks=(),
              who="to_dot") -> DotGraph:
    """:func:`to_dot` plus what the backward animation needs: ``grad_map`` (id(tensor) ->
    the gradient to show, instead of ``.grad``), ``highlight`` (vertex ids to emphasise; a
    layer or chain box is emphasised when it holds one), ``caption`` (a line under the
    title), ``hidden`` (ids of tensors whose gradient text is drawn transparent: its space is
    kept, so every frame has the same boxes and the same layout) and ``caption_width`` (the
    caption's fixed width in points, for the same reason), ``legend_marks`` (marks the legend
    explains even where this picture does not draw them). ``who`` names the public function
    in error messages."""
    check_draw_options(who, roots, values=values, grads=grads, rankdir=rankdir,
                       collapse=collapse, max_nodes=max_nodes, legend=legend, title=title)
    # With max_nodes, the walk stops after a bounded number of objects (the earlier part of a
    # huge graph becomes one "not drawn" box), so a million-node chain costs what is drawn.
    limit = None if max_nodes is None else max(WALK_PER_NODE * int(max_nodes), MIN_WALK)
    graph = build(roots, limit=limit)
    if collapse == "layer":
        graph = collapse_scopes(graph)
    if max_nodes is not None:
        graph = summarise_chains(graph, int(max_nodes))
    failures = _failures(check, who)
    marked = set(highlight)
    marked.update(v.vid for v in graph.vertices if any(m.vid in marked for m in v.members))
    # "shown" collects what the labels actually draw, so the legend explains only that
    opts = {"values": values, "grads": grads, "grad_map": grad_map, "highlight": marked,
            "hidden": hidden, "shown": set(legend_marks)}
    g = graphviz.Digraph("autograd_lite")
    g.attr("graph", **style.GRAPH_ATTRS, rankdir=rankdir)
    g.attr("node", **style.NODE_ATTRS)
    g.attr("edge", **style.EDGE_ATTRS)
    heading = []
    if title:
        heading.append(_row(html(title), size=13, bold=bool(caption)))
    if caption:
        row = _row(html(caption), size=13 if not title else 12)
        if caption_width:
            row = row.replace("<TD>", f'<TD WIDTH="{int(caption_width)}" FIXEDSIZE="TRUE">', 1)
        heading.append(row)
    if heading:
        g.attr("graph", label=_table(heading), labelloc="t")
    attr_text = {}  # the quoted attributes of each style, written once (graphviz's quoting is slow)
    for v in graph.vertices:
        attrs = style.node_style(v.kind)
        label = _label(v, opts, failures)
        if v.vid in marked:
            attrs.update(color=style.HIGHLIGHT_BORDER, fillcolor=style.HIGHLIGHT_FILL,
                         penwidth="3")
            opts["shown"].add("highlight")
        if _failed_ops(v, failures):
            attrs.update(color=style.BAD, penwidth="2.5")
            opts["shown"].add("failed")
        key = tuple(sorted(attrs.items()))
        text = attr_text.get(key)
        if text is None:
            text = attr_text[key] = a_list(kwargs=attrs)
        # the line g.node(v.vid, label=label, **attrs) writes (vids are plain identifiers)
        g.body.append(f"\t{v.vid} [label={quote(label)} {text}]\n")
    for src, dst in graph.edges:
        if dst in marked:  # the op's inputs and its result: where g flows
            g.edge(src, dst, color=style.HIGHLIGHT_BORDER, penwidth="2")
        else:
            g.body.append(f"\t{src} -> {dst}\n")  # what g.edge(src, dst) writes
    if legend:
        _legend(g, graph, opts["shown"])
    return DotGraph(g)


# ----- labels ------------------------------------------------------------------------------
def _row(text: str, size=None, color=None, face=None, bold=False) -> str:
    if bold:
        text = f"<B>{text}</B>"
    attrs = ""
    if face:
        attrs += f' FACE="{face}"'
    if size:
        attrs += f' POINT-SIZE="{size}"'
    if color:
        attrs += f' COLOR="{color}"'
    if attrs:
        text = f"<FONT{attrs}>{text}</FONT>"
    return f"<TR><TD>{text}</TD></TR>"


def _table(rows: list) -> str:
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(
        rows
    ) + "</TABLE>>"


def _array_rows(array, prefix: str, color: str, shown: set) -> list:
    bad = not is_finite(array)
    shown.add("grad" if prefix else "value")
    if bad:
        shown.add("nonfinite")
    lines = fmt_array(array)
    rows = []
    for i, line in enumerate(lines):
        text = (prefix if i == 0 else " " * len(prefix)) + line
        shade = style.BAD if bad and color != style.HIDDEN else color
        rows.append(_row(html(text), size=10, color=shade, face=style.MONO, bold=bad))
    return rows


def _value_label(v, opts) -> str:
    obj = v.obj
    data = obj.data if v.kind != "const" else obj
    rows = []
    name = getattr(obj, "name", None)
    if name:
        rows.extend(_row(line, bold=True) for line in html_lines(name))
    elif v.kind == "const" and data.ndim == 0:
        rows.append(_row(html(fmt_number(data.item())), bold=True))
    elif v.kind in ("param", "data", "output"):
        rows.append(_row({"param": "parameter", "data": "data", "output": "output"}[v.kind],
                         bold=v.kind == "output"))
    elif v.kind == "const":
        rows.append(_row("constant"))
    rows.append(_row(html(f"{fmt_shape(data.shape)} {fmt_dtype(data.dtype)}"), size=9,
                     color=style.MUTED))
    if opts["values"] and not (v.kind == "const" and data.ndim == 0 and not name):
        rows.extend(_array_rows(data, "", style.VALUE, opts["shown"]))
    elif not is_finite(data):
        opts["shown"].add("nonfinite")
        rows.append(_row("contains NaN/inf", size=9, color=style.BAD, bold=True))
    if opts["grads"] or opts["grad_map"] is not None:
        rows.extend(_grad_rows(v, opts))
    return _table(rows)


def _grad_rows(v, opts) -> list:
    obj = v.obj
    if v.kind == "const" or not obj.requires_grad:
        return []
    grad = obj.grad
    if opts["grad_map"] is not None:
        grad = opts["grad_map"].get(id(obj))
    if grad is None:
        return [_row("grad: not computed", size=9, color=style.MUTED)]
    if isinstance(grad, Tensor):  # after backward(create_graph=True): draw its value
        grad = grad.data
    if id(obj) in opts["hidden"]:
        # counted as shown: the legend, too, must be the same in every frame
        return _array_rows(grad, "grad ", style.HIDDEN, opts["shown"])
    return _array_rows(grad, "grad ", style.GRAD, opts["shown"])


def _op_label(v, opts, failures) -> str:
    node = v.obj.node
    rows = [_row(html(node.label), bold=True)]
    for key, value in node.params.items():
        if value is None or value is False:
            continue
        rows.append(_row(html(f"{key}={fmt_param(value)}"), size=9, color=style.MUTED))
    failure = failures.get(id(v.obj))
    if failure is not None:
        rows.extend(_row(line, size=9, color=style.BAD) for line in html_lines(failure))
    return _table(rows)


def _failed_ops(v, failures) -> list:
    """The ops a vertex stands for (itself, or a box's members) that failed the check."""
    if v.kind == "op":
        return [v] if id(v.obj) in failures else []
    return [m for m in v.members if m.kind == "op" and id(m.obj) in failures]


def _label(v, opts, failures) -> str:
    if v.kind == "op":
        return _op_label(v, opts, failures)
    if v.kind == "cut":
        return _table([_row(html("⋯ earlier part of the graph, not drawn ⋯"), size=10,
                            color=style.MUTED),
                       _row(html(f"(more than {v.name} nodes; max_nodes stops the walk)"),
                            size=9, color=style.MUTED)])
    label = _value_label(v, opts) if v.kind not in ("scope", "chain") else (
        _scope_label(v) if v.kind == "scope" else _chain_label(v))
    failed = _failed_ops(v, failures)
    if failed:  # a box hides its ops, so it says which of them failed
        names = ", ".join(dict.fromkeys(m.obj.node.label for m in failed))
        extra = _row(html(f"gradient check failed in {names}"), size=9, color=style.BAD)
        label = label[: -len("</TABLE>>")] + extra + "</TABLE>>"
    return label


def _op_sequence(ops) -> str:
    labels = [m.obj.node.label for m in ops]
    if len(labels) <= 5:
        return " → ".join(labels)
    for period in range(1, 5):
        if len(labels) >= 2 * period and all(
            labels[i] == labels[i % period] for i in range(len(labels))
        ):
            return f"{len(labels) // period:,} × ({' → '.join(labels[:period])})"
    counts = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{k} ×{n}" for k, n in counts.items())


def _scope_label(v) -> str:
    ops = [m for m in v.members if m.kind == "op"]
    rows = [_row(line, bold=True) for line in html_lines(v.name)]
    rows.append(_row(html(_op_sequence(ops)), size=10))
    for m in v.members:
        if m.kind == "param":
            name = m.obj.name or "parameter"
            rows.append(_row(html(f"{name} {fmt_shape(m.obj.shape)}"), size=9, color=style.MUTED))
    last = ops[-1].obj
    rows.append(_row(html(f"→ {fmt_shape(last.shape)} {fmt_dtype(last.dtype)}"), size=9,
                     color=style.MUTED))
    return _table(rows)


def _chain_label(v) -> str:
    ops = [m for m in v.members if m.kind in ("op", "scope")]
    labels = [m for m in ops if m.kind == "op"]
    rows = [_row(html(f"⋯ {len(v.members):,} nodes summarised ⋯"), size=10, color=style.MUTED)]
    if labels:
        rows.append(_row(html(_op_sequence(labels)), bold=True))
    return _table(rows)


# ----- check marks and legend ----------------------------------------------------------------
def _failures(check, who: str) -> dict:
    """id(tensor) -> error text for each node of a check_graph report that failed."""
    if check is None:
        return {}
    nodes = getattr(check, "nodes", None)
    if nodes is None:
        from ..errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"{who}: check must be the report of ag.check_graph(loss) (with .nodes), "
            f"got {type(check).__name__}"
        )
    out = {}
    for nc in nodes:
        if nc.ok:
            continue
        text = (f"gradient check failed: abs err {fmt_number(nc.max_abs_error, 3)}, "
                f"rel err {fmt_number(nc.max_rel_error, 3)}")
        message = getattr(nc, "message", "")
        if message:
            text += "\n" + str(message)
        out[id(nc.tensor)] = text
    return out


def _swatch(fill: str, border: str, width: int, text: str, dashed: bool = False) -> str:
    look = ' STYLE="dashed"' if dashed else ""
    return (f'<TR><TD BGCOLOR="{fill}" COLOR="{border}" BORDER="{width}"{look} WIDTH="14" '
            f'HEIGHT="10"></TD><TD ALIGN="LEFT">{html(text)}</TD></TR>')


def _sample(sample: str, color: str, text: str, bold: bool = False) -> str:
    sample = f"<B>{sample}</B>" if bold else sample
    return (f'<TR><TD><FONT FACE="{style.MONO}" COLOR="{color}">{sample}</FONT></TD>'
            f'<TD ALIGN="LEFT">{html(text)}</TD></TR>')


def _legend(g: graphviz.Digraph, graph: Graph, shown: set) -> None:
    """A key of what this picture shows, in a fixed order: the kinds of vertex present, then
    the marks the labels drew (``shown``: failed, highlight, value, grad, nonfinite)."""
    present = {v.kind for v in graph.vertices}
    cells = []
    for kind in style.LEGEND_ORDER:
        if kind in present:
            fill, border, extra, _, text = style.KINDS[kind]
            cells.append(_swatch(fill, border, 1, text, dashed="dashed" in extra))
    if "failed" in shown:
        cells.append(_swatch("white", style.BAD, 2, "failed gradient check"))
    if "highlight" in shown:
        cells.append(_swatch(style.HIGHLIGHT_FILL, style.HIGHLIGHT_BORDER, 2,
                             "gradient completed in this step"))
    if "value" in shown:
        cells.append(_sample("1.5", style.VALUE, "value"))
    if "grad" in shown:
        cells.append(_sample("grad", style.GRAD, "gradient of the output"))
    if "nonfinite" in shown:
        cells.append(_sample("NaN", style.BAD, "NaN or inf", bold=True))
    label = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="2">'
             '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>legend</B></TD></TR>'
             + "".join(cells) + "</TABLE>>")
    with g.subgraph(name="cluster_legend") as sub:
        sub.attr(color="#D0D0D0", label="", style="rounded")
        sub.node("legend", label=label, shape="plaintext", fontsize="9")
    # an invisible edge from the last vertex (a root) puts the key after the graph, not before
    g.edge(graph.vertices[-1].vid, "legend", style="invis")
