"""Random correct programs for the tests of the gradient checker, in every hard regime.

A program is a composition of the library's registered ops through the public functions
(``ag.relu``, ``ag.max``, ``ag.softmax_with_loss``, ``@``, ...), drawn by hypothesis as plain
data, so every call computes the same function. Kinked ops (ReLU, LeakyReLU, max) go anywhere,
on any value: the regimes put values *at* the hard places rather than away from them.

Regimes (how the input values are drawn):

- ``normal``: uniform in [-2, 2].
- ``at_kinks``: a grid with 0 and repeated values, so ReLU sits at 0 and ``max`` has ties.
- ``near_kinks``: within a step (1e-6) of a kink: 0 or a grid value plus up to +-1e-6.
- ``tiny``: of size 1e-7 (a step of 1e-6 crosses 0 for every one of them).
- ``large``: of size 1e3.
- ``float32_inputs``: float32 arrays, 1 in 5 elements within a float32 step (5e-3) of 0.
- ``float32_inside``: float64 inputs cast to float32 first, so ``f`` computes in float32.
- ``larger``: shapes up to 12 x 12, 1 in 5 elements exactly 0.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import autograd_lite as ag

REGIMES = ("normal", "at_kinks", "near_kinks", "tiny", "large", "float32_inputs",
           "float32_inside", "larger")  # fmt: skip
GRID = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])


class Cast32(ag.Op):
    """y = x rounded to float32 (a correct user op): what makes ``f`` compute in float32."""

    label = "Cast32"

    @staticmethod
    def forward(x):
        return x.astype(np.float32), x.dtype

    @staticmethod
    def backward(dtype, g):
        return (g.astype(dtype),)


UNARY = ("tanh", "sigmoid", "neg", "exp_tanh", "log", "square", "softmax", "pow", "relu",
         "leaky_relu", "max_scale", "reverse", "pick_rows", "reshape_t", "broadcast_mean",
         "dropout", "batch_norm")  # fmt: skip
BINARY = ("add", "sub", "mul", "div", "row", "col", "matmul", "affine", "transposed")
FINISH = ("as_is", "sum", "mean", "max", "softmax_loss", "mse", "bce")


def unary(kind, t, rng):
    n, m = t.shape
    if kind == "tanh":
        return ag.tanh(t)
    if kind == "sigmoid":
        return ag.sigmoid(t)
    if kind == "neg":
        return -t
    if kind == "exp_tanh":
        return ag.exp(ag.tanh(t))
    if kind == "log":
        return ag.log(ag.sigmoid(t) + 0.5)
    if kind == "square":
        return t * t
    if kind == "softmax":
        return ag.softmax(t, axis=int(rng.integers(2)) - 1)
    if kind == "pow":
        return (ag.sigmoid(t) + 0.5) ** float(rng.choice([0.5, 2.0, 3.0]))
    if kind == "relu":
        return ag.relu(t)
    if kind == "leaky_relu":
        return ag.leaky_relu(t, slope=float(rng.choice([0.01, 0.2])))
    if kind == "max_scale":  # a max inside the program, broadcast back over the row
        return t * ag.max(t, axis=1, keepdims=True)
    if kind == "reverse":
        return t[::-1]
    if kind == "pick_rows":  # integer-array indexing with repeated rows
        return ag.getitem(t, rng.integers(0, n, size=n))
    if kind == "reshape_t":
        return ag.transpose(ag.reshape(t, (m, n)))
    if kind == "broadcast_mean":
        return t - ag.broadcast_to(ag.mean(t, axis=0, keepdims=True), (n, m))
    if kind == "dropout":
        return ag.dropout(t, 0.5, rng=np.random.default_rng(int(rng.integers(2**16))))
    # batch_norm: the fused BatchNorm op with constant gamma and beta
    gamma, beta = rng.uniform(0.5, 2.0, size=m), rng.uniform(-1, 1, size=m)
    return ag.apply(ag.REGISTRY["BatchNorm"], t, gamma.astype(t.dtype), beta.astype(t.dtype))


def binary(kind, a, b):
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "div":
        return a / (ag.tanh(b) + 1.5)
    if kind == "row":  # broadcast a row: Mean over axis 0
        return a + ag.mean(b, axis=0)
    if kind == "col":  # broadcast a column: Sum over axis 1 with keepdims
        return a * ag.sum(ag.tanh(b), axis=1, keepdims=True)
    if kind == "matmul":
        return a @ ag.tanh(b.T @ b)
    if kind == "affine":
        return ag.affine(a, ag.tanh(b.T @ b) * 0.5, ag.mean(b, axis=0))
    return (a.T * b.T).T


def finish(kind, t, rng):
    n, m = t.shape
    if kind == "sum":
        return t.sum()
    if kind == "mean":
        return ag.mean(t, axis=[None, 0, 1][int(rng.integers(3))])
    if kind == "max":
        return ag.max(t, axis=1)
    if kind == "softmax_loss":
        return ag.softmax_with_loss(t, rng.integers(0, m, size=n))
    if kind == "mse":
        return ag.mean_squared_error(t, rng.uniform(-1, 1, size=(n, m)).astype(t.dtype))
    if kind == "bce":
        return ag.sigmoid_with_loss(t, rng.integers(0, 2, size=(n, m)).astype(t.dtype))
    return t


class Program:
    """A drawn program as a function of tensors; its repr shows the program."""

    def __init__(self, steps, end, seed, cast32=False):
        self.steps, self.end, self.seed, self.cast32 = steps, end, seed, cast32

    def __call__(self, *tensors):
        rng = np.random.default_rng(self.seed)  # the same constants on every call
        pool = [ag.apply(Cast32, t) for t in tensors] if self.cast32 else list(tensors)
        for kind, i, j in self.steps:
            if kind in BINARY:
                pool.append(binary(kind, pool[i], pool[j]))
            else:
                pool.append(unary(kind, pool[i], rng))
        return finish(self.end, pool[-1], rng)

    def __repr__(self):
        return (f"Program({self.steps}, end={self.end!r}, seed={self.seed}, "
                f"cast32={self.cast32})")


def values(regime: str, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Input values for one regime (see the module docstring)."""
    if regime == "at_kinks":
        return rng.choice(GRID, size=shape)
    if regime == "near_kinks":
        offset = rng.choice([-1.0, 1.0], size=shape) * 10 ** rng.uniform(-9, -6, size=shape)
        base = np.where(rng.random(shape) < 0.6, 0.0, rng.choice(GRID, size=shape))
        return base + offset
    if regime == "tiny":
        return rng.uniform(-1, 1, size=shape) * 1e-7
    if regime == "large":
        return rng.uniform(-1, 1, size=shape) * 1e3
    x = rng.uniform(-2, 2, size=shape)
    if regime in ("float32_inputs", "float32_inside"):
        x = np.where(rng.random(shape) < 0.2, rng.uniform(-5e-3, 5e-3, size=shape), x)
    if regime == "float32_inputs":
        return x.astype(np.float32)
    if regime == "larger":
        x = np.where(rng.random(shape) < 0.2, 0.0, x)
    return x


