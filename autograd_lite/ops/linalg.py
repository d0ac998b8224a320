"""Matrix products: MatMul and Affine (the book's fully connected layer, y = x W + b)."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..op import Domain, Op


class MatMul(Op):
    """y = a @ b (NumPy matmul rules, 1-D operands promoted and batch axes broadcast).

    VJP: ga = g @ b^T,  gb = a^T @ g   (transposes of the last two axes).
    """

    label = "MatMul"
    domain = Domain(arity=2, shapes="matmul")

    @staticmethod
    def forward(a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(
                f"MatMul: operands must have at least 1 dimension, got shapes {a.shape} and "
                f"{b.shape} (use * for scalars)"
            )
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ShapeError(
                f"MatMul: input 0 (a) has shape {a.shape} and input 1 (b) has shape {b.shape}; "
                f"a has {k_a} columns, so b needs {k_a} rows, but it has {k_b}"
            )
        return np.matmul(a, b), (a, b)

    @staticmethod
    def backward(saved, g, needs):
        a, b = saved
        if a.ndim == 1 and b.ndim == 1:  # a dot product: g is a scalar
            return (g * b if needs[0] else None), (g * a if needs[1] else None)
        if a.ndim == 2 and b.ndim == 2:
            # np.dot on 2-D arrays avoids matmul's slow path for transposed views.
            ga = np.dot(g, b.T) if needs[0] else None
            gb = np.dot(a.T, g) if needs[1] else None
            return ga, gb
        # Promote 1-D operands to matrices, as matmul does, and give g the matching axes.
        a2 = a[np.newaxis, :] if a.ndim == 1 else a
        b2 = b[:, np.newaxis] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if needs[0]:
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                ga = ga.reshape(ga.shape[:-2] + (a.shape[0],)) if ga.ndim > 2 else ga[0]
        if needs[1]:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb


class Affine(Op):
    """y = x W + b, x: (N, D) or (D,), W: (D, M), b: (M,).

    VJP: gx = g W^T,  gW = x^T g,  gb = sum_n g   (gx is skipped when x needs no gradient).
    """

    label = "Affine"
    domain = Domain(arity=3, shapes="affine")

    @staticmethod
    def forward(x, W, b):
        if W.ndim != 2:
            raise ShapeError(f"Affine: input 1 (W) must be 2-D (D, M), got shape {W.shape}")
        if x.ndim not in (1, 2):
            raise ShapeError(
                f"Affine: input 0 (x) must be (N, D) or (D,), got shape {x.shape}; "
                "flatten it first with x.reshape(N, -1)"
            )
        if x.shape[-1] != W.shape[0]:
            raise ShapeError(
                f"Affine: input 1 (W) has shape {W.shape}; x has shape {x.shape}, "
                f"so W needs {x.shape[-1]} rows"
            )
        if b.shape != (W.shape[1],):
            raise ShapeError(
                f"Affine: input 2 (b) has shape {b.shape}; W has shape {W.shape}, "
                f"so b needs shape ({W.shape[1]},)"
            )
        return np.dot(x, W) + b, (x, W)

    @staticmethod
    def backward(saved, g, needs):
        x, W = saved
        gx = np.dot(g, W.T) if needs[0] else None
        if x.ndim == 1:
            gW = np.outer(x, g) if needs[1] else None
            gb = g if needs[2] else None
        else:
            gW = np.dot(x.T, g) if needs[1] else None
            gb = g.sum(axis=0) if needs[2] else None
        return gx, gW, gb
