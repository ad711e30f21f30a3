"""A CJK font for every chart, found without touching the network or the user's config.

The font comes from the ``mplfonts`` pip package, which ships Noto Sans CJK SC
in its ``fonts/`` folder. We only *read* that folder (located with
:func:`importlib.util.find_spec`, so mplfonts' own code never runs and never
writes a matplotlibrc); the file is registered with matplotlib's
``fontManager`` for this process only. When mplfonts is missing we fall back to
a CJK font already installed on the system, and raise :class:`RuntimeError`
with a clear message when there is none.

Charts use the font through :func:`cjk_rc`, a dictionary for
:func:`matplotlib.rc_context`, so no global matplotlib state is changed.
"""
from __future__ import annotations

import importlib.util
import unicodedata
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

__all__ = ["cjk_font", "cjk_font_path", "cjk_rc", "font_covers"]

#: Font files looked for in mplfonts' ``fonts/`` folder, best first.
MPLFONTS_FILES = (
    "NotoSansCJKsc-Regular.otf",
    "SourceHanSansSC-Regular.otf",
    "SimHei.ttf",
)

#: Family names of system fonts that cover simplified Chinese, best first.
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)


def _mplfonts_dir() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "fonts"
        if folder.is_dir():
            return folder
    return None


def _system_cjk_path() -> Path | None:
    by_name: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    for family in SYSTEM_CJK_FAMILIES:
        if family in by_name:
            return Path(by_name[family])
    return None


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of the CJK font file used for charts and word clouds.

    Prefers Noto Sans CJK SC from the ``mplfonts`` package, then a system CJK
    font; the file is registered with matplotlib's font manager.

    >>> cjk_font_path().name
    'NotoSansCJKsc-Regular.otf'
    """
    folder = _mplfonts_dir()
    path: Path | None = None
    if folder is not None:
        for name in MPLFONTS_FILES:
            if (folder / name).is_file():
                path = folder / name
                break
    if path is None:
        path = _system_cjk_path()
    if path is None:
        raise RuntimeError(
            "No font covering Chinese was found: install the `mplfonts` package "
            "(pip install mplfonts, it ships Noto Sans CJK SC) or a system CJK font "
            "such as fonts-noto-cjk."
        )
    font_manager.fontManager.addfont(str(path))
    return path


@lru_cache(maxsize=1)
def _family_name() -> str:
    return font_manager.FontProperties(fname=str(cjk_font_path())).get_name()


def cjk_font(size: float | None = None) -> font_manager.FontProperties:
    """A :class:`~matplotlib.font_manager.FontProperties` for the CJK font.

    Use it for any text drawn outside :func:`cjk_rc`, e.g.
    ``ax.set_title("主题占比", fontproperties=cjk_font(12))``.
    """
    return font_manager.FontProperties(fname=str(cjk_font_path()), size=size)


def cjk_rc(base_size: float = 11.0) -> dict:
    """rcParams that make matplotlib draw Chinese, for :func:`matplotlib.rc_context`.

    ``with matplotlib.rc_context(cjk_rc()): fig.savefig(...)`` renders
    "各组主题占比" with the CJK font, uses an ASCII hyphen for minus signs and
    keeps text in SVG files as outlines, so they show without the font.
    """
    family = _family_name()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "font.size": base_size,
        "axes.titlesize": base_size + 2,
        "axes.labelsize": base_size,
        "xtick.labelsize": max(10.0, base_size - 1),
        "ytick.labelsize": max(10.0, base_size - 1),
        "legend.fontsize": max(10.0, base_size - 1),
        "figure.titlesize": base_size + 4,
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "speechkit",
        "pdf.fonttype": 42,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
    }


@lru_cache(maxsize=8)
def _cmap(font_path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(font_path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or {})


def font_covers(text: str, font_path: str | Path | None = None) -> set[str]:
    """Characters of ``text`` the font has NO glyph for (empty set = all covered).

    Whitespace and control characters are ignored, since they are never drawn.

    >>> font_covers("各组主题占比 2024年 ≥50%")
    set()
    """
    path = str(font_path) if font_path is not None else str(cjk_font_path())
    cmap = _cmap(path)
    return {
        ch
        for ch in set(text)
        if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf") and ord(ch) not in cmap
    }


def embedded_font_css(text: str, family: str = "speechkit CJK") -> str:
    """An ``@font-face`` rule carrying the CJK font, subset to the characters of ``text``.

    The report embeds it so that its Chinese text renders on any machine, even one
    without CJK fonts (no tofu boxes, no network). Uses fontTools (a matplotlib
    dependency); returns ``""`` when subsetting is impossible.

    >>> css = embedded_font_css("妇女儿童工作")
    >>> css.startswith("@font-face") and "base64," in css
    True
    """
    import base64
    import io

    try:
        from fontTools import subset
    except ImportError:  # pragma: no cover - fontTools ships with matplotlib
        return ""
    chars = {ch for ch in text if ord(ch) > 0x7F} | set("0123456789%.,:;-·…（）《》“”")
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    try:
        font = subset.load_font(str(cjk_font_path()), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars])
        subsetter.subset(font)
        buf = io.BytesIO()
        font.save(buf)
    except Exception:  # a broken font file must not stop the report
        return ""
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'@font-face {{ font-family: "{family}"; src: url(data:font/otf;base64,{data}) format("opentype"); }}\n'
