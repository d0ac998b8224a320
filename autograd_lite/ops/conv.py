"""Convolution ops on NCHW images: Im2Col, Col2Im, Convolution, ConvTranspose.

The book's chapter 7 computes a convolution as one matrix product: ``im2col`` unfolds every
filter-sized window of the (zero-padded) input into a row, and the filters become columns::

    col = im2col(x)                     (N*OH*OW, C*FH*FW)
    y   = col @ W.reshape(FN, -1).T + b (N*OH*OW, FN)  -> (N, FN, OH, OW)
    OH  = (H + 2*pad_h - FH) // stride_h + 1           (OW likewise)

``Im2Col`` and ``Col2Im`` are each other's adjoint, so each is the other's backward; the
convolutions are written with them and with matmul, reshape and transpose, which Tensors
support, so gradients of every order close (``docs/derivations.md``, "Convolution").

``stride`` and ``pad`` are an int or a pair ``(h, w)`` everywhere.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import InvalidArgumentError, ShapeError
from ..op import Domain, Op, call

__all__ = ["Im2Col", "Col2Im", "Convolution", "ConvTranspose", "pair", "out_size"]


def pair(value, name: str, op: str, low: int) -> tuple[int, int]:
    """``value`` (an int or a pair of ints, each >= ``low``) as ``(h, w)``, or a named error."""
    items = value if isinstance(value, (tuple, list)) else (value, value)
    ok = len(items) == 2 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= low for v in items
    )
    if not ok:
        raise InvalidArgumentError(
            f"{op}: {name} must be an int >= {low} or a pair (h, w) of them, got {value!r}"
        )
    return int(items[0]), int(items[1])


def check_4d(x, op: str, name: str = "x") -> None:
    """Raise a ShapeError unless ``x`` is 4-D ``(N, C, H, W)``."""
    if np.ndim(x) != 4:
        raise ShapeError(
            f"{op}: {name} must be 4-D (N, C, H, W), got shape {tuple(np.shape(x))}; a single "
            "image needs x[np.newaxis], a flat batch x.reshape(N, C, H, W)"
        )


def out_size(shape, filter_h: int, filter_w: int, stride, pad, op: str, what: str = "filter"):
    """``(OH, OW)`` for a window of ``filter_h x filter_w`` on ``shape`` (N, C, H, W), checked."""
    (sh, sw), (ph, pw) = stride, pad
    hp, wp = shape[2] + 2 * ph, shape[3] + 2 * pw
    if filter_h > hp or filter_w > wp:
        raise ShapeError(
            f"{op}: the {what} ({filter_h}, {filter_w}) is larger than the padded input "
            f"({hp}, {wp}) (x has shape {tuple(shape)}, pad {(ph, pw)})"
        )
    return (hp - filter_h) // sh + 1, (wp - filter_w) // sw + 1


def windows(x: np.ndarray, filter_h: int, filter_w: int, stride, pad, fill=0.0) -> np.ndarray:
    """A read-only view ``(N, C, OH, OW, FH, FW)`` of every window of ``x`` padded with
    ``fill``: strided views instead of the book's loop over filter positions. Arrays only."""
    (sh, sw), (ph, pw) = stride, pad
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    view = np.lib.stride_tricks.sliding_window_view(x, (filter_h, filter_w), axis=(2, 3))
    return view[:, :, ::sh, ::sw]


# ----- im2col and col2im -----------------------------------------------------------------------

def _im2col_case(rng):
    n, c = (int(v) for v in rng.integers(1, 3, size=2))
    fh, fw = (int(v) for v in rng.integers(1, 4, size=2))
    stride = (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
    pad = int(rng.integers(0, 3))
    h, w = fh + int(rng.integers(0, 4)), fw + int(rng.integers(0, 3))
    x = rng.uniform(-2, 2, size=(n, c, h, w))
    return (x,), {"filter_h": fh, "filter_w": fw, "stride": stride, "pad": pad}


class Im2Col(Op):
    """col = the book's ``im2col``: row ``(n, oh, ow)`` holds the window of the zero-padded x
    at ``(oh * stride, ow * stride)``, ordered ``(c, i, j)``.   x: (N, C, H, W),
    col: (N*OH*OW, C*FH*FW).   VJP: gx = col2im(g) (the adjoint: windows add back up).
    """

    label = "Im2Col"
    domain = Domain(arity=1, sample=_im2col_case)

    @staticmethod
    def forward(x, filter_h, filter_w, stride=1, pad=0):
        check_4d(x, "Im2Col")
        fh, fw = pair((filter_h, filter_w), "filter_h/filter_w", "Im2Col", 1)
        stride, pad = pair(stride, "stride", "Im2Col", 1), pair(pad, "pad", "Im2Col", 0)
        out_size(x.shape, fh, fw, stride, pad, "Im2Col")
        view = windows(x, fh, fw, stride, pad)
        n, c, oh, ow = view.shape[:4]
        col = view.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * fh * fw)
        return col, (x.shape, fh, fw, stride, pad)

    @staticmethod
    def backward(saved, g):
        shape, fh, fw, stride, pad = saved
        return (call(Col2Im, g, input_shape=shape, filter_h=fh, filter_w=fw, stride=stride,
                     pad=pad),)


