"""demos/convnet.py runs at its tiny size and writes its four pictures."""

from __future__ import annotations

import pytest
from test_demos import assert_png, load

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"

pytest.importorskip("matplotlib", reason="the demos need the demo extra")
pytest.importorskip("sklearn")


def test_convnet_demo_trains_and_draws(tmp_path):
    result = load("convnet").main(out=tmp_path, tiny=True)
    history = result["history"]
    assert len(history["test"]) == 3 and history["loss"][-1] < history["loss"][0]
    assert 0.5 < result["test_accuracy"] <= 1.0  # 10 classes: chance is 0.1
    names = sorted(p.name for p in result["figures"])
    assert names == ["accuracy.png", "feature_maps.png", "filters.png", "graph.png"]
    for path in result["figures"]:
        assert_png(path)
    model = result["model"]
    assert model[0].W.shape == (32, 1, 3, 3)
