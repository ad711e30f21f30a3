"""Tests for speechkit.fonts: a CJK font found offline, registered, and checked for coverage."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager

from speechkit import fonts
from speechkit.fonts import cjk_font, cjk_font_path, cjk_rc, font_covers

DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@pytest.fixture
def fresh_font_lookup():
    """Forget the cached font path before and after a test that changes the lookup."""
    cjk_font_path.cache_clear()
    fonts._family_name.cache_clear()
    yield
    cjk_font_path.cache_clear()
    fonts._family_name.cache_clear()


def test_font_comes_from_mplfonts_package():
    path = cjk_font_path()
    assert path.is_file()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert path.parent.name == "fonts" and path.parent.parent.name == "mplfonts"


def test_font_is_registered_with_matplotlib():
    prop = cjk_font()
    assert prop.get_name() == "Noto Sans CJK SC"
    # the family name now resolves to the file, without any system font
    found = font_manager.findfont(font_manager.FontProperties(family=["Noto Sans CJK SC"]),
                                  fallback_to_default=False)
    assert Path(found) == cjk_font_path()


def test_rc_puts_cjk_font_first_and_ascii_minus():
    rc = cjk_rc()
    assert rc["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert rc["axes.unicode_minus"] is False
    assert min(rc[k] for k in ("xtick.labelsize", "ytick.labelsize", "legend.fontsize")) >= 10
    with matplotlib.rc_context(rc):
        resolved = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert Path(resolved) == cjk_font_path()


def test_font_covers_chinese_labels_and_punctuation():
    text = "各组主题平均占比（%）：妇女就业、儿童健康 2024年 ≥50% G² · …"
    assert font_covers(text) == set()


def test_font_covers_reports_missing_characters():
    # DejaVu Sans has Latin glyphs but no Chinese ones
    assert font_covers("妇女 ab", DEJAVU) == {"妇", "女"}
    # Egyptian hieroglyphs are outside Noto Sans CJK; whitespace is never reported
    assert font_covers("妇女\n\t 𓀀") == {"𓀀"}


def test_lookup_does_not_run_mplfonts_code():
    """Only the font file is read: mplfonts' own init (which may write a matplotlibrc) never runs."""
    code = ("import sys; from speechkit.fonts import cjk_font_path; cjk_font_path(); "
            "print('mplfonts' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_falls_back_to_system_font(monkeypatch, fresh_font_lookup):
    monkeypatch.setattr(fonts, "_mplfonts_dir", lambda: None)
    monkeypatch.setattr(fonts, "SYSTEM_CJK_FAMILIES", ("No Such Family", "DejaVu Sans"))
    assert cjk_font_path().name.startswith("DejaVuSans")


def test_no_font_raises_clear_error(monkeypatch, fresh_font_lookup):
    monkeypatch.setattr(fonts, "_mplfonts_dir", lambda: None)
    monkeypatch.setattr(fonts, "SYSTEM_CJK_FAMILIES", ("No Such Family",))
    with pytest.raises(RuntimeError, match="mplfonts"):
        cjk_font_path()


# ---------------------------------------------------------------------------
# subsets cached by content
# ---------------------------------------------------------------------------

def test_subset_cache_is_reused_for_the_same_text_and_invalidated_by_other_text(tmp_path, monkeypatch):
    monkeypatch.setenv("SPEECHKIT_CACHE_DIR", str(tmp_path))
    made = []
    real = fonts._make_subset
    monkeypatch.setattr(fonts, "_make_subset", lambda chars, purpose: made.append(chars) or real(chars, purpose))
    first = fonts.subset_font_file("妇女儿童工作")
    again = fonts.subset_font_file("工作儿童妇女")                  # the same characters
    other = fonts.subset_font_file("妇女儿童工作会议")               # one more: another subset
    assert first == again and first != other and len(made) == 2
    assert first.parent == tmp_path / "fonts" and first.stat().st_size > 0
    from fontTools.ttLib import TTFont

    with TTFont(str(other)) as font:
        cmap = font.getBestCmap()
    assert {ord(c) for c in "妇女儿童工作会议"} <= set(cmap) and ord("国") not in cmap


def test_embedded_font_css_is_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("SPEECHKIT_CACHE_DIR", str(tmp_path))
    fonts._web_subset.cache_clear()
    made = []
    real = fonts._make_subset
    monkeypatch.setattr(fonts, "_make_subset", lambda chars, purpose: made.append(chars) or real(chars, purpose))
    css = fonts.embedded_font_css("各组主题占比")
    fonts._web_subset.cache_clear()                                   # a new process: read from disk
    assert fonts.embedded_font_css("比占题主组各") == css and len(made) == 1
    assert fonts.embedded_font_css("各组主题占比与趋势") != css and len(made) == 2
    fonts._web_subset.cache_clear()


def test_read_only_font_cache_falls_back_without_leaving_temp_folders(tmp_path, monkeypatch):
    import tempfile

    from speechkit import io as skio

    monkeypatch.setenv("SPEECHKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def refuse(path, data):
        raise PermissionError(13, "read-only", str(path))

    monkeypatch.setattr(skio, "atomic_write_bytes", refuse)
    fonts._web_subset.cache_clear()
    assert fonts.subset_font_file("妇女儿童工作") is None              # the clouds draw with the full font
    css = fonts.embedded_font_css("妇女儿童工作")                      # the page still gets its font
    fonts._web_subset.cache_clear()
    assert css.startswith("@font-face") and "base64," in css
    assert list((tmp_path / "tmp").iterdir()) == []                    # nothing left behind
    assert not list((tmp_path / "cache").rglob("*.otf"))


def test_font_cache_keeps_the_newest_entries_within_its_bounds(tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("SPEECHKIT_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "fonts"
    folder.mkdir()
    for k in range(6):   # six old entries of 1 kB, oldest first
        entry = folder / f"{k:064x}.otf"
        entry.write_bytes(b"x" * 1000)
        os.utime(entry, ns=(10**18 + k * 10**9, 10**18 + k * 10**9))
    removed = fonts.trim_font_cache(max_entries=4)
    assert sorted(p.name for p in removed) == [f"{0:064x}.otf", f"{1:064x}.otf"]
    removed = fonts.trim_font_cache(max_entries=10, max_bytes=2500)    # a byte bound: the newest two fit
    assert sorted(p.stem[-1] for p in removed) == ["2", "3"]
    assert sorted(p.stem[-1] for p in folder.glob("*.otf")) == ["4", "5"]


def test_a_font_cache_hit_counts_as_recent_and_a_new_subset_trims_the_cache(tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("SPEECHKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fonts, "FONT_CACHE_MAX_ENTRIES", 2)
    monkeypatch.setattr(fonts, "trim_font_cache", lambda keep=None, f=fonts.trim_font_cache: f(2, keep=keep))
    first = fonts.subset_font_file("妇女")
    second = fonts.subset_font_file("儿童")
    for k, path in enumerate((first, second)):     # written long ago, first the oldest
        os.utime(path, ns=(10**18 + k, 10**18 + k))
    assert fonts.subset_font_file("女妇") == first   # a hit: first is now the newest
    third = fonts.subset_font_file("工作")           # a third subset: the least recently used (second) goes
    assert first.is_file() and third.is_file() and not second.is_file()


def test_harfbuzz_subsets_draw_the_pixels_of_fonttools_subsets():
    """hb-subset (fast) and fontTools' subsetter (the fallback) cut the same glyphs: PIL draws the same pixels."""
    import io

    from fontTools.ttLib import TTFont
    from PIL import Image, ImageDraw, ImageFont

    text = "妇女儿童发展纲要实施情况：2024年覆盖率达到95%以上（同比提高3.5个百分点）。"
    chars = frozenset(text) | fonts._ALWAYS_KEPT
    fast, slow = fonts._harfbuzz_subset(chars, "draw"), fonts._fonttools_subset(chars, "draw")
    for size in (14, 31, 64):
        drawn = []
        for data in (fast, slow):
            image = Image.new("L", (size * len(text), size * 2), 0)
            ImageDraw.Draw(image).text((0, 0), text, font=ImageFont.truetype(io.BytesIO(data), size), fill=255)
            drawn.append(image.tobytes())
        assert drawn[0] == drawn[1]
    with TTFont(io.BytesIO(fast)) as font:
        assert {ord(c) for c in text} <= set(font.getBestCmap()) and ord("国") not in font.getBestCmap()
    with TTFont(io.BytesIO(fonts._harfbuzz_subset(chars, "web"))) as font:
        assert "GSUB" in font and font["GSUB"].table.FeatureList.FeatureCount > 0  # the browser shapes with them
