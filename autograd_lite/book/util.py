"""The book's ``common/util.py`` image helpers ``im2col`` and ``col2im``, on NumPy arrays.

Same arguments and results as the book's (``stride`` and ``pad`` may also be pairs); they run
the ``Im2Col`` and ``Col2Im`` ops' forward, strided views instead of the book's loop. On
Tensors use ``ag.im2col``/``ag.col2im``, which record nodes with gradients.
"""

from __future__ import annotations

import numpy as np

from ..ops import Col2Im, Im2Col

__all__ = ["im2col", "col2im"]


def im2col(input_data, filter_h, filter_w, stride=1, pad=0) -> np.ndarray:
    """(N, C, H, W) images -> (N*OH*OW, C*FH*FW): one row per filter window."""
    x = np.asarray(input_data)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)  # the book fills float zeros
    return Im2Col.forward(x, filter_h, filter_w, stride, pad)[0]


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0) -> np.ndarray:
    """The adjoint of ``im2col``: rows added back onto their windows of ``input_shape``."""
    return Col2Im.forward(np.asarray(col), tuple(input_shape), filter_h, filter_w, stride,
                          pad)[0]
