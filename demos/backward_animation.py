"""The backward pass, one chain-rule step per frame (``ag.render_backward``), as PNGs and a GIF.

Two small graphs:

- ``logistic``: the course's single sigmoid unit on one example (the users' note on the chain
  rule): ``z = w1 x1 + w2 x2 + b``, ``a = sigmoid(z)``,
  ``L = -(y log a + (1 - y) log(1 - a))``. The frames walk from L back to w and b; at the end
  the demo compares the gradients with the hand-derived ``dw = x (a - y)``, ``db = a - y``.
- ``apple``: the book's apple-shopping graph (chapter 5), two ``Mul`` nodes.

Each animation goes to its own folder (``step_000.png`` is the forward graph, then one frame per
step, and ``backward.gif``); ``storyboard.png`` puts a few frames side by side for places where
a GIF does not play.

Run: python demos/backward_animation.py
"""

from __future__ import annotations

import numpy as np
from demo_kit import heading, out_dir, parser, plt, save, session
from PIL import Image

import autograd_lite as ag

NAME = "backward_animation"


def logistic_unit(x=(1.5, -0.5), w=(0.8, -0.4), b=0.1, y=1.0):
    """The course's one-example logistic regression loss, built op by op."""
    x1, x2 = (ag.Tensor(v, requires_grad=False, name=f"x{i}") for i, v in enumerate(x, 1))
    w1, w2 = (ag.Tensor(v, name=f"w{i}") for i, v in enumerate(w, 1))
    b = ag.Tensor(b, name="b")
    z = w1 * x1 + w2 * x2 + b
    z.name = "z"
    a = ag.sigmoid(z)
    a.name = "a"
    loss = -(y * ag.log(a) + (1.0 - y) * ag.log(1.0 - a))
    loss.name = "L"
    return loss, {"w1": w1, "w2": w2, "b": b}, {"x": np.array(x), "y": y, "a": a}


def apple_graph():
    """The book's price = apple * apple_num * tax."""
    apple, num, tax = (
        ag.Tensor(100.0, name="apple"),
        ag.Tensor(2.0, name="apple_num"),
        ag.Tensor(1.1, name="tax"),
    )
    apple_price = apple * num
    apple_price.name = "apple_price"
    price = apple_price * tax
    price.name = "price"
    return price, {"apple": apple, "apple_num": num, "tax": tax}


def storyboard(frames: list, title: str, path, count: int = 4):
    """A few frames one above the other: the first, evenly spaced middle ones, the last."""
    picks = sorted({round(i * (len(frames) - 1) / (count - 1)) for i in range(count)})
    fig, axes = plt.subplots(len(picks), 1, figsize=(12, 2.6 * len(picks)))
    for ax, index in zip(np.atleast_1d(axes), picks):
        with Image.open(frames[index]) as image:
            ax.imshow(np.asarray(image.convert("RGB")))
        ax.axis("off")
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return save(fig, path)


def animate(name: str, loss, leaves: dict, title: str, folder, gif: bool = True) -> dict:
    """Render the frames (and GIF) of one graph; print the gradients it ends with."""
    target = folder / name
    result = ag.render_backward(loss, target, gif=gif)  # each frame gets its own caption
    print(f"wrote {len(result.frames)} frames to {target}/" + (f" and {result.gif}" if gif else ""))
    grads = {key: float(leaf.grad) for key, leaf in leaves.items()}
    for key, value in grads.items():
        print(f"  dL/d{key} = {value:.6g}")
    board = storyboard(result.frames, title, folder / f"{name}_storyboard.png")
    return {"frames": result.frames, "gif": result.gif, "grads": grads, "storyboard": board}


def main(out=None, seed: int = 0, tiny: bool = False) -> dict:
    """Animate both graphs (``tiny``: no GIF of the longer one); ``seed`` is unused."""
    folder = out_dir(NAME, out)
    results = {}
    with session(NAME):
        heading("The course's sigmoid unit: L = -(y log a + (1 - y) log(1 - a))")
        loss, leaves, known = logistic_unit()
        results["logistic"] = animate(
            "logistic", loss, leaves, "Backward through one sigmoid unit", folder, gif=not tiny
        )
        a, y, x = known["a"].item(), known["y"], known["x"]
        formula = {"w1": x[0] * (a - y), "w2": x[1] * (a - y), "b": a - y}
        print(
            f"  a = {a:.6g}; the course's formulas dw = x (a - y), db = a - y give "
            + ", ".join(f"{k} {v:.6g}" for k, v in formula.items())
        )
        results["logistic"]["formula"] = formula

        heading("The book's apple graph: price = apple * apple_num * tax")
        price, leaves = apple_graph()
        results["apple"] = animate(
            "apple", price, leaves, "Backward through the apple graph", folder
        )
    return results


if __name__ == "__main__":
    main(**vars(parser(NAME, __doc__).parse_args()))
