"""The training step: 784-50-10, ReLU, softmax-with-loss, one SGD step, per system.

Every system starts from the same parameters and the same batch (both allocated once, so the
buffers are reused from step to step) and is checked to compute the same update as the
book-style reference before it is timed, so no system wins by skipping work.
"""

from __future__ import annotations

import numpy as np

import autograd_lite as ag

from .baselines import BookTwoLayerNet, FlatTwoLayerNet
from .harness import Candidate, interleaved

SIZES = (784, 50, 10)
LEARNING_RATE = 0.01
REFERENCE = "book-style NumPy layers"


def initial_params(rng: np.random.Generator, dtype) -> dict:
    d, h, k = SIZES
    return {
        "W1": (0.01 * rng.standard_normal((d, h))).astype(dtype),
        "b1": np.zeros(h, dtype=dtype),
        "W2": (0.01 * rng.standard_normal((h, k))).astype(dtype),
        "b2": np.zeros(k, dtype=dtype),
    }


def batch(rng: np.random.Generator, n: int, dtype):
    """An MNIST-like batch: pixels in [0, 1) and integer class labels."""
    return rng.random((n, SIZES[0])).astype(dtype), rng.integers(0, SIZES[2], size=n)


class TensorAPIStep:
    """autograd_lite's public Tensor API with a hand-written SGD update, as a user writes it."""

    def __init__(self, params: dict, lr: float = LEARNING_RATE):
        self.tensors = {k: ag.Tensor(v, name=k) for k, v in params.items()}
        self.lr = lr

    def step(self, x, t):
        p = self.tensors
        h = ag.relu(ag.affine(x, p["W1"], p["b1"]))
        loss = ag.softmax_with_loss(ag.affine(h, p["W2"], p["b2"]), t)
        loss.backward()
        for param in p.values():
            param.data -= self.lr * param.grad
            param.grad = None

    def params(self) -> dict:
        return {k: v.data for k, v in self.tensors.items()}


class BookNetStep:
    """``ag.book.TwoLayerNet``: ``gradient(x, t)`` and the book's ``SGD.update``."""

    def __init__(self, params: dict, lr: float = LEARNING_RATE):
        d, h, k = SIZES
        dtype = params["W1"].dtype
        self.net = ag.book.TwoLayerNet(d, h, k, rng=np.random.default_rng(0))
        for key, value in params.items():
            self.net.params[key] = value.astype(dtype, copy=True)
        self.optimizer = ag.book.SGD(lr=lr)

    def step(self, x, t):
        self.optimizer.update(self.net.params, self.net.gradient(x, t))

    def params(self) -> dict:
        return self.net.params


class TorchStep:
    """PyTorch CPU eager: the same network with F.linear / relu / cross_entropy and SGD."""

    def __init__(self, params: dict, lr: float = LEARNING_RATE):
        import torch

        self.torch = torch
        # nn.Linear stores weights as (out, in); transpose once so the layers match.
        self.W1 = torch.tensor(params["W1"].T.copy(), requires_grad=True)
        self.b1 = torch.tensor(params["b1"], requires_grad=True)
        self.W2 = torch.tensor(params["W2"].T.copy(), requires_grad=True)
        self.b2 = torch.tensor(params["b2"], requires_grad=True)
        self.lr = lr
        self._cache = None

    def step(self, x, t):
        torch = self.torch
        F = torch.nn.functional
        if self._cache is None or self._cache[0] is not x:
            self._cache = (x, torch.from_numpy(x), torch.from_numpy(t))
        _, xt, tt = self._cache
        h = torch.relu(F.linear(xt, self.W1, self.b1))
        loss = F.cross_entropy(F.linear(h, self.W2, self.b2), tt)
        loss.backward()
        with torch.no_grad():
            for p in (self.W1, self.b1, self.W2, self.b2):
                p -= self.lr * p.grad
                p.grad = None

    def params(self) -> dict:
        return {
            "W1": self.W1.detach().numpy().T, "b1": self.b1.detach().numpy(),
            "W2": self.W2.detach().numpy().T, "b2": self.b2.detach().numpy(),
        }


class _ParamsView:
    """Gives the NumPy baselines the same ``params()`` accessor as the others."""

    def __init__(self, net):
        self.net = net
        self.step = net.step

    def params(self) -> dict:
        return self.net.params


def available_systems(notes: list) -> dict:
    """name -> factory(params) for every system that can run here; skipped ones add a note."""
    systems = {
        REFERENCE: lambda p: _ParamsView(BookTwoLayerNet(p, LEARNING_RATE)),
        "flat NumPy, no unused gradient": lambda p: _ParamsView(FlatTwoLayerNet(p, LEARNING_RATE)),
        "autograd_lite Tensor API": TensorAPIStep,
    }
    book = getattr(ag, "book", None)
    if book is not None and hasattr(book, "TwoLayerNet") and hasattr(book, "SGD"):
        systems["autograd_lite ag.book.TwoLayerNet"] = BookNetStep
    else:
        notes.append("ag.book.TwoLayerNet not available yet, skipped")
    try:
        import torch  # noqa: F401
    except ImportError:
        notes.append("PyTorch not installed, skipped")
    else:
        systems["PyTorch CPU eager"] = TorchStep
    return systems


def check_same_update(systems: dict, dtype, notes: list) -> dict:
    """Run one step of every system from the same start and drop any whose update differs."""
    rng = np.random.default_rng(1)
    start = initial_params(rng, dtype)
    x, t = batch(rng, 8, dtype)
    results = {}
    for name, factory in systems.items():
        runner = factory({k: v.copy() for k, v in start.items()})
        runner.step(x, t)
        results[name] = {k: np.array(v, dtype=np.float64) for k, v in runner.params().items()}
    reference = results[REFERENCE]
    tol = 1e-10 if dtype == np.float64 else 1e-5
    kept = {}
    for name, factory in systems.items():
        got = results[name]
        same = all(np.allclose(got[k], reference[k], rtol=tol, atol=tol) for k in reference)
        if same:
            kept[name] = factory
        else:
            notes.append(f"{name} ({np.dtype(dtype).name}): its update differs from the reference, "
                         "left out of the table")
    return kept


def measure(batches, dtypes, rounds: int, notes: list, block_seconds: float = 0.02) -> dict:
    """Two tables {(batch, dtype name): {system: seconds per step}}: the median over the
    interleaved rounds, and the best (minimum) round; interleaved per setting."""
    systems = available_systems(notes)
    table = {}
    best = {}
    for dtype in dtypes:
        kept = check_same_update(systems, dtype, notes)
        for n in batches:
            rng = np.random.default_rng(0)
            start = initial_params(rng, dtype)
            x, t = batch(rng, n, dtype)
            candidates = []
            for name, factory in kept.items():
                runner = factory({k: v.copy() for k, v in start.items()})
                family = "torch" if name.startswith("PyTorch") else "numpy"
                candidates.append(Candidate(name, _bind(runner.step, x, t), family))
            interleaved(candidates, rounds, block_seconds)
            table[(n, np.dtype(dtype).name)] = {c.name: c.median for c in candidates}
            best[(n, np.dtype(dtype).name)] = {c.name: min(c.times) for c in candidates}
    return table, best


def _bind(step, x, t):
    return lambda: step(x, t)
