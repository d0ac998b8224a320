"""Reading the book's pretrained pickles (``ch07/params.pkl``, ``ch08/deep_convnet_params.pkl``)
without running code: a restricted unpickler, like ``torch.load(weights_only=True)``.

A pickle is a small program: any global it names is imported and may be called while it loads,
so ``pickle.load`` on a stranger's file can run anything. ``load_weights_pickle`` admits only
what a dict of NumPy arrays needs (dicts, lists, numbers and strings are built by the pickle
machine itself; arrays, dtypes and NumPy scalars by the globals below). Any other global is
refused with a ``WeightsError`` naming it *before* it is imported or called, and arrays of
Python objects are refused after. Weights are always *written* as ``.npz``.
"""

from __future__ import annotations

import io
import os
import pickle

import numpy as np

from ..errors import WeightsError

__all__ = ["load_weights_pickle", "is_pickle", "ALLOWED_GLOBALS"]

#: (module, name) pairs a pickled dict of arrays may name (NumPy 1.x and 2.x spellings)
ALLOWED_GLOBALS = {
    (module, name)
    for prefix in ("numpy.core", "numpy._core")
    for module, name in (
        (f"{prefix}.multiarray", "_reconstruct"),
        (f"{prefix}.multiarray", "scalar"),
        (f"{prefix}.numeric", "_frombuffer"),
    )
} | {
    ("numpy", "ndarray"), ("numpy", "dtype"), ("collections", "OrderedDict"),
    ("_codecs", "encode"),  # protocol 2 spells bytes as encode(text, "latin1")
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file, source: str):
        super().__init__(file)
        self.source = source

    def find_class(self, module, name):
        if (module, name) not in ALLOWED_GLOBALS:
            raise WeightsError(
                f"load_params: {self.source} names the global {module}.{name}, which a file of "
                "weights does not need; it was refused before anything was run (only NumPy "
                "arrays, dtypes, dicts, lists and numbers are read from pickles)"
            )
        return super().find_class(module, name)


def is_pickle(path) -> bool:
    """Whether the file at ``path`` starts like a pickle (protocol 2 or later)."""
    with open(path, "rb") as f:
        return f.read(1) == b"\x80"


def load_weights_pickle(path) -> dict:
    """The ``{name: array}`` dict of a pickled weights file, read by the restricted unpickler."""
    path = os.fspath(path)
    source = repr(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        loaded = _RestrictedUnpickler(io.BytesIO(data), source).load()
    except WeightsError:
        raise
    except Exception as e:  # truncated or corrupt: UnpicklingError, EOFError, ValueError ...
        raise WeightsError(
            f"load_params: {source} is not a readable pickle ({type(e).__name__}: {e})"
        ) from None
    if not isinstance(loaded, dict):
        raise WeightsError(
            f"load_params: {source} holds a {type(loaded).__name__}, not a dict of arrays"
        )
    arrays = {}
    for key, value in loaded.items():
        array = np.asarray(value) if isinstance(value, (np.ndarray, np.generic)) else None
        if array is None or array.dtype.kind not in "biuf":
            raise WeightsError(
                f"load_params: {source}: entry {key!r} is not a numeric array "
                f"({type(value).__name__})"
            )
        arrays[str(key)] = array
    return arrays
