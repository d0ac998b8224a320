"""Graph pictures: deterministic DOT, PNG/SVG/PDF with no system install, the backward pass as
frames, and layered network diagrams.

    ag.to_dot(loss, values=True, grads=True)     # DotGraph; .source is the DOT text
    ag.render(loss, "graph.png", grads=True)     # system `dot`, else the pygraphviz wheel
    ag.render_backward(loss, "frames/")          # one PNG per chain-rule step (+ GIF)
    ag.draw_network([2, 3, 2, 2], "net.png")     # the neuron diagram of the book
"""

from .animate import render_backward
from .backends import render
from .dot import DotGraph, to_dot
from .network import draw_network

__all__ = ["DotGraph", "draw_network", "render", "render_backward", "to_dot"]
