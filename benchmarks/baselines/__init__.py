"""Hand-written NumPy baselines for the training-step benchmark.

- :mod:`.book_layers`: the book's layer objects (Affine, Relu, SoftmaxWithLoss), written from
  the layer formulas of chapter 5, including the input gradient of the first Affine layer that
  nobody uses. This is the 1.00 reference of every ratio.
- :mod:`.flat`: the same network written as one flat function that skips that gradient.
"""

from .book_layers import BookTwoLayerNet
from .flat import FlatTwoLayerNet

__all__ = ["BookTwoLayerNet", "FlatTwoLayerNet"]
