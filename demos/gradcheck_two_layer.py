"""The book's chapter 5 gradient check, on a two-layer network built from autograd_lite Tensors.

The book builds TwoLayerNet(784, 50, 10), takes 3 MNIST images, and prints, for each parameter,
the mean absolute difference between the backprop gradient and the numerical one. Here the same
network is ag.affine -> ag.relu -> ag.affine -> ag.softmax_with_loss on the 8x8 digits shipped
with scikit-learn (64 inputs; nothing is downloaded), and ag.gradcheck prints the book's metric,
the course's relative difference and the worst element for every parameter, in full mode
(every element) and in fast mode (random directions). Last, ag.check_graph checks each node.

Run: python demos/gradcheck_two_layer.py [--hidden 50] [--batch 3]
"""

from __future__ import annotations

import argparse

import numpy as np

import autograd_lite as ag


def load_batch(batch: int, rng: np.random.Generator):
    """``batch`` digit images (64 pixels in [0, 1]) and one-hot labels, as in the book."""
    try:
        (x, t), _ = ag.data.load_digits(normalize=True, one_hot_label=True)
        source = "scikit-learn digits"
    except ag.DatasetError:  # scikit-learn absent: random images with random labels
        x = rng.uniform(0, 1, size=(batch, 64)).astype(np.float32)
        t = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=batch)]
        source = "random images (scikit-learn is not installed)"
    return x[:batch], t[:batch], source


def two_layer_net(input_size: int, hidden_size: int, output_size: int, rng, std: float = 0.01):
    """The book's TwoLayerNet parameters: W ~ std * N(0, 1), b = 0."""
    return [
        ag.Tensor(std * rng.standard_normal((input_size, hidden_size)), name="W1"),
        ag.Tensor(np.zeros(hidden_size), name="b1"),
        ag.Tensor(std * rng.standard_normal((hidden_size, output_size)), name="W2"),
        ag.Tensor(np.zeros(output_size), name="b2"),
    ]


def print_table(title: str, report, evaluations: int) -> None:
    print(f"\n{title}: {report.status}, {evaluations} evaluations of the loss")
    print(
        f"{'param':6} {'shape':9} {'book: mean |diff|':>18} {'course: rel diff':>17} "
        f"{'max abs':>9}  worst (numerical vs analytic)"
    )
    for c in report.inputs:
        print(
            f"{c.name:6} {str(c.shape):9} {c.mean_abs_difference:18.3e} "
            f"{c.rel_difference:17.3e} {c.max_abs_error:9.1e}  {c.worst_text()}"
        )


def main(hidden: int = 50, batch: int = 3, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    x, t, source = load_batch(batch, rng)
    params = two_layer_net(x.shape[1], hidden, 10, rng)
    print(f"TwoLayerNet({x.shape[1]}, {hidden}, 10) on {batch} images from {source}")
    calls = {"n": 0}

    def loss(W1, b1, W2, b2):
        calls["n"] += 1
        with ag.name_scope("Affine1"):
            h = ag.relu(ag.affine(x, W1, b1))
        with ag.name_scope("Affine2"):
            scores = ag.affine(h, W2, b2)
        return ag.softmax_with_loss(scores, t)

    reports = {}
    for mode in ("full", "fast"):
        calls["n"] = 0
        reports[mode] = ag.gradcheck(loss, params, mode=mode, seed=seed)
        print_table(f"gradcheck mode={mode}", reports[mode], calls["n"])
    graph = ag.check_graph(loss(*params))
    reports["graph"] = graph
    print()
    print(graph)
    return reports


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, default=50)
    parser.add_argument("--batch", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.hidden, args.batch, args.seed)
