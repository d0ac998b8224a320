"""The book's chapter 5 shopping graphs, with forward values and gradients drawn on them.

1. Two apples at 100 yen with 10% tax: ``price = (apple * apple_num) * tax = 220`` — two ``Mul``
   nodes. Backward from ``price`` gives the book's numbers: d price / d apple = 2.2,
   d / d apple_num = 110, d / d tax = 200.
2. Two apples and three oranges at 150 yen: ``price = (apple * apple_num + orange * orange_num)
   * tax = 715`` — an ``Add`` joins the branches. Gradients: apple 2.2, apple_num 110, orange 3.3,
   orange_num 165, tax 650.

The printed numbers are Python's own (``110.00000000000001`` is ``1.1 * 100`` in floating
point, exactly what the book's ``MulLayer`` prints); the pictures round them as a person would.

Run: python demos/apple.py
"""

from __future__ import annotations

from demo_kit import heading, out_dir, parser, session

import autograd_lite as ag

NAME = "apple"


def named(tensor: ag.Tensor, name: str) -> ag.Tensor:
    """Give an intermediate result the name the book uses, so the picture shows it."""
    tensor.name = name
    return tensor


def apple_graph():
    """price = apple * apple_num * tax; returns the price and the leaves by name."""
    leaves = {
        "apple": ag.Tensor(100.0, name="apple"),
        "apple_num": ag.Tensor(2.0, name="apple_num"),
        "tax": ag.Tensor(1.1, name="tax"),
    }
    apple_price = named(leaves["apple"] * leaves["apple_num"], "apple_price")
    price = named(apple_price * leaves["tax"], "price")
    return price, leaves


def apple_orange_graph():
    """price = (apple * apple_num + orange * orange_num) * tax; the price and the leaves."""
    leaves = {
        "apple": ag.Tensor(100.0, name="apple"),
        "apple_num": ag.Tensor(2.0, name="apple_num"),
        "orange": ag.Tensor(150.0, name="orange"),
        "orange_num": ag.Tensor(3.0, name="orange_num"),
        "tax": ag.Tensor(1.1, name="tax"),
    }
    apple_price = named(leaves["apple"] * leaves["apple_num"], "apple_price")
    orange_price = named(leaves["orange"] * leaves["orange_num"], "orange_price")
    all_price = named(apple_price + orange_price, "all_price")
    price = named(all_price * leaves["tax"], "price")
    return price, leaves


def show(title: str, price: ag.Tensor, leaves: dict, path, layout: str) -> dict:
    """Backward from the price, print every gradient, draw the graph; return the numbers."""
    heading(title)
    price.backward(retain_graph=True)  # keep the graph so it can be drawn after backward
    print(f"price: {price.item()!r}")
    grads = {}
    for name, leaf in leaves.items():
        grads[name] = float(leaf.grad)
        print(f"  d price / d {name:<10} = {grads[name]!r}")
    ag.render(price, path, values=True, grads=True, rankdir=layout, title=title)
    print(f"wrote {path}")
    return {"price": price.item(), "grads": grads, "figure": path}


def main(out=None, seed: int = 0, tiny: bool = False) -> dict:
    """Both shopping graphs; ``seed`` and ``tiny`` are accepted for uniformity (nothing random)."""
    folder = out_dir(NAME, out)
    with session(NAME):
        price, leaves = apple_graph()
        apple = show(
            "Buying 2 apples (book, section 5.4.1)", price, leaves, folder / "apple.png", "LR"
        )
        price, leaves = apple_orange_graph()
        orange = show(
            "Buying 2 apples and 3 oranges (book, section 5.4.2)",
            price,
            leaves,
            folder / "apple_orange.png",
            "LR",
        )
    return {"apple": apple, "apple_orange": orange}


if __name__ == "__main__":
    main(**vars(parser(NAME, __doc__).parse_args()))
