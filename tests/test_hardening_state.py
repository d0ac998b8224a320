"""All or nothing: weights files, state dicts and optimizer steps either apply whole or change
nothing, and every way a save can fail is a WeightsError naming the path."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.errors import DTypeError, WeightsError, WeightsWriteError


def _model():
    return nn.MLP([3, 4, 2], batchnorm=True, rng=0)


def _snapshot(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def _same(model, snapshot):
    state = model.state_dict()
    return state.keys() == snapshot.keys() and all(
        np.array_equal(state[k], snapshot[k]) for k in state
    )


# ----- load_state_dict: one bad entry, nothing changed --------------------------------------
@pytest.mark.parametrize("bad", [None, "abc", np.array(["a"] * 2), [[1, 2], [3]], object()])
def test_load_state_dict_with_one_bad_late_entry_changes_nothing(bad):
    model = _model()
    before = _snapshot(model)
    new = {k: v + 1.0 for k, v in model.state_dict().items()}
    last = list(new)[-1]
    new[last] = bad
    with pytest.raises(WeightsError, match=rf"nothing was changed.*{last}"):
        model.load_state_dict(new)
    assert _same(model, before)


def test_big_endian_weights_with_the_right_values_are_accepted(tmp_path):
    model = _model()
    state = {k: (v + 0.5).astype(v.dtype.newbyteorder(">")) for k, v in model.state_dict().items()}
    np.savez(tmp_path / "be.npz", **state)
    model.load(tmp_path / "be.npz")
    for k, v in model.state_dict().items():
        assert v.dtype.isnative
        np.testing.assert_array_equal(v, state[k].astype(v.dtype))


# ----- optimizers: a bad late gradient, nothing updated --------------------------------------
@pytest.mark.parametrize("opt_class", [ag.optim.SGD, ag.optim.Adam, ag.optim.Momentum])
@pytest.mark.parametrize("bad", [np.array(["x", "y"]), "ab", np.array([1j, 0j]), [0.1, 0.2]])
def test_optimizer_step_with_a_bad_late_gradient_changes_nothing(opt_class, bad):
    a = ag.Tensor([1.0, 2.0], name="a")
    b = ag.Tensor([3.0, 4.0], name="b")
    a.grad = np.array([0.5, 0.5])
    b.grad = bad
    opt = opt_class([a, b], lr=0.1)
    with pytest.raises(DTypeError, match=r"step: the gradient of parameter b .*nothing was"):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 2.0])
    np.testing.assert_array_equal(b.data, [3.0, 4.0])


@pytest.mark.parametrize("bad_grad", [np.array(["x", "y"]), "ab", np.array([None, None])])
def test_book_optimizer_update_with_a_bad_late_gradient_changes_nothing(bad_grad):
    params = {"W1": np.array([1.0, 2.0]), "W2": np.array([3.0, 4.0])}
    grads = {"W1": np.array([1.0, 1.0]), "W2": bad_grad}
    with pytest.raises(DTypeError, match=r"SGD.update: grads\['W2'\] must be a numeric"):
        ag.book.SGD(lr=0.1).update(params, grads)
    np.testing.assert_array_equal(params["W1"], [1.0, 2.0])


def test_book_optimizer_refuses_integer_params_before_any_update():
    params = {"W1": np.array([1.0, 2.0]), "W2": np.array([3, 4])}
    grads = {"W1": np.array([1.0, 1.0]), "W2": np.array([1.0, 1.0])}
    with pytest.raises(DTypeError, match=r"params\['W2'\] must be a floating-point"):
        ag.book.Adam().update(params, grads)
    np.testing.assert_array_equal(params["W1"], [1.0, 2.0])


# ----- saves: every failure a WeightsError, the old file intact --------------------------------
@pytest.mark.parametrize("save", ["model", "book"])
def test_save_failures_are_weights_errors_and_leave_the_old_file(tmp_path, save):
    model = _model()
    net = ag.book.TwoLayerNet(3, 4, 2, rng=0)
    write = model.save if save == "model" else net.save_params
    target = tmp_path / "w.npz"
    write(target)
    old = target.read_bytes()
    (tmp_path / "dir.npz").mkdir()
    cases = [
        (5, "path must be a str or os.PathLike, got int"),
        (str(tmp_path / "a\0b.npz"), "is not a valid file name"),
        (tmp_path / "dir.npz", "is a folder"),
        (tmp_path / "nope" / "w.npz", "does not exist"),
    ]
    for path, match in cases:
        with pytest.raises(WeightsError, match=match):
            write(path)
    if os.geteuid() != 0:  # root writes into read-only folders
        os.chmod(tmp_path, 0o555)
        try:
            with pytest.raises(WeightsWriteError, match=r"cannot write .*Permission denied"):
                write(target)
        finally:
            os.chmod(tmp_path, 0o755)
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_save_on_a_full_disk_is_a_weights_error(tmp_path, monkeypatch):
    from autograd_lite import serialization

    def full(fd):  # what fsync raises when the disk fills up
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(serialization.os, "fsync", full)
    with pytest.raises(WeightsWriteError, match="No space left on device") as e:
        _model().save(tmp_path / "w.npz")
    assert isinstance(e.value, OSError) and e.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    target = tmp_path / "w.npz"
    # A process that exits leaves a pid that is no longer alive.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".w.npz.tmp-{dead}-abc.npz"
    stale.write_bytes(b"x" * 1000)
    alive = tmp_path / f".w.npz.tmp-{os.getppid()}-abc.npz"  # a live writer's file is kept
    alive.write_bytes(b"y")
    other = tmp_path / f".other.npz.tmp-{dead}-abc.npz"  # another path's temporary is kept
    other.write_bytes(b"z")
    _model().save(target)
    assert not stale.exists()
    assert alive.exists() and other.exists()
    stale.write_bytes(b"x")
    _model().load(target)
    assert not stale.exists()
