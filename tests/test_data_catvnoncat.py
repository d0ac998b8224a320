"""ag.data.load_catvnoncat on small HDF5 files written with h5py: the course's shapes, errors."""

import sys

import h5py
import numpy as np
import pytest

import autograd_lite as ag


def write_cats(folder, m_train=7, m_test=3, drop=None, x_shape=None):
    rng = np.random.default_rng(0)
    data = {
        "train_set_x": rng.integers(0, 256, (m_train, 64, 64, 3), dtype=np.uint8),
        "train_set_y": rng.integers(0, 2, m_train),
        "test_set_x": rng.integers(0, 256, x_shape or (m_test, 64, 64, 3), dtype=np.uint8),
        "test_set_y": rng.integers(0, 2, m_test),
        "list_classes": np.array([b"non-cat", b"cat"]),
    }
    for name, keys in (
        ("train_catvnoncat.h5", ("train_set_x", "train_set_y", "list_classes")),
        ("test_catvnoncat.h5", ("test_set_x", "test_set_y", "list_classes")),
    ):
        with h5py.File(folder / name, "w") as f:
            for key in keys:
                if key != drop:
                    f.create_dataset(key, data=data[key])
    return data


def test_returns_what_the_courses_load_dataset_returns(tmp_path):
    data = write_cats(tmp_path)
    train_x, train_y, test_x, test_y, classes = ag.data.load_catvnoncat(tmp_path)
    assert train_x.shape == (7, 64, 64, 3) and train_x.dtype == np.uint8
    assert train_y.shape == (1, 7) and test_y.shape == (1, 3) and test_x.shape == (3, 64, 64, 3)
    np.testing.assert_array_equal(train_x, data["train_set_x"])
    np.testing.assert_array_equal(test_y[0], data["test_set_y"])
    assert [c.decode() for c in classes] == ["non-cat", "cat"]
    # The course's next step works on the result.
    flat = train_x.reshape(train_x.shape[0], -1).T / 255
    assert flat.shape == (64 * 64 * 3, 7)


def test_missing_folder_and_file(tmp_path):
    with pytest.raises(ag.DatasetNotFoundError, match="does not exist.*train_catvnoncat.h5"):
        ag.data.load_catvnoncat(tmp_path / "datasets")
    write_cats(tmp_path)
    (tmp_path / "test_catvnoncat.h5").unlink()
    with pytest.raises(FileNotFoundError, match="has no test_catvnoncat.h5"):
        ag.data.load_catvnoncat(tmp_path)


def test_not_hdf5(tmp_path):
    write_cats(tmp_path)
    (tmp_path / "train_catvnoncat.h5").write_bytes(b"\x89PNG not hdf5")
    with pytest.raises(ag.DatasetError, match="cannot read train_catvnoncat.h5 as HDF5"):
        ag.data.load_catvnoncat(tmp_path)


def test_missing_dataset_key(tmp_path):
    write_cats(tmp_path, drop="test_set_y")
    with pytest.raises(ag.DatasetError, match="test_catvnoncat.h5 lacks the dataset.*test_set_y"):
        ag.data.load_catvnoncat(tmp_path)


def test_wrong_shapes(tmp_path):
    write_cats(tmp_path, x_shape=(3, 64, 64))
    with pytest.raises(ag.DatasetError, match=r"test_set_x of shape \(3, 64, 64\)"):
        ag.data.load_catvnoncat(tmp_path)


def test_without_h5py_a_clear_error(tmp_path, monkeypatch):
    write_cats(tmp_path)
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ag.DatasetError, match=r"h5py.*autograd-lite\[demo\]"):
        ag.data.load_catvnoncat(tmp_path)
