"""Containers: ``Sequential`` and the ``MLP`` built from it."""

from __future__ import annotations

import numbers

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError
from .init import as_rng, weight_std
from .layers import Affine, BatchNorm, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from .module import Module

__all__ = ["Sequential", "MLP", "ACTIVATIONS"]

#: activation name -> (layer class, the initialiser that suits it)
ACTIVATIONS = {
    "relu": (ReLU, "he"),
    "leaky_relu": (LeakyReLU, "he"),
    "sigmoid": (Sigmoid, "xavier"),
    "tanh": (Tanh, "xavier"),
}


class Sequential(Module):
    """Layers applied in order. Each takes a book-style name from its class and position
    (``Affine1``, ``ReLU1``, ``Affine2``, ...) unless it already has a ``name``; that name is
    its key in ``state_dict()`` and its scope in the graph picture."""

    def __init__(self, *layers: Module):
        super().__init__()
        counts: dict[str, int] = {}
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise InvalidArgumentError(
                    f"Sequential: layer {i} is a {type(layer).__name__}, not an nn.Module"
                )
            key = layer.name
            if key is None:
                kind = type(layer).__name__
                counts[kind] = counts.get(kind, 0) + 1
                key = f"{kind}{counts[kind]}"
            if key in self._children or key in self.__dict__:
                raise InvalidArgumentError(f"Sequential: two layers are named {key!r}")
            setattr(self, key, layer)

    def __setattr__(self, key: str, value) -> None:
        super().__setattr__(key, value)
        # The layers in order, kept as a tuple so forward() does not walk the registry.
        self.__dict__["_layers"] = tuple(m for _, m in self.named_children())

    def forward(self, x):
        for layer in self._layers:
            x = layer(x)
        return x

    def __getitem__(self, index: int) -> Module:
        return self._layers[index]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self):
        return iter(self._layers)


class MLP(Sequential):
    """A fully connected network: ``MLP([784, 100, 100, 10])`` gives logits for 10 classes.

    Each hidden layer is ``Affine -> [BatchNorm] -> activation -> [Dropout]`` (the book's
    MultiLayerNetExtend order); the last is a plain ``Affine``. Use it with
    ``ag.softmax_with_loss(model(x), t)``.

    - ``activation``: ``"relu"``, ``"leaky_relu"``, ``"sigmoid"`` or ``"tanh"``.
    - ``init``: a float std, ``"he"``/``"relu"`` or ``"xavier"``/``"sigmoid"``; None picks He
      for ReLU-like activations and Xavier for sigmoid and tanh (the book's advice).
    - ``batchnorm``: add BatchNorm after each hidden Affine; ``dropout``: its ratio (0 = none).
    - ``rng``: a ``numpy.random.Generator`` for the weights and the dropout masks.
    """

    def __init__(self, sizes, activation: str = "relu", init=None, batchnorm: bool = False,
                 dropout: float = 0.0, rng=None, dtype=np.float64):
        given = sizes
        try:
            sizes = list(sizes) if not isinstance(sizes, (str, bytes, dict)) else None
        except TypeError:
            sizes = None
        ok = isinstance(sizes, list) and len(sizes) >= 2 and all(
            isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) and s >= 1
            for s in sizes
        )
        if not ok:
            raise InvalidArgumentError(
                f"MLP: sizes must be a list of at least two positive ints "
                f"([inputs, hidden..., outputs]), got {checks.describe(given)}"
            )
        key = activation.lower() if isinstance(activation, str) else None
        if key not in ACTIVATIONS:
            raise InvalidArgumentError(
                f"MLP: unknown activation {checks.describe(activation)}; use one of "
                f"{', '.join(ACTIVATIONS)}"
            )
        batchnorm = checks.boolean("MLP", "batchnorm", batchnorm)
        dropout = checks.ratio("MLP", "dropout", dropout)
        dtype = checks.float_dtype("MLP", "dtype", dtype)
        if init is not None:
            weight_std(init, 1)  # an unknown initialiser is refused before anything is built
        act_class, default_init = ACTIVATIONS[key]
        init = default_init if init is None else init
        rng = as_rng(rng, "MLP")
        layers: list[Module] = []
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            layers.append(Affine(n_in, n_out, init=init, rng=rng, dtype=dtype))
            if batchnorm:
                layers.append(BatchNorm(n_out, dtype=dtype))
            layers.append(act_class())
            if dropout:
                layers.append(Dropout(dropout, rng=rng))
        layers.append(Affine(sizes[-2], sizes[-1], init=init, rng=rng, dtype=dtype))
        super().__init__(*layers)
        self.__dict__["sizes"] = tuple(int(s) for s in sizes)

    def extra_repr(self) -> str:
        return f"sizes={list(self.sizes)}"
