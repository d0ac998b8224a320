"""``load_mnist``: MNIST from files the user already has (IDX ``.gz`` files or ``mnist.npz``).

Nothing is downloaded. The folder holds either the four files of the original distribution,
gzipped or not::

    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz

or one ``mnist.npz`` with arrays ``x_train``, ``y_train``, ``x_test``, ``y_test`` (the Keras
layout). IDX format: a big-endian header (magic 0x00000803 for images, 0x00000801 for labels,
then one uint32 per dimension) followed by the unsigned bytes.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import DatasetError, DatasetNotFoundError, InvalidArgumentError
from .preprocess import one_hot

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
NPZ_FILE = "mnist.npz"
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
NUM_CLASSES = 10
MAX_BYTES = 2**30  # an IDX file announcing more is refused before it is decompressed


def load_mnist(path, normalize: bool = True, flatten: bool = True, one_hot_label: bool = False):
    """Return ``(x_train, t_train), (x_test, t_test)`` with the book's conventions.

    path
        A folder holding the four IDX files (``.gz`` or unzipped) or ``mnist.npz``, or the path
        of an ``.npz`` file itself. The IDX files are preferred when both are present.
    normalize
        True: pixels as float32 in [0, 1]. False: the raw uint8 values 0..255.
    flatten
        True: images as rows of 784 pixels, shape (N, 784). False: shape (N, 1, 28, 28).
    one_hot_label
        False: int64 class indices, shape (N,). True: float32 one-hot rows, shape (N, 10).

    Raises ``DatasetNotFoundError`` naming the missing file(s) and the expected names, and
    ``DatasetError`` naming the file and what was expected when a file is corrupt.
    """
    for name, value in (
        ("normalize", normalize),
        ("flatten", flatten),
        ("one_hot_label", one_hot_label),
    ):
        if not isinstance(value, (bool, np.bool_)):
            raise InvalidArgumentError(f"load_mnist: {name} must be True or False, got {value!r}")
    x_train, t_train, x_test, t_test = _read_raw(Path(os.fspath(path)))
    return (
        (_images(x_train, normalize, flatten), _labels(t_train, one_hot_label)),
        (_images(x_test, normalize, flatten), _labels(t_test, one_hot_label)),
    )


def _read_raw(path: Path):
    """uint8 arrays (train images, train labels, test images, test labels) from ``path``."""
    if path.is_file():
        return _read_npz(path)
    if not path.is_dir():
        raise DatasetNotFoundError(
            f"load_mnist: {str(path)!r} does not exist; expected a folder holding "
            f"{_expected()}, or the path of an .npz file (nothing is downloaded)"
        )
    found = {key: _find_idx(path, stem) for key, stem in IDX_FILES.items()}
    if all(found.values()):
        train = _read_pair(found["train_images"], found["train_labels"])
        test = _read_pair(found["test_images"], found["test_labels"])
        return (*train, *test)
    if (path / NPZ_FILE).is_file():
        return _read_npz(path / NPZ_FILE)
    missing = [stem + ".gz" for key, stem in IDX_FILES.items() if not found[key]]
    raise DatasetNotFoundError(
        f"load_mnist: {str(path)!r} is missing {', '.join(missing)} (gzipped or not) and has "
        f"no {NPZ_FILE}; expected the four IDX files or {NPZ_FILE} (nothing is downloaded)"
    )


def _expected() -> str:
    names = ", ".join(stem + ".gz" for stem in IDX_FILES.values())
    return f"the four IDX files {names} (gzipped or not) or {NPZ_FILE}"


def _find_idx(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_pair(images_path: Path, labels_path: Path):
    images = _read_idx(images_path, IMAGES_MAGIC, 3)
    labels = _read_idx(labels_path, LABELS_MAGIC, 1)
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(
            f"load_mnist: {images_path.name} holds {images.shape[0]} images but "
            f"{labels_path.name} holds {labels.shape[0]} labels; expected the same count"
        )
    _check_labels(labels, labels_path.name)
    return images, labels


def _read_idx(path: Path, magic: int, ndim: int) -> np.ndarray:
    """The array stored in one IDX file (gzipped when its name ends in .gz).

    The header is read first; the size it announces is checked against :data:`MAX_BYTES`, and
    then at most that many bytes (plus one, to tell a file that is too long) are decompressed,
    so a small ``.gz`` that expands to gigabytes is refused without expanding it.
    """
    what = "images" if ndim == 3 else "labels"
    header = 4 + 4 * ndim
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = f.read(header)
            if len(raw) == header and struct.unpack(">I", raw[:4])[0] == magic:
                dims = struct.unpack(f">{ndim}I", raw[4:header])
                size = math.prod(dims)
                if size > MAX_BYTES:
                    raise DatasetError(
                        f"load_mnist: {path.name} announces shape {dims} in its header, "
                        f"{size:,} bytes, more than the {MAX_BYTES:,} bytes an IDX file may "
                        "hold here — is it a corrupt file?"
                    )
                raw += f.read(size + 1)
    except DatasetError:
        raise
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError(
            f"load_mnist: cannot read {path.name} ({e}); expected "
            f"{'a gzip-compressed' if path.suffix == '.gz' else 'an'} IDX file of {what}"
        ) from None
    if len(raw) < header:
        raise DatasetError(
            f"load_mnist: {path.name} is truncated: {len(raw)} bytes, shorter than the "
            f"{header}-byte IDX header of a {what} file"
        )
    (found,) = struct.unpack(">I", raw[:4])
    if found != magic:
        raise DatasetError(
            f"load_mnist: {path.name} has magic number 0x{found:08X}; expected 0x{magic:08X} "
            f"(an IDX file of {what}) — is it the right file, or a corrupt one?"
        )
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = header + math.prod(dims)
    if len(raw) != expected:
        if len(raw) < expected:
            problem, has = "truncated", f"the file has {len(raw)}"
        else:
            problem, has = "too long", "the file has more"
        raise DatasetError(
            f"load_mnist: {path.name} is {problem}: its header announces shape {dims}, so "
            f"{expected} bytes are expected, but {has}"
        )
    if 0 in dims:
        amount = f"0 {what}" if dims[0] == 0 else f"{what} of {dims[1:]} pixels, an empty shape"
        raise DatasetError(
            f"load_mnist: {path.name} holds {amount} (header shape {dims}); expected at least "
            "one — is it the right file?"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _read_npz(path: Path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise DatasetError(
                    f"load_mnist: {path.name} lacks the array(s) {', '.join(missing)}; expected "
                    f"{', '.join(NPZ_KEYS)}; found {', '.join(archive.files) or 'none'}"
                )
            arrays = {key: archive[key] for key in NPZ_KEYS}
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise DatasetError(
            f"load_mnist: cannot read {path.name} as an .npz archive ({e}); expected a NumPy "
            f".npz file with arrays {', '.join(NPZ_KEYS)}"
        ) from None
    result = []
    for part in ("train", "test"):
        x, t = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.ndim != 3 or t.ndim != 1 or x.shape[0] != t.shape[0] or 0 in x.shape:
            raise DatasetError(
                f"load_mnist: {path.name} has x_{part} of shape {x.shape} and y_{part} of shape "
                f"{t.shape}; expected (N, rows, cols) images and (N,) labels of the same N >= 1"
            )
        result += [_as_uint8(x, f"{path.name}[x_{part}]"), _as_uint8(t, f"{path.name}[y_{part}]")]
        _check_labels(result[-1], f"{path.name}[y_{part}]")
    return tuple(result)


def _as_uint8(a: np.ndarray, where: str) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    if a.dtype.kind not in "iu" or (a.size and (a.min() < 0 or a.max() > 255)):
        raise DatasetError(f"load_mnist: {where} has dtype {a.dtype}; expected uint8 values 0..255")
    return a.astype(np.uint8)


def _check_labels(labels: np.ndarray, where: str) -> None:
    if labels.size and labels.max() >= NUM_CLASSES:
        raise DatasetError(
            f"load_mnist: {where} holds label {int(labels.max())}; expected digits 0..9"
        )


def _images(x: np.ndarray, normalize: bool, flatten: bool) -> np.ndarray:
    x = x.astype(np.float32) / np.float32(255.0) if normalize else x.copy()
    n = x.shape[0]
    return x.reshape(n, -1) if flatten else x.reshape(n, 1, *x.shape[1:])


def _labels(t: np.ndarray, one_hot_label: bool) -> np.ndarray:
    t = t.astype(np.int64)
    return one_hot(t, NUM_CLASSES) if one_hot_label else t
