"""What ``autograd-lite train`` writes after training: the learning curves, the graph of one
small batch's loss with every gradient, and the per-parameter gradient check.

The graph and the check run the model with stand-in tensors for its parameters (a functional
call, :func:`parameters_replaced`), so the picture shows full names (``Affine1.W``) and
``ag.gradcheck`` can differentiate the loss with respect to tensors it owns.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from ..viz.style import SCREEN_WIDTH_INCHES

GRAPH_BATCH = 4            # examples in the graph picture
CHECK_BATCH = 3            # examples in the gradient check (the book uses 3)
FULL_CHECK_LIMIT = 30_000  # parameters up to which every element is checked
COLLAPSE_ABOVE = 9         # layers up to which the graph shows every node (else one box per layer)


def small_batch(x, t, size: int, n_classes: int):
    """``size`` test examples of different classes where possible (first of each class)."""
    picked = []
    for c in range(n_classes):
        hits = np.flatnonzero(t == c)
        if len(hits):
            picked.append(int(hits[0]))
        if len(picked) == size:
            break
    if len(picked) < size:
        picked += [i for i in range(len(x)) if i not in picked][: size - len(picked)]
    idx = np.array(picked[:size])
    return x[idx], t[idx]


def plot_curves(ag, history, path: Path, title: str, sizes, args, lr) -> str:
    caption = (f"{title}: {' -> '.join(map(str, sizes))} {args.activation}, "
               f"{args.optimizer} lr={lr:g}, batch {args.batch_size}")
    return str(ag.plot_history(history, path, title=caption))


def draw_graph(ag, model, x, t, path: Path, args) -> str:
    """The loss of one small batch in training mode, after backward, with values and grads.

    The parameters are drawn under their full names (``Affine1.W``): the model runs with
    named copies of them, so the picture matches the weights file and the gradient check.
    """
    model.train()
    _reseed_dropout(model, args.seed)
    named = list(model.named_parameters())
    copies = [ag.Tensor(p.data, name=name) for name, p in named]
    with parameters_replaced(model, named, copies):
        logits = model(ag.Tensor(x, requires_grad=False, name="x"))
    labels = ag.Tensor(t, requires_grad=False, name="t (labels)", dtype=t.dtype)
    loss = ag.softmax_with_loss(logits, labels)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    deep = len(model) > COLLAPSE_ABOVE
    shown = "one box per layer" if deep else "with every gradient"
    title = (f"the loss of {len(x)} test examples after training, {shown} "
             f"(labels {', '.join(map(str, t))})")
    dot = ag.to_dot(loss, values=True, grads=True, rankdir="TB",
                    collapse="layer" if deep else None, title=title)
    inches = SCREEN_WIDTH_INCHES  # scaled down (never up) to fit a screen's width
    dot.digraph.attr("graph", size=f"{inches},{4 * inches}")
    return str(dot.render(path))


def gradient_check(ag, model, x, t, seed: int):
    """Check every parameter's gradient on ``(x, t)`` in training mode; returns (report, text)."""
    named = list(model.named_parameters())
    n_params = sum(p.data.size for _, p in named)
    mode = "full" if n_params <= FULL_CHECK_LIMIT else "fast"
    model.train()

    def loss_of(*tensors):
        _reseed_dropout(model, seed)  # the same dropout mask in every evaluation
        with parameters_replaced(model, named, tensors):
            return ag.softmax_with_loss(model(ag.Tensor(x, requires_grad=False)), t)

    inputs = [ag.Tensor(p.data, name=name) for name, p in named]
    report = ag.gradcheck(loss_of, inputs, mode=mode, seed=seed)
    lines = [
        f"Gradient check of the trained model on {len(x)} test examples (labels "
        f"{', '.join(map(str, t))}), as in the book's chapter 5:",
        "mean |backprop - numerical| per parameter",
        "",
    ]
    lines += [f"{c.name}:{book_metric(c):.1e}" for c in report.inputs]
    lines += ["", str(report), ""]
    if mode == "fast":
        lines.insert(2, f"({n_params:,} parameters: checked along random directions, mode=fast)")
    return report, "\n".join(lines)


def book_metric(check) -> float:
    value = getattr(check, "mean_abs_difference", None)
    return float("nan") if value is None else float(value)


@contextlib.contextmanager
def parameters_replaced(model, named, tensors):
    """Run the model with ``tensors`` in place of its parameters (a functional call), so the
    gradient check can differentiate the loss with respect to tensors it owns."""
    owners = dict(model.named_modules())
    slots = []
    for (name, _), tensor in zip(named, tensors):
        module_name, _, key = name.rpartition(".")
        module = owners[module_name]
        slots.append((module, key, module.__dict__[key]))
        module.__dict__[key] = tensor
    try:
        yield
    finally:
        for module, key, original in slots:
            module.__dict__[key] = original


def _reseed_dropout(model, seed: int) -> None:
    for module in model.modules():
        if type(module).__name__ == "Dropout":
            module.rng = np.random.default_rng(seed)


def write_text(path: Path, text: str) -> str:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return str(path)
