"""Weights files: ``.npz`` archives of named arrays, never pickles.

- :func:`save_arrays` writes to a temporary file in the target folder and ``os.replace``\\ s it
  onto the path, so a crash mid-write never leaves a truncated weights file behind.
- :func:`load_arrays` reads with ``allow_pickle=False`` and turns every way a file can be bad
  (missing, not a zip, truncated, object arrays) into a :class:`WeightsError` naming the file.
- :func:`check_arrays` compares loaded arrays with the ones a model expects and names every
  missing key, unexpected key, shape and dtype mismatch at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import zipfile

import numpy as np

from .errors import WeightsError, WeightsWriteError

__all__ = ["save_arrays", "load_arrays", "check_arrays"]


def _tmp_prefix(path: str) -> str:
    """Temporaries of ``path`` are ``.<name>.tmp-<pid>-<random>.npz`` beside it, so the next
    save or load of ``path`` can find (and remove) those a killed process left behind."""
    return f".{os.path.basename(path)}.tmp-"


def _remove_stale_temporaries(path: str) -> None:
    """Delete temporaries of ``path`` whose writing process no longer runs."""
    folder = os.path.dirname(os.path.abspath(path))
    prefix = _tmp_prefix(path)
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".npz")]
    except OSError:
        return
    for name in names:
        pid_text = name[len(prefix):].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        pid = int(pid_text)
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # that process is alive and may still be writing
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError, OSError):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))


def _check_path(who: str, path) -> str:
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise WeightsError(f"{who}: path must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    if not isinstance(path, str):
        raise WeightsError(f"{who}: path must be a str or os.PathLike, got {type(path).__name__}")
    if "\0" in path or not path:
        raise WeightsError(f"{who}: path {path!r} is not a valid file name")
    return path


def save_arrays(path, arrays: dict) -> str:
    """Write ``{name: array}`` to ``path`` as an ``.npz`` archive, atomically. Returns the path.

    The path is used as given (no ``.npz`` is appended). Object arrays are refused. Every
    way the write can fail (no folder, no permission, a full disk, a folder at ``path``) is a
    WeightsError naming the path, and the file that was there before is left as it was.
    """
    path = _check_path("save", path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise WeightsError(f"save: the folder {folder!r} for {path!r} does not exist")
    if os.path.isdir(path):
        error = WeightsWriteError(f"save: {path!r} is a folder; give a file name like model.npz")
        error.errno = errno.EISDIR
        raise error
    prepared = {}
    for key, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise WeightsError(f"save: {key!r} holds Python objects; only numeric arrays are saved")
        prepared[str(key)] = array
    _remove_stale_temporaries(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{_tmp_prefix(path)}{os.getpid()}-", suffix=".npz",
                                   dir=folder)
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                for key, array in prepared.items():
                    with zf.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; weights files are ordinary files
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):
            reason = e.strerror or str(e)
            error = WeightsWriteError(
                f"save: cannot write {path!r}: {reason} (the file that was there is unchanged)"
            )
            error.errno = e.errno
            raise error from None
        raise
    return path


def load_arrays(path) -> dict:
    """Read every array of the ``.npz`` archive at ``path`` into a dict (``allow_pickle=False``)."""
    path = _check_path("load", path)
    if not os.path.exists(path):
        raise WeightsError(f"load: no weights file at {path!r}")
    _remove_stale_temporaries(path)
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


def check_arrays(expected: dict, loaded: dict, source: str) -> dict:
    """Raise a WeightsError naming every key, shape and dtype mismatch between the two dicts.

    Returns the loaded values as arrays ready to copy: an array in the other byte order
    (a big-endian file) with the right values is accepted and converted to the native order.
    """
    problems = []
    ready = {}
    missing = [k for k in expected if k not in loaded]
    extra = [k for k in loaded if k not in expected]
    if missing:
        problems.append(f"missing keys {missing}")
    if extra:
        problems.append(f"unexpected keys {extra}")
    for key, want in expected.items():
        if key not in loaded:
            continue
        got = loaded[key]
        try:
            got = np.asarray(got.data if hasattr(got, "requires_grad") else got)
        except Exception:  # a ragged list, an object whose __array__ fails
            got = None
        if got is None or got.dtype.kind not in "biufc":
            problems.append(f"{key!r} is a {type(loaded[key]).__name__}, not a numeric array")
            continue
        if got.shape != want.shape:
            problems.append(f"{key!r} has shape {got.shape}, the model needs {want.shape}")
        elif got.dtype.newbyteorder("=") != want.dtype.newbyteorder("="):
            problems.append(f"{key!r} has dtype {got.dtype}, the model needs {want.dtype}")
        else:
            ready[key] = got.astype(want.dtype, copy=False)
    if problems:
        raise WeightsError(
            f"{source} does not match the model (nothing was changed): " + "; ".join(problems)
        )
    return ready
