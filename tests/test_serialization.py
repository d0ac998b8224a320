"""Weights files: atomic .npz writes, no pickles, and a WeightsError for every bad file."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from autograd_lite import serialization
from autograd_lite.errors import WeightsError
from autograd_lite.serialization import check_arrays, load_arrays, save_arrays


def test_round_trip_keeps_names_values_and_dtypes(tmp_path):
    arrays = {"Affine1.W": np.arange(6.0).reshape(2, 3), "b": np.zeros(3, np.float32),
              "scalar": np.array(2.5)}  # fmt: skip
    path = tmp_path / "w.npz"
    assert save_arrays(path, arrays) == str(path)
    loaded = load_arrays(path)
    assert list(loaded) == list(arrays)
    for key in arrays:
        assert loaded[key].dtype == arrays[key].dtype
        np.testing.assert_array_equal(loaded[key], arrays[key])
    assert os.listdir(tmp_path) == ["w.npz"]  # no temporary file left behind
    # A standard .npz archive: NumPy reads it without our code.
    with np.load(path, allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["Affine1.W"], arrays["Affine1.W"])


def test_path_is_used_as_given(tmp_path):
    save_arrays(tmp_path / "params.pkl", {"W1": np.ones(2)})
    assert os.listdir(tmp_path) == ["params.pkl"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    save_arrays(path, {"W": np.ones(3)})
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.np.lib.format, "write_array", explode)
    with pytest.raises(OSError, match="disk full"):
        save_arrays(path, {"W": np.zeros(3)})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.npz"]


def test_object_arrays_are_refused(tmp_path):
    with pytest.raises(WeightsError, match="'bad'.*Python objects"):
        save_arrays(tmp_path / "w.npz", {"bad": np.array([{"a": 1}], dtype=object)})
    assert os.listdir(tmp_path) == []


def test_missing_folder(tmp_path):
    with pytest.raises(WeightsError, match="does not exist"):
        save_arrays(tmp_path / "nope" / "w.npz", {"W": np.ones(1)})


@pytest.mark.parametrize("content, what", [
    (b"", "empty"),
    (b"this is not a zip archive", "garbage"),
    (pickle.dumps({"W1": [1.0, 2.0]}), "a pickle"),
])  # fmt: skip
def test_corrupt_files_give_weights_error_naming_the_file(tmp_path, content, what):
    path = tmp_path / "w.npz"
    path.write_bytes(content)
    with pytest.raises(WeightsError, match=r"w\.npz.*not a readable \.npz"):
        load_arrays(path)


def test_truncated_archive(tmp_path):
    path = tmp_path / "w.npz"
    save_arrays(path, {"W": np.ones((50, 50))})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(WeightsError, match=r"w\.npz"):
        load_arrays(path)


def test_pickled_object_array_inside_an_npz_is_not_unpickled(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, W=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(WeightsError, match="Object arrays cannot be loaded"):
        load_arrays(path)


def test_single_npy_file_and_missing_file(tmp_path):
    np.save(tmp_path / "w.npy", np.ones(3))
    with pytest.raises(WeightsError, match="one array, not an .npz"):
        load_arrays(tmp_path / "w.npy")
    with pytest.raises(WeightsError, match="no weights file"):
        load_arrays(tmp_path / "absent.npz")


def test_check_arrays_names_every_mismatch():
    expected = {"W": np.zeros((2, 3)), "b": np.zeros(3), "g": np.zeros(3)}
    loaded = {"W": np.zeros((3, 2)), "b": np.zeros(3, np.float32), "extra": np.zeros(1)}
    with pytest.raises(WeightsError) as info:
        check_arrays(expected, loaded, "weights file 'x.npz'")
    message = str(info.value)
    for part in ["'x.npz'", "missing keys ['g']", "unexpected keys ['extra']",
                 "'W' has shape (3, 2), the model needs (2, 3)",
                 "'b' has dtype float32, the model needs float64", "nothing was changed"]:
        assert part in message
    check_arrays(expected, {k: v.copy() for k, v in expected.items()}, "ok")  # no error
