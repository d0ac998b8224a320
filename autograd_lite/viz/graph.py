"""The drawable graph: an iterative walk from the roots, then optional collapsing and summaries.

Vertex ids come from the walk's order (inputs before outputs, inputs in argument order), never
from ``id()``, so the same computation always gives the same ids and byte-identical DOT.
Values (tensors and constant arrays) are ``v0, v1, ...``; the op that made ``vN`` is ``fN``;
collapsed scopes are ``s0, s1, ...``; summarised chains ``c0, c1, ...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine import topological_order
from ..tensor import Tensor

LEAF_KINDS = ("param", "data", "const", "cut")


@dataclass(eq=False)
class Vertex:
    vid: str
    kind: str
    obj: object = None  # Tensor or ndarray for values; the produced Tensor for ops
    members: list = field(default_factory=list)  # vertices a scope/chain box stands for
    name: str = ""  # scope name for scope boxes


@dataclass
class Graph:
    vertices: list  # Vertex, in drawing order
    edges: list  # (src vid, dst vid), in drawing order


def _nearest(roots, limit: int) -> set:
    """The ids of at most ``limit`` objects nearest the roots (breadth first, backwards)."""
    seen = set()
    frontier = list(roots)
    while frontier and len(seen) < limit:
        following = []
        for obj in frontier:
            if id(obj) in seen or len(seen) >= limit:
                continue
            seen.add(id(obj))
            node = obj.node if isinstance(obj, Tensor) else None
            if node is not None:
                following.extend(node.inputs)
        frontier = following
    return seen


def walk(roots, limit: int | None = None) -> list:
    """Tensors and constant arrays that lead to ``roots``, each input before its consumers: the
    engine's one topological order, with constants (inputs in argument order, no recursion).

    With ``limit`` (``max_nodes`` was given), only the ``limit`` objects nearest the roots are
    walked, so a million-node graph costs what is drawn; the same depth-first order, restricted
    to them.
    """
    if limit is None:
        return topological_order(list(roots), constants=True)
    allowed = _nearest(roots, limit)
    order, done = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            obj, expanded = stack.pop()
            if expanded:
                order.append(obj)
                continue
            if id(obj) in done:
                continue
            done.add(id(obj))
            stack.append((obj, True))
            node = obj.node if isinstance(obj, Tensor) else None
            if node is not None:
                for inp in reversed(node.inputs):
                    if id(inp) not in done and id(inp) in allowed:
                        stack.append((inp, False))
    return order


def value_kind(obj, is_root: bool) -> str:
    if not isinstance(obj, Tensor):
        return "const"
    if obj.node is None:
        return "param" if obj.requires_grad else "data"
    return "output" if is_root else "inter"


def build(roots, limit: int | None = None) -> Graph:
    """Every tensor, constant and op reachable from ``roots`` as vertices and edges; with
    ``limit``, the inputs beyond the ``limit`` nearest objects are one ``cut`` vertex ``u0``."""
    order = walk(roots, limit)
    root_ids = {id(r) for r in roots}
    index = {id(obj): i for i, obj in enumerate(order)}
    vertices, edges = [], []
    cut = None
    for i, obj in enumerate(order):
        node = obj.node if isinstance(obj, Tensor) else None
        if node is not None:
            vertices.append(Vertex(f"f{i}", "op", obj))
            for inp in node.inputs:
                j = index.get(id(inp))
                if j is None:  # beyond the walk's limit
                    if cut is None:
                        cut = Vertex("u0", "cut", name=f"{limit:,}")
                        vertices.insert(0, cut)
                    edges.append(("u0", f"f{i}"))
                    continue
                edges.append((f"v{j}", f"f{i}"))
            edges.append((f"f{i}", f"v{i}"))
        vertices.append(Vertex(f"v{i}", value_kind(obj, id(obj) in root_ids), obj))
    return Graph(vertices, edges)


def _remap(graph: Graph, owner: dict, boxes: list) -> Graph:
    """Replace member vertices by their box; drop edges inside a box and repeated edges."""
    first = {}
    for box in boxes:
        for m in box.members:
            first.setdefault(box.vid, m.vid)
    vertices = []
    placed = set()
    for v in graph.vertices:
        box = owner.get(v.vid)
        if box is None:
            vertices.append(v)
        elif box.vid not in placed:
            placed.add(box.vid)
            vertices.append(box)
    edges, seen = [], set()
    for src, dst in graph.edges:
        a, b = owner.get(src), owner.get(dst)
        e = (a.vid if a else src, b.vid if b else dst)
        if e[0] != e[1] and e not in seen:
            seen.add(e)
            edges.append(e)
    return Graph(vertices, edges)


def _consumers(graph: Graph) -> dict:
    out = {}
    for src, dst in graph.edges:
        out.setdefault(src, []).append(dst)
    return out


def collapse_scopes(graph: Graph) -> Graph:
    """Draw each name scope as one box: its ops, their intermediate results, and the
    parameters and scalar constants that only that scope uses (data arrays stay outside)."""
    owner, boxes, by_scope = {}, [], {}
    for v in graph.vertices:
        if v.kind != "op" or not v.obj.node.scope:
            continue
        scope = v.obj.node.scope
        box = by_scope.get(scope)
        if box is None:
            box = by_scope[scope] = Vertex(f"s{len(boxes)}", "scope", name=scope)
            boxes.append(box)
        box.members.append(v)
        owner[v.vid] = box
    if not boxes:
        return graph
    values = {v.vid: v for v in graph.vertices}
    for v in list(owner):
        result = "v" + v[1:]
        if values[result].kind == "inter":
            owner[result] = owner[v]
            owner[v].members.append(values[result])
    consumers = _consumers(graph)
    for v in graph.vertices:  # data arrays stay outside, so the input still flows in
        data = v.obj.data if isinstance(v.obj, Tensor) else v.obj
        if v.kind == "param" or (v.kind == "const" and np.ndim(data) == 0):
            users = {owner.get(c) for c in consumers.get(v.vid, [])}
            if len(users) == 1 and None not in users:
                box = users.pop()
                owner[v.vid] = box
                box.members.append(v)
    return _remap(graph, owner, boxes)


def summarise_chains(graph: Graph, max_nodes: int, keep: int = 2) -> Graph:
    """Replace the middle of the longest runs of one-in, one-out vertices by a single
    "N nodes: k x (Mul -> Add)" vertex until at most ``max_nodes`` vertices remain (or no run
    is long enough to shorten)."""
    if len(graph.vertices) <= max_nodes:
        return graph
    kinds = {v.vid: v.kind for v in graph.vertices}
    preds, succs = {}, {}
    for src, dst in graph.edges:
        succs.setdefault(src, []).append(dst)
        if kinds[src] not in LEAF_KINDS:
            preds.setdefault(dst, []).append(src)

    def links(vid):  # a vertex that can sit inside a chain
        return (kinds[vid] not in LEAF_KINDS and kinds[vid] != "output"
                and len(preds.get(vid, ())) == 1 and len(succs.get(vid, ())) == 1)

    nxt = {}
    for v in graph.vertices:
        if links(v.vid):
            w = succs[v.vid][0]
            if links(w) and preds[w][0] == v.vid:
                nxt[v.vid] = w
    has_prev = set(nxt.values())
    runs = []
    for v in graph.vertices:
        if links(v.vid) and v.vid not in has_prev:
            run = [v.vid]
            while run[-1] in nxt:
                run.append(nxt[run[-1]])
            if len(run) > 2 * keep + 1:
                runs.append(run)
    runs.sort(key=len, reverse=True)  # stable: equal lengths keep drawing order
    by_id = {v.vid: v for v in graph.vertices}
    consumers = _consumers(graph)
    owner, boxes, count = {}, [], len(graph.vertices)
    for run in runs:
        if count <= max_nodes:
            break
        middle = run[keep:len(run) - keep]
        box = Vertex(f"c{len(boxes)}", "chain", members=[by_id[m] for m in middle])
        inside = set(middle)
        for m in middle:
            owner[m] = box
        for v in graph.vertices:  # leaves used only inside this chain disappear into it
            if v.kind in LEAF_KINDS and v.vid not in owner:
                users = consumers.get(v.vid, [])
                if users and all(u in inside for u in users):
                    owner[v.vid] = box
                    box.members.append(v)
        boxes.append(box)
        count -= len(box.members) - 1
    return _remap(graph, owner, boxes)
