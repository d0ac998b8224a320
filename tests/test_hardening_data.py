"""Loaders facing hostile files: a gzip bomb, absurd IDX headers, empty sets, byte strings where
pixels should be, a file given where a folder is expected. Each is a DatasetError naming the file
and the problem."""

from __future__ import annotations

import gzip
import os
import resource
import struct
import subprocess
import sys

import h5py
import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.data.mnist import IDX_FILES

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"


def _write_idx_folder(folder, images_raw: bytes | None = None, n=3):
    rng = np.random.default_rng(0)
    for key, stem in IDX_FILES.items():
        if key.endswith("images"):
            raw = struct.pack(">IIII", 0x803, n, 28, 28) + rng.integers(
                0, 256, (n, 28, 28), dtype=np.uint8).tobytes()
            if key == "train_images" and images_raw is not None:
                raw = images_raw
        else:
            raw = struct.pack(">II", 0x801, n) + rng.integers(0, 10, n, dtype=np.uint8).tobytes()
        with gzip.open(folder / (stem + ".gz"), "wb") as f:
            f.write(raw)


def _limit_memory():
    limit = 700 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_a_gzip_bomb_is_refused_without_expanding_it(tmp_path):
    _write_idx_folder(tmp_path)
    # a 5 MB .gz whose header announces 3 images but that expands to 1 GiB
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as f:
        f.write(struct.pack(">IIII", 0x803, 3, 28, 28))
        zeros = bytes(2**24)
        for _ in range(64):
            f.write(zeros)
    code = (f"import autograd_lite as ag\n"
            f"try:\n    ag.data.load_mnist({str(tmp_path)!r})\n"
            f"except ag.DatasetError as e:\n    print(e)\n")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            preexec_fn=_limit_memory, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert ("train-images-idx3-ubyte.gz is too long: its header announces shape (3, 28, 28), "
            "so 2368 bytes are expected, but the file has more") in result.stdout


@pytest.mark.parametrize("dims", [(2**31, 2**31, 4), (2**32 - 1, 2**32 - 1, 2**32 - 1),
                                  (60000, 1000, 1000)])
def test_an_idx_header_announcing_too_much_is_refused_before_reading(tmp_path, dims):
    _write_idx_folder(tmp_path, images_raw=struct.pack(">IIII", 0x803, *dims) + b"\0" * 100)
    with pytest.raises(ag.DatasetError, match=r"announces shape .* more than the 1,073,741,824"):
        ag.data.load_mnist(tmp_path)


def test_an_idx_file_with_zero_images_is_a_named_error(tmp_path):
    _write_idx_folder(tmp_path, n=0)
    with pytest.raises(ag.DatasetError, match=r"holds 0 images .*expected at least one"):
        ag.data.load_mnist(tmp_path)


def test_an_idx_file_of_empty_images_is_a_named_error(tmp_path):
    _write_idx_folder(tmp_path, images_raw=struct.pack(">IIII", 0x803, 3, 0, 28))
    with pytest.raises(ag.DatasetError, match=r"holds images of \(0, 28\) pixels, an empty shape"):
        ag.data.load_mnist(tmp_path)


def test_a_cat_file_with_no_images_is_a_named_error(tmp_path):
    _write_cats(tmp_path, np.zeros((0, 4, 4, 3), np.uint8))
    with pytest.raises(ag.DatasetError, match=r"train_set_x of shape \(0, 4, 4, 3\).*at least one"):
        ag.data.load_catvnoncat(tmp_path)


def test_an_npz_with_zero_images_is_a_named_error(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((0, 28, 28), np.uint8),
             y_train=np.zeros(0, np.uint8), x_test=np.zeros((1, 28, 28), np.uint8),
             y_test=np.zeros(1, np.uint8))
    with pytest.raises(ag.DatasetError, match=r"same N >= 1"):
        ag.data.load_mnist(tmp_path / "mnist.npz")


def _write_cats(folder, x_train):
    with h5py.File(folder / "train_catvnoncat.h5", "w") as f:
        f.create_dataset("train_set_x", data=x_train)
        f.create_dataset("train_set_y", data=np.array([0, 1]))
        f.create_dataset("list_classes", data=np.array([b"non-cat", b"cat"]))
    with h5py.File(folder / "test_catvnoncat.h5", "w") as f:
        f.create_dataset("test_set_x", data=np.zeros((1, 4, 4, 3), np.uint8))
        f.create_dataset("test_set_y", data=np.array([1]))
        f.create_dataset("list_classes", data=np.array([b"non-cat", b"cat"]))


def test_cat_images_holding_byte_strings_are_refused(tmp_path):
    _write_cats(tmp_path, np.full((2, 4, 4, 3), b"ab"))
    with pytest.raises(ag.DatasetError, match=r"train_set_x of dtype \|S2; expected numbers"):
        ag.data.load_catvnoncat(tmp_path)


def test_the_path_of_an_h5_file_names_the_real_problem(tmp_path):
    _write_cats(tmp_path, np.zeros((2, 4, 4, 3), np.uint8))
    with pytest.raises(ag.DatasetError, match=r"is a file; pass the folder that holds") as e:
        ag.data.load_catvnoncat(tmp_path / "train_catvnoncat.h5")
    assert "does not exist" not in str(e.value)
    assert repr(str(tmp_path)) in str(e.value)