@st.composite
def programs(draw, regime: str):
    """(f, inputs): a random correct program of 1..3 inputs of one (n, m) shape."""
    big = regime == "larger"
    n = draw(st.integers(6, 12) if big else st.integers(1, 4))
    m = draw(st.integers(6, 12) if big else st.integers(1, 4))
    count = draw(st.integers(1, 2) if big else st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    inputs = [values(regime, (n, m), rng) for _ in range(count)]
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        size = count + len(steps)
        i = draw(st.integers(0, size - 1))
        if size > 1 and draw(st.booleans()):
            # often the newest expression with an older one: diamonds and residual paths
            j = size - 1 if draw(st.booleans()) else draw(st.integers(0, size - 1))
            steps.append((draw(st.sampled_from(BINARY)), i, j))
        else:
            steps.append((draw(st.sampled_from(UNARY)), i, None))
    if draw(st.booleans()):  # a skip connection from the first input to the result
        steps.append((draw(st.sampled_from(["add", "sub", "mul"])), 0, count + len(steps) - 1))
    end = draw(st.sampled_from(FINISH))
    f = Program(steps, end, int(draw(st.integers(0, 2**16))), cast32=regime == "float32_inside")
    with np.errstate(all="ignore"):
        out = f(*[ag.Tensor(x) for x in inputs])
    assume(bool(np.all(np.isfinite(out.data))))  # 1e3 squared six times overflows
    return f, inputs


def labels_of(f, inputs) -> set:
    """The op labels a program records (for the coverage line)."""
    out = f(*[ag.Tensor(x) for x in inputs])
    return {t.node.label for t in ag.engine.topological_order(out) if t.node is not None}
