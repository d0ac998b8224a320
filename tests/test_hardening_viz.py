"""Rendering with hostile text and at scale: lone surrogates in names, a walk bounded by
max_nodes on a long chain, Graphviz silenced without touching file descriptor 2."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import autograd_lite as ag
from autograd_lite.viz import backends
from autograd_lite.viz.graph import build, walk


def _chain(n):
    x = ag.Tensor(1.0, name="x")
    y = x
    for _ in range(n):
        y = y * 1.0001
    return x, y


@pytest.mark.parametrize("name", ["\udc80", "a\ud800b", "りんご\udfff", "\ud83d"])
def test_a_name_with_a_lone_surrogate_draws_and_saves(tmp_path, name):
    x = ag.Tensor([1.0, 2.0], name=name)
    y = (x * 2).sum()
    source = ag.to_dot(y, values=True).source
    source.encode("utf-8")  # raised UnicodeEncodeError before
    for c in name:
        if 0xD800 <= ord(c) < 0xE000:
            assert f"\\u{ord(c):04x}" in source  # shown as its escape
    ag.render(y, tmp_path / "g.dot", values=True)
    assert source in (tmp_path / "g.dot").read_text(encoding="utf-8")
    ag.render(y, tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_bytes().lstrip().startswith((b"<?xml", b"<svg"))


def test_max_nodes_stops_the_walk_on_a_long_chain():
    x, y = _chain(30_000)
    assert len(walk([y], limit=1_000)) == 1_000
    graph = build([y], limit=1_000)
    kinds = [v.kind for v in graph.vertices]
    assert kinds.count("cut") == 1 and "param" not in kinds  # x lies beyond the limit
    source = ag.to_dot(y, max_nodes=10).source
    assert "earlier part of the graph, not drawn" in source
    assert source.count("->") < 60


def test_max_nodes_on_a_graph_within_the_limit_draws_it_whole():
    x, y = _chain(300)
    source = ag.to_dot(y, max_nodes=20).source
    assert "not drawn" not in source
    assert "nodes summarised" in source and "x" in source


def test_graphviz_warnings_are_collected_not_printed(capfd):
    pytest.importorskip("pygraphviz")
    backends._pygraphviz("digraph { a -> b }", "svg")  # the first draw initialises fontconfig
    capfd.readouterr()
    data = backends._pygraphviz("digraph { a [color=notacolor]; a -> b }", "svg")
    assert data.lstrip().startswith((b"<?xml", b"<svg"))
    err = capfd.readouterr().err
    assert "notacolor" not in err


def test_rendering_does_not_lose_what_other_threads_print():
    pytest.importorskip("pygraphviz")
    script = textwrap.dedent("""
        import os, threading, time
        import autograd_lite as ag
        from autograd_lite.viz import backends
        backends.BACKENDS = (("pygraphviz", backends._pygraphviz),)
        x = ag.Tensor([1.0, 2.0], name="x")
        y = (x * 2).sum()
        ag.render(y, os.environ["OUT"])
        stop = []
        count = []
        def writer():
            i = 0
            while not stop:
                os.write(2, b"line\\n")
                i += 1
                time.sleep(0.0005)
            count.append(i)
        t = threading.Thread(target=writer)
        t.start()
        for _ in range(15):
            ag.render(y, os.environ["OUT"])
        stop.append(1)
        t.join()
        print(count[0])
    """)
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"harden-{os.getpid()}.png")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=dict(os.environ, OUT=out), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    written = int(result.stdout.strip())
    assert written > 0
    assert result.stderr.count("line\n") == written
    os.unlink(out)


def test_a_nul_in_a_picture_path_is_a_render_error(tmp_path):
    y = (ag.Tensor([1.0]) * 2).sum()
    with pytest.raises(ag.RenderError, match=r"render: path .* is not a valid file name"):
        ag.render(y, str(tmp_path / "a\0.png"))
    assert list(tmp_path.iterdir()) == []
