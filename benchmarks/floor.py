"""How far the engine is from the floor of its own design: per node of a chain, and per step.

The floor records the same node fields on the same ``Tensor`` objects and runs the same
topological order and backward loop, but with nothing else: no operator dispatch, no constant
handling, no grad or anomaly modes, no checks of what an op's backward returns, no gradients
owned by the leaves. The difference is what the public API and the error messages cost. The
chain is the per-node benchmark's (``y * 0.9``, then ``tanh``, on 8 elements), and the floor's
backward is checked to give the same input gradient as the engine's before anything is timed.

With ``--batch N`` it times the two-layer training step instead: the book-style NumPy step,
the engine's (the Tensor API, as in the training benchmark), the same step recorded and walked
by the floor, and the same four ops' ``forward`` and ``backward`` called directly with no
engine at all, each a ratio to the book-style step.

    python -m benchmarks.floor [--nodes 1000] [--rounds 60] [--batch N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import autograd_lite as ag
from autograd_lite.engine import FREED, topological_order
from autograd_lite.ops import Affine, Mul, ReLU, SoftmaxWithLoss, Tanh
from autograd_lite.tensor import Tensor

from . import training
from .baselines import BookTwoLayerNet
from .chains import SIZE, _start
from .harness import Candidate, interleaved, keep_freed_memory


def _record(op, inputs, arrays, needs) -> Tensor:
    y, saved = op.forward(*arrays)
    t = Tensor.__new__(Tensor)
    t.data, t.grad, t.requires_grad, t.name = y, None, True, None
    t._op, t._inputs, t._params, t._saved, t._needs = op, inputs, None, saved, needs
    t._scope = ""
    return t


def floor_chain(nodes: int):
    """The chain, recorded with nothing but the node fields; returns (input, output)."""
    x = ag.Tensor(_start(), name="x")
    y = x
    for _ in range(nodes // 2):
        c = np.array(0.9)
        y = _record(Mul, (y, c), (y.data, c), (True, False))
        y = _record(Tanh, (y,), (y.data,), (True,))
    return x, y


def floor_backward(root, g) -> None:
    """The engine's order and newest-first loop, with no checks at all."""
    order = topological_order(root)
    grads = {id(root): g}
    for t in reversed(order):
        g = grads.get(id(t))
        if t._op is None or g is None:
            continue
        op = t._op
        if op.backward_takes_needs:
            input_grads = op.backward(t._saved, g, t._needs)
        else:
            input_grads = op.backward(t._saved, g)
        for inp, need, gi in zip(t._inputs, t._needs, input_grads):
            if need:
                previous = grads.get(id(inp))
                grads[id(inp)] = gi if previous is None else previous + gi
    for t in order:
        t.grad = grads[id(t)]
        if t._op is not None:
            t._saved = FREED


