"""``load_catvnoncat``: the Coursera course's cat / non-cat images (course 1, week 2 and 4).

The course ships ``datasets/train_catvnoncat.h5`` (209 images) and ``test_catvnoncat.h5``
(50 images), 64x64 RGB. This reads them with h5py (an optional extra) and returns exactly what
the course's ``load_dataset()`` returns.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DatasetError, DatasetNotFoundError
from ..extras import require

TRAIN_FILE = "train_catvnoncat.h5"
TEST_FILE = "test_catvnoncat.h5"


def load_catvnoncat(path):
    """Return ``train_set_x_orig, train_set_y, test_set_x_orig, test_set_y, classes``.

    path
        The folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5`` (the course's
        ``datasets/`` folder).

    Shapes, as in the course: ``train_set_x_orig`` (m_train, 64, 64, 3) uint8,
    ``train_set_y`` (1, m_train), ``test_set_x_orig`` (m_test, 64, 64, 3), ``test_set_y``
    (1, m_test), ``classes`` the byte strings ``[b'non-cat', b'cat']``. Labels keep the file's
    dtype (int64 in the course's files). Images are not flattened or scaled; the course does
    that in the notebook (``x.reshape(x.shape[0], -1).T / 255``).

    Raises ``DatasetNotFoundError`` naming a missing file, ``DatasetError`` for a file that is
    not HDF5, lacks a dataset, or has inconsistent shapes, and ``DatasetError`` without h5py.
    """
    folder = Path(os.fspath(path))
    if folder.is_file():
        raise DatasetError(
            f"load_catvnoncat: {str(folder)!r} is a file; pass the folder that holds "
            f"{TRAIN_FILE} and {TEST_FILE}: load_catvnoncat({str(folder.parent)!r})"
        )
    train_path, test_path = folder / TRAIN_FILE, folder / TEST_FILE
    missing = [p.name for p in (train_path, test_path) if not p.is_file()]
    if missing:
        where = "does not exist" if not folder.is_dir() else f"has no {' or '.join(missing)}"
        raise DatasetNotFoundError(
            f"load_catvnoncat: {str(folder)!r} {where}; expected a folder holding {TRAIN_FILE} "
            f"and {TEST_FILE} (the course's datasets/ folder; nothing is downloaded)"
        )
    h5py = require("h5py", "load_catvnoncat", DatasetError)
    train = _read(h5py, train_path, ("train_set_x", "train_set_y"))
    test = _read(h5py, test_path, ("test_set_x", "test_set_y", "list_classes"))
    train_x, train_y = _checked(train_path, train["train_set_x"], train["train_set_y"], "train")
    test_x, test_y = _checked(test_path, test["test_set_x"], test["test_set_y"], "test")
    return train_x, train_y, test_x, test_y, test["list_classes"]


def _read(h5py, path: Path, keys) -> dict:
    try:
        with h5py.File(path, "r") as f:
            missing = [key for key in keys if key not in f]
            if missing:
                raise DatasetError(
                    f"load_catvnoncat: {path.name} lacks the dataset(s) {', '.join(missing)}; "
                    f"expected {', '.join(keys)}; found {', '.join(f.keys()) or 'none'}"
                )
            return {key: np.array(f[key][()]) for key in keys}
    except DatasetError:
        raise
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise DatasetError(
            f"load_catvnoncat: cannot read {path.name} as HDF5 ({e}); expected the course's "
            "HDF5 file"
        ) from None


def _checked(path: Path, x: np.ndarray, y: np.ndarray, part: str):
    for name, array in ((f"{part}_set_x", x), (f"{part}_set_y", y)):
        if array.dtype.kind not in "biuf":
            raise DatasetError(
                f"load_catvnoncat: {path.name} has {name} of dtype {array.dtype}; expected "
                "numbers (uint8 pixels, integer labels)"
            )
    if x.ndim != 4 or x.shape[-1] != 3 or 0 in x.shape:
        raise DatasetError(
            f"load_catvnoncat: {path.name} has {part}_set_x of shape {x.shape}; expected "
            "(m, height, width, 3) RGB images such as (209, 64, 64, 3), at least one"
        )
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise DatasetError(
            f"load_catvnoncat: {path.name} has {part}_set_y of shape {y.shape} for "
            f"{x.shape[0]} images; expected ({x.shape[0]},)"
        )
    if y.size and not np.isin(y, (0, 1)).all():
        raise DatasetError(
            f"load_catvnoncat: {path.name} has {part}_set_y values other than 0 and 1"
        )
    return x, y.reshape(1, y.shape[0])
