"""Gradients of gradients as a learner meets them: what the demo and the tutorials ran into.

Each test marked ``xfail(strict=True)`` is a known bug in the core (engine, viz, optim), found
while writing ``demos/higher_order.py`` and the docs; the reason says what goes wrong. When the
core is fixed the test passes, strict xfail turns that into a failure, and the marker goes.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import autograd_lite as ag


@pytest.mark.xfail(
    strict=True,
    raises=ag.NotDifferentiableError,
    reason="viz (viz/format.py) formats a leaf's .grad with np.asarray; after backward(create_graph=True) the "
    ".grad is a Tensor that requires a gradient, so to_dot(..., grads=True) raises "
    "NotDifferentiableError instead of drawing its value",
)
def test_graph_picture_with_grads_after_backward_create_graph():
    a = ag.Tensor(1.5, name="a")
    y = a**3
    y.backward(create_graph=True)
    assert isinstance(a.grad, ag.Tensor)
    source = ag.to_dot(y, grads=True).source
    assert "6.75" in source  # dy/da = 3 a^2 = 6.75, drawn on the leaf a


@pytest.mark.xfail(
    strict=True,
    raises=ag.NotDifferentiableError,
    reason="optimizers (optim/rules.py) update p.grad's array in place (np.multiply(..., out=)); after "
    "backward(create_graph=True) p.grad is a Tensor and step() raises NotDifferentiableError "
    "about np.multiply's out=, which the user never wrote (PyTorch's step uses the values)",
)
def test_optimizer_step_after_backward_create_graph_uses_the_gradient_values():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    W0 = rng.normal(size=(3, 2))
    W = ag.Tensor(W0.copy(), name="W")
    opt = ag.optim.SGD([W], lr=0.1)
    loss = ag.softmax_with_loss(x @ W, labels)
    loss.backward(create_graph=True)
    expected = W0 - 0.1 * W.grad.data
    opt.step()
    np.testing.assert_allclose(W.data, expected, rtol=1e-12)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 12, item 8: autograd_lite/__init__.py imports viz, book, data and training "
    "eagerly, so `import autograd_lite.engine` loads graphviz and about 60 modules",
)
def test_importing_the_engine_loads_no_pictures_or_extras():
    code = (
        "import sys\n"
        "import autograd_lite.engine, autograd_lite.tensor\n"
        "heavy = ('graphviz', 'pygraphviz', 'matplotlib', 'sklearn', 'autograd_lite.viz')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]", out