def _col2im_case(rng):
    (x,), params = _im2col_case(rng)
    col = Im2Col.forward(x, **params)[0]
    return (rng.uniform(-2, 2, size=col.shape),), {"input_shape": x.shape, **params}


class Col2Im(Op):
    """img = the book's ``col2im``: each row of ``col`` is added back onto its window of a
    zero image of ``input_shape`` (padded, then cropped), so overlapping windows sum.
    VJP: gcol = im2col(g).
    """

    label = "Col2Im"
    domain = Domain(arity=1, sample=_col2im_case)

    @staticmethod
    def forward(col, input_shape, filter_h, filter_w, stride=1, pad=0):
        input_shape = tuple(int(s) for s in input_shape)
        if len(input_shape) != 4:
            raise ShapeError(f"Col2Im: input_shape must be 4-D (N, C, H, W), got {input_shape}")
        fh, fw = pair((filter_h, filter_w), "filter_h/filter_w", "Col2Im", 1)
        stride, pad = pair(stride, "stride", "Col2Im", 1), pair(pad, "pad", "Col2Im", 0)
        n, c, h, w = input_shape
        oh, ow = out_size(input_shape, fh, fw, stride, pad, "Col2Im")
        if col.shape != (n * oh * ow, c * fh * fw):
            raise ShapeError(
                f"Col2Im: col has shape {col.shape}; for input_shape {input_shape} with a "
                f"({fh}, {fw}) filter, stride {stride} and pad {pad} it needs shape "
                f"({n * oh * ow}, {c * fh * fw})"
            )
        (sh, sw), (ph, pw) = stride, pad
        parts = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
        img = np.zeros((n, c, h + 2 * ph + sh - 1, w + 2 * pw + sw - 1), dtype=col.dtype)
        for i in range(fh):  # the book's loop: one strided add per filter position
            for j in range(fw):
                img[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += parts[:, :, i, j]
        return img[:, :, ph:h + ph, pw:w + pw], (fh, fw, stride, pad)

    @staticmethod
    def backward(saved, g):
        fh, fw, stride, pad = saved
        return (call(Im2Col, g, filter_h=fh, filter_w=fw, stride=stride, pad=pad),)


# ----- convolution and transposed convolution ------------------------------------------------

def _conv_case(rng, transpose=False):
    n = int(rng.integers(1, 3))
    c_in, c_out = (int(v) for v in rng.integers(1, 4, size=2))
    fh, fw = (int(v) for v in rng.integers(1, 4, size=2))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 3)))
    pad = (int(rng.integers(0, 3)), int(rng.integers(0, 2)))
    if transpose:
        x = rng.uniform(-2, 2, size=(n, c_in, int(rng.integers(1, 4)), int(rng.integers(1, 4))))
        W = rng.uniform(-1, 1, size=(c_in, c_out, fh, fw))
        (sh, sw), (ph, pw) = stride, pad
        pad = (min(ph, ((x.shape[2] - 1) * sh + fh - 1) // 2),
               min(pw, ((x.shape[3] - 1) * sw + fw - 1) // 2))
    else:
        h, w = fh + int(rng.integers(0, 5)), fw + int(rng.integers(0, 4))
        x = rng.uniform(-2, 2, size=(n, c_in, h, w))
        W = rng.uniform(-1, 1, size=(c_out, c_in, fh, fw))
    # always with b (a domain has one arity); conv2d(x, W) without b is tested on its own
    return (x, W, rng.uniform(-1, 1, size=c_out)), {"stride": stride, "pad": pad}


def _check_filters(x, W, b, op: str, channel_axis: int) -> None:
    check_4d(x, op)
    check_4d(W, op, "W")
    want = W.shape[channel_axis]
    if x.shape[1] != want:
        layout = "(FN, C, FH, FW)" if channel_axis == 1 else "(C_in, C_out, FH, FW)"
        raise ShapeError(
            f"{op}: x has shape {tuple(x.shape)} ({x.shape[1]} channels) but W has shape "
            f"{tuple(W.shape)}, which as {layout} takes {want} input channels"
        )
    outputs = W.shape[1 - channel_axis]
    if b is not None and tuple(b.shape) != (outputs,):
        raise ShapeError(
            f"{op}: b has shape {tuple(b.shape)}; W has shape {tuple(W.shape)}, so b needs "
            f"shape ({outputs},), one bias per output channel"
        )


class Convolution(Op):
    """y = conv2d(x, W) + b, the book's ``Convolution`` layer as one node.

    x: (N, C, H, W), W: (FN, C, FH, FW), b: (FN,) or absent; y: (N, FN, OH, OW)::

        y[n, f, p, q] = sum_{c,i,j} W[f, c, i, j] * xpad[n, c, p*sh + i, q*sw + j] + b[f]

    VJP, with col = im2col(x) and g2 = g as rows (N*OH*OW, FN):
    gW = g2.T @ col,  gb = sum of g2's rows,  gx = col2im(g2 @ W2)   (the transposed conv).
    """

    label = "Convolution"
    domain = Domain(arity=3, sample=_conv_case)

    @staticmethod
    def forward(x, W, b=None, stride=1, pad=0):
        _check_filters(x, W, b, "Convolution", 1)
        stride, pad = pair(stride, "stride", "Convolution", 1), pair(pad, "pad", "Convolution", 0)
        fn, _, fh, fw = W.shape
        n = x.shape[0]
        oh, ow = out_size(x.shape, fh, fw, stride, pad, "Convolution")
        col = call(Im2Col, x, filter_h=fh, filter_w=fw, stride=stride, pad=pad)
        out = col @ np.transpose(np.reshape(W, (fn, -1)))
        if b is not None:
            out = out + b
        y = np.transpose(np.reshape(out, (n, oh, ow, fn)), (0, 3, 1, 2))
        return y, (col, W, tuple(x.shape), stride, pad, b is not None)

    @staticmethod
    def backward(saved, g, needs):
        col, W, shape, stride, pad, has_b = saved
        fn, _, fh, fw = W.shape
        g2 = np.reshape(np.transpose(g, (0, 2, 3, 1)), (-1, fn))
        gx = gW = gb = None
        if needs[0]:
            gcol = g2 @ np.reshape(W, (fn, -1))
            gx = call(Col2Im, gcol, input_shape=shape, filter_h=fh, filter_w=fw, stride=stride,
                      pad=pad)
        if needs[1]:
            gW = np.reshape(np.transpose(g2) @ col, W.shape)
        if has_b:
            gb = np.sum(g2, axis=0) if needs[2] else None
            return gx, gW, gb
        return gx, gW


class ConvTranspose(Op):
    """y = conv_transpose2d(x, W) + b: the adjoint of conv2d in x, as PyTorch's and DeZero's
    ``deconv2d``. x: (N, C_in, H, W), W: (C_in, C_out, FH, FW), b: (C_out,) or absent;
    y: (N, C_out, OH, OW) with OH = (H - 1) * sh - 2 * ph + FH::

        y = col2im(x as rows (N*H*W, C_in) @ W.reshape(C_in, -1)) + b

    VJP, with gcol = im2col(g): gx = gcol @ W2.T as (N, C_in, H, W) (a convolution of g),
    gW = x2.T @ gcol,  gb = sum over (n, p, q) of g.
    """

    label = "ConvTranspose"
    domain = Domain(arity=3, sample=lambda rng: _conv_case(rng, transpose=True))

    @staticmethod
    def forward(x, W, b=None, stride=1, pad=0):
        _check_filters(x, W, b, "ConvTranspose", 0)
        stride = pair(stride, "stride", "ConvTranspose", 1)
        pad = pair(pad, "pad", "ConvTranspose", 0)
        c_in, c_out, fh, fw = W.shape
        n, _, h, w = x.shape
        oh = (h - 1) * stride[0] - 2 * pad[0] + fh
        ow = (w - 1) * stride[1] - 2 * pad[1] + fw
        if oh < 1 or ow < 1:
            raise ShapeError(
                f"ConvTranspose: x of shape {tuple(x.shape)} with W of shape {tuple(W.shape)}, "
                f"stride {stride} and pad {pad} gives an output of {(oh, ow)}; pad is too large"
            )
        x2 = np.reshape(np.transpose(x, (0, 2, 3, 1)), (-1, c_in))
        gcol = x2 @ np.reshape(W, (c_in, -1))
        y = call(Col2Im, gcol, input_shape=(n, c_out, oh, ow), filter_h=fh, filter_w=fw,
                 stride=stride, pad=pad)
        if b is not None:
            y = y + np.reshape(b, (1, c_out, 1, 1))
        return y, (x2, W, (n, h, w), stride, pad, b is not None)

    @staticmethod
    def backward(saved, g, needs):
        x2, W, (n, h, w), stride, pad, has_b = saved
        c_in, c_out, fh, fw = W.shape
        gcol = call(Im2Col, g, filter_h=fh, filter_w=fw, stride=stride, pad=pad)
        gx = gW = gb = None
        if needs[0]:
            rows = gcol @ np.transpose(np.reshape(W, (c_in, -1)))
            gx = np.transpose(np.reshape(rows, (n, h, w, c_in)), (0, 3, 1, 2))
        if needs[1]:
            gW = np.reshape(np.transpose(x2) @ gcol, W.shape)
        if has_b:
            gb = np.sum(g, axis=(0, 2, 3)) if needs[2] else None
            return gx, gW, gb
        return gx, gW
