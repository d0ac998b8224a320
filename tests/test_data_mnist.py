"""ag.data.load_mnist on small IDX and npz files written by the tests: values, layouts, errors."""

import gzip
import struct

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.data.mnist import IDX_FILES

N_TRAIN, N_TEST = 12, 5


def _idx_bytes(array: np.ndarray, magic: int) -> bytes:
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes()


def write_mnist(folder, gz=True, rng=None, overrides=None):
    """Write the four IDX files; return the arrays written. ``overrides`` maps a key to bytes."""
    rng = rng or np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, size=(N_TRAIN, 28, 28)),
        "train_labels": rng.integers(0, 10, size=N_TRAIN),
        "test_images": rng.integers(0, 256, size=(N_TEST, 28, 28)),
        "test_labels": rng.integers(0, 10, size=N_TEST),
    }
    for key, stem in IDX_FILES.items():
        magic = 0x803 if key.endswith("images") else 0x801
        raw = (overrides or {}).get(key, _idx_bytes(arrays[key], magic))
        if gz:
            with gzip.open(folder / (stem + ".gz"), "wb") as f:
                f.write(raw)
        else:
            (folder / stem).write_bytes(raw)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_reads_idx_files_with_the_books_defaults(tmp_path, gz):
    arrays = write_mnist(tmp_path, gz=gz)
    (x, t), (xt, tt) = ag.data.load_mnist(tmp_path)
    assert x.shape == (N_TRAIN, 784) and x.dtype == np.float32
    assert xt.shape == (N_TEST, 784) and tt.shape == (N_TEST,) and t.dtype == np.int64
    np.testing.assert_allclose(x, arrays["train_images"].reshape(N_TRAIN, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(t, arrays["train_labels"])
    np.testing.assert_array_equal(tt, arrays["test_labels"])


def test_raw_images_and_one_hot(tmp_path):
    arrays = write_mnist(tmp_path)
    (x, t), _ = ag.data.load_mnist(
        str(tmp_path), normalize=False, flatten=False, one_hot_label=True
    )
    assert x.shape == (N_TRAIN, 1, 28, 28) and x.dtype == np.uint8
    np.testing.assert_array_equal(x[:, 0], arrays["train_images"])
    np.testing.assert_array_equal(t.argmax(axis=1), arrays["train_labels"])
    assert t.shape == (N_TRAIN, 10)
    x[0, 0, 0, 0] = 7  # the returned arrays are writable (not views of a read-only buffer)


def test_reads_mnist_npz_in_a_folder_or_by_path(tmp_path):
    rng = np.random.default_rng(1)
    data = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 3, dtype=np.uint8),
    }
    np.savez(tmp_path / "mnist.npz", **data)
    for where in (tmp_path, tmp_path / "mnist.npz"):
        (x, t), (xt, tt) = ag.data.load_mnist(where, normalize=False)
        np.testing.assert_array_equal(x, data["x_train"].reshape(6, -1))
        np.testing.assert_array_equal(tt, data["y_test"])


def test_missing_folder_names_what_was_expected(tmp_path):
    with pytest.raises(ag.DatasetNotFoundError, match="does not exist.*train-images-idx3-ubyte.gz"):
        ag.data.load_mnist(tmp_path / "nowhere")


def test_missing_file_is_named(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="missing t10k-labels-idx1-ubyte.gz"):
        ag.data.load_mnist(tmp_path)


@pytest.mark.parametrize(
    "key, raw, match",
    [
        ("train_images", struct.pack(">I3I", 0x801, N_TRAIN, 28, 28), r"magic number 0x00000801"),
        ("train_labels", b"\x00\x00", "truncated: 2 bytes"),
        (
            "test_images",
            struct.pack(">I3I", 0x803, N_TEST, 28, 28) + b"\x00" * 100,
            r"truncated: its header announces shape \(5, 28, 28\)",
        ),
        ("test_labels", struct.pack(">II", 0x801, N_TEST) + b"\x00" * (N_TEST + 3), "too long"),
        (
            "train_labels",
            struct.pack(">II", 0x801, N_TRAIN - 1) + b"\x00" * (N_TRAIN - 1),
            "holds 12 images but train-labels-idx1-ubyte.gz holds 11 labels",
        ),
        ("test_labels", struct.pack(">II", 0x801, N_TEST) + b"\x0c" * N_TEST, "label 12"),
    ],
)
def test_corrupt_idx_files_are_named(tmp_path, key, raw, match):
    write_mnist(tmp_path, overrides={key: raw})
    with pytest.raises(ag.DatasetError, match=match):
        ag.data.load_mnist(tmp_path)


def test_corrupt_gzip_is_named(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ag.DatasetError, match="cannot read train-images-idx3-ubyte.gz"):
        ag.data.load_mnist(tmp_path)


def test_truncated_gzip_is_named(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ag.DatasetError, match="t10k-images-idx3-ubyte.gz"):
        ag.data.load_mnist(tmp_path)


def test_bad_npz_files(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ag.DatasetError, match="lacks the array.*y_train"):
        ag.data.load_mnist(tmp_path)
    (tmp_path / "mnist.npz").write_bytes(b"garbage")
    with pytest.raises(ag.DatasetError, match="cannot read mnist.npz"):
        ag.data.load_mnist(tmp_path)
    np.savez(
        tmp_path / "mnist.npz",
        x_train=np.zeros((2, 28, 28), np.uint8),
        y_train=np.zeros(3, np.uint8),
        x_test=np.zeros((1, 28, 28), np.uint8),
        y_test=np.zeros(1, np.uint8),
    )
    with pytest.raises(ag.DatasetError, match=r"x_train of shape \(2, 28, 28\)"):
        ag.data.load_mnist(tmp_path)


def test_npz_with_objects_is_refused_not_unpickled(tmp_path):
    np.savez(
        tmp_path / "mnist.npz",
        x_train=np.array([{"a": 1}], dtype=object),
        y_train=np.zeros(1),
        x_test=np.zeros(1),
        y_test=np.zeros(1),
    )
    with pytest.raises(ag.DatasetError, match="mnist.npz"):
        ag.data.load_mnist(tmp_path)


def test_bad_flag_argument(tmp_path):
    with pytest.raises(ag.InvalidArgumentError, match="flatten"):
        ag.data.load_mnist(tmp_path, flatten=None)
