"""The chapter 7 training step: SimpleConvNet on (1, 28, 28) at batch 100 (30 filters 5x5,
pool 2x2, hidden 100, 10 classes), one SGD step, per system, with the peak memory of a step.

Systems: the book's im2col layers written from its formulas (``baselines/book_convnet.py``, the
1.00 reference), ``ag.book.SimpleConvNet`` with the book's SGD, and PyTorch CPU eager when
installed. Each starts from the same parameters and batch and is checked to make the same
update as the reference before it is timed.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

import autograd_lite as ag

from .baselines.book_convnet import BookSimpleConvNet
from .harness import Candidate, interleaved

REFERENCE = "book's im2col layers (NumPy)"
LEARNING_RATE = 0.01
SHAPES = {"W1": (30, 1, 5, 5), "b1": (30,), "W2": (30 * 12 * 12, 100), "b2": (100,),
          "W3": (100, 10), "b3": (10,)}


def initial_params(rng: np.random.Generator, dtype) -> dict:
    return {k: (0.01 * rng.standard_normal(s) if k[0] == "W" else np.zeros(s)).astype(dtype)
            for k, s in SHAPES.items()}


def batch(rng: np.random.Generator, n: int, dtype):
    return rng.random((n, 1, 28, 28)).astype(dtype), rng.integers(0, 10, size=n)


class BookStep:
    def __init__(self, params):
        self.net = BookSimpleConvNet(params, lr=LEARNING_RATE)
        self.step = self.net.step

    def params(self) -> dict:
        return self.net.params


class AgBookStep:
    """``ag.book.SimpleConvNet``: ``gradient(x, t)`` and the book's ``SGD.update``."""

    def __init__(self, params):
        self.net = ag.book.SimpleConvNet(rng=np.random.default_rng(0))
        for key, value in params.items():
            self.net.params[key] = value.copy()
        self.optimizer = ag.book.SGD(lr=LEARNING_RATE)

    def step(self, x, t):
        self.optimizer.update(self.net.params, self.net.gradient(x, t))

    def params(self) -> dict:
        return self.net.params


class TorchStep:
    """PyTorch CPU eager: conv2d, relu, max_pool2d, linear, cross_entropy and SGD."""

    def __init__(self, params):
        import torch

        self.torch = torch
        self.p = {k: torch.tensor(v.T.copy() if k in ("W2", "W3") else v, requires_grad=True)
                  for k, v in params.items()}
        self._cache = None

    def step(self, x, t):
        torch, p = self.torch, self.p
        F = torch.nn.functional
        if self._cache is None or self._cache[0] is not x:
            self._cache = (x, torch.from_numpy(x), torch.from_numpy(t))
        _, xt, tt = self._cache
        h = F.max_pool2d(torch.relu(F.conv2d(xt, p["W1"], p["b1"])), 2)
        h = torch.relu(F.linear(h.flatten(1), p["W2"], p["b2"]))
        loss = F.cross_entropy(F.linear(h, p["W3"], p["b3"]), tt)
        loss.backward()
        with torch.no_grad():
            for v in p.values():
                v -= LEARNING_RATE * v.grad
                v.grad = None

    def params(self) -> dict:
        return {k: (v.detach().numpy().T if k in ("W2", "W3") else v.detach().numpy())
                for k, v in self.p.items()}


def available_systems(notes: list) -> dict:
    systems = {REFERENCE: BookStep, "autograd_lite ag.book.SimpleConvNet": AgBookStep}
    try:
        import torch  # noqa: F401
    except ImportError:
        notes.append("PyTorch not installed: the convnet row has no PyTorch column")
    else:
        systems["PyTorch CPU eager"] = TorchStep
    return systems


def _same_update(systems: dict, dtype, notes: list) -> dict:
    rng = np.random.default_rng(1)
    start = initial_params(rng, dtype)
    x, t = batch(rng, 4, dtype)
    got = {}
    for name, make in systems.items():
        runner = make({k: v.copy() for k, v in start.items()})
        runner.step(x, t)
        got[name] = {k: np.array(v, dtype=np.float64) for k, v in runner.params().items()}
    tol = 1e-9 if dtype == np.float64 else 1e-5
    kept = {}
    for name, make in systems.items():
        if all(np.allclose(got[name][k], got[REFERENCE][k], rtol=tol, atol=tol) for k in start):
            kept[name] = make
        else:
            notes.append(f"convnet: {name} makes a different update, left out")
    return kept


def peak_memory(step) -> int:
    """Bytes allocated at the peak of one step, above what was held before it (tracemalloc
    sees NumPy's buffers; PyTorch's own allocator is invisible to it)."""
    step()
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(n: int, rounds: int, notes: list, block_seconds: float = 0.02,
            dtype=np.float64) -> dict:
    """{system: {"seconds": median per step, "best": min, "peak": bytes}}."""
    kept = _same_update(available_systems(notes), dtype, notes)
    rng = np.random.default_rng(0)
    start = initial_params(rng, dtype)
    x, t = batch(rng, n, dtype)
    candidates, peaks = [], {}
    for name, make in kept.items():
        runner = make({k: v.copy() for k, v in start.items()})
        run = (lambda r: lambda: r.step(x, t))(runner)
        peaks[name] = peak_memory(run)
        candidates.append(Candidate(name, run, "torch" if name.startswith("PyTorch") else "numpy"))
    interleaved(candidates, rounds, block_seconds)
    return {c.name: {"seconds": c.median, "best": min(c.times), "peak": peaks[c.name]}
            for c in candidates}


def table(result: dict) -> str:
    ref = result[REFERENCE]["seconds"]
    lines = ["| system | ms per step | ratio to the book's layers | best-round ratio | "
             "peak memory (MB) |", "| --- | ---: | ---: | ---: | ---: |"]
    best_ref = result[REFERENCE]["best"]
    for name, r in result.items():
        peak = "n/a (own allocator)" if name.startswith("PyTorch") else f"{r['peak'] / 1e6:.1f}"
        lines.append(f"| {name} | {r['seconds'] * 1e3:.1f} | {r['seconds'] / ref:.2f} | "
                     f"{r['best'] / best_ref:.2f} | {peak} |")
    return "\n".join(lines)
