"""Weights files: ``.npz`` archives of named arrays, never pickles.

- :func:`save_arrays` writes to a temporary file in the target folder and ``os.replace``\\ s it
  onto the path, so a crash mid-write never leaves a truncated weights file behind.
- :func:`load_arrays` reads with ``allow_pickle=False`` and turns every way a file can be bad
  (missing, not a zip, truncated, object arrays) into a :class:`WeightsError` naming the file.
- :func:`check_arrays` compares loaded arrays with the ones a model expects and names every
  missing key, unexpected key, shape and dtype mismatch at once.
"""

from __future__ import annotations

import os
import tempfile
import zipfile

import numpy as np

from .errors import WeightsError

__all__ = ["save_arrays", "load_arrays", "check_arrays"]


def save_arrays(path, arrays: dict) -> str:
    """Write ``{name: array}`` to ``path`` as an ``.npz`` archive, atomically. Returns the path.

    The path is used as given (no ``.npz`` is appended). Object arrays are refused.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise WeightsError(f"save: the folder {folder!r} for {path!r} does not exist")
    prepared = {}
    for key, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise WeightsError(f"save: {key!r} holds Python objects; only numeric arrays are saved")
        prepared[str(key)] = array
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                for key, array in prepared.items():
                    with zf.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; weights files are ordinary files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_arrays(path) -> dict:
    """Read every array of the ``.npz`` archive at ``path`` into a dict (``allow_pickle=False``)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise WeightsError(f"load: no weights file at {path!r}")
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise WeightsError(f"load: {path!r} holds one array, not an .npz archive of weights")
        with archive:
            return {key: archive[key] for key in archive.files}
    except WeightsError:
        raise
    except Exception as e:  # zipfile.BadZipFile, ValueError (pickled objects), OSError, EOFError
        raise WeightsError(
            f"load: {path!r} is not a readable .npz weights file ({type(e).__name__}: {e})"
        ) from None


def check_arrays(expected: dict, loaded: dict, source: str) -> None:
    """Raise a WeightsError naming every key, shape and dtype mismatch between the two dicts."""
    problems = []
    missing = [k for k in expected if k not in loaded]
    extra = [k for k in loaded if k not in expected]
    if missing:
        problems.append(f"missing keys {missing}")
    if extra:
        problems.append(f"unexpected keys {extra}")
    for key, want in expected.items():
        got = loaded.get(key)
        if got is None:
            continue
        got_shape, got_dtype = np.shape(got), np.asarray(got).dtype
        if got_shape != want.shape:
            problems.append(f"{key!r} has shape {got_shape}, the model needs {want.shape}")
        elif got_dtype != want.dtype:
            problems.append(f"{key!r} has dtype {got_dtype}, the model needs {want.dtype}")
    if problems:
        raise WeightsError(
            f"{source} does not match the model (nothing was changed): " + "; ".join(problems)
        )
