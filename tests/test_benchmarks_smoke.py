"""The benchmark suite still runs (tiny sizes, no timing asserts) and its baselines are right."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from benchmarks import __main__ as bench
from benchmarks import chains, harness, training
from benchmarks.baselines import BookTwoLayerNet, FlatTwoLayerNet

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"


def _start(dtype=np.float64, n=5):
    rng = np.random.default_rng(0)
    params = training.initial_params(rng, dtype)
    x, t = training.batch(rng, n, dtype)
    return params, x, t


def _after_one_step(make, params, x, t) -> dict:
    runner = make({k: v.copy() for k, v in params.items()})
    runner.step(x, t)
    return runner.params() if callable(runner.params) else runner.params


@pytest.mark.parametrize("n", [1, 5])
def test_baselines_and_engine_make_the_same_sgd_update(n):
    params, x, t = _start(n=n)
    book = _after_one_step(BookTwoLayerNet, params, x, t)
    flat = _after_one_step(FlatTwoLayerNet, params, x, t)
    api = _after_one_step(training.TensorAPIStep, params, x, t)
    for key in params:
        assert np.any(book[key] != params[key])  # the step moved every parameter
        np.testing.assert_allclose(flat[key], book[key], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(api[key], book[key], rtol=1e-12, atol=1e-14)


def test_book_baseline_matches_the_engine_gradient():
    params, x, t = _start(n=4)
    grads = BookTwoLayerNet({k: v.copy() for k, v in params.items()}).gradient(x, t)
    tensors = {k: ag.Tensor(v) for k, v in params.items()}
    h = ag.relu(ag.affine(x, tensors["W1"], tensors["b1"]))
    ag.softmax_with_loss(ag.affine(h, tensors["W2"], tensors["b2"]), t).backward()
    for key, tensor in tensors.items():
        np.testing.assert_allclose(grads[key], tensor.grad, rtol=1e-10, atol=1e-14)


def test_chain_baseline_matches_the_engine():
    x, y = chains.ag_chain(10)
    y.backward(np.ones(chains.SIZE))
    np.testing.assert_allclose(chains.numpy_forward(10)[-1], y.data)
    np.testing.assert_allclose(chains.numpy_forward_backward(10), x.grad)


def test_interleaved_times_every_candidate_every_round():
    calls = []
    candidates = [harness.Candidate(name, lambda name=name: calls.append(name)) for name in "abc"]
    harness.interleaved(candidates, rounds=3, block_seconds=0.0, warmup_blocks=0)
    assert [len(c.times) for c in candidates] == [3, 3, 3]
    assert set(calls) == {"a", "b", "c"}


def test_quick_run_prints_tables_and_writes_results_only_where_asked(tmp_path, capsys):
    results = bench.RESULTS
    before = results.read_text(encoding="utf-8") if results.exists() else None
    target = tmp_path / "results.md"
    assert bench.main(["--quick", "--results", str(target)]) == 0
    printed = capsys.readouterr().out
    assert "book-style NumPy layers | 1.00" in printed
    assert "autograd_lite Tensor API" in printed
    assert "Per-node overhead" in printed and "peak bytes/node" in printed
    assert "Targets (issue 7): quick sizes, not comparable" in printed
    text = target.read_text(encoding="utf-8")
    assert "## Environment" in text and "NumPy: " + np.__version__ in text
    assert "Training step" in text
    after = results.read_text(encoding="utf-8") if results.exists() else None
    assert after == before  # the smoke run never overwrites the committed results


def test_the_floor_gives_the_engines_gradient_and_runs(capsys):
    from benchmarks import floor

    x1, y1 = floor.engine_chain(20)
    y1.backward(np.ones(chains.SIZE))
    x2, y2 = floor.floor_chain(20)
    floor.floor_backward(y2, np.ones(chains.SIZE))
    np.testing.assert_allclose(x2.grad, x1.grad, rtol=1e-12)
    assert floor.main(["--nodes", "20", "--rounds", "2"]) == 0
    assert "floor" in capsys.readouterr().out
    assert floor.main(["--batch", "2", "--rounds", "2"]) == 0  # checks all four make one update
    assert "ops alone, no engine" in capsys.readouterr().out


def test_convnet_baseline_and_engine_make_the_same_update():
    from benchmarks import convnet

    rng = np.random.default_rng(0)
    params = convnet.initial_params(rng, np.float64)
    x, t = convnet.batch(rng, 3, np.float64)
    book = convnet.BookStep({k: v.copy() for k, v in params.items()})
    ours = convnet.AgBookStep({k: v.copy() for k, v in params.items()})
    book.step(x, t)
    ours.step(x, t)
    for key in params:
        assert np.any(book.params()[key] != params[key])
        np.testing.assert_allclose(ours.params()[key], book.params()[key], rtol=1e-10, atol=1e-14)
    notes = []
    result = convnet.measure(2, 1, notes, block_seconds=0.0)
    assert convnet.REFERENCE in result and "ratio" in convnet.table(result)
