"""The chain rule, step by step: ``render_backward(loss, folder)``.

It runs the backward pass itself, one tensor at a time in reverse topological order, and
draws a frame after each step: the tensor whose gradient has just been completed is
highlighted, and gradients appear on the graph as they become known. The ``.grad`` of every
tensor is accumulated exactly as ``loss.backward()`` would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import engine
from ..errors import BackwardError, InvalidArgumentError, RenderError
from ..tensor import Tensor
from .backends import pipe, write_bytes_atomic
from .dot import build_dot
from .format import fmt_number
from .graph import build, walk
from .options import check_draw_options, check_flag, named_options


@dataclass
class BackwardFrames:
    """What :func:`render_backward` wrote: the PNG frames in order, and the GIF (or None)."""

    frames: list
    gif: str | None


def _describe(t: Tensor) -> str:
    if t.name:
        return t.name
    if t.node is not None:
        return f"the output of {t.node.label}"
    return "a parameter"


def _check_own_options(grads, gif, max_steps, retain_graph, frame_ms) -> None:
    if grads is not True:
        raise InvalidArgumentError(
            f"render_backward: grads={grads!r} cannot apply: every frame draws the gradients "
            "known so far (that is what the animation shows); leave grads out"
        )
    check_flag("render_backward", "gif", gif)
    check_flag("render_backward", "retain_graph", retain_graph)
    for name, value in (("max_steps", max_steps), ("frame_ms", frame_ms)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidArgumentError(
                f"render_backward: {name} must be a positive int, got {value!r}"
            )


@named_options("render_backward")
def render_backward(loss, folder, *, values=True, grads=True, rankdir="LR", collapse=None,
                    max_nodes=None, check=None, legend=False, title=None, gif=True,
                    max_steps=60, retain_graph=False, frame_ms=900) -> BackwardFrames:
    """Run ``loss``'s backward pass and write one PNG frame per chain-rule step to ``folder``
    (``step_000.png`` is the forward graph), plus ``backward.gif`` when Pillow is installed.

    Each frame highlights the tensor whose gradient was just completed and the op that passes
    it on (with ``collapse``/``max_nodes``, the box that holds it). Afterwards every tensor's
    ``.grad`` holds what ``loss.backward()`` would give.

    The drawing options are those of :func:`to_dot`; ``title`` is printed above each frame's
    own caption. Gradients are always drawn, so only ``grads=True`` is accepted. ``gif``,
    ``max_steps`` (refuse bigger graphs), ``retain_graph`` and ``frame_ms`` (GIF frame time)
    are this function's own.
    """
    if not isinstance(loss, Tensor):
        raise InvalidArgumentError(
            f"render_backward: loss must be an autograd_lite.Tensor, got {type(loss).__name__}"
        )
    draw = dict(values=values, rankdir=rankdir, collapse=collapse, max_nodes=max_nodes,
                check=check, legend=legend, title=title, who="render_backward")
    check_draw_options("render_backward", [loss], values=values, grads=grads, rankdir=rankdir,
                       collapse=collapse, max_nodes=max_nodes, legend=legend, title=title)
    _check_own_options(grads, gif, max_steps, retain_graph, frame_ms)
    if not loss.requires_grad or loss.data.size != 1:
        raise BackwardError(
            f"render_backward: loss must be a single-element tensor that requires a gradient, "
            f"got shape {loss.shape}, requires_grad={loss.requires_grad}"
        )
    n_steps = sum(1 for t in walk([loss]) if isinstance(t, Tensor) and t.requires_grad)
    if n_steps > max_steps:
        raise InvalidArgumentError(
            f"render_backward: the graph has {n_steps} tensors that need a gradient, more than "
            f"max_steps={max_steps}; draw a smaller graph or raise max_steps"
        )
    folder = Path(folder)
    try:
        folder.mkdir(parents=False, exist_ok=True)
    except OSError as e:
        raise RenderError(f"render_backward: cannot create the folder {str(folder)!r}: "
                          f"{e.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RenderError(f"render_backward: the folder {str(folder)!r} is not writable")

    ids = {}
    for v in build([loss]).vertices:
        if v.kind != "op" and v.kind != "const":
            ids[id(v.obj)] = v.vid
    known = {}
    pictures = [pipe(build_dot([loss], grad_map=known, caption="forward pass: no gradients yet",
                               **draw).source, "png")]
    # The engine's own pass, recorded step by step, shown in the picture's reverse topological
    # order (highest vertex id first): every consumer of a tensor comes before it, so each
    # recorded gradient is complete when its frame appears.
    order, grads = engine.chain_rule([loss], [engine.seed(loss, None, False)])
    engine.store(order, grads, retain_graph)  # exactly what loss.backward() stores
    steps = [(t, grads[id(t)]) for t in order if id(t) in grads]
    steps.sort(key=lambda step: int(ids[id(step[0])][1:]), reverse=True)
    for k, (t, g) in enumerate(steps, start=1):
        known[id(t)] = g
        vid = ids[id(t)]
        marks = (vid, "f" + vid[1:]) if t.node is not None else (vid,)
        caption = f"step {k} of {len(steps)}: gradient of {_describe(t)}"
        if g.size == 1:
            caption += f" = {fmt_number(g.item())}"
        if t.node is not None:
            caption += f"; {t.node.label} passes it on to its inputs"
        pictures.append(pipe(build_dot([loss], grad_map=dict(known), highlight=marks,
                                     caption=caption, **draw).source, "png"))
    paths = []
    for k, data in enumerate(pictures):
        path = folder / f"step_{k:03d}.png"
        write_bytes_atomic(path, data)
        paths.append(str(path))
    gif_path = _write_gif(paths, folder / "backward.gif", frame_ms) if gif else None
    return BackwardFrames(paths, gif_path)


def _write_gif(paths, target: Path, frame_ms: int):
    try:
        from PIL import Image  # noqa: PLC0415 - optional dependency
    except ImportError:
        return None
    import io

    images = []
    for p in paths:
        with Image.open(p) as im:
            images.append(im.convert("RGB"))
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    frames = []
    for im in images:  # frames of one size, each drawing centred on white
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, ((width - im.width) // 2, (height - im.height) // 2))
        frames.append(canvas)
    durations = [frame_ms] * len(frames)
    durations[-1] = frame_ms * 3
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0)
    write_bytes_atomic(target, buffer.getvalue())
    return str(target)