def engine_chain(nodes: int):
    x = ag.Tensor(_start(), name="x")
    y = x
    for _ in range(nodes // 2):
        y = (y * 0.9).tanh()
    return x, y


def measure(nodes: int = 1000, rounds: int = 60) -> dict:
    """Median microseconds per node, forward and backward (the graph freed in the timing),
    for the engine and the floor, interleaved in one process."""
    ones = np.ones(SIZE)
    x1, y1 = engine_chain(nodes)
    y1.backward(ones)
    x2, y2 = floor_chain(nodes)
    floor_backward(y2, ones)
    if not np.allclose(x1.grad, x2.grad, rtol=1e-12, atol=0):
        raise AssertionError("the floor's gradient differs from the engine's")
    times = {"engine": [], "floor": []}
    for _ in range(rounds):
        start = time.perf_counter()
        _, y = engine_chain(nodes)
        y.backward(ones)
        del y
        times["engine"].append(time.perf_counter() - start)
        start = time.perf_counter()
        _, y = floor_chain(nodes)
        floor_backward(y, ones)
        del y
        times["floor"].append(time.perf_counter() - start)
    return {k: statistics.median(v) / nodes * 1e6 for k, v in times.items()}


class OpsOnlyStep:
    """The Tensor API step's four ops, their ``forward`` and ``backward`` called in order by
    hand, and the same SGD update: what the step costs with no engine."""

    def __init__(self, params: dict, lr: float = training.LEARNING_RATE):
        self.p = params
        self.lr = lr

    def step(self, x, t):
        p = self.p
        a1, s1 = Affine.forward(x, p["W1"], p["b1"])
        h, s2 = ReLU.forward(a1)
        z, s3 = Affine.forward(h, p["W2"], p["b2"])
        _, s4 = SoftmaxWithLoss.forward(z, t)
        gz, _ = SoftmaxWithLoss.backward(s4, np.array(1.0, dtype=z.dtype))
        gh, gW2, gb2 = Affine.backward(s3, gz, (True, True, True))
        (ga1,) = ReLU.backward(s2, gh)
        _, gW1, gb1 = Affine.backward(s1, ga1, (False, True, True))
        for key, g in (("W1", gW1), ("b1", gb1), ("W2", gW2), ("b2", gb2)):
            p[key] -= self.lr * g


class FloorStep(training.TensorAPIStep):
    """The Tensor API step's four ops recorded by the floor (``_record``) and walked by
    ``floor_backward``, with the same SGD update: what the step costs with this design's node
    fields and backward loop but none of the engine's checks, modes or dispatch."""

    def step(self, x, t):
        W1, b1, W2, b2 = (self.tensors[k] for k in ("W1", "b1", "W2", "b2"))
        a1 = _record(Affine, (x, W1, b1), (x, W1.data, b1.data), (False, True, True))
        h = _record(ReLU, (a1,), (a1.data,), (True,))
        z = _record(Affine, (h, W2, b2), (h.data, W2.data, b2.data), (True, True, True))
        loss = _record(SoftmaxWithLoss, (z, t), (z.data, t), (True, False))
        floor_backward(loss, np.array(1.0, dtype=loss.data.dtype))
        for param in self.tensors.values():
            param.data -= self.lr * param.grad
            param.grad = None


def measure_step(batch: int, rounds: int = 25) -> dict:
    """Median seconds per step of the book-style step, the engine's, the floor's and the ops
    alone, timed as the training benchmark times them (``harness.interleaved``); each is first
    checked to make the book-style update."""
    keep_freed_memory()
    rng = np.random.default_rng(0)
    start = training.initial_params(rng, np.float64)
    x, t = training.batch(rng, batch, np.float64)
    makers = {
        "book-style NumPy": lambda p: BookTwoLayerNet(p, training.LEARNING_RATE),
        "engine (Tensor API)": training.TensorAPIStep,
        "floor (no checks)": FloorStep,
        "ops alone, no engine": OpsOnlyStep,
    }
    after = {}
    for name, make in makers.items():
        params = {k: v.copy() for k, v in start.items()}
        runner = make(params)
        runner.step(x, t)
        after[name] = runner.params() if hasattr(runner, "tensors") else params
    for name, params in after.items():
        if not all(np.allclose(params[k], after["book-style NumPy"][k]) for k in params):
            raise AssertionError(f"{name}: its update differs from the book-style step")
    candidates = []
    for name, make in makers.items():
        step = make({k: v.copy() for k, v in start.items()}).step
        candidates.append(Candidate(name, lambda step=step: step(x, t)))
    interleaved(candidates, rounds)
    return {c.name: c.median for c in candidates}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.floor", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--nodes", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=60)
    p.add_argument("--batch", type=int, help="time the two-layer training step at this batch")
    args = p.parse_args(argv)
    if args.batch:
        result = measure_step(args.batch, args.rounds)
        book = result["book-style NumPy"]
        for name, seconds in result.items():
            print(f"{name:22s} {seconds * 1e6:8.1f} us  {seconds / book:.3f} x book-style")
        return 0
    result = measure(args.nodes, args.rounds)
    print(f"engine {result['engine']:.2f} us per node, floor {result['floor']:.2f} us per node, "
          f"difference {result['engine'] - result['floor']:.2f} us "
          f"({args.nodes}-node chain, forward + backward, medians of {args.rounds} rounds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
