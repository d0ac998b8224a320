"""Japanese in pictures with pip alone: the ``ja`` extra's font reaches the graph renderer and
matplotlib, and ``doctor`` tells glyphs from empty boxes by their pixels.

The font comes with the ``ja`` extra, which ``demo`` pulls in (``make test`` installs
``.[test,demo]``): these tests need it and fail without it. The fallback case (no font) runs in
a subprocess, because the graph library reads its font configuration once per process.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.viz import fonts
from autograd_lite.viz.backends import pipe

Image = pytest.importorskip("PIL.Image")  # pillow: the demo extra, as the font


def _plaintext_png(text: str) -> np.ndarray:
    source = (f'digraph {{ node [shape=plaintext fontname="Helvetica" fontsize=28]; '
              f'a [label="{text}"]; }}')
    return np.asarray(Image.open(io.BytesIO(pipe(source, "png"))).convert("L"))


def _same_pixels(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b)


def test_the_ja_extra_is_installed():
    font = fonts.japanese_font()
    assert font is not None, 'the font of the ja extra is missing: pip install -e ".[test,demo]"'
    assert font.name == "ipaexg.ttf" and font.stat().st_size > 1_000_000


def test_graph_pictures_draw_japanese_glyphs():
    assert fonts.glyphs_drawn(_plaintext_png("一一一"))
    apple, tax = _plaintext_png("りんご"), _plaintext_png("消費税")
    tofu = _plaintext_png("\ue000\ue001\ue002")  # private-use code points: no font has them
    assert not fonts.glyphs_drawn(tofu)
    assert not _same_pixels(apple, tax)
    assert not _same_pixels(apple, tofu) and not _same_pixels(tax, tofu)
    # glyphs have strokes of their own: the two words differ in many more pixels than the
    # hex digits of two rows of tofu boxes do (13% against 3% of the pixels, measured)
    assert np.mean(np.abs(apple.astype(int)[:, :60] - tax.astype(int)[:, :60]) > 64) > 0.08


def test_the_user_fontconfig_is_not_touched_and_the_environment_is_restored(monkeypatch,
                                                                              tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    with fonts.fontconfig_environment() as env:
        conf = env["FONTCONFIG_FILE"]
        assert os.environ["FONTCONFIG_FILE"] == conf
    assert "FONTCONFIG_FILE" not in os.environ
    assert conf.startswith(str(tmp_path / "cache" / "autograd_lite"))
    text = Path(conf).read_text(encoding="utf-8")
    assert str(fonts.japanese_font().parent) in text
    mine = tmp_path / "mine.conf"
    mine.write_text("<fontconfig/>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(mine))
    with fonts.fontconfig_environment() as env:
        text = Path(env["FONTCONFIG_FILE"]).read_text(encoding="utf-8")
        assert f'<include ignore_missing="yes">{mine}</include>' in text
    assert os.environ["FONTCONFIG_FILE"] == str(mine)
    assert mine.read_text() == "<fontconfig/>"


def test_without_the_font_doctor_sees_empty_boxes(tmp_path):
    # A fresh process whose renderer never saw the font: the same check must say so. Its
    # fontconfig knows only matplotlib's DejaVu fonts, so a machine that happens to have a
    # Japanese system font gives the same answer.
    matplotlib = pytest.importorskip("matplotlib")
    latin = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    conf = tmp_path / "latin-only.conf"
    conf.write_text(f"<fontconfig><dir>{latin}</dir><cachedir>{tmp_path / 'cache'}</cachedir>"
                    "</fontconfig>", encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    code = textwrap.dedent("""
        import sys
        import autograd_lite.viz.fonts as fonts
        fonts.japanese_font = lambda: None
        from autograd_lite.cli.main import main
        sys.exit(main(["doctor"]))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False, env=env)
    assert "graph pictures  FAILS: empty boxes" in done.stdout, done.stdout + done.stderr
    assert "plots           FAILS: empty boxes" in done.stdout
    assert 'pip install "autograd-lite[ja]"' in done.stdout


def test_doctor_reports_the_glyphs(capsys):
    from autograd_lite.cli.main import main

    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "graph pictures  glyphs: IPAex Gothic" in out
    assert "plots           glyphs: IPAex Gothic" in out


def test_plots_fall_back_to_the_japanese_font_only_where_needed(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def drawn(fallback: bool) -> np.ndarray:
        fig = Figure(figsize=(3, 1), dpi=100)
        fig.text(0.1, 0.4, "一一一", fontsize=28)
        latin = fig.text(0.1, 0.1, "loss")
        if fallback:
            assert fonts.matplotlib_fallback(fig)
            assert "IPAexGothic" not in latin.get_fontfamily()
        canvas = FigureCanvasAgg(fig)
        with pytest.warns(UserWarning, match="missing") if not fallback else _nothing():
            canvas.draw()
        return np.asarray(canvas.buffer_rgba())[:70, :, :3].mean(axis=2)

    assert fonts.glyphs_drawn(drawn(True))
    assert not fonts.glyphs_drawn(drawn(False))


def test_plot_history_with_a_japanese_title_has_no_missing_glyphs(tmp_path):
    import warnings

    from autograd_lite.history import History

    h = History(has_test=False)
    for epoch, loss in enumerate([1.0, 0.5, 0.25], start=1):
        h.record(epoch, loss, 0.5, None, None, 0.1)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        path = ag.plot_history(h, tmp_path / "曲線.png", title="学習曲線 (損失)")
    assert os.path.getsize(path) > 1000


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
